import { ErrorScope, propError } from '../_errors';
import { SpanProtocol } from '../jaeger/jaeger-ports';
import { ServiceEndpoint } from '../service-endpoint';

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

/** The OTLP endpoint of a collector's Service for `protocol`; a collector receives OTLP only. */
export function collectorEndpoint(scope: ErrorScope, serviceName: string, namespace: string | undefined, protocol: SpanProtocol): ServiceEndpoint {
  const port = protocol === SpanProtocol.OTLP_GRPC ? CollectorPorts.OTLP_GRPC : protocol === SpanProtocol.OTLP_HTTP ? CollectorPorts.OTLP_HTTP : undefined;
  if (!port) throw propError(scope, 'protocol', protocol, 'otlp-grpc or otlp-http (a collector receives OTLP only)');
  return new ServiceEndpoint(serviceName, namespace, port.port, port.name);
}
