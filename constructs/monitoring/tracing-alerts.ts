import { TempoSpanMetrics } from '../grafana/tempo-metrics';
import { MetricsProgram } from './_metrics-sources';

/**
 * The metric names the alerts, recording rules and the pipeline dashboard use, per program. Each
 * name was read off the real program's `/metrics` (or, for span metrics, off what Tempo's
 * metrics-generator remote-writes) by test/programs/monitoring-metrics.test.ts: the OpenTelemetry
 * Collector 0.140.1, Jaeger 2.13.0, Tempo 2.8 and (with `TEMPO_BIN`) Tempo 3.0.3.
 */
export const TracingMetrics = {
  /** Spans a receiver refused (memory limiter over its limit, pipeline full): the sender must retry or drop them. */
  RECEIVER_REFUSED_SPANS: 'otelcol_receiver_refused_spans_total',
  RECEIVER_ACCEPTED_SPANS: 'otelcol_receiver_accepted_spans_total',
  /** Items into and out of a processor (`processor`, `otel_signal` labels): what the memory limiter drops is the difference. */
  PROCESSOR_INCOMING_ITEMS: 'otelcol_processor_incoming_items_total',
  PROCESSOR_OUTGOING_ITEMS: 'otelcol_processor_outgoing_items_total',
  /** Spans an exporter gave up on after its retries: lost. */
  EXPORTER_SEND_FAILED_SPANS: 'otelcol_exporter_send_failed_spans_total',
  EXPORTER_SENT_SPANS: 'otelcol_exporter_sent_spans_total',
  EXPORTER_QUEUE_SIZE: 'otelcol_exporter_queue_size',
  EXPORTER_QUEUE_CAPACITY: 'otelcol_exporter_queue_capacity',
  /** Milliseconds one run of the tail-sampling decision tick took (it runs every second). */
  TAIL_SAMPLING_DECISION_LATENCY_BUCKET: 'otelcol_processor_tail_sampling_sampling_decision_timer_latency_milliseconds_bucket',
  /** Traces evicted before their decision because `num_traces` was full. */
  TAIL_SAMPLING_DROPPED_TOO_EARLY: 'otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total',
  /** Traces decided, per policy and decision (`sampled` label). */
  TAIL_SAMPLING_TRACES_SAMPLED: 'otelcol_processor_tail_sampling_global_count_traces_sampled_total',
  TAIL_SAMPLING_TRACES_ON_MEMORY: 'otelcol_processor_tail_sampling_sampling_traces_on_memory',
  PROCESS_CPU_SECONDS: 'otelcol_process_cpu_seconds_total',
  PROCESS_MEMORY_RSS: 'otelcol_process_memory_rss_bytes',
  /** Jaeger query's reads of its storage, per `operation` and `result` (ok, err). */
  JAEGER_STORAGE_REQUESTS: 'jaeger_storage_requests_total',
  /** Jaeger query's read latency, per `operation` (find_traces, get_trace, ...). */
  JAEGER_STORAGE_LATENCY_BUCKET: 'jaeger_storage_latency_seconds_bucket',
  /** Jaeger over Elasticsearch/OpenSearch: bulk index requests that succeeded, by latency (seconds). */
  JAEGER_BULK_INDEX_LATENCY_BUCKET: 'jaeger_storage_bulk_index_latency_ok_seconds_bucket',
  JAEGER_BULK_INDEX_ERRORS: 'jaeger_storage_bulk_index_errors_total',

  TEMPO_DISTRIBUTOR_SPANS_RECEIVED: 'tempo_distributor_spans_received_total',
  /** Spans Tempo dropped, per tenant and `reason` (rate_limited, live_traces_exceeded, trace_too_large, ...). */
  TEMPO_DISCARDED_SPANS: 'tempo_discarded_spans_total',
  TEMPO_REQUEST_DURATION_COUNT: 'tempo_request_duration_seconds_count',
  /** Tempo 2: ingester flushes of blocks to the backend that failed. */
  TEMPO2_INGESTER_FAILED_FLUSHES: 'tempo_ingester_failed_flushes_total',
  /** Tempo 2: compaction errors. */
  TEMPO2_COMPACTION_ERRORS: 'tempodb_compaction_errors_total',
  /** Tempo 3: live-store local block flushes and completions that failed. */
  TEMPO3_LIVE_STORE_FAILED_FLUSHES: 'tempo_live_store_local_failed_flushes_total',
  TEMPO3_LIVE_STORE_FAILED_COMPLETIONS: 'tempo_live_store_failed_completions_total',
  /** Tempo 3: seconds a consumer group (live-store, block-builder) lags behind a Kafka partition. */
  TEMPO3_PARTITION_LAG_SECONDS: 'tempo_ingest_group_partition_lag_seconds',
  /** Tempo 3: backend scheduler work-cache flushes that failed; backend worker calls retried. */
  TEMPO3_SCHEDULER_FAILED_FLUSHES: 'tempo_backend_scheduler_work_flushes_failed_total',
  TEMPO3_WORKER_CALL_RETRIES: 'tempo_backend_worker_call_retries_total',
} as const;

const M = TracingMetrics;

/** How urgent an alert is: the `severity` label Alertmanager routes on. */
export enum AlertSeverity {
  /** Someone must act now: spans are being lost or a component is down. */
  CRITICAL = 'critical',
  /** Act within the working day: the pipeline is degrading or near a limit. */
  WARNING = 'warning',
  /** For a ticket or a dashboard: cost and noise. */
  INFO = 'info',
}

/** One rule of a Prometheus rule group (`alert` or `record`), as Prometheus reads it. */
export interface PrometheusRuleModel {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A Prometheus rule group. */
export interface RuleGroupModel {
  readonly name: string;
  readonly rules: readonly PrometheusRuleModel[];
}

/** The workloads one rule looks at: their Prometheus `job` labels and what they are. */
export interface RuleTarget {
  readonly job: string;
  readonly program: MetricsProgram;
  readonly component: string;
  readonly majorVersion?: number;
  readonly tailSampling?: boolean;
  readonly storageExporter?: string;
  readonly searchStorage?: boolean;
  readonly servesQuery?: boolean;
  /** CPU request in cores and memory request in bytes, when known. */
  readonly cpuRequestCores?: number;
  readonly memoryRequestBytes?: number;
}

/** An objective of one service, from its server spans. */
export interface ServiceObjectiveModel {
  readonly service: string;
  /** Fraction of server spans that must not be errors (0.999). */
  readonly availability?: number;
  /** Fraction of server spans faster than `thresholdSeconds`. */
  readonly latency?: { readonly thresholdSeconds: number; readonly target: number };
}

/** What the rule groups are made from. */
export interface RuleInput {
  readonly namespace: string;
  readonly targets: readonly RuleTarget[];
  readonly spanMetrics: boolean;
  readonly serviceErrorRatio: number;
  readonly spansPerSecondPerService: number;
  readonly requestUsageRatio: number;
  readonly objectives: readonly ServiceObjectiveModel[];
  /** Range of the `rate()`s of the pipeline and backend alerts, such as `5m`. */
  readonly rateWindow: string;
}

/** An alert before its per-alert overrides and common labels. */
export interface AlertDefinition {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: AlertSeverity;
  readonly summary: string;
  readonly description: string;
  /** Extra labels to route on (`tracing_area`). */
  readonly area: 'pipeline' | 'jaeger' | 'tempo' | 'applications' | 'cost';
}

/** The names of every alert the library can render, for overrides and documentation. */
export const TRACING_ALERT_NAMES = [
  'TracingComponentDown',
  'TracingReceiverRefusingSpans',
  'TracingMemoryLimiterDroppingSpans',
  'TracingExporterSendFailing',
  'TracingExporterQueueNearlyFull',
  'TracingTailSamplingDecisionsLate',
  'TracingTailSamplingTracesEvictedEarly',
  'JaegerStorageWriteFailing',
  'JaegerStorageWriteLatencyHigh',
  'JaegerQueryErrors',
  'JaegerQueryLatencyHigh',
  'TempoDiscardingSpans',
  'TempoFlushesFailing',
  'TempoCompactionFailing',
  'TempoKafkaConsumerLagging',
  'TempoBackendJobsFailing',
  'TempoQueryErrors',
  'TracingServiceErrorRatioHigh',
  'TracingServiceErrorBudgetBurn',
  'TracingServiceLatencyBudgetBurn',
  'TracingCollectorCpuNearRequest',
  'TracingCollectorMemoryNearRequest',
  'TracingServiceNoisy',
] as const;

/** One of {@link TRACING_ALERT_NAMES}. */
export type TracingAlertName = typeof TRACING_ALERT_NAMES[number];

/** `job=~"ns/a|ns/b"` and the namespace, for the targets `pick` keeps; undefined when none. */
function selector(input: RuleInput, pick: (t: RuleTarget) => boolean, extra = ''): string | undefined {
  const jobs = [...new Set(input.targets.filter(pick).map(t => t.job))].sort();
  if (jobs.length === 0) return undefined;
  const job = jobs.length === 1 ? `job="${jobs[0]}"` : `job=~"${jobs.map(escapeRegex).join('|')}"`;
  return [`namespace="${input.namespace}"`, job, extra].filter(s => s !== '').join(', ');
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');
}

const isCollectorFamily = (t: RuleTarget) => t.program === MetricsProgram.OTELCOL || t.program === MetricsProgram.JAEGER;
const isTempo = (major: number | 'any') => (t: RuleTarget) => t.program === MetricsProgram.TEMPO && (major === 'any' || (t.majorVersion ?? 3) === major);

/** A number as PromQL writes it (no exponent for the sizes used here). */
function num(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

/**
 * The increase over `window` of several counters, summed per pod, when a pod may serve only some of
 * them. `a + b` matches series one to one and is empty wherever one of them is missing (a backend
 * worker's retries are never on the scheduler's pod, and a labelled counter shows up only once it
 * counts); `{__name__=~"a|b"}` fails once both are on one pod (same labels after `increase` drops the
 * name). So each is told apart by a `counter` label, joined with `or` and summed.
 */
function increaseOfAny(metrics: readonly string[], sel: string, window: string): string {
  const each = metrics.map(m => `label_replace(increase(${m}{${sel}}[${window}]), "counter", "${m}", "", "")`);
  return `sum by (namespace, pod) (${each.join(' or ')})`;
}

/** Every alert that applies to `input`, in a stable order. */
export function alertDefinitions(input: RuleInput): AlertDefinition[] {
  const out: AlertDefinition[] = [];
  const add = (sel: string | undefined, make: (sel: string) => AlertDefinition) => { if (sel !== undefined) out.push(make(sel)); };
  const w = input.rateWindow;

  // --- every component -------------------------------------------------------------------------
  add(selector(input, () => true), sel => ({
    alert: 'TracingComponentDown',
    expr: `up{${sel}} == 0`,
    for: '5m',
    severity: AlertSeverity.CRITICAL,
    area: 'pipeline',
    summary: 'A tracing component cannot be scraped',
    description: 'Prometheus has not reached {{ $labels.pod }} ({{ $labels.job }}) for 5 minutes: the pod is down, restarting or unreachable, and the spans it should handle are being refused or lost. Check `kubectl -n {{ $labels.namespace }} describe pod {{ $labels.pod }}` and its logs.',
  }));

  // --- the collector pipeline (collectors and Jaeger, a collector distribution) ----------------
  add(selector(input, isCollectorFamily), sel => ({
    alert: 'TracingReceiverRefusingSpans',
    expr: `sum by (namespace, pod, receiver) (rate(${M.RECEIVER_REFUSED_SPANS}{${sel}}[${w}])) > 0`,
    for: '5m',
    severity: AlertSeverity.WARNING,
    area: 'pipeline',
    summary: 'A receiver refuses spans',
    description: 'Receiver {{ $labels.receiver }} of {{ $labels.pod }} refused {{ $value | humanize }} spans/s over 5 minutes, usually because the memory limiter is over its limit or the exporters cannot keep up. Senders retry and then drop them. Give the component more memory or replicas, or find the backend that slows it down.',
  }));
  add(selector(input, isCollectorFamily), sel => ({
    alert: 'TracingMemoryLimiterDroppingSpans',
    expr: `sum by (namespace, pod) (rate(${M.PROCESSOR_INCOMING_ITEMS}{${sel}, processor="memory_limiter", otel_signal="traces"}[${w}]) - rate(${M.PROCESSOR_OUTGOING_ITEMS}{${sel}, processor="memory_limiter", otel_signal="traces"}[${w}])) > 0`,
    for: '5m',
    severity: AlertSeverity.WARNING,
    area: 'pipeline',
    summary: 'The memory limiter drops spans',
    description: '{{ $labels.pod }} is over its memory limiter\'s soft limit and turns away {{ $value | humanize }} spans/s. Raise resources.memoryLimit (the limiter allows 80% of it) or add replicas.',
  }));
  add(selector(input, t => t.program === MetricsProgram.OTELCOL), sel => ({
    alert: 'TracingExporterSendFailing',
    expr: `sum by (namespace, pod, exporter) (rate(${M.EXPORTER_SEND_FAILED_SPANS}{${sel}}[${w}])) > 0`,
    for: '5m',
    severity: AlertSeverity.CRITICAL,
    area: 'pipeline',
    summary: 'An exporter is losing spans',
    description: 'Exporter {{ $labels.exporter }} of {{ $labels.pod }} gave up on {{ $value | humanize }} spans/s after its retries: they are lost. The backend it sends to is down, refusing or too slow; check that backend first, then this pod\'s logs.',
  }));
  add(selector(input, t => t.program === MetricsProgram.OTELCOL), sel => ({
    alert: 'TracingExporterQueueNearlyFull',
    expr: `max by (namespace, pod, exporter) (${M.EXPORTER_QUEUE_SIZE}{${sel}} / ${M.EXPORTER_QUEUE_CAPACITY}{${sel}}) > 0.8`,
    for: '5m',
    severity: AlertSeverity.WARNING,
    area: 'pipeline',
    summary: 'An exporter\'s sending queue is nearly full',
    description: 'The sending queue of {{ $labels.exporter }} on {{ $labels.pod }} is {{ $value | humanizePercentage }} full. When it is full, new spans are refused. The backend is slower than the incoming spans: scale the backend, or this gateway, or raise the queue size.',
  }));
  add(selector(input, t => t.program === MetricsProgram.OTELCOL && t.tailSampling === true), sel => ({
    alert: 'TracingTailSamplingDecisionsLate',
    expr: `histogram_quantile(0.99, sum by (namespace, pod, le) (rate(${M.TAIL_SAMPLING_DECISION_LATENCY_BUCKET}{${sel}}[${w}]))) > 1000`,
    for: '10m',
    severity: AlertSeverity.WARNING,
    area: 'pipeline',
    summary: 'Tail sampling decides late',
    description: 'A run of the tail-sampling decision tick on {{ $labels.pod }} takes {{ $value | humanize }} ms at p99, longer than the 1 s between runs: decisions fall behind and traces wait in memory. Add sampling replicas or simplify the policies.',
  }));
  add(selector(input, t => t.program === MetricsProgram.OTELCOL && t.tailSampling === true), sel => ({
    alert: 'TracingTailSamplingTracesEvictedEarly',
    expr: `sum by (namespace, pod) (rate(${M.TAIL_SAMPLING_DROPPED_TOO_EARLY}{${sel}}[${w}])) > 0`,
    for: '5m',
    severity: AlertSeverity.WARNING,
    area: 'pipeline',
    summary: 'Tail sampling evicts traces before deciding',
    description: '{{ $labels.pod }} drops {{ $value | humanize }} traces/s before their decision because num_traces is full: they are neither sampled nor kept. Raise tail.numTraces (and memory) or add sampling replicas.',
  }));

  // --- Jaeger -----------------------------------------------------------------------------------
  add(selector(input, t => t.program === MetricsProgram.JAEGER && t.storageExporter !== undefined), sel => ({
    alert: 'JaegerStorageWriteFailing',
    expr: `sum by (namespace, pod) (rate(${M.EXPORTER_SEND_FAILED_SPANS}{${sel}, exporter="jaeger_storage_exporter"}[${w}])) > 0`,
    for: '5m',
    severity: AlertSeverity.CRITICAL,
    area: 'jaeger',
    summary: 'Jaeger cannot write spans to its storage',
    description: '{{ $labels.pod }} fails to write {{ $value | humanize }} spans/s to its storage (Elasticsearch, OpenSearch, Kafka or memory): they are lost. Check the storage\'s health, disk and credentials, then the pod\'s logs.',
  }));
  add(selector(input, t => t.program === MetricsProgram.JAEGER && t.searchStorage === true && t.storageExporter !== undefined), sel => ({
    alert: 'JaegerStorageWriteLatencyHigh',
    expr: `histogram_quantile(0.99, sum by (namespace, pod, le) (rate(${M.JAEGER_BULK_INDEX_LATENCY_BUCKET}{${sel}}[${w}]))) > 5`,
    for: '15m',
    severity: AlertSeverity.WARNING,
    area: 'jaeger',
    summary: 'Jaeger writes to Elasticsearch/OpenSearch slowly',
    description: 'Bulk index requests from {{ $labels.pod }} take {{ $value | humanize }} s at p99. The cluster is overloaded (indexing queue, disk, too many shards); spans wait in the exporter\'s queue and are refused once it is full. Check the cluster\'s health and the index settings (shards, refresh interval).',
  }));
  // The query's own HTTP metrics are OpenTelemetry semantic-convention names, which a Prometheus 3
  // scrape stores with dots (`http.server.request.duration_seconds`) and a Prometheus 2 with
  // underscores; its storage metrics are spelled the same for both.
  add(selector(input, t => t.program === MetricsProgram.JAEGER && t.servesQuery === true && t.searchStorage === true), sel => ({
    alert: 'JaegerQueryErrors',
    expr: `sum by (namespace, pod) (rate(${M.JAEGER_STORAGE_REQUESTS}{${sel}, result="err"}[${w}])) / sum by (namespace, pod) (rate(${M.JAEGER_STORAGE_REQUESTS}{${sel}}[${w}])) > 0.05`,
    for: '10m',
    severity: AlertSeverity.WARNING,
    area: 'jaeger',
    summary: 'Jaeger query cannot read its storage',
    description: '{{ $value | humanizePercentage }} of the storage reads of the Jaeger UI and API on {{ $labels.pod }} fail: searches and trace views show errors. Check the Elasticsearch/OpenSearch cluster\'s health and the credentials.',
  }));
  add(selector(input, t => t.program === MetricsProgram.JAEGER && t.servesQuery === true && t.searchStorage === true), sel => ({
    alert: 'JaegerQueryLatencyHigh',
    expr: `histogram_quantile(0.95, sum by (namespace, pod, le) (rate(${M.JAEGER_STORAGE_LATENCY_BUCKET}{${sel}, operation="find_traces"}[${w}]))) > 5`,
    for: '15m',
    severity: AlertSeverity.WARNING,
    area: 'jaeger',
    summary: 'Jaeger searches are slow',
    description: 'The p95 of trace searches from {{ $labels.pod }} to its storage is {{ $value | humanize }} s. Searches over long ranges or an overloaded cluster cause it; check the cluster\'s search latency and the number of indices read.',
  }));

  // --- Tempo ------------------------------------------------------------------------------------
  add(selector(input, isTempo('any')), sel => ({
    alert: 'TempoDiscardingSpans',
    expr: `sum by (namespace, tenant, reason) (rate(${M.TEMPO_DISCARDED_SPANS}{${sel}}[${w}])) > 0`,
    for: '5m',
    severity: AlertSeverity.WARNING,
    area: 'tempo',
    summary: 'Tempo discards spans',
    description: 'Tempo discards {{ $value | humanize }} spans/s of tenant {{ $labels.tenant }} for {{ $labels.reason }}: rate_limited means the tenant is over ingestionRateLimitBytes, live_traces_exceeded over maxTracesPerUser, trace_too_large over maxBytesPerTrace. Raise that override or find the service that sends too much.',
  }));
  add(selector(input, isTempo(2)), sel => ({
    alert: 'TempoFlushesFailing',
    expr: `sum by (namespace, pod) (increase(${M.TEMPO2_INGESTER_FAILED_FLUSHES}{${sel}}[30m])) > 0`,
    for: '0m',
    severity: AlertSeverity.CRITICAL,
    area: 'tempo',
    summary: 'Tempo fails to flush blocks',
    description: '{{ $labels.pod }} failed {{ $value | humanize }} block flushes to the object store in 30 minutes; traces stay in the ingester and are lost if it stops. Check object-store credentials and reachability.',
  }));
  add(selector(input, isTempo(3)), sel => ({
    alert: 'TempoFlushesFailing',
    expr: `${increaseOfAny([M.TEMPO3_LIVE_STORE_FAILED_FLUSHES, M.TEMPO3_LIVE_STORE_FAILED_COMPLETIONS], sel, '30m')} > 0`,
    for: '0m',
    severity: AlertSeverity.CRITICAL,
    area: 'tempo',
    summary: 'Tempo fails to flush blocks',
    description: '{{ $labels.pod }} failed {{ $value | humanize }} block flushes or completions in 30 minutes; recent traces may not be queryable. Check the pod\'s volume (full, read-only) and its logs.',
  }));
  add(selector(input, isTempo(2)), sel => ({
    alert: 'TempoCompactionFailing',
    expr: `sum by (namespace, pod) (increase(${M.TEMPO2_COMPACTION_ERRORS}{${sel}}[1h])) > 0`,
    for: '0m',
    severity: AlertSeverity.WARNING,
    area: 'tempo',
    summary: 'Tempo compaction fails',
    description: 'Compaction on {{ $labels.pod }} failed {{ $value | humanize }} times in an hour; blocks pile up and queries slow down. Check object-store access and the compactor\'s memory.',
  }));
  add(selector(input, t => isTempo(3)(t) && (t.component.startsWith('live-store') || t.component === 'block-builder')), sel => ({
    alert: 'TempoKafkaConsumerLagging',
    expr: `max by (namespace, pod, group, partition) (${M.TEMPO3_PARTITION_LAG_SECONDS}{${sel}}) > 900`,
    for: '10m',
    severity: AlertSeverity.WARNING,
    area: 'tempo',
    summary: 'A Tempo consumer lags behind Kafka',
    description: 'Consumer group {{ $labels.group }} on {{ $labels.pod }} is {{ $value | humanizeDuration }} behind partition {{ $labels.partition }}: recent traces are not queryable (live-stores) or not written to the object store (block-builders). A consumer that cannot read Kafka at all lags too: check the brokers and credentials first, then add replicas or resources to that component.',
  }));
  add(selector(input, t => isTempo(3)(t) && (t.component === 'backend-scheduler' || t.component === 'backend-worker' || t.component === 'monolithic')), sel => ({
    alert: 'TempoBackendJobsFailing',
    expr: `${increaseOfAny([M.TEMPO3_SCHEDULER_FAILED_FLUSHES, M.TEMPO3_WORKER_CALL_RETRIES], sel, '30m')} > 10`,
    for: '15m',
    severity: AlertSeverity.WARNING,
    area: 'tempo',
    summary: 'Tempo backend jobs fail',
    description: '{{ $labels.pod }} failed {{ $value | humanize }} work-cache flushes or scheduler calls in 30 minutes; compaction and retention stall. Check the backend scheduler\'s volume and the workers\' logs.',
  }));
  add(selector(input, isTempo('any'), 'route=~"api_.*|querier_api_.*"'), sel => ({
    alert: 'TempoQueryErrors',
    expr: `sum by (namespace, route) (rate(${M.TEMPO_REQUEST_DURATION_COUNT}{${sel}, status_code=~"5.."}[${w}])) / sum by (namespace, route) (rate(${M.TEMPO_REQUEST_DURATION_COUNT}{${sel}}[${w}])) > 0.05`,
    for: '10m',
    severity: AlertSeverity.WARNING,
    area: 'tempo',
    summary: 'Tempo queries fail',
    description: '{{ $value | humanizePercentage }} of Tempo\'s {{ $labels.route }} requests fail with 5xx. Check the querier\'s and query-frontend\'s logs and object-store latency.',
  }));

  // --- cost: collectors against their requests (the seed's budget: tracing costs little) ------
  // One rule per alert (rules of one name and labels are duplicates to promtool): each collector's
  // usage divided by its own request (collectors of one request share a selector), joined with `or`.
  const overRequest = (request: (t: RuleTarget) => number | undefined, usage: (sel: string) => string): string | undefined => {
    const requests = [...new Set(input.targets.filter(isCollectorFamily).map(request).filter((r): r is number => r !== undefined))].sort((a, b) => a - b);
    const parts = requests.map(r => `${usage(selector(input, t => isCollectorFamily(t) && request(t) === r)!)} / ${num(r)}`);
    if (parts.length === 0) return undefined;
    return parts.length === 1 ? parts[0] : `(${parts.join(' or ')})`;
  };
  const threshold = num(input.requestUsageRatio * 100);
  add(overRequest(t => t.cpuRequestCores, sel => `sum by (namespace, pod) (rate(${M.PROCESS_CPU_SECONDS}{${sel}}[15m]))`), usage => ({
    alert: 'TracingCollectorCpuNearRequest',
    expr: `${usage} > ${num(input.requestUsageRatio)}`,
    for: '30m',
    severity: AlertSeverity.INFO,
    area: 'cost',
    summary: 'A collector uses more CPU than it requests',
    description: `{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its CPU request, over the ${threshold}% threshold: tracing is costing more than planned. Sample more at the source, find the noisy service, or raise resources.cpuRequest.`,
  }));
  add(overRequest(t => t.memoryRequestBytes, sel => `max by (namespace, pod) (${M.PROCESS_MEMORY_RSS}{${sel}})`), usage => ({
    alert: 'TracingCollectorMemoryNearRequest',
    expr: `${usage} > ${num(input.requestUsageRatio)}`,
    for: '30m',
    severity: AlertSeverity.INFO,
    area: 'cost',
    summary: 'A collector uses more memory than it requests',
    description: `{{ $labels.pod }} holds {{ $value | humanizePercentage }} of its memory request, over the ${threshold}% threshold. Lower tail.numTraces or the queue sizes, or raise resources.memoryRequest.`,
  }));

  // --- applications, from span metrics ---------------------------------------------------------
  if (input.spanMetrics) {
    const S = TempoSpanMetrics;
    out.push({
      alert: 'TracingServiceErrorRatioHigh',
      expr: `${RECORD.errorRatio('5m')} > ${num(input.serviceErrorRatio)}`,
      for: '10m',
      severity: AlertSeverity.WARNING,
      area: 'applications',
      summary: 'A service fails many of its requests',
      description: `{{ $value | humanizePercentage }} of the server spans of {{ $labels.service }} are errors (span status ERROR: error=true, and HTTP 5xx answers), over the ${num(input.serviceErrorRatio * 100)}% threshold. Open its error traces: the trace dashboard's errors search, or TraceQL { resource.service.name = "{{ $labels.service }}" && status = error }.`,
    });
    for (const o of input.objectives) {
      if (o.availability !== undefined) {
        const budget = 1 - o.availability;
        const burn = (long: string, short: string, factor: number) =>
          `(${RECORD.errorRatio(long)}{service="${o.service}"} > ${num(factor * budget)} and ${RECORD.errorRatio(short)}{service="${o.service}"} > ${num(factor * budget)})`;
        out.push({
          alert: 'TracingServiceErrorBudgetBurn',
          expr: `${burn('1h', '5m', 14.4)} or ${burn('6h', '30m', 6)}`,
          for: '2m',
          severity: AlertSeverity.CRITICAL,
          area: 'applications',
          summary: `${o.service} burns its error budget fast`,
          description: `${o.service} fails {{ $value | humanizePercentage }} of its requests: at this rate the ${num(budget * 100)}% error budget of its ${num(o.availability * 100)}% objective lasts less than 5 days (burn rate 6 over 6 h, or 14.4 over 1 h). Look at its error traces now.`,
        });
      }
      if (o.latency !== undefined) {
        const budget = 1 - o.latency.target;
        const slow = (window: string) => `(1 - sum by (service) (rate(${S.LATENCY_BUCKET}{service="${o.service}", span_kind="SPAN_KIND_SERVER", le="${num(o.latency!.thresholdSeconds)}"}[${window}])) / sum by (service) (rate(${S.LATENCY_BUCKET}{service="${o.service}", span_kind="SPAN_KIND_SERVER", le="+Inf"}[${window}])))`;
        const burn = (long: string, short: string, factor: number) => `(${slow(long)} > ${num(factor * budget)} and ${slow(short)} > ${num(factor * budget)})`;
        out.push({
          alert: 'TracingServiceLatencyBudgetBurn',
          expr: `${burn('1h', '5m', 14.4)} or ${burn('6h', '30m', 6)}`,
          for: '2m',
          severity: AlertSeverity.CRITICAL,
          area: 'applications',
          summary: `${o.service} is slower than its objective`,
          description: `{{ $value | humanizePercentage }} of the requests of ${o.service} take longer than ${num(o.latency.thresholdSeconds)} s, burning the ${num(budget * 100)}% budget of its ${num(o.latency.target * 100)}% latency objective too fast. Open its slow traces.`,
        });
      }
    }
    out.push({
      alert: 'TracingServiceNoisy',
      expr: `sum by (service) (rate(${S.CALLS_TOTAL}[15m])) > ${num(input.spansPerSecondPerService)}`,
      for: '30m',
      severity: AlertSeverity.INFO,
      area: 'cost',
      summary: 'A service sends many spans',
      description: `{{ $labels.service }} produces {{ $value | humanize }} spans/s, over ${num(input.spansPerSecondPerService)}: it dominates the cost of tracing. Lower its head sampling ratio, or drop its noisy operations (health checks) in the sampling policy.`,
    });
  }
  return out;
}

/** The recording rules' names (`level:metric:operations`, the Prometheus convention). */
export const RECORD = {
  errorRatio: (window: string) => `service:traces_spanmetrics_server_errors:ratio_rate${window}`,
};

/** The recording rules that the application alerts read: server-span error ratio per service over each window. */
export function recordingRules(input: RuleInput): PrometheusRuleModel[] {
  if (!input.spanMetrics) return [];
  const windows = input.objectives.some(o => o.availability !== undefined) ? ['5m', '30m', '1h', '6h'] : ['5m'];
  const S = TempoSpanMetrics;
  return windows.map(window => ({
    record: RECORD.errorRatio(window),
    expr: `sum by (service) (rate(${S.CALLS_TOTAL}{span_kind="SPAN_KIND_SERVER", status_code="STATUS_CODE_ERROR"}[${window}])) / sum by (service) (rate(${S.CALLS_TOTAL}{span_kind="SPAN_KIND_SERVER"}[${window}]))`,
  }));
}
