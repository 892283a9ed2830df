/**
 * Every example stack checks clean with `cdk8s-tracing check`, run with the options of the
 * `.ci/run` step that checks dist/ (read from that file, so that the two cannot drift apart), on
 * the stacks synthesized afresh to files as `npm run synth` writes them. What is left are notes,
 * and they are exactly what the charts' Prerequisites declare: the Secrets users create and the
 * endpoints outside the stacks.
 */
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { performance } from 'perf_hooks';
import { buildApp } from '../../main';
import { Prerequisites, synthesizeApp } from '../../constructs';
import { crdDir } from '../_support/crd-schema';
import { runCli } from '../_support/check-cli';
import { suiteSchemaArgs } from '../_support/k8s-schema';
import { describeWithSchemas } from '../_support/validate-manifests';

const root = resolve(__dirname, '..', '..');

/** The arguments of the `.ci/run` line that checks dist/, `${CRD_DIR:-...}` expanded as the suite does. */
function ciCheckArguments(): string[] {
  const line = readFileSync(join(root, '.ci', 'run'), 'utf8').split('\n').find((l) => l.startsWith('node lib/constructs/check/cli.js check dist/'));
  if (!line) throw new Error('.ci/run has no `node lib/constructs/check/cli.js check dist/` line');
  return line.split(/\s+/).slice(2).map((word) => (word === '"${CRD_DIR:-../shared/crds}"' ? crdDir() : word));
}

const run = (args: readonly string[], cwd: string) => runCli(args, { cwd });

describeWithSchemas()('cdk8s-tracing check on the example stacks', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'check-examples-'));
  const app = buildApp({ outdir });
  synthesizeApp(app);

  test('the .ci/run step checks dist/ with the CRDs, failing on warnings', () => {
    const args = ciCheckArguments();
    expect(args.slice(0, 2)).toStrictEqual(['check', 'dist/']);
    expect(args).toContain('--crds');
    expect(args.join(' ')).toContain('--fail-on warning');
  });

  test('every example stack is clean, and the notes are the declared prerequisites', () => {
    const args = ciCheckArguments().map((a) => (a === 'dist/' ? outdir : a));
    const started = performance.now();
    const { code, stdout, stderr } = run([...args, ...suiteSchemaArgs(), '--format', 'json'], root);
    const ms = performance.now() - started;
    expect(stderr).toBe('');
    const report = JSON.parse(stdout);
    expect(report.findings.filter((f: { severity: string }) => f.severity !== 'info')).toStrictEqual([]);
    expect(code).toBe(0);
    process.stdout.write(`cdk8s-tracing check on the example stacks: ${report.summary.objects} objects in ${report.summary.files} files, ${report.summary.infos} notes, ${Math.round(ms)} ms\n`);

    // The notes name what Prerequisites declares and nothing else.
    const noted = new Set<string>();
    for (const f of report.findings) {
      if (f.ruleId === 'wiring/secret-missing') noted.add(`Secret ${/Secret '([^']+)'/.exec(f.message)![1]}`);
      else if (f.ruleId === 'wiring/address-external') noted.add(`endpoint ${/\): (\S+) must be reachable/.exec(f.message)![1]}`);
      else noted.add(`${f.ruleId}: ${f.message}`);
    }
    const declared = new Set<string>();
    for (const chart of app.charts) {
      const p = Prerequisites.of(chart);
      for (const s of p.secrets) declared.add(`Secret ${s.name}`);
      for (const e of p.endpoints) declared.add(`endpoint ${e.name}`);
    }
    for (const n of noted) expect([n, declared.has(n)]).toStrictEqual([n, true]);
    // Every declared Secret is noted; endpoints the input itself serves (another stack's Services,
    // Strimzi's from a Kafka) or that the CI line accepts with --external are not.
    for (const d of declared) if (d.startsWith('Secret ')) expect([d, noted.has(d)]).toStrictEqual([d, true]);
  });

  test('without the CI options the two addresses outside the manifests are errors, and the custom resources only noted', () => {
    const { code, stdout } = run(['check', outdir, ...suiteSchemaArgs(), '--format', 'json'], root);
    const report = JSON.parse(stdout);
    expect(code).toBe(1);
    expect(report.findings.filter((f: { severity: string }) => f.severity !== 'info').map((f: { ruleId: string; message: string }) => `${f.ruleId}: ${/'([^']+)'/.exec(f.message)![1]}`)).toStrictEqual([
      'wiring/address-unresolved: http://elasticsearch:9200',
      'wiring/address-unresolved: jaeger-production-collector.observability.svc:4317',
    ]);
    expect(report.findings.filter((f: { ruleId: string }) => f.ruleId === 'schema/no-crd').length).toBeGreaterThan(0);
  });
});
