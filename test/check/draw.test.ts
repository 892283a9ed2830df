/**
 * `cdk8s-tracing check --draw <folder>`: the picture of each file it reads, drawn from the wiring
 * it resolved. Files drawn together: an address that one file uses and another file's Service
 * serves is drawn as that file's component, as synthesis draws the charts of one app.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { buildApp } from '../../main';
import { synthesizeApp } from '../../constructs';
import { runCli } from '../_support/check-cli';
import { k8sSchemaDir } from '../_support/k8s-schema';
import { describeWithSchemas } from '../_support/validate-manifests';
import { parseXml } from '../_support/xml';

/** An SVG file's text with Graphviz's character references for '-' read back. */
const svgText = (file: string) => readFileSync(file, 'utf8').replace(/&#45;/g, '-');

const run = (args: readonly string[], cwd: string) => runCli(args, { cwd });

describeWithSchemas()('cdk8s-tracing check --draw', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'check-draw-'));
  synthesizeApp(buildApp({ outdir }), { diagrams: false });
  const pictures = join(outdir, 'pictures');
  const files = ['jaeger-production.k8s.yaml', 'tempo-production.k8s.yaml', 'trace-pipeline.k8s.yaml'];
  const result = run(['check', '--schemas', k8sSchemaDir(), '--draw', pictures, ...files], outdir);

  test('draws each file as <name>.svg and <name>.md, and says so on stderr; the check itself is unchanged', () => {
    expect(result.code).toBe(0);
    expect(readdirSync(pictures).sort()).toStrictEqual(['jaeger-production', 'tempo-production', 'trace-pipeline'].flatMap(n => [`${n}.md`, `${n}.svg`]));
    expect(result.stderr).toBe(`cdk8s-tracing: drew 3 picture(s) in ${pictures}: jaeger-production, tempo-production, trace-pipeline\n`);
    expect(result.stdout).toMatch(/^OK 0 errors, 0 warnings/m);
  });

  test('the pictures are well-formed SVG and Mermaid naming the components', () => {
    expect(parseXml(readFileSync(join(pictures, 'trace-pipeline.svg'), 'utf8')).name).toBe('svg');
    const svg = svgText(join(pictures, 'trace-pipeline.svg'));
    for (const name of ['otel-agent', 'otel-sampling-lb', 'otel-sampling', 'checkout', 'payments']) expect(svg).toContain(`>${name}<`);
    const md = readFileSync(join(pictures, 'trace-pipeline.md'), 'utf8');
    expect(md).toMatch(/^# trace-pipeline: how spans flow\n[\s\S]*\n```mermaid\nflowchart LR\n[\s\S]*\n```\n$/);
    expect(md).toContain('otel-sampling-lb');
  });

  test('what another file serves is drawn as that file\'s component, not as an unresolved address', () => {
    const svg = svgText(join(pictures, 'trace-pipeline.svg'));
    expect(svg).toContain('stack jaeger-production');
    expect(svg).toContain('stack tempo-production');
    expect(svg).not.toContain('unresolved address');
    // Drawn alone, the same file cannot know them.
    const alone = join(outdir, 'alone');
    expect(run(['check', '--schemas', k8sSchemaDir(), '--draw', alone, 'trace-pipeline.k8s.yaml'], outdir).code).toBe(0);
    expect(svgText(join(alone, 'trace-pipeline.svg'))).toContain('unresolved address');
  });

  test('fails with exit 2 and a message when the folder cannot be written', () => {
    const blocked = run(['check', '--schemas', k8sSchemaDir(), '--draw', join(outdir, 'jaeger-dev.k8s.yaml', 'x'), 'jaeger-dev.k8s.yaml'], outdir);
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toMatch(/^cdk8s-tracing: --draw .*: cannot be written \(E[A-Z]+\)\n$/);
    expect(existsSync(join(outdir, 'jaeger-dev.k8s.yaml', 'x'))).toBe(false);
  });
});
