/**
 * Jaeger v2.13.0 in production over a real search server, end to end: the JaegerCollector and
 * JaegerQuery configurations that `TracingStack`'s production preset generates (rewritten for
 * loopback: listen addresses, the search server's URL and the sampling file path, nothing else)
 * run as two Jaeger processes over one search server (`search-server.ts`), spans are sent through
 * the collector with the OpenTelemetry JS SDK and read back through the query's API; the
 * generated index-cleaner and rollover Jobs run with the real v1.76.0 tools against the same
 * server; and the server is stopped and started again while spans arrive.
 *
 * One test file per search server calls {@link describeJaegerOverSearchServer} (the servers are
 * 300-450 MB and 10-35 s to start: one per file, started once; Jest runs files on two workers).
 */
import { spawn } from 'child_process';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { ElasticsearchStorageProps, TracingMonitoring, TracingPreset, TracingStack } from '../../constructs';
import { QueriedTrace } from './jaeger-query';
import { leafDifferences } from './loopback';
import { LoopbackConfig, LoopbackProcess, retryOnPortClash, writeLoopbackConfig } from './loopback-process';
import { SdkProtocol, SdkSpan, sendSpanWithSdk } from './otel-sdk';
import { podTemplateOf } from './policy';
import { describeWithProgram, findProgram, PROGRAMS, tempDir, waitFor } from './programs';
import { exposedMetricNames, metricNamesIn } from './prometheus';
import { startTlsAuthProxy, TlsAuthProxy } from './tls-auth-proxy';
import { SEARCH_SERVER_START_MS, SEARCH_SERVER_STOP_MS, SearchServer, SearchServerSpec, startSearchServer } from './search-server';
import { Manifest } from './synth';

/** The search server's address in the generated configurations; rewritten to the test server's. */
const IN_CLUSTER_URL = 'http://search.storage.svc:9200';
/** The same over TLS with basic auth (the test puts a TLS proxy that checks the credentials in front). */
const IN_CLUSTER_HTTPS_URL = 'https://search.storage.svc:9200';
const SAMPLING_FILE = '/etc/jaeger/sampling/strategies.json';
const DAY_MS = 86_400_000;

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** `YYYY-MM-DD` (UTC), as Jaeger names daily indices. */
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** Noon (UTC) `daysAgo` days before `now`: twelve hours from any cut-off the tools compute. */
const noonDaysAgo = (now: number, daysAgo: number) => Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate() - daysAgo, 12);

/** The objects of a chart with the production `TracingStack` over the given search cluster. */
function productionStack(elasticsearch: Omit<ElasticsearchStorageProps, 'serverUrls'>, url = IN_CLUSTER_URL): Manifest[] {
  const chart = new Chart(Testing.app(), 'jaeger-production', { namespace: 'tracing' });
  new TracingStack(chart, 'tracing', { preset: TracingPreset.PRODUCTION, elasticsearch: { serverUrls: [url], ...elasticsearch } });
  new TracingMonitoring(chart, 'monitoring');
  return chart.toJson() as Manifest[];
}

/** Secret name -> key -> value: what the cluster would hold. */
type Secrets = Record<string, Record<string, string>>;

/** What a container of the generated objects gets from Secrets, made local: variables, and files for its secret volumes. */
interface FromSecrets {
  /** Variables set from `secretKeyRef`s. */
  readonly env: Record<string, string>;
  /** Mounted file path -> a temporary file with the Secret's value (for the loopback rewrite). */
  readonly paths: Record<string, string>;
}

/**
 * The variables and files that the first container of a Deployment, Job or CronJob gets from
 * `secrets`, as the kubelet would provide them: each `secretKeyRef` variable, and each item of
 * each mounted secret volume written to a temporary file. A reference to a Secret or key that
 * `secrets` lacks fails.
 */
function fromSecrets(objects: Manifest[], kind: string, name: string, secrets: Secrets): FromSecrets {
  const o = objects.find(x => x.kind === kind && x.metadata.name === name);
  const pod = podTemplateOf(o!)?.spec;
  if (!pod) throw new Error(`${kind}/${name} not found`);
  const value = (secretName: string, key: string) => {
    const v = secrets[secretName]?.[key];
    if (v === undefined) throw new Error(`${kind}/${name} reads key '${key}' of Secret '${secretName}', which the test does not have`);
    return v;
  };
  const container = pod.containers[0];
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) env[e.name] = value(ref.name, ref.key);
  }
  const paths: Record<string, string> = {};
  const dir = tempDir(`secrets-${name}`);
  for (const mount of container.volumeMounts ?? []) {
    const secret = (pod.volumes ?? []).find((v: any) => v.name === mount.name)?.secret;
    for (const item of secret?.items ?? []) {
      const file = join(dir, `${mount.name}-${item.path}`);
      writeFileSync(file, value(secret.secretName, item.key));
      paths[`${mount.mountPath}/${item.path}`] = file;
    }
  }
  return { env, paths };
}

function configMapData(objects: Manifest[], name: string, key: string): string {
  const cm = objects.find(o => o.kind === 'ConfigMap' && o.metadata.name === name) as (Manifest & { data?: Record<string, string> }) | undefined;
  const text = cm?.data?.[key];
  if (typeof text !== 'string') throw new Error(`ConfigMap/${name} has no ${key}`);
  return text;
}

/**
 * The arguments of a maintenance Job or CronJob, with only the server URL moved to the test server
 * and mounted file paths (`paths`, from {@link fromSecrets}) to local files.
 */
function jobArgs(objects: Manifest[], kind: 'Job' | 'CronJob', name: string, serverUrl: string, paths: Record<string, string> = {}, url = IN_CLUSTER_URL): string[] {
  const o = objects.find(x => x.kind === kind && x.metadata.name === name);
  const args = podTemplateOf(o!)?.spec?.containers?.[0]?.args as string[] | undefined;
  if (!args) throw new Error(`${kind}/${name} has no container arguments`);
  if (args[args.length - 1] !== url) throw new Error(`${kind}/${name}: the last argument is not the server URL: ${args.join(' ')}`);
  const local = (a: string) => Object.entries(paths).reduce((arg, [from, to]) => arg.endsWith(`=${from}`) ? `${arg.slice(0, -from.length)}${to}` : arg, a);
  return [...args.slice(0, -1).map(local), serverUrl];
}

/** The collector and the query of one generated production stack, running on loopback over the test server. */
class JaegerOnLoopback {
  /**
   * Starts the collector and the query of the generated `objects` against `serverUrl` (which
   * replaces `inClusterUrl`), each with what its pod gets from `secrets` (variables, mounted files).
   */
  public static async start(label: string, jaegerBin: string, objects: Manifest[], serverUrl: string, secrets: Secrets = {}, inClusterUrl = IN_CLUSTER_URL): Promise<JaegerOnLoopback> {
    return retryOnPortClash(async () => {
      const dir = tempDir(`jaeger-${label}`);
      writeFileSync(join(dir, 'strategies.json'), configMapData(objects, 'jaeger-collector-sampling', 'strategies.json'));
      const addresses = { [inClusterUrl]: serverUrl };
      const collectorPod = fromSecrets(objects, 'Deployment', 'jaeger-collector', secrets);
      const queryPod = fromSecrets(objects, 'Deployment', 'jaeger-query', secrets);
      const collectorYaml = configMapData(objects, 'jaeger-collector-config', 'config.yaml');
      const queryYaml = configMapData(objects, 'jaeger-query-config', 'config.yaml');
      const collectorConfig = await writeLoopbackConfig(collectorYaml, { addresses, paths: { [SAMPLING_FILE]: join(dir, 'strategies.json'), ...collectorPod.paths } });
      const queryConfig = await writeLoopbackConfig(queryYaml, { addresses, paths: queryPod.paths });
      const j = new JaegerOnLoopback(label, collectorYaml, queryYaml, collectorConfig, queryConfig, collectorPod.env);
      try {
        j.collector = await LoopbackProcess.start(`${label} collector`, jaegerBin, collectorConfig, { healthPort: 13133, healthPath: '/status', deadlineMs: 60_000, env: collectorPod.env });
        j.query = await LoopbackProcess.start(`${label} query`, jaegerBin, queryConfig, { healthPort: 13133, healthPath: '/status', deadlineMs: 60_000, env: queryPod.env });
      } catch (e) {
        await j.stop();
        throw e;
      }
      process.stdout.write(`${label}: generated configurations rewritten for loopback:\n  collector: ${collectorConfig.rewrites.join('\n  collector: ')}\n  query: ${queryConfig.rewrites.join('\n  query: ')}\n`);
      return j;
    });
  }

  public collector?: LoopbackProcess;
  public query?: LoopbackProcess;

  private constructor(
    public readonly label: string,
    public readonly collectorYaml: string,
    public readonly queryYaml: string,
    public readonly collectorConfig: LoopbackConfig,
    public readonly queryConfig: LoopbackConfig,
    private readonly collectorEnv: Record<string, string>,
  ) {}

  /** Starts the collector again with the same configuration (same ports). */
  public async restartCollector(jaegerBin: string): Promise<void> {
    this.collector = await LoopbackProcess.start(`${this.label} collector`, jaegerBin, this.collectorConfig, { healthPort: 13133, healthPath: '/status', deadlineMs: 60_000, env: this.collectorEnv });
  }

  /** The collector's OTLP gRPC port on loopback. */
  public get otlpGrpcPort(): number {
    return this.collectorConfig.ports.get(4317)!;
  }

  private get queryPort(): number {
    return this.queryConfig.ports.get(16686)!;
  }

  /** GET on the query's HTTP API; the parsed answer, or undefined on 404. */
  public async api<T>(path: string): Promise<T | undefined> {
    const r = await fetch(`http://127.0.0.1:${this.queryPort}${path}`, { signal: AbortSignal.timeout(15_000) });
    const text = await r.text();
    if (r.status === 404) return undefined;
    if (!r.ok) throw new Error(`${this.label} query: GET ${path} answered ${r.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  }

  /** The trace by ID (undefined when the query does not know it). */
  public async trace(traceId: string): Promise<QueriedTrace | undefined> {
    const body = await this.api<{ data: QueriedTrace[] }>(`/api/traces/${traceId}`);
    return body?.data?.[0];
  }

  /** Polls until the trace has `spans` spans. */
  public async waitTrace(traceId: string, spans: number, deadlineMs = 30_000): Promise<QueriedTrace> {
    return waitFor(`${this.label}: trace ${traceId} with ${spans} span(s) in the query API`, async () => {
      const t = await this.trace(traceId);
      return t && t.spans.length >= spans ? t : undefined;
    }, deadlineMs, 250);
  }

  /** The trace IDs a search finds in the last hour (`params`: service, operation, tags, minDuration, ...). */
  public async search(params: Record<string, string>, limit = 100): Promise<string[]> {
    const now = Date.now() * 1000;
    const query = new URLSearchParams({ ...params, start: String(now - 3_600_000_000), end: String(now + 60_000_000), limit: String(limit) });
    const body = await this.api<{ data: QueriedTrace[] }>(`/api/traces?${query}`);
    return (body?.data ?? []).map(t => t.traceID).sort();
  }

  public async stop(): Promise<void> {
    await Promise.all([this.collector?.stop(5000), this.query?.stop(5000)]);
  }
}

/** Sends one span with the SDK over OTLP gRPC, as an instrumented service exports it. */
function send(j: JaegerOnLoopback, service: string, span: SdkSpan) {
  return sendSpanWithSdk(SdkProtocol.OTLP_GRPC, { port: j.otlpGrpcPort }, service, span);
}

/**
 * Three senders exporting one span (one trace) per request through the collector, each waiting
 * for its answer (the SDK's OTLP exporter gives up after its 10 s timeout) and 100 ms between
 * requests, until stopped (at most 2000 spans).
 */
class Senders {
  /** Trace ID -> when its export was acknowledged. */
  public readonly acked = new Map<string, number>();
  public failed = 0;
  public sent = 0;
  private sending = true;
  private readonly loops: Array<Promise<void>>;

  constructor(j: JaegerOnLoopback, public readonly service: string) {
    this.loops = [0, 1, 2].map(async () => {
      while (this.sending && this.sent < 2000) {
        const n = this.sent++;
        try {
          const s = await send(j, service, { name: 'GET /outage', attributes: { seq: String(n) } });
          this.acked.set(s.traceId, Date.now());
        } catch {
          this.failed++;
        }
        await sleep(100);
      }
    });
  }

  public async stop(): Promise<void> {
    this.sending = false;
    await Promise.all(this.loops);
  }

  /** How many were acknowledged in [from, to). */
  public ackedBetween(from: number, to: number): number {
    return [...this.acked.values()].filter(t => t >= from && t < to).length;
  }
}

/**
 * The trace IDs of `service` that the query finds, polled until every acknowledged one is there or
 * nothing new turned up for `quietMs`.
 */
async function settle(j: JaegerOnLoopback, senders: Senders, quietMs: number): Promise<Set<string>> {
  const found = new Set<string>();
  let lastChange = Date.now();
  for (;;) {
    const before = found.size;
    for (const id of await j.search({ service: senders.service }, 5000)) found.add(id);
    if (found.size !== before) lastChange = Date.now();
    if ([...senders.acked.keys()].every(id => found.has(id)) || Date.now() - lastChange > quietMs) return found;
    await sleep(1000);
  }
}

/** Jaeger index names (`GET _cat/indices`) that match a pattern, sorted. */
async function indices(server: SearchServer, pattern: string): Promise<string[]> {
  const rows = await server.call<Array<{ index: string }>>('GET', `/_cat/indices/${pattern}?format=json&h=index&expand_wildcards=all`);
  return rows.map(r => r.index).sort();
}

/** Index -> its aliases, for indices matching a pattern. */
async function aliases(server: SearchServer, pattern: string): Promise<Record<string, string[]>> {
  const body = await server.call<Record<string, { aliases: Record<string, unknown> }>>('GET', `/${pattern}/_alias`);
  return Object.fromEntries(Object.keys(body).sort().map(index => [index, Object.keys(body[index].aliases).sort()]));
}

async function docCount(server: SearchServer, index: string): Promise<number> {
  await server.call('POST', `/${index}/_refresh`);
  return (await server.call<{ count: number }>('GET', `/${index}/_count`)).count;
}

/**
 * Runs one of the v1 maintenance tools to its end (SIGKILL after 2 minutes), without blocking the
 * event loop (the TLS proxy answers it from this process).
 */
function runToolAsync(bin: string, args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; output: string }> {
  return new Promise(resolve => {
    const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', d => { output += String(d); });
    child.stderr.on('data', d => { output += String(d); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', status => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

/** Runs one of the v1 maintenance tools; fails with its output unless it exits 0. */
async function runTool(bin: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const run = await runToolAsync(bin, args, env);
  if (run.status !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${run.status}:\n${run.output}`);
  return run.output;
}

/** Which tests {@link describeJaegerOverSearchServer} runs besides the common ones. */
export interface JaegerOverSearchServerOptions {
  /**
   * Also kill the collector (SIGKILL) during an outage of the server, to count what it loses: the
   * same Jaeger code (the bulk processor of its Elasticsearch writer) with every engine, so one
   * engine's file runs it.
   * @default false
   */
  readonly killCollector?: boolean;
  /**
   * Also run the configuration and Jobs for an `https://` server with credentials and a CA
   * (`ElasticsearchStorage` `credentials` and `tls`) through a TLS proxy in the test that checks
   * the basic-auth credentials (the test servers have no security plugin); engine-independent, so
   * one engine's file runs it.
   * @default false
   */
  readonly tlsAndBasicAuth?: boolean;
}

/**
 * The Jaeger production tests over one search server; skipped with one line locally (failing in
 * CI) when the server, Jaeger or its maintenance tools are not built.
 */
export function describeJaegerOverSearchServer(spec: SearchServerSpec, options: JaegerOverSearchServerOptions = {}): void {
  const [describeServer, serverBin] = describeWithProgram(spec);
  const jaegerBin = serverBin ? findProgram(PROGRAMS.jaeger) : undefined;
  const cleanerBin = jaegerBin ? findProgram(PROGRAMS.esIndexCleaner) : undefined;
  const rolloverBin = cleanerBin ? findProgram(PROGRAMS.esRollover) : undefined;
  const describeAll = serverBin && jaegerBin && cleanerBin && rolloverBin ? describeServer : describe.skip;
  const tag = spec.folder.replace(/[^a-z0-9]+/g, '-');

  describeAll(`Jaeger v2.13.0 production over ${spec.title}`, () => {
    let server: SearchServer;
    const started: JaegerOnLoopback[] = [];
    const fileStart = Date.now();

    beforeAll(async () => {
      server = await startSearchServer(spec, serverBin);
      process.stdout.write(`${spec.title} ready on ${server.url} in ${seconds(server.lastStartMs)}\n`);
    }, SEARCH_SERVER_START_MS);

    afterAll(async () => {
      await Promise.all(started.map(j => j.stop()));
      await server?.stop();
      process.stdout.write(`Jaeger over ${spec.title}: ${seconds(Date.now() - fileStart)} in all\n`);
    }, SEARCH_SERVER_STOP_MS);

    describe('daily indices (the default)', () => {
      const retentionDays = 7;
      const objects = productionStack({ engine: spec.engine, indexCleaner: { retentionDays } });
      let jaeger: JaegerOnLoopback;
      const service = `checkout-${tag}`;
      const sent: Record<'fast' | 'slow' | 'failed', { traceId: string; spanId: string }> = {} as any;
      let child: { spanId: string };

      beforeAll(async () => {
        jaeger = await JaegerOnLoopback.start(`daily-${tag}`, jaegerBin!, objects, server.url);
        started.push(jaeger);
      }, 150_000);

      test('only listen addresses, the search server URL and the sampling file differ from the generated configurations', () => {
        for (const [generated, run] of [[jaeger.collectorYaml, jaeger.collectorConfig.yaml], [jaeger.queryYaml, jaeger.queryConfig.yaml]]) {
          const diffs = leafDifferences(parse(generated), parse(run));
          const other = diffs.filter(([path, before, after]) => !(
            (typeof before === 'string' && /^0\.0\.0\.0:\d+$/.test(before) && typeof after === 'string' && /^127\.0\.0\.1:\d+$/.test(after))
            || /\.prometheus\.(host|port)$/.test(path)
            || (path === `.extensions.jaeger_storage.backends.${spec.engine}.${spec.engine}.server_urls[0]` && before === IN_CLUSTER_URL && after === server.url)
            || (path === '.extensions.remote_sampling.file.path' && before === SAMPLING_FILE)));
          expect(other).toStrictEqual([]);
          expect(diffs.map(([path]) => path)).toContain(`.extensions.jaeger_storage.backends.${spec.engine}.${spec.engine}.server_urls[0]`);
        }
      });

      test('spans sent with the SDK through the collector are found by trace ID, with parent, services and attributes', async () => {
        const now = Date.now();
        const root = await send(jaeger, service, { name: 'GET /cart', kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'cart.items': '3' }, startTime: new Date(now - 40), endTime: new Date(now) });
        child = await send(jaeger, `${service}-db`, { name: 'SELECT cart', kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' }, parent: root, startTime: new Date(now - 30), endTime: new Date(now - 10) });
        sent.fast = root;
        sent.slow = await send(jaeger, service, { name: 'GET /cart', kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'cart.items': '40' }, startTime: new Date(now - 900), endTime: new Date(now) });
        sent.failed = await send(jaeger, service, {
          name: 'POST /checkout', kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'payment.provider': 'acme' },
          status: { code: SpanStatusCode.ERROR, message: 'card declined' }, startTime: new Date(now - 120), endTime: new Date(now),
        });
        const found = await jaeger.waitTrace(root.traceId, 2);
        const byId = Object.fromEntries(found.spans.map(s => [s.spanID, s]));
        expect(found.traceID).toBe(root.traceId);
        expect(byId[root.spanId]).toMatchObject({ operationName: 'GET /cart', duration: 40_000 });
        expect(byId[child.spanId]).toMatchObject({ operationName: 'SELECT cart', references: [{ refType: 'CHILD_OF', spanID: root.spanId }] });
        expect(found.processes[byId[root.spanId].processID].serviceName).toBe(service);
        expect(found.processes[byId[child.spanId].processID].serviceName).toBe(`${service}-db`);
        expect(byId[root.spanId].tags).toEqual(expect.arrayContaining([{ key: 'cart.items', type: 'string', value: '3' }]));
        for (const t of [sent.slow, sent.failed]) await jaeger.waitTrace(t.traceId, 1);
      });

      test('search finds them by service, operation, tags and minimum duration', async () => {
        const { fast, slow, failed } = sent;
        const ids = (...traces: Array<{ traceId: string }>) => traces.map(t => t.traceId).sort();
        // The services and operations are indexed too (the services index).
        await waitFor('the services in /api/services', async () => {
          const services = (await jaeger.api<{ data: string[] }>('/api/services'))?.data ?? [];
          return services.includes(service) && services.includes(`${service}-db`) ? true : undefined;
        });
        const operations = await jaeger.api<{ data: string[] }>(`/api/services/${encodeURIComponent(service)}/operations`);
        expect([...operations!.data].sort()).toStrictEqual(['GET /cart', 'POST /checkout']);
        expect(await jaeger.search({ service })).toStrictEqual(ids(fast, slow, failed));
        expect(await jaeger.search({ service, operation: 'GET /cart' })).toStrictEqual(ids(fast, slow));
        expect(await jaeger.search({ service, operation: 'POST /checkout' })).toStrictEqual(ids(failed));
        expect(await jaeger.search({ service, tags: JSON.stringify({ 'payment.provider': 'acme' }) })).toStrictEqual(ids(failed));
        expect(await jaeger.search({ service, tags: JSON.stringify({ error: 'true' }) })).toStrictEqual(ids(failed));
        expect(await jaeger.search({ service, tags: JSON.stringify({ 'cart.items': '40' }) })).toStrictEqual(ids(slow));
        expect(await jaeger.search({ service, minDuration: '500ms' })).toStrictEqual(ids(slow));
        expect(await jaeger.search({ service, operation: 'GET /cart', minDuration: '10ms', maxDuration: '100ms' })).toStrictEqual(ids(fast));
        expect(await jaeger.search({ service: `${service}-db` })).toStrictEqual(ids(fast));
        // A search can find nothing.
        expect(await jaeger.search({ service, tags: JSON.stringify({ 'payment.provider': 'other' }) })).toStrictEqual([]);
      });

      test('every metric name the generated alerts read from the collector and the query is on their /metrics (as Prometheus 2 and 3 both spell it)', async () => {
        const rule = objects.find(o => o.kind === 'PrometheusRule') as any;
        const jaegerRules = rule.spec.groups.flatMap((g: any) => g.rules).filter((r: any) => /jaeger/.test(r.expr) || /^Jaeger/.test(r.alert ?? ''));
        const used = [...new Set<string>(jaegerRules.flatMap((r: any) => metricNamesIn(r.expr)))].filter(n => n !== 'up').sort();
        const served = new Set<string>();
        for (const config of [jaeger.collectorConfig, jaeger.queryConfig]) {
          // Ask as a Prometheus 3 does (UTF-8 names allowed): names must not depend on it.
          const text = await (await fetch(`http://127.0.0.1:${config.ports.get(8888)}/metrics`, { headers: { accept: 'text/plain;version=1.0.0;escaping=allow-utf-8' } })).text();
          for (const name of exposedMetricNames(text)) served.add(name);
        }
        expect(used.filter(n => !served.has(n))).toStrictEqual([]);
        expect(used).toEqual(expect.arrayContaining(['jaeger_storage_bulk_index_latency_ok_seconds_bucket', 'jaeger_storage_latency_seconds_bucket', 'jaeger_storage_requests_total', 'otelcol_exporter_send_failed_spans_total']));
      });

      test('the dependencies endpoint answers from the dependencies index, which Jaeger v2.13 does not write', async () => {
        // Jaeger v2.13 (v1.76.0) computes no dependency links for Elasticsearch/OpenSearch: nothing
        // in the binary calls the dependency writer (only its integration tests do); the query
        // reads `jaeger-dependencies-*`, which the separate spark-dependencies job fills. So the
        // checkout -> checkout-db call above is not an edge here.
        const endTs = Date.now() + 60_000;
        const deps = await jaeger.api<{ data: unknown[] | null }>(`/api/dependencies?endTs=${endTs}&lookback=${3_600_000}`);
        expect(deps?.data ?? []).toStrictEqual([]);
        expect(await indices(server, 'jaeger-dependencies-*')).toStrictEqual([]);
      });

      test('the spans are in today\'s daily indices', async () => {
        const today = day(Date.now());
        expect(await indices(server, 'jaeger-*')).toEqual(expect.arrayContaining([`jaeger-span-${today}`, `jaeger-service-${today}`]));
        // The four spans sent above: root, child, slow and failed.
        expect(await docCount(server, `jaeger-span-${today}`)).toBe(4);
      });

      test(`the generated index cleaner (${retentionDays} days) deletes exactly the indices created more than ${retentionDays} days ago`, async () => {
        // The cleaner's cut-off moves at midnight (UTC): not across one.
        const toMidnight = DAY_MS - Date.now() % DAY_MS;
        if (toMidnight < 120_000) await sleep(toMidnight + 1000);
        const now = Date.now();
        const pastDays = [1, retentionDays - 1, retentionDays, retentionDays + 2];
        const made: Array<{ index: string; createdDaysAgo?: number }> = [];
        const create = async (index: string, createdDaysAgo?: number) => {
          await server.call('PUT', `/${index}`, { settings: { number_of_shards: 1, number_of_replicas: 0 } });
          if (createdDaysAgo !== undefined) await server.call('POST', `/_search_server/creation_date/${index}/${noonDaysAgo(now, createdDaysAgo)}`);
          made.push({ index, createdDaysAgo });
        };
        for (const d of pastDays) {
          for (const kind of ['span', 'service']) await create(`jaeger-${kind}-${day(now - d * DAY_MS)}`, d);
        }
        // Not Jaeger's: never touched.
        await create(`app-logs-${day(now - 30 * DAY_MS)}`, 30);
        // Named for a past day but created today: kept, because the cleaner goes by creation date.
        await create(`jaeger-dependencies-${day(now - 30 * DAY_MS)}`);
        const before = await indices(server, '*');

        const args = jobArgs(objects, 'CronJob', 'jaeger-es-index-cleaner', server.url);
        expect(args).toStrictEqual([String(retentionDays), server.url]);
        const output = await runTool(cleanerBin!, args);

        const after = await indices(server, '*');
        const deleted = before.filter(i => !after.includes(i));
        const expected = made.filter(m => m.index.startsWith('jaeger-') && m.createdDaysAgo !== undefined && m.createdDaysAgo >= retentionDays).map(m => m.index).sort();
        expect(deleted).toStrictEqual(expected);
        expect(after).toEqual(expect.arrayContaining([
          ...made.filter(m => !expected.includes(m.index)).map(m => m.index),
          `jaeger-span-${day(now)}`, `jaeger-service-${day(now)}`,
        ]));
        process.stdout.write(`index cleaner (${retentionDays} days) on ${spec.title}: ${deleted.length} indices deleted (${deleted.join(', ')}), ${after.length} kept\n`);
        expect(output).toMatch(/Deleting indices/);
        // The spans of today are still found.
        expect((await jaeger.trace(sent.fast.traceId))?.spans).toHaveLength(2);
      }, 300_000);

      // The generated collector has neither a sending queue nor retries on its storage exporter (the
      // jaeger_storage_exporter defaults), and neither would act here: its Elasticsearch writer
      // hands spans to an asynchronous bulk processor and never returns an error. That bulk
      // processor keeps a failed request, retries it and, while the server is unreachable, stops
      // taking new ones, which holds the pipeline up to the receivers (back pressure).
      test('the search server stopped and started again while spans arrive through the collector: nothing acknowledged is lost', async () => {
        const senders = new Senders(jaeger, `outage-${tag}`);
        await sleep(3000);
        const downAt = Date.now();
        await server.stop();
        await sleep(5000);
        const restartAt = Date.now();
        await server.start();
        const upAt = Date.now();
        await sleep(3000);
        await senders.stop();

        const found = await settle(jaeger, senders, 60_000);
        const lost = [...senders.acked.keys()].filter(id => !found.has(id));
        process.stdout.write(`${spec.title} stopped (SIGTERM) for ${seconds(upAt - downAt)} (down ${seconds(restartAt - downAt)}, restart ${seconds(upAt - restartAt)}) behind the generated collector: `
          + `${senders.sent} spans sent, ${senders.acked.size} acknowledged (${senders.ackedBetween(downAt, upAt)} while the server was down), ${senders.failed} not acknowledged (export failed or timed out), `
          + `${found.size} found, ${lost.length} acknowledged and lost, ${found.size - (senders.acked.size - lost.length)} found though not acknowledged\n`);
        expect({ lost: lost.length }).toStrictEqual({ lost: 0 });
        expect(senders.acked.size).toBeGreaterThan(20);
      }, 300_000);

      if (options.killCollector) test('the collector killed (SIGKILL) while the search server is down loses only what it acknowledged around and during the outage', async () => {
        const senders = new Senders(jaeger, `collector-kill-${tag}`);
        await sleep(3000);
        const downAt = Date.now();
        await server.stop();
        await sleep(4000);
        await jaeger.collector!.kill();
        const killAt = Date.now();
        await server.start();
        await jaeger.restartCollector(jaegerBin!);
        const upAt = Date.now();
        await sleep(3000);
        await senders.stop();

        const found = await settle(jaeger, senders, 10_000);
        const lostAt = [...senders.acked].filter(([id]) => !found.has(id)).map(([, at]) => at);
        const earliest = lostAt.length ? Math.min(...lostAt) - downAt : 0;
        process.stdout.write(`the generated collector SIGKILLed ${seconds(killAt - downAt)} into an outage of ${spec.title} (${seconds(upAt - downAt)}): `
          + `${senders.sent} spans sent, ${senders.acked.size} acknowledged (${senders.ackedBetween(downAt, killAt)} while the server was down), ${senders.failed} not acknowledged, `
          + `${found.size} found, ${lostAt.length} acknowledged and lost (held in the collector's memory: batch processor and bulk processor; `
          + `acknowledged from ${earliest >= 0 ? `${seconds(earliest)} after` : `${seconds(-earliest)} before`} the server was stopped)\n`);
        // What was acknowledged well before the outage (its bulk request answered) survives; what is
        // lost was acknowledged in the last bulk flushes before the server went down (200 ms each;
        // 10 s allowed for a loaded machine), or after.
        expect(lostAt.filter(at => at < downAt - 10_000)).toStrictEqual([]);
        expect(lostAt.length).toBeLessThanOrEqual(senders.ackedBetween(downAt - 10_000, killAt));
        expect(senders.acked.size - lostAt.length).toBeGreaterThan(20);
      }, 300_000);
    });

    if (options.tlsAndBasicAuth) describe('https with credentials and a CA from Secrets (behind a TLS proxy that checks basic auth)', () => {
      const objects = productionStack({
        engine: spec.engine, indexPrefix: 'secure', rollover: { enabled: true },
        credentials: { secretName: 'search-credentials' }, tls: { ca: { secretName: 'search-ca', key: 'ca.crt' } },
      }, IN_CLUSTER_HTTPS_URL);
      const username = 'jaeger';
      const password = `pw-${process.pid}-${Date.now()}`;
      let proxy: TlsAuthProxy;
      let secrets: Secrets;

      beforeAll(async () => {
        proxy = await startTlsAuthProxy(server.url, username, password);
        secrets = { 'search-credentials': { username, password }, 'search-ca': { 'ca.crt': proxy.ca } };
      });
      afterAll(() => proxy?.close());

      const job = (kind: 'Job' | 'CronJob', name: string, secretValues: Secrets) => {
        const pod = fromSecrets(objects, kind, name, secretValues);
        return { args: jobArgs(objects, kind, name, proxy.url, { '/etc/jaeger/es-tls/ca.crt': proxy.caFile }, IN_CLUSTER_HTTPS_URL), env: pod.env };
      };

      test('the rollover init Job, with its TLS flags and the credentials of its Secret, creates the aliases through the proxy', async () => {
        const init = job('Job', 'jaeger-es-rollover-init', secrets);
        expect(init.args).toStrictEqual(['init', '--shards=5', '--replicas=1', '--index-prefix=secure', '--es.tls.enabled=true', `--es.tls.ca=${proxy.caFile}`, proxy.url]);
        expect(init.env).toStrictEqual({ ES_USERNAME: username, ES_PASSWORD: password });
        const before = proxy.authorized;
        await runTool(rolloverBin!, init.args, init.env);
        expect(await aliases(server, 'secure-jaeger-span-*')).toStrictEqual({ 'secure-jaeger-span-000001': ['secure-jaeger-span-read', 'secure-jaeger-span-write'] });
        expect(proxy.authorized).toBeGreaterThan(before);
        expect(proxy.unauthorized).toBe(0);
      }, 120_000);

      test('a wrong password in the Secret is refused (the check can fail)', async () => {
        const init = job('Job', 'jaeger-es-rollover-init', { ...secrets, 'search-credentials': { username, password: 'wrong' } });
        const run = await runToolAsync(rolloverBin!, init.args, init.env);
        expect(run.status).not.toBe(0);
        expect(proxy.unauthorized).toBeGreaterThan(0);
      }, 120_000);

      test('Jaeger with the generated TLS and basic-auth settings (user from the Secret, password file, CA file) stores and finds a trace', async () => {
        const unauthorizedBefore = proxy.unauthorized;
        const jaeger = await JaegerOnLoopback.start(`secure-${tag}`, jaegerBin!, objects, proxy.url, secrets, IN_CLUSTER_HTTPS_URL);
        started.push(jaeger);
        const storage = (parse(jaeger.collectorConfig.yaml) as any).extensions.jaeger_storage.backends[spec.engine][spec.engine];
        expect(storage).toMatchObject({ server_urls: [proxy.url], auth: { basic: { username: '${env:ES_USERNAME}' } }, tls: { ca_file: expect.stringMatching(/ca\.crt$/) } });
        const span = await send(jaeger, `secure-${tag}`, { name: 'GET /account', kind: SpanKind.SERVER });
        await jaeger.waitTrace(span.traceId, 1);
        expect(await jaeger.search({ service: `secure-${tag}` })).toStrictEqual([span.traceId]);
        expect(await docCount(server, 'secure-jaeger-span-000001')).toBe(1);
        expect(proxy.unauthorized).toBe(unauthorizedBefore);
        process.stdout.write(`https with basic auth over ${spec.title}: ${proxy.authorized} requests through the TLS proxy with the right credentials, ${proxy.unauthorized} refused (the wrong-password check)\n`);
      }, 150_000);
    });

    describe('rollover (aliases)', () => {
      const readAliasDays = 7;
      const objects = productionStack({ engine: spec.engine, indexPrefix: 'prod', rollover: { enabled: true, conditions: '{"max_docs": 1}' } });
      let jaeger: JaegerOnLoopback;
      const service = `rollover-${tag}`;
      let root: { traceId: string; spanId: string };
      let child: { spanId: string };

      test('the generated rollover init Job creates the first indices with read and write aliases', async () => {
        const args = jobArgs(objects, 'Job', 'jaeger-es-rollover-init', server.url);
        expect(args).toStrictEqual(['init', '--shards=5', '--replicas=1', '--index-prefix=prod', server.url]);
        await runTool(rolloverBin!, args);
        const a = await aliases(server, 'prod-jaeger-*');
        expect(a).toMatchObject({
          'prod-jaeger-span-000001': ['prod-jaeger-span-read', 'prod-jaeger-span-write'],
          'prod-jaeger-service-000001': ['prod-jaeger-service-read', 'prod-jaeger-service-write'],
        });
      }, 120_000);

      test('Jaeger, configured as generated (use_aliases, no mappings of its own), writes through the write alias', async () => {
        const generated = parse(configMapData(objects, 'jaeger-collector-config', 'config.yaml')) as any;
        expect(generated.extensions.jaeger_storage.backends[spec.engine][spec.engine]).toMatchObject({ use_aliases: true, create_mappings: false, indices: { index_prefix: 'prod' } });
        jaeger = await JaegerOnLoopback.start(`rollover-${tag}`, jaegerBin!, objects, server.url);
        started.push(jaeger);
        root = await send(jaeger, service, { name: 'GET /order', kind: SpanKind.SERVER });
        await jaeger.waitTrace(root.traceId, 1);
        expect(await docCount(server, 'prod-jaeger-span-000001')).toBe(1);
        // No daily index: everything went through the alias.
        expect((await indices(server, 'prod-jaeger-*')).filter(i => /\d{4}-\d{2}-\d{2}$/.test(i))).toStrictEqual([]);
      }, 150_000);

      test('the generated rollover CronJob moves the write alias; the query finds a trace across both indices', async () => {
        const args = jobArgs(objects, 'CronJob', 'jaeger-es-rollover', server.url);
        expect(args).toStrictEqual(['rollover', '--conditions={"max_docs": 1}', '--index-prefix=prod', server.url]);
        // max_docs counts refreshed documents only: make the span and service documents count now.
        await server.call('POST', '/prod-jaeger-*/_refresh');
        await runTool(rolloverBin!, args);
        const a = await aliases(server, 'prod-jaeger-span-*');
        expect(a).toStrictEqual({
          'prod-jaeger-span-000001': ['prod-jaeger-span-read'],
          'prod-jaeger-span-000002': ['prod-jaeger-span-read', 'prod-jaeger-span-write'],
        });
        child = await send(jaeger, `${service}-payments`, { name: 'charge', kind: SpanKind.CLIENT, parent: root });
        const found = await jaeger.waitTrace(root.traceId, 2);
        expect(found.spans.map(s => s.spanID).sort()).toStrictEqual([root.spanId, child.spanId].sort());
        expect(await docCount(server, 'prod-jaeger-span-000002')).toBe(1);
        expect(await jaeger.search({ service })).toStrictEqual([root.traceId]);
        expect(await jaeger.search({ service: `${service}-payments` })).toStrictEqual([root.traceId]);
      }, 120_000);

      test(`the generated lookback CronJob takes indices created more than ${readAliasDays} days ago out of the read alias, and the index cleaner deletes them`, async () => {
        // Time passes: the first indices were created eight days ago.
        for (const kind of ['span', 'service']) {
          await server.call('POST', `/_search_server/creation_date/prod-jaeger-${kind}-000001/${Date.now() - (readAliasDays + 1) * DAY_MS}`);
        }
        const lookback = jobArgs(objects, 'CronJob', 'jaeger-es-lookback', server.url);
        expect(lookback).toStrictEqual(['lookback', '--unit=days', `--unit-count=${readAliasDays}`, '--index-prefix=prod', server.url]);
        await runTool(rolloverBin!, lookback);
        expect(await aliases(server, 'prod-jaeger-span-*')).toStrictEqual({
          'prod-jaeger-span-000001': [],
          'prod-jaeger-span-000002': ['prod-jaeger-span-read', 'prod-jaeger-span-write'],
        });
        // The query reads the read alias: only the span written after the rollover is left.
        expect((await jaeger.trace(root.traceId))?.spans.map(s => s.spanID)).toStrictEqual([child.spanId]);

        const cleaner = jobArgs(objects, 'CronJob', 'jaeger-es-index-cleaner', server.url);
        expect(cleaner).toStrictEqual(['7', '--rollover', '--index-prefix=prod', server.url]);
        const before = await indices(server, 'prod-jaeger-*');
        await runTool(cleanerBin!, cleaner);
        const after = await indices(server, 'prod-jaeger-*');
        expect(before.filter(i => !after.includes(i))).toStrictEqual(['prod-jaeger-service-000001', 'prod-jaeger-span-000001']);
        expect(after).toEqual(expect.arrayContaining(['prod-jaeger-span-000002', 'prod-jaeger-service-000002', 'prod-jaeger-dependencies-000001']));
        process.stdout.write(`rollover on ${spec.title}: init, rollover, lookback and index cleaner ran; deleted ${before.length - after.length} of ${before.length} indices, kept ${after.join(', ')}\n`);
      }, 120_000);
    });
  });
}
