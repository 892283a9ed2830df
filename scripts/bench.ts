// Benchmark of issue 23 (a script, not a test): how long synthesis takes as users run it, how it
// grows with the number of services, and how long the test suite takes. Prints tables and writes
// every sample to bench-report.json. Every figure is measured in this run, on this machine.
//
//   npm run bench                       cold processes, sizes 1 to 5,000, the example app in-process
//   npm run bench -- --quick            sizes 1 to 100, 2 runs: a smoke test (about 1 minute)
//   npm run bench -- --suite            also `npm test` without test/programs, and test/programs alone (~15 min)
//   npm run bench -- --runs 3 --sizes 1,100,1000 --out other.json
//
// 1. Cold processes: `npm run synth` (the README's command; writes dist/), `npx cdk8s synth` (to a
//    temporary directory) and the app as both run it (`node scripts/synth.cjs`), next to four
//    floors measured in the same rounds: `node` alone, `node` loading only cdk8s-plus-28, npm
//    running that (`npm run bench:floor`: what npm's own start adds to `npm run synth`), and plain
//    cdk8s writing the example app's objects (scripts/bench/replay.cjs: the same output without
//    the library); plus
//    commands that show where the time goes: every picture drawn, the bundle built after an edit,
//    the app under tsx as before. Each command is a child process timed with
//    process.hrtime around spawnSync; peak memory is /usr/bin/time's maximum resident set size
//    (of the largest process of the command), when /usr/bin/time exists. One warm-up round, then
//    rounds that run every command once each (interleaved); minimum and median per command.
// 2. Sizes: scripts/bench/sizes.ts, one process per measurement, builds N services (1, 10, 100,
//    1,000, 5,000) with the library and the same objects without it (see that file), interleaved
//    the same way. Per size: time to build and synthesize once loaded ("work"), the process's wall
//    time, and its peak memory (maxRSS reported by the child). Per scenario: least-squares slope
//    (ms per extra service) and a linearity verdict: the marginal time per service between the
//    smallest and largest size within 1.3x of that between the smallest and the second largest.
// 3. The example app in-process (scripts/bench/example-app.ts): build, validate, YAML, pictures.
// 4. With --suite: `npx jest --ci --testPathIgnorePatterns test/programs` (jest's workers, one
//    per core), then `npx jest --ci test/programs` (the real programs, one file at a time), once
//    each, wall time and result.
import { spawnSync, SpawnSyncReturns } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import * as os from 'os';
import { join, resolve } from 'path';
import type { Mode, Scenario, SizeResult } from './bench/sizes';
import { Fit, leastSquares, summarize, Summary } from './bench/stats';

const root = resolve(__dirname, '..');
const node = process.execPath;
const TIME = '/usr/bin/time';
const hasTime = existsSync(TIME);

// ---------------------------------------------------------------- options
const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag('--quick');
const suite = flag('--suite');
const runsOption = option('--runs') !== undefined ? Number(option('--runs')) : undefined;
const coldRuns = runsOption ?? (quick ? 2 : 5);
const sizes = (option('--sizes') ?? (quick ? '1,10,100' : '1,10,100,1000,5000')).split(',').map(Number);
/** Runs per size: fewer for the large sizes, which take seconds each, unless --runs says otherwise. */
const sizeRuns = (n: number): number => runsOption ?? (quick ? 2 : n >= 1000 ? 3 : 5);
const exampleRuns = quick ? 3 : 10;
const reportPath = resolve(root, option('--out') ?? 'bench-report.json');
if (sizes.some(n => !Number.isInteger(n) || n < 1) || !(coldRuns >= 1)) throw new Error('--sizes takes positive integers, --runs a positive number');

const scratch = mkdtempSync(join(os.tmpdir(), 'cdk8s-tracing-bench-'));
const started = new Date();

// ---------------------------------------------------------------- running children
interface Run {
  readonly ms: number;
  /** Peak resident memory, MB, from /usr/bin/time (undefined without it). */
  readonly rssMb?: number;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timed = hasTime): Run {
  const rssFile = join(scratch, 'rss.txt');
  const [c, a] = timed ? [TIME, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
  const t = process.hrtime.bigint();
  const r: SpawnSyncReturns<string> = spawnSync(c, a, {
    cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  let rssMb: number | undefined;
  if (timed && existsSync(rssFile)) {
    const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
    rssMb = Number.isFinite(kb) ? kb / 1024 : undefined;
    rmSync(rssFile);
  }
  if (r.error) throw r.error;
  return { ms, rssMb, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const log = (line: string): void => { process.stderr.write(`${line}\n`); };

// ---------------------------------------------------------------- the machine
function machine() {
  const cpus = os.cpus();
  const git = (args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout.trim();
  const version = (pkg: string) => {
    try { return JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version as string; } catch { return 'absent'; }
  };
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3 * 10) / 10,
    loadAverageAtStart: os.loadavg().map(l => Math.round(l * 100) / 100),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    npm: spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout.trim(),
    packages: { cdk8s: version('cdk8s'), 'cdk8s-plus-28': version('cdk8s-plus-28'), 'cdk8s-cli': version('cdk8s-cli'), tsx: version('tsx'), jest: version('jest') },
    commit: git(['rev-parse', '--short', 'HEAD']),
    uncommittedChanges: git(['status', '--porcelain', '--untracked-files=no']).split('\n').filter(Boolean).length,
    peakMemoryFrom: hasTime ? `${TIME} (cold commands), process.resourceUsage().maxRSS (sizes)` : 'process.resourceUsage().maxRSS (sizes); cold commands unmeasured (no /usr/bin/time)',
  };
}

/** Whether lib/ (the built library) is older than a source file of constructs/. */
function libStale(): boolean | undefined {
  const built = join(root, 'lib', 'constructs', 'index.js');
  if (!existsSync(built)) return undefined;
  const newest = (dir: string): number => readdirSync(dir, { withFileTypes: true })
    .reduce((m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : e.name.endsWith('.ts') ? statSync(join(dir, e.name)).mtimeMs : 0), 0);
  return newest(join(root, 'constructs')) > statSync(built).mtimeMs;
}

// ---------------------------------------------------------------- 1. cold processes
type Role = 'floor' | 'target' | 'where the time goes';
interface ColdCommand {
  readonly id: string;
  readonly role: Role;
  readonly cmd: string;
  readonly args: string[];
  /** The environment of each run (called once per run). */
  readonly env?: () => NodeJS.ProcessEnv;
}

/** Writes the example app's objects as JSON (scripts/bench/example-objects.ts) and returns the file. */
function writeExampleObjects(): string {
  const file = join(scratch, 'example-objects.json');
  const r = run(node, ['--import', 'tsx', join(root, 'scripts', 'bench', 'example-objects.ts'), file], {}, false);
  if (r.status !== 0) throw new Error(`example-objects.ts failed:\n${r.stderr}`);
  return file;
}

function coldCommands(): ColdCommand[] {
  const out = (name: string) => join(scratch, name);
  let fresh = 0;
  /** A directory no run used before: the pictures are drawn (not kept), or the bundle is built. */
  const unused = (name: string) => out(`${name}-${++fresh}`);
  const commands: ColdCommand[] = [
    { id: 'node -e ""', role: 'floor', cmd: node, args: ['-e', ''] },
    { id: 'node -e "require(\'cdk8s-plus-28\')"', role: 'floor', cmd: node, args: ['-e', 'require("cdk8s-plus-28")'] },
    { id: 'npm run bench:floor (npm running the cdk8s-plus floor)', role: 'floor', cmd: 'npm', args: ['run', '--silent', 'bench:floor'] },
    {
      id: 'node scripts/bench/replay.cjs (plain cdk8s writing the example\'s objects)', role: 'floor', cmd: node,
      args: [join(root, 'scripts', 'bench', 'replay.cjs'), writeExampleObjects(), out('replay')],
    },
    { id: 'npm run synth', role: 'target', cmd: 'npm', args: ['run', 'synth'] },
    { id: 'npx cdk8s synth --check-upgrade false', role: 'target', cmd: 'npx', args: ['cdk8s', 'synth', '--check-upgrade', 'false', '-o', out('cdk8s-synth')] },
    { id: 'node scripts/synth.cjs (the app directly)', role: 'target', cmd: node, args: ['scripts/synth.cjs'], env: () => ({ CDK8S_OUTDIR: out('app') }) },
    {
      id: 'node scripts/synth.cjs, every picture drawn (new output directory)', role: 'where the time goes', cmd: node, args: ['scripts/synth.cjs'],
      env: () => ({ CDK8S_OUTDIR: unused('app-new-out') }),
    },
    {
      id: 'node scripts/synth.cjs after an edit (bundle built, no code cache)', role: 'where the time goes', cmd: node, args: ['scripts/synth.cjs'],
      env: () => ({ CDK8S_OUTDIR: out('app-edit'), CDK8S_TRACING_SYNTH_CACHE: unused('bundle-cache') }),
    },
    { id: 'npx tsx main.ts (before: cdk8s.yaml\'s app)', role: 'where the time goes', cmd: 'npx', args: ['tsx', 'main.ts'], env: () => ({ CDK8S_OUTDIR: out('tsx') }) },
    { id: 'node --import tsx -e "require(\'./constructs\')"', role: 'where the time goes', cmd: node, args: ['--import', 'tsx', '-e', 'require("./constructs")'] },
    { id: 'node -e "require(\'cdk8s\')"', role: 'where the time goes', cmd: node, args: ['-e', 'require("cdk8s")'] },
    { id: 'npm --version', role: 'where the time goes', cmd: 'npm', args: ['--version'] },
    { id: 'npx cdk8s --version', role: 'where the time goes', cmd: 'npx', args: ['cdk8s', '--version'] },
    { id: 'node_modules/.bin/cdk8s --version (no npx)', role: 'where the time goes', cmd: join(root, 'node_modules', '.bin', 'cdk8s'), args: ['--version'] },
  ];
  if (existsSync(join(root, 'lib', 'constructs', 'index.js'))) {
    commands.push({ id: 'node -e "require(\'./lib/constructs\')" (built)', role: 'where the time goes', cmd: node, args: ['-e', 'require("./lib/constructs")'] });
  }
  return commands;
}

interface ColdResult {
  readonly id: string;
  readonly role: Role;
  readonly samplesMs: number[];
  readonly rssMb: number[];
  readonly failures: string[];
  time?: Summary;
  rss?: Summary;
  /** min / min of the cdk8s-plus floor, median / median of it. */
  ratioToPlusFloor?: { min: number; median: number };
  ratioToNodeFloor?: { min: number; median: number };
  /** Against plain cdk8s writing the example app's objects (scripts/bench/replay.cjs). */
  ratioToReplayFloor?: { min: number; median: number };
  /** For `npm run` commands: against `npm run bench:floor` (npm's start on both sides). */
  ratioToNpmFloor?: { min: number; median: number };
}

function cold(): ColdResult[] {
  const commands = coldCommands();
  const results: ColdResult[] = commands.map(c => ({ id: c.id, role: c.role, samplesMs: [], rssMb: [], failures: [] }));
  for (let round = 0; round <= coldRuns; round++) {
    log(round === 0 ? 'cold processes: warm-up round' : `cold processes: round ${round}/${coldRuns}`);
    commands.forEach((c, i) => {
      const r = run(c.cmd, c.args, c.env?.());
      if (r.status !== 0) results[i].failures.push(`exit ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      if (round === 0) return;
      results[i].samplesMs.push(r.ms);
      if (r.rssMb !== undefined) results[i].rssMb.push(r.rssMb);
    });
  }
  for (const r of results) {
    r.time = summarize(r.samplesMs);
    r.rss = summarize(r.rssMb);
  }
  const floor = (id: string) => results.find(r => r.id === id)!.time!;
  const plusFloor = floor('node -e "require(\'cdk8s-plus-28\')"');
  const nodeFloor = floor('node -e ""');
  const npmFloor = floor('npm run bench:floor (npm running the cdk8s-plus floor)');
  const replayFloor = floor('node scripts/bench/replay.cjs (plain cdk8s writing the example\'s objects)');
  for (const r of results) {
    r.ratioToPlusFloor = { min: r.time!.min / plusFloor.min, median: r.time!.median / plusFloor.median };
    r.ratioToNodeFloor = { min: r.time!.min / nodeFloor.min, median: r.time!.median / nodeFloor.median };
    r.ratioToReplayFloor = { min: r.time!.min / replayFloor.min, median: r.time!.median / replayFloor.median };
    // npm's own start: `npm run synth` against npm running the floor.
    if (r.id.startsWith('npm run ')) r.ratioToNpmFloor = { min: r.time!.min / npmFloor.min, median: r.time!.median / npmFloor.median };
  }
  return results;
}

// ---------------------------------------------------------------- 2. sizes
const SCENARIOS: Scenario[] = ['instrument', 'sampling', 'tenants'];
const SCENARIO_LABEL: Record<Scenario, string> = {
  instrument: 'instrumentWorkload on N cdk8s-plus Deployments, to an OtelCollector gateway; without: the same Deployments, uninstrumented',
  sampling: 'TracingStack (dev) with SamplingStrategies of N services; without: the same objects as plain ApiObjects',
  tenants: 'multitenant TempoMonolithic with overrides of N tenants; without: the same objects as plain ApiObjects',
};
const sizeScript = join(root, 'scripts', 'bench', 'sizes.ts');
const fixture = (s: Scenario, n: number) => join(scratch, `${s}-${n}.json`);

/** The library the sizes load: the built lib/constructs when it is current, as users install it; else the sources. */
let sizesLibrary: string | undefined;

function measureSize(s: Scenario, mode: Mode, n: number): { result: SizeResult; wallMs: number } {
  const outdir = join(scratch, `out-${s}-${mode}-${n}`);
  const r = run(node, ['--import', 'tsx', sizeScript, s, mode, String(n), outdir, fixture(s, n)], sizesLibrary ? { BENCH_LIBRARY: sizesLibrary } : {}, false);
  rmSync(outdir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`sizes.ts ${s} ${mode} ${n} failed (exit ${r.status}):\n${r.stderr}`);
  if (mode === 'export') return { result: undefined as unknown as SizeResult, wallMs: r.ms };
  return { result: JSON.parse(r.stdout.trim().split('\n').pop()!) as SizeResult, wallMs: r.ms };
}

interface SizeCell {
  readonly scenario: Scenario;
  readonly mode: 'library' | 'plain';
  readonly services: number;
  readonly samples: Array<SizeResult & { wallMs: number }>;
  work?: Summary;
  wall?: Summary;
  rss?: Summary;
  objects?: number;
}

interface ScenarioSummary {
  readonly scenario: Scenario;
  readonly description: string;
  /** Least squares of the median work time (ms) over the sizes: ms per extra service. */
  readonly fit: Record<'library' | 'plain', Fit>;
  /** Least squares of the median process wall time (ms) over the sizes. */
  readonly wallFit: Record<'library' | 'plain', Fit>;
  /** Marginal work per service (ms) from the smallest size to each larger size, library. */
  readonly marginalMsPerService: Record<string, number>;
  /** marginal at the largest size / marginal at the second largest. */
  readonly linearityRatio: number;
  readonly linear: boolean;
  /** library / plain, median work and median wall time, per size. */
  readonly ratios: Record<string, { work: number; wall: number }>;
}

function sizesBench(): { cells: SizeCell[]; scenarios: ScenarioSummary[] } {
  log('sizes: writing the library\'s objects for the plain baselines of sampling and tenants');
  for (const n of sizes) for (const s of ['sampling', 'tenants'] as Scenario[]) measureSize(s, 'export', n);
  log('sizes: warm-up');
  for (const s of SCENARIOS) for (const mode of ['library', 'plain'] as const) measureSize(s, mode, sizes[0]);

  const cells: SizeCell[] = [];
  for (const s of SCENARIOS) for (const n of sizes) for (const mode of ['library', 'plain'] as const) cells.push({ scenario: s, mode, services: n, samples: [] });
  const maxRuns = Math.max(...sizes.map(sizeRuns));
  for (let round = 1; round <= maxRuns; round++) {
    log(`sizes: round ${round}/${maxRuns}`);
    for (const n of sizes) {
      if (round > sizeRuns(n)) continue;
      for (const s of SCENARIOS) {
        for (const mode of ['library', 'plain'] as const) {
          const { result, wallMs } = measureSize(s, mode, n);
          cells.find(c => c.scenario === s && c.mode === mode && c.services === n)!.samples.push({ ...result, wallMs });
        }
      }
    }
  }
  for (const c of cells) {
    c.work = summarize(c.samples.map(r => r.buildMs + r.synthMs));
    c.wall = summarize(c.samples.map(r => r.wallMs));
    c.rss = summarize(c.samples.map(r => r.maxRssMb));
    c.objects = c.samples[0]?.objects;
  }

  const cell = (s: Scenario, mode: 'library' | 'plain', n: number) => cells.find(c => c.scenario === s && c.mode === mode && c.services === n)!;
  const scenarios = SCENARIOS.map((s): ScenarioSummary => {
    const fitOf = (mode: 'library' | 'plain', of: 'work' | 'wall') => leastSquares(sizes.map(n => [n, cell(s, mode, n)[of]!.median] as const));
    const base = cell(s, 'library', sizes[0]).work!.median;
    const marginal: Record<string, number> = {};
    for (const n of sizes.slice(1)) marginal[n] = (cell(s, 'library', n).work!.median - base) / (n - sizes[0]);
    const larger = sizes.slice(1);
    const linearityRatio = larger.length >= 2 ? marginal[larger[larger.length - 1]] / marginal[larger[larger.length - 2]] : NaN;
    const ratios: Record<string, { work: number; wall: number }> = {};
    for (const n of sizes) {
      const lib = cell(s, 'library', n);
      const plain = cell(s, 'plain', n);
      ratios[n] = { work: lib.work!.median / plain.work!.median, wall: lib.wall!.median / plain.wall!.median };
    }
    return {
      scenario: s,
      description: SCENARIO_LABEL[s],
      fit: { library: fitOf('library', 'work'), plain: fitOf('plain', 'work') },
      wallFit: { library: fitOf('library', 'wall'), plain: fitOf('plain', 'wall') },
      marginalMsPerService: marginal,
      linearityRatio,
      linear: linearityRatio <= 1.3,
      ratios,
    };
  });
  return { cells, scenarios };
}

// ---------------------------------------------------------------- 3. the example app in-process
function exampleApp(): Record<string, Summary> {
  log('example app in-process');
  const r = run(node, ['--import', 'tsx', join(root, 'scripts', 'bench', 'example-app.ts'), String(exampleRuns), join(scratch, 'example')], {}, false);
  if (r.status !== 0) throw new Error(`example-app.ts failed:\n${r.stderr}`);
  const steps = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number[]>;
  return Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, summarize(v)]));
}

// ---------------------------------------------------------------- 4. the suite
interface SuiteResult { readonly command: string; readonly seconds: number; readonly status: number | null; readonly summary: string }

function suiteBench(): SuiteResult[] {
  const jest = (label: string, args: string[]): SuiteResult => {
    log(`suite: ${label}`);
    const r = run('npx', ['jest', '--ci', ...args], {}, false);
    const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter(l => /^(Tests|Test Suites):/.test(l));
    return { command: `npx jest --ci ${args.join(' ')}`, seconds: r.ms / 1000, status: r.status, summary: lines.join('; ') };
  };
  return [
    jest('without the real programs', ['--testPathIgnorePatterns', 'test/programs']),
    jest('the real programs', ['test/programs']),
  ];
}

// ---------------------------------------------------------------- printing
function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map(w => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
const f = (x: number | undefined, digits = 0) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));
const x = (r: number | undefined) => (r === undefined || Number.isNaN(r) ? '-' : `${r.toFixed(2)}x`);

function main(): void {
  const m = machine();
  const stale = libStale();
  if (stale === false) sizesLibrary = join(root, 'lib', 'constructs');
  log(`bench: ${quick ? 'quick, ' : ''}cold runs ${coldRuns}, sizes ${sizes.join(', ')}${suite ? ', with the suite' : ''}; scratch ${scratch}`);
  const coldResults = cold();
  const { cells, scenarios } = sizesBench();
  const example = exampleApp();
  const suiteResults = suite ? suiteBench() : undefined;
  const finished = new Date();

  const out: string[] = [];
  out.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}; Node ${m.node}, npm ${m.npm}; `
    + `cdk8s ${m.packages.cdk8s}, cdk8s-plus-28 ${m.packages['cdk8s-plus-28']}, cdk8s-cli ${m.packages['cdk8s-cli']}, tsx ${m.packages.tsx}`);
  out.push(`Commit ${m.commit}${m.uncommittedChanges ? ` (+${m.uncommittedChanges} changed tracked files)` : ''}; load average at start ${m.loadAverageAtStart.join(' ')}; `
    + `${started.toISOString()} to ${finished.toISOString()}; peak memory: ${m.peakMemoryFrom}`);

  out.push('', `1. Cold processes (${coldRuns} interleaved runs after a warm-up round; seconds; ratios to the floors of the same rounds)`);
  out.push(table(
    ['command', 'role', 'min s', 'median s', 'x plus floor (min)', 'x plus floor (median)', 'x npm floor (median)', 'x plain cdk8s (median)', 'x node floor (median)', 'peak RSS MB', 'failed'],
    coldResults.map(r => [r.id, r.role, f(r.time!.min / 1000, 3), f(r.time!.median / 1000, 3), x(r.ratioToPlusFloor!.min), x(r.ratioToPlusFloor!.median),
      x(r.ratioToNpmFloor?.median), x(r.ratioToReplayFloor!.median), x(r.ratioToNodeFloor!.median), f(r.rss!.median), r.failures.length ? String(r.failures.length) : '']),
  ));
  if (stale !== undefined) out.push(`(lib/ is the library as last built${stale ? ', OLDER than a file of constructs/: build for a fair figure' : ', newer than every file of constructs/'})`);

  out.push('', `2. Sizes (one process per measurement; work = build + synthesize once loaded, ms; wall = the whole process, ms; runs: ${sizes.map(n => `${n}: ${sizeRuns(n)}`).join(', ')}; `
    + `the library ${sizesLibrary ? 'as built (lib/constructs)' : 'from its sources through tsx (build it for the library as users install it)'})`);
  for (const s of scenarios) {
    out.push('', `${s.scenario}: ${s.description}`);
    out.push(table(
      ['services', 'objects lib/plain', 'work lib', 'work plain', 'x', 'wall lib', 'wall plain', 'x', 'RSS MB lib', 'RSS MB plain', 'work lib ms/service'],
      sizes.map(n => {
        const lib = cells.find(c => c.scenario === s.scenario && c.mode === 'library' && c.services === n)!;
        const plain = cells.find(c => c.scenario === s.scenario && c.mode === 'plain' && c.services === n)!;
        return [String(n), `${lib.objects}/${plain.objects}`, f(lib.work!.median), f(plain.work!.median), x(s.ratios[n].work),
          f(lib.wall!.median), f(plain.wall!.median), x(s.ratios[n].wall), f(lib.rss!.max), f(plain.rss!.max), f(lib.work!.median / n, 3)];
      }),
    ));
    out.push(`  slope (least squares of medians): library ${f(s.fit.library.slope, 3)} ms/service (r2 ${f(s.fit.library.r2, 4)}), `
      + `plain ${f(s.fit.plain.slope, 3)} ms/service (r2 ${f(s.fit.plain.r2, 4)}); wall: library ${f(s.wallFit.library.slope, 3)}, plain ${f(s.wallFit.plain.slope, 3)} ms/service`);
    out.push(`  marginal work per service from ${sizes[0]}: ${Object.entries(s.marginalMsPerService).map(([n, v]) => `${n}: ${f(v, 3)} ms`).join(', ')}; `
      + `largest / second largest ${x(s.linearityRatio)} -> ${Number.isNaN(s.linearityRatio) ? 'not enough sizes' : s.linear ? 'linear (within 1.3x)' : 'NOT linear (over 1.3x)'}`);
  }

  out.push('', `3. The example app in-process (${exampleRuns} runs after a warm-up, ms)`);
  out.push(table(['step', 'min', 'median', 'max'], Object.entries(example).map(([k, v]) => [k, f(v.min, 1), f(v.median, 1), f(v.max, 1)])));

  out.push('', '4. The suite');
  out.push(suiteResults
    ? table(['command', 'wall s', 'exit', 'result'], suiteResults.map(r => [r.command, f(r.seconds, 1), String(r.status), r.summary]))
    : 'not run (npm run bench -- --suite)');

  // The issue's goals, computed from the figures above.
  const synth = coldResults.find(r => r.id === 'npm run synth')!;
  const direct = coldResults.find(r => r.id === 'node scripts/synth.cjs (the app directly)')!;
  const inst = scenarios.find(s => s.scenario === 'instrument')!;
  const big = sizes.filter(n => n >= 1000);
  const instCell = (n: number) => cells.find(c => c.scenario === 'instrument' && c.mode === 'library' && c.services === n)!;
  out.push('', 'Goals of issue 23, against this run');
  out.push(table(['goal', 'measured'], [
    ['cold npm run synth within 1.3x the cdk8s-plus floor', `${x(synth.ratioToPlusFloor!.min)} (min), ${x(synth.ratioToPlusFloor!.median)} (median); `
      + `against npm running the floor ${x(synth.ratioToNpmFloor!.min)} (min), ${x(synth.ratioToNpmFloor!.median)} (median); `
      + `the app without npm ${x(direct.ratioToPlusFloor!.min)} (min), ${x(direct.ratioToPlusFloor!.median)} (median); `
      + `the app against plain cdk8s writing its objects ${x(direct.ratioToReplayFloor!.min)} (min), ${x(direct.ratioToReplayFloor!.median)} (median)`],
    ...big.map(n => [`${n} instrumented services within 1.15x of plain cdk8s-plus`, `wall ${x(inst.ratios[n].wall)}, work ${x(inst.ratios[n].work)}`]),
    ...big.map(n => [`${n} instrumented services under 300 MB`, `${f(instCell(n).rss!.max)} MB peak`]),
    ['instrumented services linear', Number.isNaN(inst.linearityRatio) ? 'not enough sizes' : `${x(inst.linearityRatio)} (${inst.linear ? 'linear' : 'not linear'})`],
    ['npm test without the real programs under 60 s', suiteResults ? `${f(suiteResults[0].seconds, 1)} s (exit ${suiteResults[0].status})` : 'not run'],
  ]));
  const text = out.join('\n');
  process.stdout.write(`${text}\n`);

  const report = {
    issue: 23, started: started.toISOString(), finished: finished.toISOString(), machine: m, libStale: stale, sizesLibrary: sizesLibrary ?? 'constructs (tsx)',
    options: { quick, suite, coldRuns, sizes, sizeRuns: Object.fromEntries(sizes.map(n => [n, sizeRuns(n)])), exampleRuns },
    cold: coldResults, sizes: { cells, scenarios }, exampleApp: example, suite: suiteResults ?? null,
  };
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  log(`report written to ${reportPath}`);
  rmSync(scratch, { recursive: true, force: true });
}

main();
