/**
 * Image versions this library deploys by default. Each one is a version that the test suite
 * exercises (see README "Proven versions"); a newer one is a prop away (`image`).
 */
export const Versions = {
  /** Jaeger v2 (module github.com/jaegertracing/jaeger v1.76.0). */
  JAEGER: '2.13.0',
  /** Jaeger v1 tooling released with Jaeger v2.13.0 (index cleaner, rollover). */
  JAEGER_V1_TOOLS: '1.76.0',
  /** Grafana Tempo 3.0 (configuration keys of v3.0.3). */
  TEMPO: '3.0.3',
  /**
   * OpenTelemetry Collector: core v0.140.0 with contrib v0.140.1 components, the collector inside
   * Jaeger v2.13. Its component names (`otlp`, `otlphttp`, `loadbalancing`) are the ones rendered.
   */
  OTEL_COLLECTOR: '0.140.1',
  /** Jaeger Operator whose `Jaeger` CRD the operator-mode construct targets. */
  JAEGER_OPERATOR: '1.65.0',
} as const;

/** Default images, pinned to {@link Versions}. */
export const Images = {
  JAEGER: `jaegertracing/jaeger:${Versions.JAEGER}`,
  JAEGER_ES_INDEX_CLEANER: `jaegertracing/jaeger-es-index-cleaner:${Versions.JAEGER_V1_TOOLS}`,
  JAEGER_ES_ROLLOVER: `jaegertracing/jaeger-es-rollover:${Versions.JAEGER_V1_TOOLS}`,
  TEMPO: `grafana/tempo:${Versions.TEMPO}`,
  /**
   * The collector-contrib distribution, which contains every component the collector constructs
   * render (otlp receiver; memory_limiter, batch, tail_sampling processors; otlp, otlphttp,
   * loadbalancing exporters; health_check, file_storage extensions).
   */
  OTEL_COLLECTOR: `otel/opentelemetry-collector-contrib:${Versions.OTEL_COLLECTOR}`,
} as const;
