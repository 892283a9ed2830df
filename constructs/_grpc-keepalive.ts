/**
 * Server keepalive of the gRPC span receivers (the OpenTelemetry Collector's `keepalive` keys,
 * which Jaeger v2 and Tempo's distributor take too): each client connection is closed after a
 * minute, in-flight calls getting 15 s more. A gRPC client keeps a connection for as long as it
 * works, so without this a receiver scaled up later gets nothing from the clients already
 * connected; closed connections make them re-resolve and spread over the replicas there are now.
 */
export interface GrpcServerKeepaliveConfig {
  readonly server_parameters: { readonly max_connection_age: string; readonly max_connection_age_grace: string };
}

/** The keepalive every gRPC span receiver of this library renders. */
export const RECEIVER_GRPC_KEEPALIVE: GrpcServerKeepaliveConfig = {
  server_parameters: { max_connection_age: '60s', max_connection_age_grace: '15s' },
};

/** The receiver protocol keys served over gRPC (`grpc` of `otlp` and of `jaeger`). */
export function withGrpcKeepalive<T extends { endpoint: string }>(key: string, config: T): T | (T & { keepalive: GrpcServerKeepaliveConfig }) {
  return key === 'grpc' ? { ...config, keepalive: RECEIVER_GRPC_KEEPALIVE } : config;
}
