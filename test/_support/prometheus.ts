/**
 * Prometheus 3.16.0 and promtool for tests (built by scripts/programs/prometheus.sh; PROMETHEUS_BIN
 * and PROMTOOL_BIN override them):
 *
 * - {@link promtoolCheckRules} / {@link promtoolTestRules}: `promtool check rules` and
 *   `promtool test rules` on plain rule files (`groups: [...]`, the `spec` of a PrometheusRule),
 *   written with {@link writeRuleFile} and {@link writeRuleTestFile};
 * - {@link startPrometheus}: a real server on a free loopback port with a fresh TSDB, scraping the
 *   given targets and evaluating the given rule files every second by default; its HTTP API read
 *   back as types (scraped metric names, queries, targets, rules, alerts);
 * - {@link remoteWrite}: one Remote Write 1.0 push (protobuf and snappy made here), to show the
 *   receiver that Tempo's metrics-generator writes to is on.
 *
 * ```ts
 * const [describeProm, bins] = describeWithPrometheus();
 * describeProm('...', () => {
 *   let prom: PrometheusServer | undefined;
 *   beforeAll(async () => { prom = await startPrometheus({ scrapeConfigs: [staticScrapeConfig('jaeger', [target])], bin: bins.prometheus }); });
 *   afterAll(() => prom?.stop());
 * });
 * ```
 */
import { writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { stringify } from 'yaml';
import { findProgram, freePort, programCache, ProgramSpec, PROGRAMS, RunningProgram, runProgram, tempDir } from './programs';

// ---------------------------------------------------------------------------------------------
// Binaries
// ---------------------------------------------------------------------------------------------

/** The binaries of {@link describeWithPrometheus}. */
export interface PrometheusPrograms {
  readonly prometheus: string;
  readonly promtool: string;
}

/**
 * `describe` with both binaries when prometheus and promtool are there; otherwise `describe.skip`
 * after one printed line (a missing one fails in CI).
 */
export function describeWithPrometheus(): [jest.Describe, PrometheusPrograms] {
  const prometheus = findProgram(PROGRAMS.prometheus);
  const promtool = prometheus ? findProgram(PROGRAMS.promtool) : undefined;
  return prometheus && promtool ? [describe, { prometheus, promtool }] : [describe.skip, { prometheus: '', promtool: '' }];
}

/** The override variable's path, else the cache's (whether or not it is there). */
function programPath(spec: ProgramSpec): string {
  return (spec.envVar ? process.env[spec.envVar] : undefined) || join(programCache(), spec.folder, spec.binary);
}

// ---------------------------------------------------------------------------------------------
// Metric names
// ---------------------------------------------------------------------------------------------

/** Metric names a PromQL expression selects: `name{`, `name[`, and recorded `level:metric:op` names. */
export function metricNamesIn(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=[{[])/g)) names.add(m[1]);
  for (const m of expr.matchAll(/\b([a-z_]+:[a-zA-Z0-9_:]+)/g)) names.add(m[1]);
  return [...names];
}

/** The metric names of a `/metrics` page in the text exposition format (the series' names, not the families'). */
export function exposedMetricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) if (line && !line.startsWith('#')) names.add(line.replace(/[{ ].*$/, ''));
  return names;
}

// ---------------------------------------------------------------------------------------------
// Rule files and promtool
// ---------------------------------------------------------------------------------------------

/** One rule of a rule group (recording: `record`; alerting: `alert`, `for`, `keep_firing_for`, `annotations`). */
export interface Rule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly keep_firing_for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** A rule group. */
export interface RuleGroup {
  readonly name: string;
  /** @default - the server's evaluation_interval */
  readonly interval?: string;
  readonly limit?: number;
  readonly labels?: Record<string, string>;
  readonly rules: Rule[];
}

/**
 * A Prometheus rule file, which is exactly the `spec` of a PrometheusRule object.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/
 */
export interface RuleFile {
  readonly groups: RuleGroup[];
}

/**
 * A promtool rule unit-test file; `rule_files` are relative to the test file.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/
 */
export interface RuleTestFile {
  readonly rule_files: string[];
  /** @default 1m */
  readonly evaluation_interval?: string;
  readonly group_eval_order?: string[];
  readonly tests: RuleTest[];
}

/** One unit test: input series, then the alerts and PromQL results expected at given times. */
export interface RuleTest {
  readonly name?: string;
  /** Step of the `values` of `input_series`. @default - the file's evaluation_interval */
  readonly interval?: string;
  readonly external_labels?: Record<string, string>;
  /** `series: 'up{job="x"}'`, `values: '1 1 0x10'` (expanding notation). */
  readonly input_series: Array<{ readonly series: string; readonly values: string }>;
  readonly alert_rule_test?: Array<{
    readonly eval_time: string;
    readonly alertname: string;
    readonly exp_alerts: Array<{ readonly exp_labels?: Record<string, string>; readonly exp_annotations?: Record<string, string> }>;
  }>;
  readonly promql_expr_test?: Array<{
    readonly expr: string;
    readonly eval_time: string;
    readonly exp_samples: Array<{ readonly labels?: string; readonly value: number }>;
  }>;
}

/** What a promtool run gave: exit status 0, and everything it printed. */
export interface PromtoolResult {
  readonly ok: boolean;
  readonly output: string;
}

const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

/** Writes a rule file (a PrometheusRule's `spec`) into `dir` (default: a fresh one); returns its path. */
export function writeRuleFile(rules: RuleFile, dir = tempDir('prometheus-rules'), name = 'rules.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, stringify(rules, YAML_OPTIONS));
  return file;
}

/** Writes a promtool unit-test file into `dir` (default: a fresh one); returns its path. */
export function writeRuleTestFile(tests: RuleTestFile, dir = tempDir('prometheus-rule-tests'), name = 'tests.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, stringify(tests, YAML_OPTIONS));
  return file;
}

function promtool(args: string[], bin?: string): PromtoolResult {
  const run = runProgram(bin ?? programPath(PROGRAMS.promtool), args);
  if (run.error) throw new Error(`promtool ${args.join(' ')}: ${run.error.message}`);
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

/** `promtool check rules <files>`: the files parse, every expression is valid PromQL, no duplicate rules. */
export function promtoolCheckRules(ruleFiles: string[], opts: { readonly bin?: string } = {}): PromtoolResult {
  return promtool(['check', 'rules', ...ruleFiles], opts.bin);
}

/** `promtool test rules <file>`: the unit tests of a {@link RuleTestFile} pass. */
export function promtoolTestRules(testFile: string, opts: { readonly bin?: string } = {}): PromtoolResult {
  return promtool(['test', 'rules', testFile], opts.bin);
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/** A relabeling step (`relabel_configs`, `metric_relabel_configs`). */
export interface RelabelConfig {
  readonly source_labels?: string[];
  readonly separator?: string;
  readonly regex?: string;
  readonly target_label?: string;
  readonly replacement?: string;
  readonly modulus?: number;
  readonly action?: 'replace' | 'keep' | 'drop' | 'keepequal' | 'dropequal' | 'hashmod' | 'labelmap' | 'labeldrop' | 'labelkeep' | 'lowercase' | 'uppercase';
}

/**
 * One scrape job with static targets (the fields a ServiceMonitor or PodMonitor endpoint maps to).
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#scrape_config
 */
export interface ScrapeConfig {
  readonly job_name: string;
  /** `host:port`s, with labels added to their series. */
  readonly static_configs: Array<{ readonly targets: string[]; readonly labels?: Record<string, string> }>;
  /** @default - the global scrape_interval */
  readonly scrape_interval?: string;
  /** @default - the smaller of 10s and scrape_interval */
  readonly scrape_timeout?: string;
  /** @default /metrics */
  readonly metrics_path?: string;
  /** @default http */
  readonly scheme?: 'http' | 'https';
  readonly params?: Record<string, string[]>;
  readonly honor_labels?: boolean;
  readonly honor_timestamps?: boolean;
  readonly relabel_configs?: RelabelConfig[];
  readonly metric_relabel_configs?: RelabelConfig[];
}

/**
 * prometheus.yml, as far as these tests write it.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/
 */
export interface PrometheusConfigFile {
  readonly global: {
    readonly scrape_interval: string;
    readonly evaluation_interval: string;
    readonly external_labels?: Record<string, string>;
  };
  readonly rule_files?: string[];
  readonly scrape_configs: ScrapeConfig[];
}

/** A scrape job of `targets` (`host:port`). */
export function staticScrapeConfig(jobName: string, targets: string[], opts: Omit<ScrapeConfig, 'job_name' | 'static_configs'> = {}): ScrapeConfig {
  return { job_name: jobName, static_configs: [{ targets }], ...opts };
}

/** How to start a {@link PrometheusServer}. */
export interface PrometheusOptions {
  /** The jobs to scrape. */
  readonly scrapeConfigs: ScrapeConfig[];
  /** Also scrape the server itself, as job `prometheus`. @default false */
  readonly scrapeSelf?: boolean;
  /** Rule files to load (made absolute). @default - none */
  readonly ruleFiles?: string[];
  /** The global `evaluation_interval`: how often rules are evaluated. @default 1s */
  readonly evaluationInterval?: string;
  /** The global `scrape_interval`. @default 1s */
  readonly scrapeInterval?: string;
  /** The global `external_labels`. @default - none */
  readonly externalLabels?: Record<string, string>;
  /** `--web.enable-remote-write-receiver`: accept pushes on `/api/v1/write` (Tempo's metrics-generator). @default false */
  readonly remoteWriteReceiver?: boolean;
  /** `--web.enable-otlp-receiver`: accept OTLP/HTTP metrics on `/api/v1/otlp/v1/metrics`. @default false */
  readonly otlpReceiver?: boolean;
  /** The prometheus binary. @default - PROMETHEUS_BIN, else the cache's */
  readonly bin?: string;
  /** How long it may take to answer `/-/ready`. @default 30 s */
  readonly readyDeadlineMs?: number;
}

/** One instant-query result (`/api/v1/query`'s `data`). */
export type QueryResult =
  | { readonly resultType: 'vector'; readonly result: Array<{ readonly metric: Record<string, string>; readonly value: [number, string] }> }
  | { readonly resultType: 'matrix'; readonly result: Array<{ readonly metric: Record<string, string>; readonly values: Array<[number, string]> }> }
  | { readonly resultType: 'scalar' | 'string'; readonly result: [number, string] };

/** A scrape target (`/api/v1/targets`, active ones). */
export interface Target {
  readonly scrapePool: string;
  readonly scrapeUrl: string;
  readonly labels: Record<string, string>;
  readonly health: 'up' | 'down' | 'unknown';
  readonly lastError: string;
  readonly lastScrape: string;
}

/** An active alert (`/api/v1/alerts`): pending until its `for` has passed, then firing. */
export interface Alert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly state: 'pending' | 'firing';
  readonly activeAt: string;
  readonly value: string;
}

/** A loaded rule and how its last evaluation went (`/api/v1/rules`). */
export interface LoadedRule {
  readonly type: 'alerting' | 'recording';
  readonly name: string;
  readonly query: string;
  readonly health: 'ok' | 'err' | 'unknown';
  readonly lastError?: string;
  /** Alerting rules only. */
  readonly state?: 'inactive' | 'pending' | 'firing';
  readonly alerts?: Alert[];
}

/** A loaded rule group (`/api/v1/rules`). */
export interface LoadedRuleGroup {
  readonly name: string;
  readonly file: string;
  readonly interval: number;
  readonly rules: LoadedRule[];
}

/** A running Prometheus. */
export interface PrometheusServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** `127.0.0.1:<port>`, to scrape or to write to. */
  readonly address: string;
  /** `<url>/api/v1/write` (answers only with `remoteWriteReceiver`). */
  readonly remoteWriteUrl: string;
  /** The configuration file and its current contents. */
  readonly configFile: string;
  readonly config: PrometheusConfigFile;
  /** Every metric name in the TSDB (scraped or pushed), sorted. */
  metricNames(): Promise<string[]>;
  /** An instant query at the current time. */
  query(promql: string): Promise<QueryResult>;
  /** The active scrape targets. */
  targets(): Promise<Target[]>;
  /**
   * Resolves once every scrape job of the current configuration has targets and every target is
   * `up` (else throws with their last errors). Targets show up about 5 s after a start or reload:
   * Prometheus' discovery manager passes on updates every 5 s.
   */
  waitForTargetsUp(timeoutMs?: number): Promise<Target[]>;
  /** The pending and firing alerts. */
  alerts(): Promise<Alert[]>;
  /** The loaded rule groups, with each rule's health and last error. */
  rules(): Promise<LoadedRuleGroup[]>;
  /** Polls `check` until it returns a value; fails at once if the server exits, with its log on timeout. */
  waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  /** Rewrites the configuration with `changes` (if any) and reloads it (`POST /-/reload`). */
  reload(changes?: { readonly scrapeConfigs?: ScrapeConfig[]; readonly ruleFiles?: string[] }): Promise<void>;
  /** What it printed (the last 4000 characters). */
  readonly log: string;
  readonly running: boolean;
  stop(): Promise<void>;
}

interface ApiAnswer<T> { status: 'success' | 'error'; data: T; error?: string; errorType?: string }

/**
 * Starts Prometheus on a free loopback port with a fresh TSDB and `--web.enable-lifecycle`;
 * resolves once `/-/ready` answers 200. A port taken before the server bound it means another try
 * with another port (three in all).
 */
export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusServer> {
  const bin = opts.bin ?? programPath(PROGRAMS.prometheus);
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(bin, opts);
    } catch (e) {
      if (attempt >= 3 || !/address already in use/.test(String(e))) throw e;
    }
  }
}

async function launch(bin: string, opts: PrometheusOptions): Promise<PrometheusServer> {
  const dir = tempDir('prometheus');
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const url = `http://${address}`;
  const configFile = join(dir, 'prometheus.yml');
  const render = (scrapeConfigs: ScrapeConfig[], ruleFiles: string[] | undefined): PrometheusConfigFile => ({
    global: {
      scrape_interval: opts.scrapeInterval ?? '1s',
      evaluation_interval: opts.evaluationInterval ?? '1s',
      ...(opts.externalLabels ? { external_labels: opts.externalLabels } : {}),
    },
    ...(ruleFiles?.length ? { rule_files: ruleFiles.map(f => resolve(f)) } : {}),
    scrape_configs: [...(opts.scrapeSelf ? [staticScrapeConfig('prometheus', [address])] : []), ...scrapeConfigs],
  });
  let config = render(opts.scrapeConfigs, opts.ruleFiles);
  writeFileSync(configFile, stringify(config, YAML_OPTIONS));
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=${address}`,
    '--web.enable-lifecycle',
    ...(opts.remoteWriteReceiver ? ['--web.enable-remote-write-receiver'] : []),
    ...(opts.otlpReceiver ? ['--web.enable-otlp-receiver'] : []),
  ];
  const program = RunningProgram.start(bin, args, { cwd: dir });

  const get = async <T>(path: string): Promise<T> => {
    const r = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000) });
    const body = await r.json() as ApiAnswer<T>;
    if (!r.ok || body.status !== 'success') throw new Error(`prometheus GET ${path}: ${r.status} ${body.errorType ?? ''} ${body.error ?? ''}`);
    return body.data;
  };
  // Not `waitFor` of ./programs, which retries a check that throws: an exit ends the wait at once.
  const waitForRunning = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> => {
    const end = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < end) {
      if (!program.running) throw new Error(`prometheus exited while waiting for ${what}:\n${program.log}`);
      try {
        const value = await check();
        if (value !== undefined) return value;
      } catch (e) {
        last = e;
      }
      await new Promise(r => setTimeout(r, 250));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}\n${program.log}`);
  };

  try {
    await waitForRunning(`prometheus ${url}/-/ready`, async () => {
      const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      return r.ok ? true : undefined;
    }, opts.readyDeadlineMs ?? 30_000);
  } catch (e) {
    await program.stop();
    throw e;
  }

  const targets = async () => (await get<{ activeTargets: Target[] }>('/api/v1/targets?state=active')).activeTargets;
  return {
    url,
    address,
    remoteWriteUrl: `${url}/api/v1/write`,
    configFile,
    get config() { return config; },
    metricNames: async () => (await get<string[]>('/api/v1/label/__name__/values')).sort(),
    query: promql => get<QueryResult>(`/api/v1/query?query=${encodeURIComponent(promql)}`),
    targets,
    async waitForTargetsUp(timeoutMs = 30_000) {
      let last: Target[] = [];
      try {
        return await waitForRunning('every scrape target to be up', async () => {
          last = await targets();
          const jobs = config.scrape_configs.map(c => c.job_name);
          const complete = jobs.every(job => last.some(t => t.scrapePool === job));
          return complete && last.every(t => t.health === 'up') ? last : undefined;
        }, timeoutMs);
      } catch (e) {
        const states = [
          ...config.scrape_configs.filter(c => !last.some(t => t.scrapePool === c.job_name)).map(c => `${c.job_name}: no targets yet`),
          ...last.map(t => `${t.scrapePool} ${t.scrapeUrl}: ${t.health}${t.lastError ? ` (${t.lastError})` : ''}`),
        ];
        throw new Error(`${states.join('\n')}\n${e}`);
      }
    },
    alerts: async () => (await get<{ alerts: Alert[] }>('/api/v1/alerts')).alerts,
    rules: async () => (await get<{ groups: LoadedRuleGroup[] }>('/api/v1/rules')).groups,
    waitFor: waitForRunning,
    async reload(changes = {}) {
      config = render(changes.scrapeConfigs ?? opts.scrapeConfigs, changes.ruleFiles ?? opts.ruleFiles);
      writeFileSync(configFile, stringify(config, YAML_OPTIONS));
      const r = await fetch(`${url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
      const text = await r.text();
      if (!r.ok) throw new Error(`prometheus reload: ${r.status} ${text}`);
    },
    get log() { return program.log; },
    get running() { return program.running; },
    stop: () => program.stop(10_000),
  };
}

// ---------------------------------------------------------------------------------------------
// Remote Write 1.0 push
// ---------------------------------------------------------------------------------------------

/** One series to push: its labels (`__name__` included) and samples (`timestampMs` default: now). */
export interface PushedSeries {
  readonly labels: Record<string, string>;
  readonly samples: Array<{ readonly value: number; readonly timestampMs?: number }>;
}

/**
 * Pushes `series` to a Remote Write receiver (`prometheus.WriteRequest`, protobuf, snappy block
 * format) and answers the HTTP status (204 when accepted).
 */
export async function remoteWrite(writeUrl: string, series: PushedSeries[]): Promise<{ status: number; body: string }> {
  const body = snappyLiteral(encodeWriteRequest(series));
  const r = await fetch(writeUrl, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-protobuf',
      'Content-Encoding': 'snappy',
      'X-Prometheus-Remote-Write-Version': '0.1.0',
    },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: r.status, body: await r.text() };
}

/** WriteRequest { repeated TimeSeries timeseries = 1 }; TimeSeries { repeated Label labels = 1; repeated Sample samples = 2 }. */
function encodeWriteRequest(series: PushedSeries[]): Buffer {
  const now = Date.now();
  return Buffer.concat(series.map(s => {
    // Labels sorted by name, as the receiver expects.
    const labels = Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => field(1, Buffer.concat([field(1, Buffer.from(name)), field(2, Buffer.from(value))])));
    const samples = s.samples.map(sample => {
      const value = Buffer.alloc(9);
      value[0] = (1 << 3) | 1; // field 1, 64-bit
      value.writeDoubleLE(sample.value, 1);
      return field(2, Buffer.concat([value, Buffer.from([2 << 3]) /* field 2, varint */, varint(BigInt(sample.timestampMs ?? now))]));
    });
    return field(1, Buffer.concat([...labels, ...samples]));
  }));
}

/** A length-delimited protobuf field. */
function field(num: number, bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(num << 3) | 2]), varint(BigInt(bytes.length)), bytes]);
}

function varint(n: bigint): Buffer {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return Buffer.from(out);
}

/** Snappy block format with literals only (valid, uncompressed): the length, then literal chunks of up to 65536 bytes. */
function snappyLiteral(data: Buffer): Buffer {
  const parts: Buffer[] = [varint(BigInt(data.length))];
  for (let at = 0; at < data.length; at += 65_536) {
    const chunk = data.subarray(at, at + 65_536);
    const n = chunk.length - 1;
    // Tag 60 << 2: one byte of length - 1 follows; 61 << 2: two bytes (little endian).
    parts.push(n < 60 ? Buffer.from([n << 2]) : n < 256 ? Buffer.from([60 << 2, n]) : Buffer.from([61 << 2, n & 0xff, n >> 8]), chunk);
  }
  return Buffer.concat(parts);
}
