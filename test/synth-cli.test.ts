/**
 * The commands that synthesize: `npm run synth` (scripts/synth.cjs: the app bundled by esbuild,
 * built again when a source changes, run with a V8 code cache) and `cdk8s synth`, whose
 * cdk8s.yaml runs the same script.
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { load } from 'js-yaml';

const root = resolve(__dirname, '..');
const cdk8s = join(root, 'node_modules', '.bin', 'cdk8s');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const launcher = join(root, 'scripts', 'synth.cjs');
const STACKS = ['jaeger-dev', 'jaeger-operator', 'jaeger-production', 'tempo-monolithic', 'tempo-production', 'trace-pipeline'];

/** The environment without the caller's CDK8S_* settings, so that only the test's count. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CDK8S_'))), ...extra };
}

/** Every file under `dir` with its content. */
function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map(f => [f, readFileSync(join(dir, f), 'utf8')]));
}

/** Runs scripts/synth.cjs on `app` (default main.ts) into a fresh directory, with its own bundle cache. */
function launch(app?: string, cache: string = mkdtempSync(join(tmpdir(), 'synth-cache-'))) {
  const out = join(mkdtempSync(join(tmpdir(), 'synth-out-')), 'dist');
  const run = spawnSync(process.execPath, [launcher, ...(app ? [app] : [])], {
    cwd: root, encoding: 'utf8', timeout: 120_000, env: cleanEnv({ CDK8S_OUTDIR: out, CDK8S_TRACING_SYNTH_CACHE: cache }),
  });
  return { ...run, out, cache };
}

describe('npm run synth', () => {
  const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

  test('runs scripts/synth.cjs, as cdk8s.yaml does for cdk8s synth', () => {
    expect(packageJson.scripts.synth).toBe('node scripts/synth.cjs');
    expect(readFileSync(join(root, 'cdk8s.yaml'), 'utf8')).toMatch(/^app: node scripts\/synth\.cjs$/m);
  });

  test('writes what tsx main.ts writes, printing nothing; the second run reuses the bundle and its code cache', () => {
    const first = launch();
    expect({ status: first.status, stdout: first.stdout, stderr: first.stderr }).toStrictEqual({ status: 0, stdout: '', stderr: '' });
    const [bundle] = readdirSync(first.cache);
    expect(readdirSync(join(first.cache, bundle)).sort()).toStrictEqual(['app.js', 'app.js.v8-cache', 'inputs.json']);
    const inputs = Object.keys(JSON.parse(readFileSync(join(first.cache, bundle, 'inputs.json'), 'utf8')));
    expect(inputs).toEqual(expect.arrayContaining([launcher, join(root, 'main.ts'), join(root, 'constructs', 'synthesis.ts'),
      join(root, 'node_modules', 'cdk8s-plus-28', 'lib', 'index.js')]));

    const tsxOut = join(mkdtempSync(join(tmpdir(), 'tsx-out-')), 'dist');
    const viaTsx = spawnSync(tsx, ['main.ts'], { cwd: root, encoding: 'utf8', timeout: 120_000, env: cleanEnv({ CDK8S_OUTDIR: tsxOut }) });
    expect(viaTsx.status).toBe(0);
    expect(Object.keys(filesOf(first.out))).toStrictEqual(STACKS.flatMap(s => [`${s}.k8s.yaml`, `${s}.md`, `${s}.svg`]).sort());
    expect(filesOf(first.out)).toStrictEqual(filesOf(tsxOut));

    const bundleBefore = readFileSync(join(first.cache, bundle, 'app.js'));
    const second = launch(undefined, first.cache);
    expect({ status: second.status, stderr: second.stderr }).toStrictEqual({ status: 0, stderr: '' });
    expect(readFileSync(join(first.cache, bundle, 'app.js'))).toStrictEqual(bundleBefore);
    expect(filesOf(second.out)).toStrictEqual(filesOf(first.out));
  });

  test('builds the bundle again when a file that went into it changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synth-app-'));
    const app = join(dir, 'app.ts');
    const write = (namespace: string) => {
      writeFileSync(app, [
        `import { App, Chart } from '${join(root, 'node_modules', 'cdk8s')}';`,
        `import { JaegerAllInOne, synthesizeApp } from '${join(root, 'constructs')}';`,
        'const app = new App();',
        `new JaegerAllInOne(new Chart(app, 'dev', { namespace: '${namespace}' }), 'jaeger');`,
        "if (require.main === module) synthesizeApp(app, { diagrams: false });",
        "process.stdout.write(`argv1=${process.argv[1]}\\n`);",
      ].join('\n'));
    };
    const namespaceOf = (out: string) => (load(readFileSync(join(out, 'dev.k8s.yaml'), 'utf8').split('---\n')[0]) as { metadata: { namespace: string } }).metadata.namespace;
    write('first');
    const first = launch(app);
    expect({ status: first.status, stderr: first.stderr }).toStrictEqual({ status: 0, stderr: '' });
    // The bundle runs as the main module, with the app as process.argv[1], as under node or tsx.
    expect(first.stdout).toBe(`argv1=${app}\n`);
    expect(namespaceOf(first.out)).toBe('first');
    write('second');
    // Same size as before: the modification time alone tells.
    utimesSync(app, new Date(), new Date(Date.now() + 5_000));
    const second = launch(app, first.cache);
    expect(second.status).toBe(0);
    expect(namespaceOf(second.out)).toBe('second');
  });

  test('fails if the app is invalid, reporting every error, and writes nothing', () => {
    const run = launch(join(root, 'test', 'fixtures', 'invalid-app.ts'));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/synthesis refused, 6 error\(s\)/);
    expect(run.stderr).toMatch(/Deployment 'jaeger' is defined by both clash\/tracing\/Jaeger\/Resource and clash\/second\/Resource/);
    expect(existsSync(run.out) ? readdirSync(run.out) : []).toStrictEqual([]);
  });

  test('fails if the app does not compile, naming the file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synth-broken-'));
    writeFileSync(join(dir, 'broken.ts'), 'const x: number = 1;\nconst app = new Array(;\n');
    const run = launch(join(dir, 'broken.ts'));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/broken\.ts:2:/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('cdk8s synth', () => {
  /**
   * Runs the cdk8s CLI in the repository (its cdk8s.yaml) with `args`, into a fresh directory.
   * `latestCli` fakes the CLI's cached answer to "what is the latest cdk8s-cli?" (its upgrade
   * check reads ~/.cdk8s-cli.version for 30 minutes before asking the registry).
   */
  function cli(args: string[], options: { latestCli?: string } = {}) {
    const home = mkdtempSync(join(tmpdir(), 'cdk8s-home-'));
    const out = join(home, 'dist');
    if (options.latestCli) writeFileSync(join(home, '.cdk8s-cli.version'), options.latestCli);
    const run = spawnSync(cdk8s, [...args, '--output', out], { cwd: root, encoding: 'utf8', timeout: 120_000, env: cleanEnv({ HOME: home }) });
    return { ...run, out };
  }

  test('with --check-upgrade false it does not ask for a CLI upgrade (plain cdk8s synth does, and warns on stderr)', () => {
    expect(cli(['synth'], { latestCli: '99.0.0' }).stderr).toMatch(/A new version 99\.0\.0 of cdk8s-cli is available/);
    const run = cli(['synth', '--check-upgrade', 'false'], { latestCli: '99.0.0' });
    expect({ status: run.status, stderr: run.stderr }).toStrictEqual({ status: 0, stderr: '' });
    expect(readdirSync(run.out).sort()).toStrictEqual(STACKS.flatMap(s => [`${s}.k8s.yaml`, `${s}.md`, `${s}.svg`]).sort());
  });

  test('fails if the app is invalid, and writes nothing', () => {
    const run = cli(['synth', '--check-upgrade', 'false', '--app', `node scripts/synth.cjs ${join('test', 'fixtures', 'invalid-app.ts')}`]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/synthesis refused, 6 error\(s\)/);
    expect(existsSync(run.out) ? readdirSync(run.out) : []).toStrictEqual([]);
  });
});
