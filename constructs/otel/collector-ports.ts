/** A port an OpenTelemetry Collector listens on. */
export interface CollectorPort {
  /** Port number. */
  readonly port: number;
  /** IANA service name used for the container and Service port. */
  readonly name: string;
}

/** The ports of the collectors this library renders. */
export const CollectorPorts = {
  /** OTLP over gRPC. */
  OTLP_GRPC: { port: 4317, name: 'otlp-grpc' },
  /** OTLP over HTTP (`/v1/traces`). */
  OTLP_HTTP: { port: 4318, name: 'otlp-http' },
  /** The `health_check` extension, which the probes call. */
  HEALTH: { port: 13133, name: 'health' },
  /** The collector's own metrics (Prometheus). */
  METRICS: { port: 8888, name: 'metrics' },
} as const satisfies Record<string, CollectorPort>;
