/** Transport of a port, as a Kubernetes `protocol`. */
export type PortProtocol = 'TCP' | 'UDP';

/** A port that a Jaeger process listens on. */
export interface JaegerPort {
  /** Port number. */
  readonly port: number;
  /** IANA service name used for the container and Service port (at most 15 characters). */
  readonly name: string;
  /** Transport. */
  readonly protocol: PortProtocol;
}

/**
 * The ports of Jaeger v2 (2.13). All v1 ports still exist, each only if configured.
 * @see https://www.jaegertracing.io/docs/latest/deployment/
 */
export const JaegerPorts = {
  OTLP_GRPC: { port: 4317, name: 'otlp-grpc', protocol: 'TCP' },
  OTLP_HTTP: { port: 4318, name: 'otlp-http', protocol: 'TCP' },
  JAEGER_GRPC: { port: 14250, name: 'jaeger-grpc', protocol: 'TCP' },
  JAEGER_THRIFT_HTTP: { port: 14268, name: 'thrift-http', protocol: 'TCP' },
  JAEGER_THRIFT_COMPACT: { port: 6831, name: 'thrift-compact', protocol: 'UDP' },
  JAEGER_THRIFT_BINARY: { port: 6832, name: 'thrift-binary', protocol: 'UDP' },
  ZIPKIN: { port: 9411, name: 'zipkin', protocol: 'TCP' },
  SAMPLING_HTTP: { port: 5778, name: 'sampling-http', protocol: 'TCP' },
  SAMPLING_GRPC: { port: 5779, name: 'sampling-grpc', protocol: 'TCP' },
  QUERY_HTTP: { port: 16686, name: 'http-query', protocol: 'TCP' },
  QUERY_GRPC: { port: 16685, name: 'grpc-query', protocol: 'TCP' },
  HEALTH: { port: 13133, name: 'health', protocol: 'TCP' },
  METRICS: { port: 8888, name: 'metrics', protocol: 'TCP' },
} as const satisfies Record<string, JaegerPort>;

/**
 * A protocol on which Jaeger receives spans. Each maps to one receiver of the Jaeger v2
 * configuration (`otlp`, `jaeger` or `zipkin`) and one port.
 */
export enum SpanProtocol {
  /** OTLP over gRPC, port 4317. */
  OTLP_GRPC = 'otlp-grpc',
  /** OTLP over HTTP (`/v1/traces`), port 4318. */
  OTLP_HTTP = 'otlp-http',
  /** Jaeger's legacy gRPC collector protocol, port 14250. */
  JAEGER_GRPC = 'jaeger-grpc',
  /** Jaeger Thrift over HTTP (`/api/traces`), port 14268. */
  JAEGER_THRIFT_HTTP = 'jaeger-thrift-http',
  /** Jaeger Thrift compact over UDP (the v1 agent port), 6831. */
  JAEGER_THRIFT_COMPACT = 'jaeger-thrift-compact',
  /** Jaeger Thrift binary over UDP (the v1 agent port), 6832. */
  JAEGER_THRIFT_BINARY = 'jaeger-thrift-binary',
  /** Zipkin v1/v2 JSON and protobuf over HTTP (`/api/v2/spans`), port 9411. */
  ZIPKIN = 'zipkin',
}

/** Where each protocol lives in the configuration, and its port. */
export const SPAN_PROTOCOLS: Record<SpanProtocol, { receiver: 'otlp' | 'jaeger' | 'zipkin'; key?: string; port: JaegerPort }> = {
  [SpanProtocol.OTLP_GRPC]: { receiver: 'otlp', key: 'grpc', port: JaegerPorts.OTLP_GRPC },
  [SpanProtocol.OTLP_HTTP]: { receiver: 'otlp', key: 'http', port: JaegerPorts.OTLP_HTTP },
  [SpanProtocol.JAEGER_GRPC]: { receiver: 'jaeger', key: 'grpc', port: JaegerPorts.JAEGER_GRPC },
  [SpanProtocol.JAEGER_THRIFT_HTTP]: { receiver: 'jaeger', key: 'thrift_http', port: JaegerPorts.JAEGER_THRIFT_HTTP },
  [SpanProtocol.JAEGER_THRIFT_COMPACT]: { receiver: 'jaeger', key: 'thrift_compact', port: JaegerPorts.JAEGER_THRIFT_COMPACT },
  [SpanProtocol.JAEGER_THRIFT_BINARY]: { receiver: 'jaeger', key: 'thrift_binary', port: JaegerPorts.JAEGER_THRIFT_BINARY },
  [SpanProtocol.ZIPKIN]: { receiver: 'zipkin', port: JaegerPorts.ZIPKIN },
};

/** Every protocol, in a stable order: what all-in-one exposes by default (as the seed's compose file). */
export const ALL_SPAN_PROTOCOLS: readonly SpanProtocol[] = Object.values(SpanProtocol);
