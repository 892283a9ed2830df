import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

const root = resolve(__dirname, '..');
const cdk8s = join(root, 'node_modules', '.bin', 'cdk8s');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

function synth(appFile: string) {
  const out = join(mkdtempSync(join(tmpdir(), 'cdk8s-synth-')), 'dist');
  writeFileSync(join(out, '..', 'cdk8s.yaml'), `language: typescript\napp: ${tsx} ${appFile}\n`);
  const run = spawnSync(cdk8s, ['synth', '--output', out], { cwd: join(out, '..'), encoding: 'utf8', timeout: 120_000 });
  return { ...run, out };
}

describe('cdk8s synth', () => {
  test('the default app writes one manifest file per example stack', () => {
    const run = synth(join(root, 'main.ts'));
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toStrictEqual({ status: 0, stderr: '' });
    expect(readdirSync(run.out).sort()).toStrictEqual([
      'jaeger-dev.k8s.yaml', 'jaeger-operator.k8s.yaml', 'jaeger-production.k8s.yaml', 'tempo-monolithic.k8s.yaml', 'tempo-production.k8s.yaml', 'trace-pipeline.k8s.yaml',
    ]);
  });

  test('fails if the app is invalid, reporting every error, and writes nothing', () => {
    const run = synth(join(root, 'test', 'fixtures', 'invalid-app.ts'));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/synthesis refused, 5 error\(s\)/);
    expect(run.stderr).toMatch(/Deployment 'jaeger' is defined by both clash\/tracing\/Jaeger\/Resource and clash\/second\/Resource/);
    expect(run.stderr).toMatch(/Service 'jaeger' is defined by both/);
    expect(existsSync(run.out) ? readdirSync(run.out) : []).toStrictEqual([]);
  });
});
