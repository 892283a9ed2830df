/**
 * Names of the metrics that Tempo's metrics-generator writes to Prometheus, and the PromQL built on
 * them. Read from grafana/tempo `modules/generator/processor/spanmetrics/spanmetrics.go`
 * (`traces_spanmetrics_calls_total`, histogram `traces_spanmetrics_latency` in seconds),
 * `modules/generator/processor/dimension_names.go` (labels `service`, `span_name`, `span_kind`,
 * `status_code`) and `servicegraphs/servicegraphs.go` (`traces_service_graph_request_total`,
 * labels `client`, `server`). Status and kind values are the OTLP enum names.
 * @see https://grafana.com/docs/tempo/latest/metrics-from-traces/span-metrics/
 */
export const TempoSpanMetrics = {
  /** Counter of spans, per service, span name, kind and status. */
  CALLS_TOTAL: 'traces_spanmetrics_calls_total',
  /** Histogram buckets of span durations, in seconds. */
  LATENCY_BUCKET: 'traces_spanmetrics_latency_bucket',
  /** Service-graph edge counter (`client` -> `server`), read by Grafana's service map. */
  SERVICE_GRAPH_REQUEST_TOTAL: 'traces_service_graph_request_total',
  /** Label: `service.name` of the span's resource. */
  SERVICE_LABEL: 'service',
  /** Label: span name (operation). */
  SPAN_NAME_LABEL: 'span_name',
  /** Label: span kind, `SPAN_KIND_SERVER` for requests a service handles. */
  SPAN_KIND_LABEL: 'span_kind',
  /** Label: span status, `STATUS_CODE_ERROR` for failures. */
  STATUS_CODE_LABEL: 'status_code',
  SPAN_KIND_SERVER: 'SPAN_KIND_SERVER',
  STATUS_CODE_ERROR: 'STATUS_CODE_ERROR',
} as const;

const M = TempoSpanMetrics;

/**
 * PromQL over the span metrics, grouped by `by` labels, over `window` (`$__rate_interval` in a
 * dashboard, `5m` in a trace-to-metrics link). `filter` is extra label matchers without braces.
 */
export const SpanMetricsQueries = {
  /** Requests per second: server spans. */
  requestRate(by: readonly string[], window: string, filter = ''): string {
    return `sum by (${by.join(', ')}) (rate(${M.CALLS_TOTAL}{${matchers(filter, serverSpans())}}[${window}]))`;
  },
  /** Failed requests per second: server spans with status error. */
  errorRate(by: readonly string[], window: string, filter = ''): string {
    return `sum by (${by.join(', ')}) (rate(${M.CALLS_TOTAL}{${matchers(filter, serverSpans(), `${M.STATUS_CODE_LABEL}="${M.STATUS_CODE_ERROR}"`)}}[${window}]))`;
  },
  /** Fraction of requests that failed (0..1). */
  errorRatio(by: readonly string[], window: string, filter = ''): string {
    return `${SpanMetricsQueries.errorRate(by, window, filter)} / ${SpanMetricsQueries.requestRate(by, window, filter)}`;
  },
  /** A latency quantile (0.95: p95) of server spans, in seconds. */
  latencyQuantile(quantile: number, by: readonly string[], window: string, filter = ''): string {
    return `histogram_quantile(${quantile}, sum by (${[...by, 'le'].join(', ')}) (rate(${M.LATENCY_BUCKET}{${matchers(filter, serverSpans())}}[${window}])))`;
  },
};

function serverSpans(): string {
  return `${M.SPAN_KIND_LABEL}="${M.SPAN_KIND_SERVER}"`;
}

function matchers(...parts: string[]): string {
  return parts.filter(p => p !== '').join(', ');
}
