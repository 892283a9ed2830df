/**
 * The OpenTelemetry Collector configurations this library generates, run by the real collector
 * (`otelcol` 0.140.1: core v0.140.0 + contrib v0.140.1, built by scripts/programs/otelcol.sh with
 * exactly the components the constructs render, plus a few more).
 *
 * - every generated configuration passes `otelcol validate` and also starts (the `tail_sampling`
 *   policies are only built at start, which `validate` does not do);
 * - every component type they name is one the binary registers;
 * - end to end with a real Jaeger: the sampling tier of a `TailSamplingGateway` keeps the error and
 *   the slow trace and drops the fast one; the load-balancing tier sends every span of a trace,
 *   each span arriving in its own request, to the same one of two sampling instances.
 */
import { readdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Duration } from 'cdk8s';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { buildApp } from '../../main';
import {
  CollectorMode, JaegerAllInOne, LoadBalancerResolver, OtelCollector, SamplingPolicy, SpanProtocol, synthesizeApp, TailSamplingGateway, TailSamplingPolicy,
} from '../../constructs';
import { QUEUE_DIRECTORY } from '../../constructs/otel/collector-pipeline';
import { CollectorPorts } from '../../constructs/otel/collector-ports';
import {
  CollectorDoc, collectorOnLoopback, isListenRewrite, spanIdsInJaeger, startCollector, startedTogether, StartedJaeger, startJaeger,
} from '../_support/collector';
import { SdkProtocol, SdkSpan, SentSdkSpan, sendSpanWithSdk } from '../_support/otel-sdk';
import { describeWithProgram, OTELCOL_VERSION, PROGRAMS, runProgram, tempDir, waitFor } from '../_support/programs';
import { find, Manifest, synth, testChart } from '../_support/synth';

// ---------------------------------------------------------------------------------------------
// The configurations: the example stacks as `npm run synth` writes them, and variants.
// ---------------------------------------------------------------------------------------------

/** A generated collector configuration: where it comes from and its YAML text. */
interface GeneratedConfig { readonly name: string; readonly yaml: string }

type ComponentKind = 'receivers' | 'processors' | 'exporters' | 'extensions';
const COMPONENT_KINDS: readonly ComponentKind[] = ['receivers', 'processors', 'exporters', 'extensions'];

const outdir = tempDir('otelcol-examples');
const exampleApp = buildApp({ outdir });
synthesizeApp(exampleApp, { diagrams: false });
const exampleObjects: Manifest[] = readdirSync(outdir).sort()
  .flatMap(file => parseAllDocuments(readFileSync(join(outdir, file), 'utf8')).map(d => d.toJS() as Manifest));

/** The collector ConfigMaps (`<name>-config`, key `config.yaml`) and operator CRs among `objects`. */
function collectorConfigs(objects: Manifest[]): GeneratedConfig[] {
  const configMaps = objects
    .filter(o => o.kind === 'ConfigMap' && o.metadata.labels?.['app.kubernetes.io/name'] === 'opentelemetry-collector' && o.metadata.name.endsWith('-config'))
    .map(o => ({ name: `${o.metadata.namespace}/ConfigMap/${o.metadata.name}`, yaml: (o as any).data['config.yaml'] as string }));
  const operatorInstances = objects
    .filter(o => o.kind === 'OpenTelemetryCollector')
    .map(o => ({ name: `${o.metadata.namespace}/OpenTelemetryCollector/${o.metadata.name} spec.config`, yaml: stringify((o as any).spec.config, { lineWidth: 0 }) }));
  return [...configMaps, ...operatorInstances];
}

const P = TailSamplingPolicy;
/** A policy with every `TailSamplingPolicy` factory and every `tail` option. */
const EVERY_POLICY = new SamplingPolicy({
  ratio: 0.1,
  tail: {
    decisionWait: Duration.seconds(2),
    numTraces: 1_000,
    expectedNewTracesPerSec: 100,
    decisionCacheSize: 5_000,
    sampleOnFirstMatch: true,
    keepSlowerThan: Duration.seconds(1),
    keep: {
      'always': P.alwaysSample(),
      'ok-or-unset': P.statusCodes(['OK', 'UNSET']),
      'latency-band': P.latency(Duration.millis(100), Duration.seconds(5)),
      'salted': P.probabilistic(12.5, 'team-a'),
      'rate': P.rateLimiting(100),
      'not-api': P.stringAttribute('http.route', ['^/api/.*', '/admin'], { regex: true, invert: true }),
      'not-5xx': P.numericAttribute('http.response.status_code', 500, 599, { invert: true }),
      'retried': P.numericAttribute('app.retries', 3),
      'not-debug': P.booleanAttribute('app.debug', true, { invert: true }),
      'big': P.spanCount(10, 1_000),
      'checkout-slow': P.and({ slow: P.latency(Duration.millis(200)), checkout: P.stringAttribute('service.name', ['checkout']) }),
      'budget': P.composite({
        maxTotalSpansPerSecond: 1_000,
        policies: {
          errors: { policy: P.errors(), percent: 50 },
          flagged: { policy: P.and({ flag: P.booleanAttribute('app.flagged', true), some: P.spanCount(2) }), percent: 30 },
          rest: { policy: P.alwaysSample(), percent: 20 },
        },
      }),
    },
    drop: {
      health: P.stringAttribute('url.path', ['/healthz']),
      bots: P.drop({ agent: P.stringAttribute('user_agent.original', ['.*bot.*'], { regex: true }), quick: P.latency(Duration.millis(1), Duration.millis(10)) }),
    },
  },
});

/** Constructs rendering what the example stacks do not: OTLP/HTTP, headers, a persistent queue, DNS, every policy. */
const variants = testChart('variants');
const variantJaeger = new JaegerAllInOne(variants, 'jaeger');
new OtelCollector(variants, 'otlp-http', {
  name: 'otlp-http',
  exportTo: [{ receiver: variantJaeger, protocol: SpanProtocol.OTLP_HTTP, headers: { 'X-Scope-OrgID': 'team-a' } }],
});
new OtelCollector(variants, 'persistent-queue', {
  name: 'persistent-queue',
  mode: CollectorMode.AGENT,
  exportTo: [{ receiver: variantJaeger, name: 'jaeger-grpc', headers: { authorization: 'Bearer not-a-secret' } }],
  queue: { persistent: true, queueSize: 200, numConsumers: 2, initialInterval: Duration.seconds(1), maxInterval: Duration.seconds(10), maxElapsedTime: Duration.seconds(0) },
});
new TailSamplingGateway(variants, 'every-policy', { name: 'every-policy', resolver: LoadBalancerResolver.DNS, policy: EVERY_POLICY, exportTo: [variantJaeger] });

const exampleConfigs = collectorConfigs(exampleObjects);
const configs: GeneratedConfig[] = [...exampleConfigs, ...collectorConfigs(synth(variants))];

/** Component ids of a configuration, by kind. */
function componentIds(doc: CollectorDoc): Record<ComponentKind, string[]> {
  return Object.fromEntries(COMPONENT_KINDS.map(k => [k, Object.keys(doc[k] ?? {})])) as Record<ComponentKind, string[]>;
}

/** Every tail-sampling policy of a configuration, sub-policies included. */
function policiesOf(doc: CollectorDoc): Array<Record<string, any>> {
  const walk = (list: Array<Record<string, any>> = []): Array<Record<string, any>> => list.flatMap(p => [
    p, ...walk(p.and?.and_sub_policy), ...walk(p.drop?.drop_sub_policy), ...walk(p.composite?.composite_sub_policy),
  ]);
  return walk(doc.processors?.tail_sampling?.policies);
}

// ---------------------------------------------------------------------------------------------
// Running a configuration on loopback (test/_support/collector.ts).
// ---------------------------------------------------------------------------------------------

/** A kubeconfig that only has to parse: the `k8s` resolver of the loadbalancing exporter loads one even in `validate`. */
const DUMMY_KUBECONFIG = stringify({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: 'dummy', cluster: { server: 'https://127.0.0.1:1' } }],
  users: [{ name: 'dummy', user: { token: 'dummy' } }],
  contexts: [{ name: 'dummy', context: { cluster: 'dummy', user: 'dummy' } }],
  'current-context': 'dummy',
});

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** The value of a Prometheus sample named `name` whose labels contain `labels` (undefined: none). */
function metricValue(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find(l => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

// ---------------------------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------------------------

const [describeOtelcol, otelcol] = describeWithProgram(PROGRAMS.otelcol);

describeOtelcol(`OpenTelemetry Collector ${OTELCOL_VERSION}, the real binary`, () => {
  const kubeconfig = join(tempDir('otelcol-kubeconfig'), 'kubeconfig');
  writeFileSync(kubeconfig, DUMMY_KUBECONFIG);
  const docs = configs.map(c => ({ name: c.name, doc: parse(c.yaml) as CollectorDoc }));

  test('is the version the default image pins', () => {
    const run = runProgram(otelcol, ['--version']);
    expect(run.stdout).toMatch(new RegExp(`version ${OTELCOL_VERSION.replace(/\./g, '\\.')}\\b`));
  });

  test('the configurations are every one the example stacks render, and together cover every rendering branch', () => {
    expect(exampleConfigs.map(c => c.name).sort()).toStrictEqual([
      'observability/OpenTelemetryCollector/otel-gateway spec.config',
      'telemetry/ConfigMap/otel-agent-config',
      'telemetry/ConfigMap/otel-sampling-config',
      'telemetry/ConfigMap/otel-sampling-lb-config',
    ]);
    const all = docs.map(d => d.doc);
    const exporters = all.flatMap(d => Object.entries(d.exporters));
    expect([...new Set(exporters.map(([id]) => id.split('/')[0]))].sort()).toStrictEqual(['loadbalancing', 'otlp', 'otlphttp']);
    expect(exporters.filter(([, e]) => e.headers).map(([id]) => id.split('/')[0]).sort()).toStrictEqual(['otlp', 'otlphttp']);
    expect(exporters.filter(([, e]) => e.sending_queue?.storage).map(([, e]) => e.sending_queue.storage)).toStrictEqual(['file_storage/queue']);
    expect(all.filter(d => d.extensions['file_storage/queue']).map(d => d.extensions['file_storage/queue'].directory)).toStrictEqual([QUEUE_DIRECTORY]);
    expect(exporters.filter(([id]) => id === 'loadbalancing').map(([, e]) => Object.keys(e.resolver)[0]).sort()).toStrictEqual(['dns', 'k8s']);
    expect([...new Set(all.flatMap(policiesOf).map(p => p.type))].sort()).toStrictEqual([
      'always_sample', 'and', 'boolean_attribute', 'composite', 'drop', 'latency', 'numeric_attribute', 'probabilistic', 'rate_limiting',
      'span_count', 'status_code', 'string_attribute',
    ]);
    const everyPolicy = all.flatMap(d => d.processors.tail_sampling ? [d.processors.tail_sampling] : []).find(t => t.sample_on_first_match);
    expect(everyPolicy).toMatchObject({ expected_new_traces_per_sec: 100, decision_cache: { sampled_cache_size: 5000, non_sampled_cache_size: 5000 } });
    const policies = all.flatMap(policiesOf);
    expect(policies.some(p => p.latency?.upper_threshold_ms)).toBe(true);
    expect(policies.some(p => p.probabilistic?.hash_salt)).toBe(true);
    expect(policies.some(p => p.string_attribute?.enabled_regex_matching && p.string_attribute?.invert_match)).toBe(true);
  });

  describe('otelcol validate', () => {
    // The file_storage extension checks in `validate` that its directory exists: it is an emptyDir
    // mounted in the pod, so here it is a temporary one. The k8s resolver loads a kubeconfig even in
    // `validate`: any one that parses does (nothing is contacted).
    const validate = (yaml: string) => {
      const file = join(tempDir('otelcol-validate'), 'config.yaml');
      writeFileSync(file, yaml.split(QUEUE_DIRECTORY).join(tempDir('otelcol-queue')));
      return runProgram(otelcol, ['validate', `--config=file:${file}`], { env: { KUBECONFIG: kubeconfig } });
    };

    test.each(configs)('accepts $name', ({ yaml }) => {
      const run = validate(yaml);
      expect({ status: run.status, output: run.status === 0 ? '' : `${run.stdout}${run.stderr}` }).toStrictEqual({ status: 0, output: '' });
    });

    test('rejects an unknown key (the check can fail)', () => {
      const run = validate(configs.find(c => c.yaml.includes('num_traces:'))!.yaml.replace('num_traces:', 'num_tracez:'));
      expect(run.status).not.toBe(0);
      expect(`${run.stdout}${run.stderr}`).toMatch(/tail_sampling[\s\S]*invalid keys: num_tracez/);
    });

    test('count', () => {
      process.stdout.write(`collector configurations validated by otelcol ${OTELCOL_VERSION}: ${configs.length} (${configs.map(c => c.name).join(', ')})\n`);
      expect(configs.length).toBeGreaterThanOrEqual(8);
    });
  });

  describe('otelcol starts with each configuration (tail_sampling policies are built only at start)', () => {
    const started: string[] = [];
    afterAll(() => {
      process.stdout.write(`collector configurations started by otelcol ${OTELCOL_VERSION} until health_check answered 200: ${started.length}\n`);
    });

    test.each(configs)('starts with $name', async ({ name, yaml }) => {
      const collector = await startCollector(otelcol, yaml);
      try {
        // Only listen addresses, the queue directory and (for k8s) the resolver changed.
        expect(collector.rewrites.filter(line => !isListenRewrite(line)
          && !line.startsWith(`.extensions.file_storage/queue.directory: ${QUEUE_DIRECTORY} -> /`)
          && !line.startsWith(`.extensions.file_storage/queue.compaction.directory: ${QUEUE_DIRECTORY} -> /`)
          && !line.startsWith('.exporters.loadbalancing.resolver: k8s '))).toStrictEqual([]);
        expect(collector.program.running).toBe(true);
        started.push(name);
      } finally {
        await collector.program.stop();
      }
    }, 30_000);

    test('a configuration with an unknown tail_sampling policy type passes validate but fails to start (the check can fail)', async () => {
      const everyPolicy = configs.find(c => c.name.endsWith('/every-policy-config'))!;
      const broken = everyPolicy.yaml.replace(/type: always_sample\n/, 'type: bogus_policy\n');
      expect(broken).not.toBe(everyPolicy.yaml);
      const run = await collectorOnLoopback(broken);
      const file = join(tempDir('otelcol-broken'), 'config.yaml');
      writeFileSync(file, run.yaml);
      expect(runProgram(otelcol, ['validate', `--config=file:${file}`]).status).toBe(0);
      const start = runProgram(otelcol, [`--config=file:${file}`], { timeoutMs: 20_000 });
      expect(start.status).toBe(1);
      expect(`${start.stdout}${start.stderr}`).toMatch(/failed to start "tail_sampling" processor: .*unknown sampling policy type bogus_policy/);
    }, 30_000);
  });

  test('every component type the configurations name is registered in the binary (`otelcol components`)', () => {
    const run = runProgram(otelcol, ['components']);
    expect(run.status).toBe(0);
    const listed = parse(run.stdout) as Record<ComponentKind, Array<{ name: string }>>;
    const registered = Object.fromEntries(COMPONENT_KINDS.map(k => [k, (listed[k] ?? []).map(c => c.name).sort()])) as Record<ComponentKind, string[]>;
    const used = Object.fromEntries(COMPONENT_KINDS.map(k => [k, [...new Set(docs.flatMap(d => componentIds(d.doc)[k]).map(id => id.split('/')[0]))].sort()])) as Record<ComponentKind, string[]>;
    expect(used).toStrictEqual({
      receivers: ['otlp'],
      processors: ['batch', 'memory_limiter', 'tail_sampling'],
      exporters: ['loadbalancing', 'otlp', 'otlphttp'],
      extensions: ['file_storage', 'health_check'],
    });
    for (const kind of COMPONENT_KINDS) {
      expect({ kind, missing: used[kind].filter(t => !registered[kind].includes(t)) }).toStrictEqual({ kind, missing: [] });
    }
    // The check can fail: a type the binary does not have is not listed.
    expect(registered.exporters).not.toContain('kafka');
    process.stdout.write(`component types used by the generated configurations, all registered in otelcol ${OTELCOL_VERSION}: ${COMPONENT_KINDS.map(k => `${k} ${used[k].join(', ')}`).join('; ')}\n`);
  });
});

const [describeJaegerToo, jaegerBin] = describeWithProgram(PROGRAMS.jaeger);
const describeEndToEnd = otelcol && jaegerBin ? describeJaegerToo : describe.skip;

describeEndToEnd('end to end: TailSamplingGateway tiers in front of JaegerAllInOne, all on loopback', () => {
  const chart = testChart('e2e');
  const jaeger = new JaegerAllInOne(chart, 'jaeger');
  const DECISION_WAIT_MS = 1_000;
  new TailSamplingGateway(chart, 'tail', {
    name: 'tail',
    policy: new SamplingPolicy({ ratio: 0, tail: { decisionWait: Duration.millis(DECISION_WAIT_MS), keepSlowerThan: Duration.millis(500) } }),
    exportTo: [jaeger],
  });
  new TailSamplingGateway(chart, 'spread', {
    name: 'spread',
    policy: new SamplingPolicy({ ratio: 0, tail: { decisionWait: Duration.millis(DECISION_WAIT_MS), keep: { everything: TailSamplingPolicy.alwaysSample() } } }),
    exportTo: [jaeger],
  });
  const objects = synth(chart);
  const configOf = (name: string) => (find(objects, 'ConfigMap', `${name}-config`) as any).data['config.yaml'] as string;
  const jaegerGrpc = jaeger.spanEndpoint(SpanProtocol.OTLP_GRPC).hostPort;
  const toJaeger = (j: StartedJaeger) => ({ [jaegerGrpc]: `127.0.0.1:${j.ports.get(4317)}` });

  const { startAll, stopAll } = startedTogether();
  let jaegerA: StartedJaeger;
  let jaegerB: StartedJaeger;

  beforeAll(async () => {
    [jaegerA, jaegerB] = await startAll([startJaeger(jaegerBin, objects, 'jaeger'), startJaeger(jaegerBin, objects, 'jaeger')]);
  }, 30_000);

  afterAll(async () => {
    await stopAll();
  });

  test('the sampling tier keeps the trace with an ERROR span and the slow trace, and drops the fast OK trace', async () => {
    expect(parse(configOf('tail')).processors.tail_sampling).toStrictEqual({
      decision_wait: '1s',
      num_traces: 50000,
      policies: [
        { name: 'keep-errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
        { name: 'keep-slow', type: 'latency', latency: { threshold_ms: 500 } },
      ],
    });
    const [sampler] = await startAll([startCollector(otelcol, configOf('tail'), { addresses: toJaeger(jaegerA) })]);
    const port = sampler.ports.get(CollectorPorts.OTLP_HTTP.port)!;
    const send = (span: SdkSpan) => sendSpanWithSdk(SdkProtocol.OTLP_HTTP, { port }, 'checkout', span);
    const at = (msAgo: number) => new Date(Date.now() - msAgo);

    // Two spans per trace, each in its own request; the fast trace goes first, so it is decided first.
    const fastRoot = await send({ name: 'GET /cart', kind: SpanKind.SERVER, status: { code: SpanStatusCode.OK }, startTime: at(20), endTime: at(0) });
    const fast = [fastRoot, await send({ name: 'SELECT cart', kind: SpanKind.CLIENT, parent: fastRoot, startTime: at(15), endTime: at(10) })];
    const errorRoot = await send({ name: 'POST /pay', kind: SpanKind.SERVER, startTime: at(30), endTime: at(0) });
    const error = [errorRoot, await send({ name: 'charge card', kind: SpanKind.CLIENT, parent: errorRoot, status: { code: SpanStatusCode.ERROR, message: 'card declined' }, startTime: at(25), endTime: at(5) })];
    const slowRoot = await send({ name: 'GET /report', kind: SpanKind.SERVER, status: { code: SpanStatusCode.OK }, startTime: at(800), endTime: at(0) });
    const slow = [slowRoot, await send({ name: 'SELECT report', kind: SpanKind.CLIENT, parent: slowRoot, startTime: at(790), endTime: at(20) })];
    const ids = (spans: SentSdkSpan[]) => spans.map(s => s.spanId).sort();

    for (const kept of [error, slow]) {
      await waitFor(`trace ${kept[0].traceId} (kept) in jaeger`, async () => (await spanIdsInJaeger(jaegerA, kept[0].traceId)).length >= 2 ? true : undefined, 15_000, 200);
      expect(await spanIdsInJaeger(jaegerA, kept[0].traceId)).toStrictEqual(ids(kept));
    }
    // The fast trace was decided no later than the kept ones: it must still be absent two decision
    // waits after they arrived.
    const end = Date.now() + 2 * DECISION_WAIT_MS;
    while (Date.now() < end) {
      expect(await spanIdsInJaeger(jaegerA, fast[0].traceId)).toStrictEqual([]);
      await sleep(250);
    }
    expect(await spanIdsInJaeger(jaegerA, fast[0].traceId)).toStrictEqual([]);
    // The processor's own account (its Prometheus metrics): three traces seen, one decided "not sampled".
    const metrics = await (await fetch(`http://127.0.0.1:${sampler.ports.get(CollectorPorts.METRICS.port)}/metrics`)).text();
    expect({
      received: metricValue(metrics, 'otelcol_processor_tail_sampling_new_trace_id_received_total'),
      sampled: metricValue(metrics, 'otelcol_processor_tail_sampling_global_count_traces_sampled_total', 'sampled="true"'),
      notSampled: metricValue(metrics, 'otelcol_processor_tail_sampling_global_count_traces_sampled_total', 'sampled="false"'),
      keptByErrors: metricValue(metrics, 'otelcol_processor_tail_sampling_count_traces_sampled_total', 'policy="keep-errors",sampled="true"'),
      keptBySlow: metricValue(metrics, 'otelcol_processor_tail_sampling_count_traces_sampled_total', 'policy="keep-slow",sampled="true"'),
    }).toStrictEqual({ received: 3, sampled: 2, notSampled: 1, keptByErrors: 1, keptBySlow: 1 });
    process.stdout.write(`tail sampling by otelcol ${OTELCOL_VERSION}: kept error trace ${error[0].traceId} and slow trace ${slow[0].traceId}, dropped fast trace ${fast[0].traceId}\n`);
  }, 40_000);

  test('the load-balancing tier sends every span of a trace, each in its own request, to the same one of two sampling instances', async () => {
    const generatedLb = parse(configOf('spread-lb')) as CollectorDoc;
    expect(generatedLb.exporters.loadbalancing).toMatchObject({ routing_key: 'traceID', resolver: { k8s: { service: 'spread-headless.e2e', ports: [CollectorPorts.OTLP_GRPC.port] } } });
    // Two instances of the same generated sampling configuration, each exporting to its own Jaeger,
    // so where a span went tells which instance received it.
    const [first, second] = await startAll([
      startCollector(otelcol, configOf('spread'), { addresses: toJaeger(jaegerA) }),
      startCollector(otelcol, configOf('spread'), { addresses: toJaeger(jaegerB) }),
    ]);
    // No cluster here for the k8s resolver to watch: it becomes `static` with the two instances.
    const instances = [first, second].map(s => `127.0.0.1:${s.ports.get(CollectorPorts.OTLP_GRPC.port)}`);
    const [lb] = await startAll([startCollector(otelcol, configOf('spread-lb'), { samplingInstances: instances })]);
    expect(lb.rewrites.filter(r => !isListenRewrite(r))).toStrictEqual([
      `.exporters.loadbalancing.resolver: k8s {"service":"spread-headless.e2e","ports":[4317],"timeout":"60s"} -> static {"hostnames":${JSON.stringify(instances)}}`,
    ]);

    // 20 traces of 3 spans. Each round sends one span of every trace, one request per span; the
    // pause between rounds outlasts the load-balancing tier's batch timeout (200 ms), so the spans
    // of one trace pass through it in different batches.
    const port = lb.ports.get(CollectorPorts.OTLP_HTTP.port)!;
    const send = (span: SdkSpan) => sendSpanWithSdk(SdkProtocol.OTLP_HTTP, { port }, 'spread', span);
    const traces: SentSdkSpan[][] = [];
    for (let i = 0; i < 20; i++) traces.push([await send({ name: `GET /item/${i}`, kind: SpanKind.SERVER })]);
    for (const round of ['SELECT item', 'GET /price']) {
      await sleep(300);
      for (const t of traces) t.push(await send({ name: round, kind: SpanKind.CLIENT, parent: t[0] }));
    }

    const landed = await waitFor('every span of every trace in one of the two jaegers', async () => {
      const counts = await Promise.all(traces.map(async t => [await spanIdsInJaeger(jaegerA, t[0].traceId), await spanIdsInJaeger(jaegerB, t[0].traceId)]));
      return counts.every(([a, b]) => a.length + b.length >= 3) ? counts : undefined;
    }, 20_000, 250);
    // Let anything straggling arrive, then read again.
    await sleep(DECISION_WAIT_MS);
    const final = await Promise.all(traces.map(async t => [await spanIdsInJaeger(jaegerA, t[0].traceId), await spanIdsInJaeger(jaegerB, t[0].traceId)]));
    expect(final).toStrictEqual(landed);
    const where = traces.map((t, i) => {
      const [a, b] = final[i];
      const all = t.map(s => s.spanId).sort();
      expect({ trace: t[0].traceId, split: [a, b] }).toStrictEqual({ trace: t[0].traceId, split: a.length ? [all, []] : [[], all] });
      return a.length ? 'first' : 'second';
    });
    const onFirst = where.filter(w => w === 'first').length;
    expect(onFirst).toBeGreaterThan(0);
    expect(onFirst).toBeLessThan(traces.length);
    process.stdout.write(`load balancing by otelcol ${OTELCOL_VERSION}: ${traces.length} traces of 3 spans, each span in its own request; ${onFirst} traces wholly on the first sampling instance, ${traces.length - onFirst} on the second, none split\n`);
  }, 50_000);
});
