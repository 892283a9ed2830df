import {
  TempoAzureConfig, TempoGcsConfig, TempoOverridesConfig, TempoQueryFrontendConfig, TempoReceiversConfig, TempoRemoteWriteConfig, TempoS3Config, TempoServerConfig,
} from './tempo-config';

// ---------------------------------------------------------------------------------------------
// Grafana Tempo 2.8 configuration file (monolithic mode), as types. Key names are the `yaml:`
// tags of the Go structs of grafana/tempo commit 87c2dc380cec (main just after v2.8.0-rc.0, the
// build the test suite runs). Only the keys this library renders are modelled; a key Tempo 2.8
// does not know cannot be produced, and test/tempo/tempo2-config-keys.test.ts checks every
// rendered key path against the key list of that build (test/fixtures/tempo-2.x-config-keys.txt).
// The blocks both lines share (server, receivers, query_frontend, object stores, overrides) are
// the Tempo 3 types: the key lists prove they mean the same in both.
// ---------------------------------------------------------------------------------------------

/** `ingester` (Tempo 2.x): keeps live traces, cuts them to the WAL, flushes blocks. */
export interface Tempo2IngesterConfig {
  /** A trace with no new span for this long is cut from memory to the WAL. */
  readonly trace_idle_period: string;
  /** How often idle traces are cut and full blocks are completed. */
  readonly flush_check_period: string;
  /** The head block is cut after this long. */
  readonly max_block_duration: string;
}

/** `compactor` (Tempo 2.x): compaction and retention. */
export interface Tempo2CompactorConfig {
  readonly compaction: { readonly block_retention: string };
}

/** `metrics_generator` (Tempo 2.x). */
export interface Tempo2MetricsGeneratorConfig {
  readonly storage: { readonly path: string; readonly remote_write: TempoRemoteWriteConfig[] };
  readonly registry?: { readonly external_labels: Record<string, string> };
}

/** `storage.trace` (Tempo 2.x). */
export interface Tempo2TraceStorageConfig {
  readonly backend: 'local' | 's3' | 'gcs' | 'azure';
  readonly wal: { readonly path: string };
  readonly local?: { readonly path: string };
  readonly s3?: TempoS3Config;
  readonly gcs?: TempoGcsConfig;
  readonly azure?: TempoAzureConfig;
}

/** The whole Tempo 2.x configuration file of monolithic mode (`target: all`). */
export interface Tempo2ConfigDocument {
  readonly target: 'all';
  readonly multitenancy_enabled: boolean;
  readonly stream_over_http_enabled: boolean;
  readonly server: TempoServerConfig;
  readonly usage_report: { readonly reporting_enabled: boolean };
  readonly distributor: { readonly receivers: TempoReceiversConfig };
  readonly ingester: Tempo2IngesterConfig;
  readonly query_frontend: TempoQueryFrontendConfig;
  readonly compactor: Tempo2CompactorConfig;
  readonly metrics_generator?: Tempo2MetricsGeneratorConfig;
  readonly storage: { readonly trace: Tempo2TraceStorageConfig };
  readonly overrides: TempoOverridesConfig;
}
