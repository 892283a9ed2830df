import { stringify } from 'yaml';
import { GrpcServerKeepaliveConfig } from '../_grpc-keepalive';
import type { Tempo2ConfigDocument } from './tempo2-config';

// ---------------------------------------------------------------------------------------------
// Grafana Tempo 3.0 (3.0.3) configuration file, as types. Key names are the `yaml:` tags of the
// Go structs of grafana/tempo v3.0.3 (cmd/tempo/app/config.go and each module's Config). Only the
// keys this library renders are modelled; a key Tempo 3.0 does not know cannot be produced, and
// test/tempo/tempo-config-keys.test.ts checks every rendered key path against the 3.0.3 key list.
// ---------------------------------------------------------------------------------------------

/** The components (`-target`) of Tempo 3.0. */
export enum TempoTarget {
  ALL = 'all',
  DISTRIBUTOR = 'distributor',
  LIVE_STORE = 'live-store',
  BLOCK_BUILDER = 'block-builder',
  QUERIER = 'querier',
  QUERY_FRONTEND = 'query-frontend',
  BACKEND_SCHEDULER = 'backend-scheduler',
  BACKEND_WORKER = 'backend-worker',
  METRICS_GENERATOR = 'metrics-generator',
}

/** A listen address of a receiver. */
export interface TempoEndpointConfig {
  readonly endpoint: string;
  /** gRPC receivers only. */
  readonly keepalive?: GrpcServerKeepaliveConfig;
}

/** `distributor.receivers` (OpenTelemetry Collector receiver configurations). */
export interface TempoReceiversConfig {
  readonly otlp?: { readonly protocols: { readonly grpc?: TempoEndpointConfig; readonly http?: TempoEndpointConfig } };
  readonly jaeger?: {
    readonly protocols: {
      readonly grpc?: TempoEndpointConfig;
      readonly thrift_http?: TempoEndpointConfig;
      readonly thrift_compact?: TempoEndpointConfig;
      readonly thrift_binary?: TempoEndpointConfig;
    };
  };
  readonly zipkin?: TempoEndpointConfig;
}

/** `server`. */
export interface TempoServerConfig {
  readonly http_listen_port: number;
  readonly grpc_listen_port: number;
  readonly log_level: 'debug' | 'info' | 'warn' | 'error';
  readonly log_format: 'logfmt' | 'json';
}

/** `memberlist`. */
export interface TempoMemberlistConfig {
  readonly join_members: string[];
  readonly bind_port: number;
  readonly abort_if_cluster_join_fails: boolean;
}

/** `ingest.kafka`. */
export interface TempoKafkaConfig {
  /** One seed broker, `host:port`. */
  readonly address: string;
  readonly topic: string;
  readonly client_id?: string;
  readonly sasl_username?: string;
  readonly sasl_password?: string;
  readonly auto_create_topic_enabled: boolean;
  readonly auto_create_topic_default_partitions: number;
}

/** `live_store`. */
export interface TempoLiveStoreConfig {
  readonly wal: { readonly path: string };
  readonly shutdown_marker_dir: string;
  readonly complete_block_timeout?: string;
}

/** `block_builder`. */
export interface TempoBlockBuilderConfig {
  readonly partitions_per_instance: number;
  readonly consume_cycle_duration?: string;
  readonly wal: { readonly path: string };
}

/** `querier`. */
export interface TempoQuerierConfig {
  readonly frontend_worker: { readonly frontend_address: string };
}

/** `query_frontend`. */
export interface TempoQueryFrontendConfig {
  readonly search: { readonly max_duration: string };
}

/** `backend_scheduler`. */
export interface TempoBackendSchedulerConfig {
  readonly local_work_path: string;
}

/** `backend_worker`. */
export interface TempoBackendWorkerConfig {
  readonly backend_scheduler_addr?: string;
  readonly compaction: { readonly block_retention: string };
  readonly ring?: { readonly kvstore: { readonly store: 'memberlist' | '' } };
}

/** One Prometheus remote-write target. */
export interface TempoRemoteWriteConfig {
  readonly url: string;
  readonly send_exemplars: boolean;
  readonly headers?: Record<string, string>;
}

/** `metrics_generator`. */
export interface TempoMetricsGeneratorConfig {
  readonly storage: { readonly path: string; readonly remote_write: TempoRemoteWriteConfig[] };
  readonly registry?: { readonly external_labels: Record<string, string> };
  readonly leave_consumer_group_on_shutdown?: boolean;
}

/** `storage.trace.s3`. */
export interface TempoS3Config {
  readonly bucket: string;
  readonly prefix?: string;
  readonly endpoint: string;
  readonly region?: string;
  readonly insecure: boolean;
  readonly forcepathstyle: boolean;
  readonly tls_ca_path?: string;
}

/** `storage.trace.gcs`. */
export interface TempoGcsConfig {
  readonly bucket_name: string;
  readonly prefix?: string;
  /** The JSON API base URL (`.../storage/v1/`); reads use the JSON API too. */
  readonly endpoint?: string;
  /** No authentication, no certificate check. */
  readonly insecure?: boolean;
}

/** `storage.trace.azure`. */
export interface TempoAzureConfig {
  readonly storage_account_name: string;
  readonly container_name: string;
  readonly prefix?: string;
  readonly endpoint_suffix: string;
  readonly use_federated_token: boolean;
}

/** `storage.trace`. */
export interface TempoTraceStorageConfig {
  readonly backend: 'local' | 's3' | 'gcs' | 'azure';
  readonly wal: { readonly path: string };
  readonly local?: { readonly path: string };
  readonly s3?: TempoS3Config;
  readonly gcs?: TempoGcsConfig;
  readonly azure?: TempoAzureConfig;
  readonly block?: { readonly version: 'vParquet4' | 'vParquet5' };
}

/** Per-tenant limits, in Tempo's scoped overrides format (`overrides.defaults`, per-tenant file). */
export interface TempoTenantOverridesConfig {
  readonly ingestion?: {
    readonly rate_limit_bytes?: number;
    readonly burst_size_bytes?: number;
    readonly max_traces_per_user?: number;
  };
  readonly read?: { readonly max_search_duration?: string };
  readonly compaction?: { readonly block_retention?: string };
  readonly metrics_generator?: { readonly processors?: string[] };
  readonly global?: { readonly max_bytes_per_trace?: number };
}

/** `overrides`. */
export interface TempoOverridesConfig {
  readonly defaults: TempoTenantOverridesConfig;
  readonly per_tenant_override_config?: string;
}

/** The per-tenant overrides file. */
export interface TempoPerTenantOverridesFile {
  readonly overrides: Record<string, TempoTenantOverridesConfig>;
}

/** The whole Tempo 3.0 configuration file. */
export interface TempoConfigDocument {
  readonly target?: TempoTarget;
  readonly multitenancy_enabled: boolean;
  readonly stream_over_http_enabled: boolean;
  readonly server: TempoServerConfig;
  readonly usage_report: { readonly reporting_enabled: boolean };
  readonly memberlist?: TempoMemberlistConfig;
  readonly distributor: { readonly receivers: TempoReceiversConfig; readonly ring?: { readonly kvstore: { readonly store: 'memberlist' } } };
  readonly ingest?: { readonly kafka: TempoKafkaConfig };
  readonly live_store: TempoLiveStoreConfig;
  readonly block_builder?: TempoBlockBuilderConfig;
  readonly querier?: TempoQuerierConfig;
  readonly query_frontend: TempoQueryFrontendConfig;
  readonly backend_scheduler: TempoBackendSchedulerConfig;
  readonly backend_worker: TempoBackendWorkerConfig;
  readonly metrics_generator?: TempoMetricsGeneratorConfig;
  readonly storage: { readonly trace: TempoTraceStorageConfig };
  readonly overrides: TempoOverridesConfig;
}

/** Renders a Tempo configuration document (no YAML anchors: Tempo reads plain YAML). */
export function tempoYaml(doc: TempoConfigDocument | Tempo2ConfigDocument | TempoPerTenantOverridesFile): string {
  return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * Renders a `cdk8s` Duration as a Go duration (`336h`, `90s`), the only form Tempo's
 * `time.Duration` fields accept (`14d` is refused).
 */
export function goDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
