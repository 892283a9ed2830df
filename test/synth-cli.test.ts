import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

const root = resolve(__dirname, '..');
const cdk8s = join(root, 'node_modules', '.bin', 'cdk8s');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

/** The CLI arguments of package.json's `synth` script, as `npm run synth` passes them (its stdout redirect aside). */
const script: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.synth;
const synthArgs = /^cdk8s (synth\b[^>]*?)\s*(>.*)?$/.exec(script)?.[1].split(/\s+/);

/**
 * Runs `cdk8s` with `args` (by default the script's) on `appFile`, into a fresh output directory.
 * `latestCli` fakes the CLI's cached answer to "what is the latest cdk8s-cli?" (its upgrade check
 * reads ~/.cdk8s-cli.version for 30 minutes before asking the registry).
 */
function synth(appFile: string, options: { args?: string[]; latestCli?: string } = {}) {
  if (!synthArgs) throw new Error(`package.json scripts.synth is not a cdk8s synth command: ${script}`);
  const dir = mkdtempSync(join(tmpdir(), 'cdk8s-synth-'));
  const out = join(dir, 'dist');
  writeFileSync(join(dir, 'cdk8s.yaml'), `language: typescript\napp: ${tsx} ${appFile}\n`);
  // Without the caller's CDK8S_* settings, so that only the flags count.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CDK8S_')));
  if (options.latestCli) {
    writeFileSync(join(dir, '.cdk8s-cli.version'), options.latestCli);
    env.HOME = dir;
  }
  const run = spawnSync(cdk8s, [...(options.args ?? synthArgs), '--output', out], { cwd: dir, encoding: 'utf8', timeout: 120_000, env });
  return { ...run, out };
}

describe('cdk8s synth', () => {
  test("npm run synth's invocation does not check for a CLI upgrade (plain `cdk8s synth` does, and warns on stderr)", () => {
    const app = join(root, 'main.ts');
    expect(synth(app, { args: ['synth'], latestCli: '99.0.0' }).stderr).toMatch(/A new version 99\.0\.0 of cdk8s-cli is available/);
    expect(synth(app, { latestCli: '99.0.0' }).stderr).toBe('');
  });

  test('the default app writes one manifest file per example stack and its pictures (SVG, Mermaid), printing nothing on stderr', () => {
    const run = synth(join(root, 'main.ts'));
    expect({ status: run.status, stderr: run.stderr }).toStrictEqual({ status: 0, stderr: '' });
    expect(readdirSync(run.out).sort()).toStrictEqual(['jaeger-dev', 'jaeger-operator', 'jaeger-production', 'tempo-monolithic', 'tempo-production', 'trace-pipeline']
      .flatMap(stack => [`${stack}.k8s.yaml`, `${stack}.md`, `${stack}.svg`]));
  });

  test('fails if the app is invalid, reporting every error, and writes nothing', () => {
    const run = synth(join(root, 'test', 'fixtures', 'invalid-app.ts'));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/synthesis refused, 6 error\(s\)/);
    expect(run.stderr).toMatch(/Deployment 'jaeger' is defined by both clash\/tracing\/Jaeger\/Resource and clash\/second\/Resource/);
    expect(run.stderr).toMatch(/Service 'jaeger' is defined by both/);
    expect(existsSync(run.out) ? readdirSync(run.out) : []).toStrictEqual([]);
  });
});
