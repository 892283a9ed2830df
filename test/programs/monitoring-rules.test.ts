/**
 * The rules of TracingMonitoring, proven by the real promtool 3.16.0 (test/_support/prometheus.ts):
 *
 * - parse: the PrometheusRule of every example chart passes `promtool check rules`, and so does
 *   every Prometheus query of the example charts' Grafana dashboards (the pipeline-health
 *   dashboards and the trace dashboard), each wrapped as a recording rule with Grafana's
 *   `$__rate_interval` replaced by `5m`; a broken expression fails the same check;
 * - unit tests (`promtool test rules`): every alert of TRACING_ALERT_NAMES fires on the series it
 *   is meant for, with its labels, only once its `for` has passed (pending before), and stays quiet
 *   on healthy series of the same metrics and on series its selector must not match; the span-metrics
 *   recording rules record the error ratio per service.
 *
 * The rules under test are those two charts of this file render (one with a Tempo 2 monolithic,
 * one with a Tempo 3 microservices deployment, between them every kind of component). Input series
 * carry the labels the Prometheus Operator gives a PodMonitor's targets (`job="<namespace>/<monitor>"`,
 * `namespace`, `pod`, `container`, `endpoint`, `instance`), read off the charts' own PodMonitors and
 * workloads, plus the metric's own labels. Span metrics are remote-written by Tempo's
 * metrics-generator: they have only their own labels.
 */
import { Chart, Duration } from 'cdk8s';
import { buildApp } from '../../main';
import {
  CollectorMode, ElasticsearchStorage, JaegerCollector, JaegerQuery, OtelCollector, S3Bucket, SamplingPolicy, StrimziKafka, TailSamplingGateway,
  TempoDistributed, TempoMonolithic, TempoVersion, TracingMonitoring,
} from '../../constructs';
import { TempoSpanMetrics } from '../../constructs/grafana/tempo-metrics';
import { DashboardModel, PrometheusPanelTarget } from '../../constructs/grafana/trace-dashboard';
import { pipelineQueries } from '../../constructs/monitoring/pipeline-dashboard';
import { RECORD, TRACING_ALERT_NAMES, TracingAlertName, TracingMetrics } from '../../constructs/monitoring/tracing-alerts';
import { PROMETHEUS_VERSION, tempDir } from '../_support/programs';
import {
  describeWithPrometheus, promtoolCheckRules, promtoolTestRules, Rule, RuleFile, RuleTest, RuleTestFile, writeRuleFile, writeRuleTestFile,
} from '../_support/prometheus';
import { Manifest, synth, testChart } from '../_support/synth';

const [describeProm, bins] = describeWithPrometheus();
const M = TracingMetrics;
const S = TempoSpanMetrics;

// ---------------------------------------------------------------------------------------------
// The charts under test
// ---------------------------------------------------------------------------------------------

/** Namespace `tracing`: Jaeger collector and query over Elasticsearch, a Tempo 2 monolithic, a tail-sampling gateway, a node agent; span-metrics alerts with objectives. */
function tempo2Chart(): Chart {
  const chart = testChart('tracing');
  const es = new ElasticsearchStorage(chart, 'es', { serverUrls: ['https://elasticsearch.example.com:9200'] });
  const collector = new JaegerCollector(chart, 'collector', { storage: es });
  new JaegerQuery(chart, 'query', { storage: es });
  const tempo = new TempoMonolithic(chart, 'tempo', { version: TempoVersion.TEMPO_2 });
  const sampling = new TailSamplingGateway(chart, 'sampling', { policy: new SamplingPolicy({ tail: {} }), exportTo: [collector, tempo] });
  new OtelCollector(chart, 'agent', { mode: CollectorMode.AGENT, exportTo: [sampling] });
  new TracingMonitoring(chart, 'monitoring', {
    spanMetrics: true,
    objectives: [{ service: 'checkout', availability: 0.999, latency: { threshold: Duration.millis(512), target: 0.99 } }],
  });
  return chart;
}

/** Namespace `tempo`: Tempo 3 microservices on S3 with Kafka. */
function tempo3Chart(): Chart {
  const chart = testChart('tempo');
  new TempoDistributed(chart, 'tempo', {
    storage: new S3Bucket(chart, 'bucket', { bucket: 'traces', region: 'eu-west-1' }),
    kafka: new StrimziKafka(chart, 'kafka', {}),
  });
  new TracingMonitoring(chart, 'monitoring');
  return chart;
}

type ChartKey = 'tempo2' | 'tempo3';

/** What a test reads off a synthesized chart: its rules and the scrape targets of its PodMonitors. */
interface RenderedChart {
  readonly objects: Manifest[];
  readonly rules: RuleFile;
  readonly targets: ReadonlyMap<string, ScrapeTarget>;
}

/** The labels the Prometheus Operator gives every series of a PodMonitor's target. */
interface ScrapeTarget {
  readonly job: string;
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly endpoint: string;
  readonly instance: string;
}

function render(chart: Chart): RenderedChart {
  const objects = synth(chart);
  return { objects, rules: prometheusRuleSpec(objects), targets: scrapeTargets(objects) };
}

/** The `spec` of the chart's one PrometheusRule: a rule file. */
function prometheusRuleSpec(objects: readonly Manifest[]): RuleFile {
  const rules = objects.filter(o => o.kind === 'PrometheusRule');
  if (rules.length !== 1) throw new Error(`expected one PrometheusRule, found ${rules.length}`);
  return (rules[0] as Manifest & { spec: RuleFile }).spec;
}

interface PodTemplateOwner extends Manifest {
  readonly spec: { readonly template: { readonly metadata: { readonly labels?: Record<string, string> }; readonly spec: { readonly containers: ReadonlyArray<{ readonly name: string; readonly ports?: ReadonlyArray<{ readonly name?: string; readonly containerPort: number }> }> } } };
}

interface PodMonitorObject extends Manifest {
  readonly spec: { readonly selector: { readonly matchLabels: Record<string, string> }; readonly podMetricsEndpoints: ReadonlyArray<{ readonly port: string }> };
}

/**
 * Per PodMonitor name, the labels of its target as the Prometheus Operator's relabeling makes them:
 * `job` is `<namespace>/<monitor name>`, `endpoint` the port name, `pod` and `container` those of the
 * workload the monitor selects (pod names as the controllers make them), `instance` the pod's address.
 */
function scrapeTargets(objects: readonly Manifest[]): Map<string, ScrapeTarget> {
  const workloads = objects.filter(o => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind)) as PodTemplateOwner[];
  const monitors = objects.filter(o => o.kind === 'PodMonitor') as PodMonitorObject[];
  return new Map(monitors.map((monitor, i) => {
    const name = monitor.metadata.name;
    const selected = workloads.filter(w => Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => w.spec.template.metadata.labels?.[k] === v));
    if (selected.length !== 1) throw new Error(`PodMonitor/${name} selects ${selected.length} workloads`);
    const [workload] = selected;
    const endpoint = monitor.spec.podMetricsEndpoints[0].port;
    const container = workload.spec.template.spec.containers.find(c => c.ports?.some(p => p.name === endpoint));
    const port = container?.ports?.find(p => p.name === endpoint);
    if (!container || !port) throw new Error(`PodMonitor/${name}: no container of ${workload.kind}/${workload.metadata.name} has a port named ${endpoint}`);
    const namespace = monitor.metadata.namespace ?? 'default';
    const suffix = { StatefulSet: '0', DaemonSet: 'x7k2p' }[workload.kind] ?? '7d4b9c8f6-q2x5z';
    const target: ScrapeTarget = {
      job: `${namespace}/${name}`,
      namespace,
      pod: `${workload.metadata.name}-${suffix}`,
      container: container.name,
      endpoint,
      instance: `10.42.0.${10 + i}:${port.containerPort}`,
    };
    return [name, target] as const;
  }));
}

const CHARTS: Record<ChartKey, RenderedChart> = { tempo2: render(tempo2Chart()), tempo3: render(tempo3Chart()) };

function target(chart: ChartKey, monitor: string): ScrapeTarget {
  const t = CHARTS[chart].targets.get(monitor);
  if (!t) throw new Error(`chart ${chart} has no PodMonitor ${monitor}: ${[...CHARTS[chart].targets.keys()].join(', ')}`);
  return t;
}

/** The same workload run by another namespace (scraped by another PodMonitor): the rules must not see it. */
function elsewhere(t: ScrapeTarget): ScrapeTarget {
  return { ...t, namespace: 'other', job: `other/${t.job.split('/')[1]}` };
}

/** A workload of the same namespace that no monitor of this library scrapes (a team's own collector). */
function notOurs(t: ScrapeTarget): ScrapeTarget {
  return { ...t, job: `${t.namespace}/shop-collector`, pod: 'shop-collector-5c6d7e8f9-k4m2n', container: 'otelcol' };
}

const COLLECTOR = target('tempo2', 'jaeger-collector');
const QUERY = target('tempo2', 'jaeger-query');
const TEMPO2 = target('tempo2', 'tempo');
const SAMPLING = target('tempo2', 'otel-sampling');
const SAMPLING_LB = target('tempo2', 'otel-sampling-lb');
const AGENT = target('tempo2', 'otel-agent');
const DISTRIBUTOR = target('tempo3', 'tempo-distributor');
const LIVE_STORE = target('tempo3', 'tempo-live-store');
const BLOCK_BUILDER = target('tempo3', 'tempo-block-builder');
const QUERY_FRONTEND = target('tempo3', 'tempo-query-frontend');
const SCHEDULER = target('tempo3', 'tempo-backend-scheduler');
const WORKER = target('tempo3', 'tempo-backend-worker');

// ---------------------------------------------------------------------------------------------
// Fixtures: one or more per alert
// ---------------------------------------------------------------------------------------------

/** One input series: a metric scraped from `target` (none: remote-written span metrics), with its own labels. */
interface InputSeries {
  readonly metric: string;
  readonly target?: ScrapeTarget;
  readonly labels: Readonly<Record<string, string>>;
  /** promtool's expanding notation, one value a minute from 0m: `0x10 60+60x30`. */
  readonly values: string;
}

const scraped = (t: ScrapeTarget, metric: string, labels: Record<string, string>, values: string): InputSeries => ({ metric, target: t, labels, values });
const spanMetric = (metric: string, labels: Record<string, string>, values: string): InputSeries => ({ metric, labels, values });

/** A server span series of `service` (span metrics of Tempo's metrics-generator). */
const server = (service: string, status: 'STATUS_CODE_UNSET' | 'STATUS_CODE_ERROR', extra: Record<string, string> = {}) =>
  ({ service, span_name: 'GET /cart', span_kind: 'SPAN_KIND_SERVER', status_code: status, ...extra });
const client = (service: string, status: 'STATUS_CODE_UNSET' | 'STATUS_CODE_ERROR', extra: Record<string, string> = {}) =>
  ({ service, span_name: 'GET /price', span_kind: 'SPAN_KIND_CLIENT', status_code: status, ...extra });

/** The buckets of a classic histogram: one series per `le`. */
function histogram(t: ScrapeTarget | undefined, bucket: string, labels: Record<string, string>, buckets: Record<string, string>): InputSeries[] {
  return Object.entries(buckets).map(([le, values]) => ({ metric: bucket, target: t, labels: { ...labels, le }, values }));
}

/** One test case of an alert. */
interface AlertFixture {
  readonly alert: TracingAlertName;
  /** Whose rules: the Tempo 2 chart (namespace `tracing`) or the Tempo 3 one (namespace `tempo`). */
  readonly chart: ChartKey;
  /** What goes wrong. */
  readonly when: string;
  /** The series the alert is meant for: healthy until 10m, then failing. */
  readonly firing: readonly InputSeries[];
  /** Minute of the first evaluation at which the expression holds: pending then, firing `for` later. */
  readonly onset: number;
  /** The firing alert's labels (besides `alertname`). */
  readonly labels: Readonly<Record<string, string>>;
  /** Healthy series of the same metrics, and failing series that the selector must not match: no alert, not even pending. */
  readonly quiet: readonly InputSeries[];
}

const REFUSED = { receiver: 'otlp', transport: 'grpc' };
const ML_TRACES = { processor: 'memory_limiter', otel_signal: 'traces' };
const TO_JAEGER = { exporter: 'otlp/jaeger-collector' };
const STORAGE = { exporter: 'jaeger_storage_exporter' };
const LB_QUEUE = { exporter: 'loadbalancing', data_type: 'traces' };
const FIND_TRACES = { operation: 'find_traces' };
const SEARCH = { method: 'GET', route: 'api_search', ws: 'false' };

const FIXTURES: readonly AlertFixture[] = [
  // --- every component ---
  {
    alert: 'TracingComponentDown', chart: 'tempo2', when: 'the Jaeger collector cannot be scraped',
    firing: [scraped(COLLECTOR, 'up', {}, '1x10 0x30')],
    onset: 11, labels: { ...COLLECTOR, severity: 'critical', tracing_area: 'pipeline' },
    quiet: [scraped(COLLECTOR, 'up', {}, '1x40'), scraped(elsewhere(COLLECTOR), 'up', {}, '1x10 0x30')],
  },
  {
    alert: 'TracingComponentDown', chart: 'tempo3', when: 'a Tempo 3 live-store cannot be scraped',
    firing: [scraped(LIVE_STORE, 'up', {}, '1x10 0x30')],
    onset: 11, labels: { ...LIVE_STORE, severity: 'critical', tracing_area: 'pipeline' },
    quiet: [scraped(LIVE_STORE, 'up', {}, '1x40'), scraped(elsewhere(LIVE_STORE), 'up', {}, '1x10 0x30')],
  },
  // --- the collector pipeline ---
  {
    alert: 'TracingReceiverRefusingSpans', chart: 'tempo2', when: 'the node agent\'s OTLP receiver refuses spans',
    firing: [scraped(AGENT, M.RECEIVER_REFUSED_SPANS, REFUSED, '0x10 60+60x30')],
    onset: 11, labels: { namespace: 'tracing', pod: AGENT.pod, receiver: 'otlp', severity: 'warning', tracing_area: 'pipeline' },
    quiet: [scraped(AGENT, M.RECEIVER_REFUSED_SPANS, REFUSED, '0x40'), scraped(notOurs(AGENT), M.RECEIVER_REFUSED_SPANS, REFUSED, '0x10 60+60x30')],
  },
  {
    alert: 'TracingMemoryLimiterDroppingSpans', chart: 'tempo2', when: 'the Jaeger collector\'s memory limiter passes on 540 of 600 spans a minute',
    firing: [
      scraped(COLLECTOR, M.PROCESSOR_INCOMING_ITEMS, ML_TRACES, '0+600x40'),
      scraped(COLLECTOR, M.PROCESSOR_OUTGOING_ITEMS, ML_TRACES, '0+600x10 6540+540x29'),
    ],
    onset: 11, labels: { namespace: 'tracing', pod: COLLECTOR.pod, severity: 'warning', tracing_area: 'pipeline' },
    quiet: [
      scraped(COLLECTOR, M.PROCESSOR_INCOMING_ITEMS, ML_TRACES, '0+600x40'),
      scraped(COLLECTOR, M.PROCESSOR_OUTGOING_ITEMS, ML_TRACES, '0+600x40'),
      // Another processor, and the limiter of the metrics pipeline: not the spans' memory limiter.
      scraped(COLLECTOR, M.PROCESSOR_INCOMING_ITEMS, { processor: 'batch', otel_signal: 'traces' }, '0+600x40'),
      scraped(COLLECTOR, M.PROCESSOR_OUTGOING_ITEMS, { processor: 'batch', otel_signal: 'traces' }, '0+6x40'),
      scraped(COLLECTOR, M.PROCESSOR_INCOMING_ITEMS, { processor: 'memory_limiter', otel_signal: 'metrics' }, '0+600x40'),
      scraped(COLLECTOR, M.PROCESSOR_OUTGOING_ITEMS, { processor: 'memory_limiter', otel_signal: 'metrics' }, '0x40'),
    ],
  },
  {
    alert: 'TracingExporterSendFailing', chart: 'tempo2', when: 'the sampling gateway gives up on spans for Jaeger',
    firing: [scraped(SAMPLING, M.EXPORTER_SEND_FAILED_SPANS, TO_JAEGER, '0x10 60+60x30')],
    onset: 11, labels: { namespace: 'tracing', pod: SAMPLING.pod, exporter: 'otlp/jaeger-collector', severity: 'critical', tracing_area: 'pipeline' },
    quiet: [
      scraped(SAMPLING, M.EXPORTER_SEND_FAILED_SPANS, TO_JAEGER, '0x40'),
      scraped(SAMPLING, M.EXPORTER_SENT_SPANS, TO_JAEGER, '0+600x40'),
      // Jaeger's storage writes are JaegerStorageWriteFailing's: no second alert for them.
      scraped(COLLECTOR, M.EXPORTER_SEND_FAILED_SPANS, STORAGE, '0x10 60+60x30'),
    ],
  },
  {
    alert: 'TracingExporterQueueNearlyFull', chart: 'tempo2', when: 'the load-balancing tier\'s queue is 90% full',
    firing: [scraped(SAMPLING_LB, M.EXPORTER_QUEUE_SIZE, LB_QUEUE, '100x10 900x30'), scraped(SAMPLING_LB, M.EXPORTER_QUEUE_CAPACITY, LB_QUEUE, '1000x40')],
    onset: 11, labels: { namespace: 'tracing', pod: SAMPLING_LB.pod, exporter: 'loadbalancing', severity: 'warning', tracing_area: 'pipeline' },
    quiet: [
      scraped(SAMPLING_LB, M.EXPORTER_QUEUE_SIZE, LB_QUEUE, '100x40'), scraped(SAMPLING_LB, M.EXPORTER_QUEUE_CAPACITY, LB_QUEUE, '1000x40'),
      scraped(elsewhere(SAMPLING_LB), M.EXPORTER_QUEUE_SIZE, LB_QUEUE, '100x10 900x30'), scraped(elsewhere(SAMPLING_LB), M.EXPORTER_QUEUE_CAPACITY, LB_QUEUE, '1000x40'),
    ],
  },
  {
    alert: 'TracingTailSamplingDecisionsLate', chart: 'tempo2', when: 'decision ticks take 1 to 5 s',
    firing: histogram(SAMPLING, M.TAIL_SAMPLING_DECISION_LATENCY_BUCKET, {}, { 100: '0+60x10 600x30', 1000: '0+60x10 600x30', 5000: '0+60x40', '+Inf': '0+60x40' }),
    onset: 11, labels: { namespace: 'tracing', pod: SAMPLING.pod, severity: 'warning', tracing_area: 'pipeline' },
    quiet: [
      ...histogram(SAMPLING, M.TAIL_SAMPLING_DECISION_LATENCY_BUCKET, {}, { 100: '0+60x40', 1000: '0+60x40', 5000: '0+60x40', '+Inf': '0+60x40' }),
      ...histogram(elsewhere(SAMPLING), M.TAIL_SAMPLING_DECISION_LATENCY_BUCKET, {}, { 100: '0+60x10 600x30', 1000: '0+60x10 600x30', 5000: '0+60x40', '+Inf': '0+60x40' }),
    ],
  },
  {
    alert: 'TracingTailSamplingTracesEvictedEarly', chart: 'tempo2', when: 'traces are evicted before their decision',
    firing: [scraped(SAMPLING, M.TAIL_SAMPLING_DROPPED_TOO_EARLY, {}, '0x10 5+5x30')],
    onset: 11, labels: { namespace: 'tracing', pod: SAMPLING.pod, severity: 'warning', tracing_area: 'pipeline' },
    quiet: [scraped(SAMPLING, M.TAIL_SAMPLING_DROPPED_TOO_EARLY, {}, '0x40'), scraped(elsewhere(SAMPLING), M.TAIL_SAMPLING_DROPPED_TOO_EARLY, {}, '0x10 5+5x30')],
  },
  // --- Jaeger ---
  {
    alert: 'JaegerStorageWriteFailing', chart: 'tempo2', when: 'the collector fails to write to Elasticsearch',
    firing: [scraped(COLLECTOR, M.EXPORTER_SEND_FAILED_SPANS, STORAGE, '0x10 60+60x30')],
    onset: 11, labels: { namespace: 'tracing', pod: COLLECTOR.pod, severity: 'critical', tracing_area: 'jaeger' },
    quiet: [
      scraped(COLLECTOR, M.EXPORTER_SEND_FAILED_SPANS, STORAGE, '0x40'),
      scraped(COLLECTOR, M.EXPORTER_SENT_SPANS, STORAGE, '0+600x40'),
      scraped(elsewhere(COLLECTOR), M.EXPORTER_SEND_FAILED_SPANS, STORAGE, '0x10 60+60x30'),
    ],
  },
  {
    alert: 'JaegerStorageWriteLatencyHigh', chart: 'tempo2', when: 'bulk index requests take 1 to 10 s',
    firing: histogram(COLLECTOR, M.JAEGER_BULK_INDEX_LATENCY_BUCKET, {}, { 0.1: '0+60x10 600x30', 1: '0+60x10 600x30', 10: '0+60x40', '+Inf': '0+60x40' }),
    onset: 11, labels: { namespace: 'tracing', pod: COLLECTOR.pod, severity: 'warning', tracing_area: 'jaeger' },
    quiet: [
      ...histogram(COLLECTOR, M.JAEGER_BULK_INDEX_LATENCY_BUCKET, {}, { 0.1: '0+60x40', 1: '0+60x40', 10: '0+60x40', '+Inf': '0+60x40' }),
      ...histogram(elsewhere(COLLECTOR), M.JAEGER_BULK_INDEX_LATENCY_BUCKET, {}, { 0.1: '0+60x10 600x30', 1: '0+60x10 600x30', 10: '0+60x40', '+Inf': '0+60x40' }),
    ],
  },
  {
    alert: 'JaegerQueryErrors', chart: 'tempo2', when: 'a third of the query\'s trace searches in Elasticsearch fail',
    firing: [
      scraped(QUERY, M.JAEGER_STORAGE_REQUESTS, { ...FIND_TRACES, result: 'ok' }, '0+60x40'),
      scraped(QUERY, M.JAEGER_STORAGE_REQUESTS, { ...FIND_TRACES, result: 'err' }, '0x10 30+30x30'),
    ],
    onset: 11, labels: { namespace: 'tracing', pod: QUERY.pod, severity: 'warning', tracing_area: 'jaeger' },
    quiet: [
      scraped(QUERY, M.JAEGER_STORAGE_REQUESTS, { ...FIND_TRACES, result: 'ok' }, '0+60x40'),
      scraped(QUERY, M.JAEGER_STORAGE_REQUESTS, { ...FIND_TRACES, result: 'err' }, '0x40'),
      // The collector's storage errors are JaegerStorageWriteFailing's; another namespace's query is not ours.
      scraped(COLLECTOR, M.JAEGER_STORAGE_REQUESTS, { ...FIND_TRACES, result: 'err' }, '0x10 30+30x30'),
      scraped(elsewhere(QUERY), M.JAEGER_STORAGE_REQUESTS, { ...FIND_TRACES, result: 'err' }, '0x10 30+30x30'),
    ],
  },
  {
    alert: 'JaegerQueryLatencyHigh', chart: 'tempo2', when: 'trace searches take 5 to 10 s',
    firing: histogram(QUERY, M.JAEGER_STORAGE_LATENCY_BUCKET, FIND_TRACES, { 0.5: '0+60x10 600x30', 5: '0+60x10 600x30', 10: '0+60x40', '+Inf': '0+60x40' }),
    onset: 11, labels: { namespace: 'tracing', pod: QUERY.pod, severity: 'warning', tracing_area: 'jaeger' },
    quiet: [
      ...histogram(QUERY, M.JAEGER_STORAGE_LATENCY_BUCKET, FIND_TRACES, { 0.5: '0+60x40', 5: '0+60x40', 10: '0+60x40', '+Inf': '0+60x40' }),
      // Slow reads of another kind (the services list) are not searches.
      ...histogram(QUERY, M.JAEGER_STORAGE_LATENCY_BUCKET, { operation: 'get_services' }, { 0.5: '0+60x10 600x30', 5: '0+60x10 600x30', 10: '0+60x40', '+Inf': '0+60x40' }),
    ],
  },
  // --- Tempo ---
  {
    alert: 'TempoDiscardingSpans', chart: 'tempo2', when: 'the Tempo 2 monolithic rate-limits a tenant',
    firing: [scraped(TEMPO2, M.TEMPO_DISCARDED_SPANS, { reason: 'rate_limited', tenant: 'single-tenant' }, '0x10 100+100x30')],
    onset: 11, labels: { namespace: 'tracing', tenant: 'single-tenant', reason: 'rate_limited', severity: 'warning', tracing_area: 'tempo' },
    quiet: [
      scraped(TEMPO2, M.TEMPO_DISCARDED_SPANS, { reason: 'rate_limited', tenant: 'single-tenant' }, '0x40'),
      scraped(elsewhere(TEMPO2), M.TEMPO_DISCARDED_SPANS, { reason: 'rate_limited', tenant: 'single-tenant' }, '0x10 100+100x30'),
    ],
  },
  {
    alert: 'TempoDiscardingSpans', chart: 'tempo3', when: 'the Tempo 3 distributor drops spans over the live-traces limit',
    firing: [scraped(DISTRIBUTOR, M.TEMPO_DISCARDED_SPANS, { reason: 'live_traces_exceeded', tenant: 'shop' }, '0x10 100+100x30')],
    onset: 11, labels: { namespace: 'tempo', tenant: 'shop', reason: 'live_traces_exceeded', severity: 'warning', tracing_area: 'tempo' },
    quiet: [
      scraped(DISTRIBUTOR, M.TEMPO_DISCARDED_SPANS, { reason: 'live_traces_exceeded', tenant: 'shop' }, '0x40'),
      scraped(elsewhere(DISTRIBUTOR), M.TEMPO_DISCARDED_SPANS, { reason: 'live_traces_exceeded', tenant: 'shop' }, '0x10 100+100x30'),
    ],
  },
  {
    alert: 'TempoFlushesFailing', chart: 'tempo2', when: 'the Tempo 2 ingester fails a flush',
    firing: [scraped(TEMPO2, M.TEMPO2_INGESTER_FAILED_FLUSHES, {}, '0x10 1x30')],
    onset: 11, labels: { namespace: 'tracing', pod: TEMPO2.pod, severity: 'critical', tracing_area: 'tempo' },
    quiet: [scraped(TEMPO2, M.TEMPO2_INGESTER_FAILED_FLUSHES, {}, '0x40'), scraped(elsewhere(TEMPO2), M.TEMPO2_INGESTER_FAILED_FLUSHES, {}, '0x10 1x30')],
  },
  {
    alert: 'TempoFlushesFailing', chart: 'tempo3', when: 'a Tempo 3 live-store fails a local flush',
    firing: [scraped(LIVE_STORE, M.TEMPO3_LIVE_STORE_FAILED_FLUSHES, {}, '0x10 1x30'), scraped(LIVE_STORE, M.TEMPO3_LIVE_STORE_FAILED_COMPLETIONS, {}, '0x40')],
    onset: 11, labels: { namespace: 'tempo', pod: LIVE_STORE.pod, severity: 'critical', tracing_area: 'tempo' },
    quiet: [
      scraped(LIVE_STORE, M.TEMPO3_LIVE_STORE_FAILED_FLUSHES, {}, '0x40'), scraped(LIVE_STORE, M.TEMPO3_LIVE_STORE_FAILED_COMPLETIONS, {}, '0x40'),
      scraped(elsewhere(LIVE_STORE), M.TEMPO3_LIVE_STORE_FAILED_FLUSHES, {}, '0x10 1x30'),
    ],
  },
  {
    alert: 'TempoFlushesFailing', chart: 'tempo3', when: 'a Tempo 3 live-store fails to complete a block',
    firing: [scraped(LIVE_STORE, M.TEMPO3_LIVE_STORE_FAILED_COMPLETIONS, {}, '0x10 1x30')],
    onset: 11, labels: { namespace: 'tempo', pod: LIVE_STORE.pod, severity: 'critical', tracing_area: 'tempo' },
    quiet: [scraped(LIVE_STORE, M.TEMPO3_LIVE_STORE_FAILED_COMPLETIONS, {}, '0x40')],
  },
  {
    alert: 'TempoCompactionFailing', chart: 'tempo2', when: 'the Tempo 2 compactor fails',
    firing: [scraped(TEMPO2, M.TEMPO2_COMPACTION_ERRORS, {}, '0x10 1x60')],
    onset: 11, labels: { namespace: 'tracing', pod: TEMPO2.pod, severity: 'warning', tracing_area: 'tempo' },
    quiet: [scraped(TEMPO2, M.TEMPO2_COMPACTION_ERRORS, {}, '0x60'), scraped(elsewhere(TEMPO2), M.TEMPO2_COMPACTION_ERRORS, {}, '0x10 1x60')],
  },
  {
    alert: 'TempoKafkaConsumerLagging', chart: 'tempo3', when: 'a live-store is 1000 s behind its partition',
    firing: [scraped(LIVE_STORE, M.TEMPO3_PARTITION_LAG_SECONDS, { group: 'live-store', partition: '0' }, '5x10 1000x30')],
    onset: 11, labels: { namespace: 'tempo', pod: LIVE_STORE.pod, group: 'live-store', partition: '0', severity: 'warning', tracing_area: 'tempo' },
    quiet: [
      scraped(LIVE_STORE, M.TEMPO3_PARTITION_LAG_SECONDS, { group: 'live-store', partition: '0' }, '5x40'),
      scraped(elsewhere(LIVE_STORE), M.TEMPO3_PARTITION_LAG_SECONDS, { group: 'live-store', partition: '0' }, '5x10 1000x30'),
    ],
  },
  {
    alert: 'TempoKafkaConsumerLagging', chart: 'tempo3', when: 'a block-builder is 1000 s behind its partition',
    firing: [scraped(BLOCK_BUILDER, M.TEMPO3_PARTITION_LAG_SECONDS, { group: 'block-builder', partition: '2' }, '5x10 1000x30')],
    onset: 11, labels: { namespace: 'tempo', pod: BLOCK_BUILDER.pod, group: 'block-builder', partition: '2', severity: 'warning', tracing_area: 'tempo' },
    quiet: [scraped(BLOCK_BUILDER, M.TEMPO3_PARTITION_LAG_SECONDS, { group: 'block-builder', partition: '2' }, '5x40')],
  },
  {
    // The scheduler's counter is a plain counter every Tempo process serves; the worker's retries
    // appear only where a worker has retried: the scheduler's pod has none.
    alert: 'TempoBackendJobsFailing', chart: 'tempo3', when: 'the backend scheduler fails 20 work-cache flushes a minute',
    firing: [scraped(SCHEDULER, M.TEMPO3_SCHEDULER_FAILED_FLUSHES, {}, '0x10 20+20x30')],
    onset: 11, labels: { namespace: 'tempo', pod: SCHEDULER.pod, severity: 'warning', tracing_area: 'tempo' },
    quiet: [
      scraped(SCHEDULER, M.TEMPO3_SCHEDULER_FAILED_FLUSHES, {}, '0x40'),
      // A few retries are normal.
      scraped(WORKER, M.TEMPO3_SCHEDULER_FAILED_FLUSHES, {}, '0x40'), scraped(WORKER, M.TEMPO3_WORKER_CALL_RETRIES, {}, '0x10 5x30'),
    ],
  },
  {
    alert: 'TempoBackendJobsFailing', chart: 'tempo3', when: 'a backend worker retries its calls to the scheduler 20 times a minute',
    firing: [scraped(WORKER, M.TEMPO3_SCHEDULER_FAILED_FLUSHES, {}, '0x40'), scraped(WORKER, M.TEMPO3_WORKER_CALL_RETRIES, {}, '0x10 20+20x30')],
    onset: 11, labels: { namespace: 'tempo', pod: WORKER.pod, severity: 'warning', tracing_area: 'tempo' },
    quiet: [scraped(elsewhere(WORKER), M.TEMPO3_WORKER_CALL_RETRIES, {}, '0x10 20+20x30')],
  },
  {
    alert: 'TempoQueryErrors', chart: 'tempo3', when: 'a third of the searches answer 500',
    firing: [
      scraped(QUERY_FRONTEND, M.TEMPO_REQUEST_DURATION_COUNT, { ...SEARCH, status_code: '200' }, '0+60x40'),
      scraped(QUERY_FRONTEND, M.TEMPO_REQUEST_DURATION_COUNT, { ...SEARCH, status_code: '500' }, '0x10 30+30x30'),
    ],
    onset: 11, labels: { namespace: 'tempo', route: 'api_search', severity: 'warning', tracing_area: 'tempo' },
    quiet: [
      scraped(QUERY_FRONTEND, M.TEMPO_REQUEST_DURATION_COUNT, { ...SEARCH, status_code: '200' }, '0+60x40'),
      // A starting pod answers /ready with 503: not a query.
      scraped(QUERY_FRONTEND, M.TEMPO_REQUEST_DURATION_COUNT, { method: 'GET', route: 'ready', ws: 'false', status_code: '503' }, '0x10 30+30x30'),
    ],
  },
  // --- applications, from span metrics ---
  {
    alert: 'TracingServiceErrorRatioHigh', chart: 'tempo2', when: 'a third of checkout\'s server spans are errors',
    firing: [spanMetric(S.CALLS_TOTAL, server('checkout', 'STATUS_CODE_UNSET'), '0+600x40'), spanMetric(S.CALLS_TOTAL, server('checkout', 'STATUS_CODE_ERROR'), '0x10 300+300x30')],
    onset: 11, labels: { service: 'checkout', severity: 'warning', tracing_area: 'applications' },
    quiet: [
      spanMetric(S.CALLS_TOTAL, server('checkout', 'STATUS_CODE_UNSET'), '0+600x40'),
      // Failed calls checkout makes (client spans) are its dependencies' errors.
      spanMetric(S.CALLS_TOTAL, client('checkout', 'STATUS_CODE_ERROR'), '0x10 300+300x30'),
    ],
  },
  {
    alert: 'TracingServiceErrorBudgetBurn', chart: 'tempo2', when: 'after 5 healthy hours, 1 in 11 of checkout\'s requests fail (fast burn: 1 h and 5 min)',
    firing: [spanMetric(S.CALLS_TOTAL, server('checkout', 'STATUS_CODE_UNSET'), '0+600x330'), spanMetric(S.CALLS_TOTAL, server('checkout', 'STATUS_CODE_ERROR'), '0x300 60+60x30')],
    onset: 309, labels: { service: 'checkout', severity: 'critical', tracing_area: 'applications' },
    quiet: [
      // 0.05% errors: within the 0.1% budget.
      spanMetric(S.CALLS_TOTAL, server('checkout', 'STATUS_CODE_UNSET'), '0+2000x330'), spanMetric(S.CALLS_TOTAL, server('checkout', 'STATUS_CODE_ERROR'), '0+1x330'),
      // A service without an objective.
      spanMetric(S.CALLS_TOTAL, server('cart', 'STATUS_CODE_UNSET'), '0+600x330'), spanMetric(S.CALLS_TOTAL, server('cart', 'STATUS_CODE_ERROR'), '0x300 60+60x30'),
    ],
  },
  {
    alert: 'TracingServiceErrorBudgetBurn', chart: 'tempo2', when: '1% of checkout\'s requests fail from 10m (slow burn: 6 h and 30 min)',
    firing: [spanMetric(S.CALLS_TOTAL, server('checkout', 'STATUS_CODE_UNSET'), '0+600x40'), spanMetric(S.CALLS_TOTAL, server('checkout', 'STATUS_CODE_ERROR'), '0x10 6+6x30')],
    onset: 26, labels: { service: 'checkout', severity: 'critical', tracing_area: 'applications' },
    quiet: [spanMetric(S.CALLS_TOTAL, server('checkout', 'STATUS_CODE_UNSET'), '0+2000x40'), spanMetric(S.CALLS_TOTAL, server('checkout', 'STATUS_CODE_ERROR'), '0+1x40')],
  },
  {
    alert: 'TracingServiceLatencyBudgetBurn', chart: 'tempo2', when: 'after 5 healthy hours, every checkout request takes over 512 ms (fast burn)',
    firing: histogram(undefined, S.LATENCY_BUCKET, server('checkout', 'STATUS_CODE_UNSET'), { 0.256: '0+600x300 180000x30', 0.512: '0+600x300 180000x30', 1.024: '0+600x330', '+Inf': '0+600x330' }),
    onset: 309, labels: { service: 'checkout', severity: 'critical', tracing_area: 'applications' },
    quiet: [
      // 0.5% slower than 512 ms: within the 1% budget.
      ...histogram(undefined, S.LATENCY_BUCKET, server('checkout', 'STATUS_CODE_UNSET'), { 0.256: '0+995x330', 0.512: '0+995x330', 1.024: '0+1000x330', '+Inf': '0+1000x330' }),
      // Slow calls checkout makes (client spans), and a slow service without an objective.
      ...histogram(undefined, S.LATENCY_BUCKET, client('checkout', 'STATUS_CODE_UNSET'), { 0.256: '0+600x300 180000x30', 0.512: '0+600x300 180000x30', 1.024: '0+600x330', '+Inf': '0+600x330' }),
      ...histogram(undefined, S.LATENCY_BUCKET, server('cart', 'STATUS_CODE_UNSET'), { 0.256: '0+600x300 180000x30', 0.512: '0+600x300 180000x30', 1.024: '0+600x330', '+Inf': '0+600x330' }),
    ],
  },
  {
    alert: 'TracingServiceLatencyBudgetBurn', chart: 'tempo2', when: 'every checkout request takes over 512 ms from 10m (slow burn)',
    firing: histogram(undefined, S.LATENCY_BUCKET, server('checkout', 'STATUS_CODE_UNSET'), { 0.256: '0+600x10 6000x30', 0.512: '0+600x10 6000x30', 1.024: '0+600x40', '+Inf': '0+600x40' }),
    onset: 11, labels: { service: 'checkout', severity: 'critical', tracing_area: 'applications' },
    quiet: histogram(undefined, S.LATENCY_BUCKET, server('checkout', 'STATUS_CODE_UNSET'), { 0.256: '0+995x40', 0.512: '0+995x40', 1.024: '0+1000x40', '+Inf': '0+1000x40' }),
  },
  // --- cost ---
  {
    alert: 'TracingCollectorCpuNearRequest', chart: 'tempo2', when: 'the Jaeger collector uses half a core (request: a quarter)',
    firing: [scraped(COLLECTOR, M.PROCESS_CPU_SECONDS, {}, '0+6x10 90+30x60')],
    onset: 15, labels: { namespace: 'tracing', pod: COLLECTOR.pod, severity: 'info', tracing_area: 'cost' },
    // 0.2 cores: over the query's threshold (90% of 0.1), under the collector's own (90% of 0.25).
    quiet: [scraped(COLLECTOR, M.PROCESS_CPU_SECONDS, {}, '0+12x70')],
  },
  {
    alert: 'TracingCollectorCpuNearRequest', chart: 'tempo2', when: 'the Jaeger query uses 0.2 cores (request: 0.1)',
    firing: [scraped(QUERY, M.PROCESS_CPU_SECONDS, {}, '0+3x10 42+12x60')],
    onset: 15, labels: { namespace: 'tracing', pod: QUERY.pod, severity: 'info', tracing_area: 'cost' },
    quiet: [scraped(QUERY, M.PROCESS_CPU_SECONDS, {}, '0+3x70'), scraped(elsewhere(QUERY), M.PROCESS_CPU_SECONDS, {}, '0+3x10 42+12x60')],
  },
  {
    alert: 'TracingCollectorMemoryNearRequest', chart: 'tempo2', when: 'the Jaeger collector holds 500 MB (request: 512 MiB)',
    firing: [scraped(COLLECTOR, M.PROCESS_MEMORY_RSS, {}, '300000000x10 500000000x40')],
    onset: 11, labels: { namespace: 'tracing', pod: COLLECTOR.pod, severity: 'info', tracing_area: 'cost' },
    // 400 MB: over the query's threshold (90% of 256 MiB), under the collector's own (90% of 512 MiB).
    quiet: [scraped(COLLECTOR, M.PROCESS_MEMORY_RSS, {}, '300000000x10 400000000x40')],
  },
  {
    alert: 'TracingCollectorMemoryNearRequest', chart: 'tempo2', when: 'the Jaeger query holds 300 MB (request: 256 MiB)',
    firing: [scraped(QUERY, M.PROCESS_MEMORY_RSS, {}, '200000000x10 300000000x40')],
    onset: 11, labels: { namespace: 'tracing', pod: QUERY.pod, severity: 'info', tracing_area: 'cost' },
    quiet: [scraped(QUERY, M.PROCESS_MEMORY_RSS, {}, '200000000x40'), scraped(elsewhere(QUERY), M.PROCESS_MEMORY_RSS, {}, '200000000x10 300000000x40')],
  },
  {
    alert: 'TracingServiceNoisy', chart: 'tempo2', when: 'checkout goes from 100 to 3000 spans/s',
    firing: [spanMetric(S.CALLS_TOTAL, server('checkout', 'STATUS_CODE_UNSET'), '0+6000x10 240000+180000x50')],
    onset: 15, labels: { service: 'checkout', severity: 'info', tracing_area: 'cost' },
    quiet: [
      spanMetric(S.CALLS_TOTAL, server('checkout', 'STATUS_CODE_UNSET'), '0+6000x60'),
      // Two services of 600 spans/s each: noisy together, not one by one.
      spanMetric(S.CALLS_TOTAL, server('cart', 'STATUS_CODE_UNSET'), '0+36000x60'),
      spanMetric(S.CALLS_TOTAL, server('shipping', 'STATUS_CODE_UNSET'), '0+36000x60'),
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// Rendering fixtures as promtool unit tests
// ---------------------------------------------------------------------------------------------

/** `metric{a="x", b="y"}`, as promtool reads a series (label values quoted as in Go). */
function seriesName(metric: string, labels: Readonly<Record<string, string>>): string {
  return `${metric}{${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`;
}

function inputSeries(s: InputSeries): { series: string; values: string } {
  return { series: seriesName(s.metric, { ...s.target, ...s.labels }), values: s.values };
}

const minutes = (n: number) => `${n}m`;

/** Every rule of a rule file. */
function allRules(file: RuleFile): Rule[] {
  return file.groups.flatMap(g => g.rules);
}

/** The alert's `for` in minutes, the same on every rule of that name (the cost alerts have one rule per collector). */
function forMinutes(chart: ChartKey, alert: string): number {
  const fors = [...new Set(allRules(CHARTS[chart].rules).filter(r => r.alert === alert).map(r => r.for ?? '0m'))];
  if (fors.length !== 1) throw new Error(`${alert} in ${chart}: ${fors.length} different 'for's: ${fors.join(', ')}`);
  const m = /^(\d+)(m|h)$/.exec(fors[0]);
  if (!m) throw new Error(`${alert}: unexpected for ${fors[0]}`);
  return Number(m[1]) * (m[2] === 'h' ? 60 : 1);
}

/**
 * Two unit tests of a fixture. Firing: the alert is pending at the onset (so the expression holds
 * then), not firing a minute before its `for` has passed, firing with exactly the expected labels
 * once it has. Quiet: neither pending nor firing when the firing case fires.
 */
function unitTests(f: AlertFixture): RuleTest[] {
  const wait = forMinutes(f.chart, f.alert);
  const firesAt = f.onset + wait;
  return [
    {
      name: `${f.alert} fires when ${f.when}`,
      interval: '1m',
      input_series: f.firing.map(inputSeries),
      alert_rule_test: [
        { eval_time: minutes(firesAt - 1), alertname: f.alert, exp_alerts: [] },
        { eval_time: minutes(firesAt), alertname: f.alert, exp_alerts: [{ exp_labels: { ...f.labels } }] },
      ],
      ...(wait > 0 ? {
        promql_expr_test: [{
          expr: seriesName('ALERTS', { alertname: f.alert, alertstate: 'pending' }),
          eval_time: minutes(f.onset),
          exp_samples: [{ labels: seriesName('ALERTS', { alertname: f.alert, alertstate: 'pending', ...f.labels }), value: 1 }],
        }],
      } : {}),
    },
    {
      name: `${f.alert} stays quiet (case: ${f.when})`,
      interval: '1m',
      input_series: f.quiet.map(inputSeries),
      alert_rule_test: [{ eval_time: minutes(firesAt), alertname: f.alert, exp_alerts: [] }],
      promql_expr_test: [{ expr: seriesName('ALERTS', { alertname: f.alert }), eval_time: minutes(firesAt), exp_samples: [] }],
    },
  ];
}

/**
 * The chart's rules for unit tests. Annotations are left out: promtool compares them whole, with
 * `$value` rendered; they are checked apart (every label they name is a label of the alert).
 */
function rulesWithoutAnnotations(file: RuleFile): RuleFile {
  return { groups: file.groups.map(g => ({ ...g, rules: g.rules.map(({ annotations: _, ...rule }) => rule) })) };
}

/** A directory per chart holding its rule file, for the test files written next to it. */
const ruleDirs = new Map<ChartKey, string>();
function ruleDir(chart: ChartKey): string {
  let dir = ruleDirs.get(chart);
  if (!dir) {
    dir = tempDir(`monitoring-rules-${chart}`);
    writeRuleFile(rulesWithoutAnnotations(CHARTS[chart].rules), dir, 'rules.yaml');
    ruleDirs.set(chart, dir);
  }
  return dir;
}

/**
 * A unit-test file of the chart's rules. Without `group_eval_order` promtool evaluates the groups of
 * one time in random order, so an alert on a recording rule would see it one evaluation late in some
 * runs only: the groups go in the file's order, the recording rules first.
 */
function testFile(chart: ChartKey, name: string, tests: RuleTest[]): string {
  const file: RuleTestFile = {
    rule_files: ['rules.yaml'],
    evaluation_interval: '1m',
    group_eval_order: CHARTS[chart].rules.groups.map(g => g.name),
    tests,
  };
  return writeRuleTestFile(file, ruleDir(chart), `${name}.yaml`);
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('the alert fixtures', () => {
  test('cover every alert of TRACING_ALERT_NAMES: a new alert needs a unit test', () => {
    const covered = new Set(FIXTURES.map(f => f.alert));
    expect(TRACING_ALERT_NAMES.filter(name => !covered.has(name))).toStrictEqual([]);
  });

  test('the two charts render every alert of TRACING_ALERT_NAMES, Tempo 2 alerts for Tempo 2 and Tempo 3 alerts for Tempo 3', () => {
    const names = (chart: ChartKey) => new Set(allRules(CHARTS[chart].rules).flatMap(r => (r.alert ? [r.alert] : [])));
    const rendered = new Set([...names('tempo2'), ...names('tempo3')]);
    expect(TRACING_ALERT_NAMES.filter(name => !rendered.has(name))).toStrictEqual([]);
    const expr = (chart: ChartKey, alert: string) => allRules(CHARTS[chart].rules).filter(r => r.alert === alert).map(r => r.expr).join('\n');
    expect(expr('tempo2', 'TempoFlushesFailing')).toContain(M.TEMPO2_INGESTER_FAILED_FLUSHES);
    expect(expr('tempo2', 'TempoFlushesFailing')).not.toContain(M.TEMPO3_LIVE_STORE_FAILED_FLUSHES);
    expect(names('tempo2')).toContain('TempoCompactionFailing');
    expect(names('tempo2')).not.toContain('TempoBackendJobsFailing');
    expect(expr('tempo3', 'TempoFlushesFailing')).toContain(M.TEMPO3_LIVE_STORE_FAILED_FLUSHES);
    expect(names('tempo3')).not.toContain('TempoCompactionFailing');
  });

  test.each(FIXTURES.map(f => [f.alert, f.when, f] as const))('%s (%s): its chart renders it, and every label its annotations name is one of the alert\'s', (alert, _when, f) => {
    const rules = allRules(CHARTS[f.chart].rules).filter(r => r.alert === alert);
    expect(rules.length).toBeGreaterThan(0);
    const named = rules.flatMap(r => Object.values(r.annotations ?? {})).flatMap(text => [...text.matchAll(/\$labels\.(\w+)/g)].map(m => m[1]));
    expect([...new Set(named)].filter(label => !(label in f.labels))).toStrictEqual([]);
  });
});

describeProm(`promtool ${PROMETHEUS_VERSION} check rules`, () => {
  const app = buildApp();

  test.each(app.charts.map(chart => [chart.node.id, chart] as const))('the PrometheusRule of example chart %s parses', (id, chart) => {
    const spec = prometheusRuleSpec(chart.toJson() as Manifest[]);
    const result = promtoolCheckRules([writeRuleFile(spec, tempDir('monitoring-rules'), `${id}.yaml`)], { bin: bins.promtool });
    // Lint findings (duplicate rules) print FAILED but exit 0: no SUCCESS line then.
    expect(result).toStrictEqual({ ok: true, output: expect.stringContaining(`SUCCESS: ${allRules(spec).length} rules found`) });
    expect(result.output).not.toMatch(/FAILED/);
  });

  /** Every Prometheus query of every Grafana dashboard ConfigMap of the example charts. */
  const dashboardQueries = app.charts.flatMap(chart => (chart.toJson() as Array<Manifest & { data?: Record<string, string> }>)
    .filter(o => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard !== undefined)
    .flatMap(cm => Object.values(cm.data ?? {}).flatMap(text => (JSON.parse(text) as DashboardModel).panels
      .flatMap(panel => panel.targets.filter((t): t is PrometheusPanelTarget => 'expr' in t))
      .map(t => ({ chart: chart.node.id, namespace: chart.namespace ?? 'default', configMap: cm.metadata.name, expr: t.expr })))));
  const inPromQL = (expr: string) => expr.replaceAll('$__rate_interval', '5m');
  const asRules = (exprs: string[]): RuleFile => ({ groups: [{ name: 'dashboard-queries', rules: exprs.map((expr, n) => ({ record: `dashboard:query_${n}`, expr })) }] });

  test('the queries found are those of the pipeline dashboards of four charts and of the trace dashboard', () => {
    const byConfigMap = new Map<string, string[]>();
    for (const q of dashboardQueries) byConfigMap.set(`${q.chart}/${q.configMap}`, [...(byConfigMap.get(`${q.chart}/${q.configMap}`) ?? []), q.expr]);
    expect([...byConfigMap.keys()].sort()).toStrictEqual([
      'jaeger-operator/tracing-pipeline-dashboard',
      'jaeger-production/tracing-pipeline-dashboard',
      'tempo-production/tracing-grafana-dashboard',
      'tempo-production/tracing-pipeline-dashboard',
      'trace-pipeline/tracing-pipeline-dashboard',
    ]);
    for (const q of dashboardQueries.filter(d => d.configMap === 'tracing-pipeline-dashboard')) {
      expect(pipelineQueries(q.namespace).flatMap(([, , , queries]) => queries.map(([expr]) => expr))).toContain(q.expr);
    }
    expect(byConfigMap.get('tempo-production/tracing-grafana-dashboard')).toHaveLength(3);
    expect(byConfigMap.get('jaeger-production/tracing-pipeline-dashboard')).toHaveLength(pipelineQueries('tracing').flatMap(([, , , queries]) => queries).length);
  });

  test('every dashboard query parses ($__rate_interval replaced by 5m, as Grafana does), each as a recording rule', () => {
    const exprs = dashboardQueries.map(q => inPromQL(q.expr));
    expect(exprs.filter(e => e.includes('$'))).toStrictEqual([]);
    const result = promtoolCheckRules([writeRuleFile(asRules(exprs))], { bin: bins.promtool });
    expect(result).toStrictEqual({ ok: true, output: expect.stringContaining(`SUCCESS: ${exprs.length} rules found`) });
    expect(result.output).not.toMatch(/FAILED/);
  });

  test('fails the check on a broken expression: the check can fail', () => {
    const first = inPromQL(dashboardQueries[0].expr);
    const broken = promtoolCheckRules([writeRuleFile(asRules([first, first.slice(0, first.lastIndexOf(')'))]))], { bin: bins.promtool });
    expect(broken.ok).toBe(false);
    expect(broken.output).toMatch(/dashboard:query_1[\s\S]*parse error/);
    // Unreplaced, Grafana's variable is no PromQL either.
    const raw = promtoolCheckRules([writeRuleFile(asRules([dashboardQueries[0].expr]))], { bin: bins.promtool });
    expect(raw.ok).toBe(false);
    expect(raw.output).toMatch(/parse error/);
  });
});

describeProm(`promtool ${PROMETHEUS_VERSION} test rules`, () => {
  test.each(FIXTURES.map(f => [f.alert, f.when, f] as const))('%s fires when %s, for its `for`, and stays quiet otherwise', (alert, _when, f) => {
    const name = `${alert}-${FIXTURES.filter(g => g.alert === alert).indexOf(f)}`;
    const result = promtoolTestRules(testFile(f.chart, name, unitTests(f)), { bin: bins.promtool });
    expect(result).toStrictEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });

  test('the span-metrics recording rules record the server-span error ratio per service, over each window', () => {
    const windows = ['5m', '30m', '1h', '6h'];
    expect(allRules(CHARTS.tempo2.rules).flatMap(r => (r.record ? [r.record] : []))).toStrictEqual(windows.map(RECORD.errorRatio));
    const file = testFile('tempo2', 'records', [{
      name: 'error ratio of server spans per service',
      interval: '1m',
      input_series: [
        spanMetric(S.CALLS_TOTAL, server('checkout', 'STATUS_CODE_UNSET'), '0+900x60'),
        spanMetric(S.CALLS_TOTAL, server('checkout', 'STATUS_CODE_ERROR'), '0+100x60'),
        spanMetric(S.CALLS_TOTAL, server('checkout', 'STATUS_CODE_ERROR', { span_name: 'POST /order' }), '0+100x60'),
        spanMetric(S.CALLS_TOTAL, server('checkout', 'STATUS_CODE_UNSET', { span_name: 'POST /order' }), '0+900x60'),
        // Client spans are the errors of the services called.
        spanMetric(S.CALLS_TOTAL, client('checkout', 'STATUS_CODE_ERROR'), '0+500x60'),
        // No server errors at all: no error series, no ratio.
        spanMetric(S.CALLS_TOTAL, server('cart', 'STATUS_CODE_UNSET'), '0+600x60'),
        // Every call of frontend fails, from 30m.
        spanMetric(S.CALLS_TOTAL, server('frontend', 'STATUS_CODE_UNSET'), '0+600x30 18000x30'),
        spanMetric(S.CALLS_TOTAL, server('frontend', 'STATUS_CODE_ERROR'), '0x30 600+600x29'),
      ].map(inputSeries),
      // Checkout fails 10% of its requests all along; frontend every request from 30m. Rounded to
      // 1/1000: promtool compares floats exactly, and 0.1 comes out as 0.09999999999999999.
      promql_expr_test: [
        ...['5m', '30m'].map(w => ({
          expr: `round(${RECORD.errorRatio(w)}, 0.001)`,
          eval_time: '60m',
          exp_samples: [{ labels: seriesName('', { service: 'checkout' }), value: 0.1 }, { labels: seriesName('', { service: 'frontend' }), value: 1 }],
        })),
        ...['1h', '6h'].map(w => ({
          expr: `round(${seriesName(RECORD.errorRatio(w), { service: 'checkout' })}, 0.001)`,
          eval_time: '60m',
          exp_samples: [{ labels: seriesName('', { service: 'checkout' }), value: 0.1 }],
        })),
        {
          expr: `round(${seriesName(RECORD.errorRatio('6h'), { service: 'frontend' })}, 0.001)`,
          eval_time: '60m',
          exp_samples: [{ labels: seriesName('', { service: 'frontend' }), value: 0.5 }],
        },
      ],
    }]);
    const result = promtoolTestRules(file, { bin: bins.promtool });
    expect(result).toStrictEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });
});
