import { stringify } from 'yaml';
import { ErrorScope, propError } from '../_errors';
import { GrpcServerKeepaliveConfig, withGrpcKeepalive } from '../_grpc-keepalive';
import { JaegerPorts, SPAN_PROTOCOLS, SpanProtocol } from './jaeger-ports';

// ---------------------------------------------------------------------------------------------
// The Jaeger v2 (2.13) configuration file, as types. Key names are those of the Go structs'
// `mapstructure` tags in jaegertracing/jaeger v1.76.0 (= v2.13.0) and of the OpenTelemetry
// Collector v0.140 components it bundles. A key that is not here cannot be rendered.
// ---------------------------------------------------------------------------------------------

/** A server listening address. */
export interface ServerEndpointConfig {
  readonly endpoint: string;
  /** gRPC servers only. */
  readonly keepalive?: GrpcServerKeepaliveConfig;
}

/** `receivers.otlp`. */
export interface OtlpReceiverConfig {
  readonly protocols: { readonly grpc?: ServerEndpointConfig; readonly http?: ServerEndpointConfig };
}

/** `receivers.jaeger`. */
export interface JaegerReceiverConfig {
  readonly protocols: {
    readonly grpc?: ServerEndpointConfig;
    readonly thrift_http?: ServerEndpointConfig;
    readonly thrift_compact?: ServerEndpointConfig;
    readonly thrift_binary?: ServerEndpointConfig;
  };
}

/** `receivers.zipkin`. */
export type ZipkinReceiverConfig = ServerEndpointConfig;

/** Components with no settings (`nop`). */
export type EmptyConfig = Record<string, never>;

/** `processors.batch`. */
export interface BatchProcessorConfig {
  readonly timeout?: string;
  readonly send_batch_size?: number;
  readonly send_batch_max_size?: number;
}

/** `processors.memory_limiter`. */
export interface MemoryLimiterProcessorConfig {
  readonly check_interval: string;
  readonly limit_percentage: number;
  readonly spike_limit_percentage: number;
}

/** `exporters.jaeger_storage_exporter`. */
export interface JaegerStorageExporterConfig {
  readonly trace_storage: string;
}

/** `auth.sasl` of a Kafka client (`configkafka.SASLConfig`). */
export interface KafkaSaslConfig {
  /** `PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512`. */
  readonly mechanism: string;
  readonly username: string;
  readonly password: string;
}

/** Connection settings shared by the Kafka exporter and receiver (`configkafka.ClientConfig`). */
export interface KafkaClientConfig {
  readonly brokers: string[];
  readonly client_id: string;
  readonly auth?: { readonly sasl: KafkaSaslConfig };
  /** Present means TLS (`tls: {}` trusts the system roots). */
  readonly tls?: TlsClientConfig;
}

/** Topic and encoding of the traces signal (`traces` of the Kafka exporter and receiver). */
export interface KafkaTopicEncodingConfig {
  readonly topic: string;
  readonly encoding: string;
}

/** `exporters.kafka` (the collector writing spans to Kafka). */
export interface KafkaExporterConfig extends KafkaClientConfig {
  readonly traces: KafkaTopicEncodingConfig;
  /** One record per trace, keyed by trace ID: a trace's spans share a partition, records stay small. */
  readonly partition_traces_by_id: boolean;
  readonly producer: {
    /** -1: every in-sync replica has the record before the write succeeds. */
    readonly required_acks: -1 | 0 | 1;
    readonly compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  };
}

/** `receivers.kafka` (the ingester reading spans from Kafka). */
export interface KafkaReceiverConfig extends KafkaClientConfig {
  readonly traces: KafkaTopicEncodingConfig;
  readonly group_id: string;
  readonly initial_offset: 'earliest' | 'latest';
  /** When a record's offset may be committed: after the pipeline took it, and not on a retryable error. */
  readonly message_marking: { readonly after: boolean; readonly on_error: boolean; readonly on_permanent_error: boolean };
  /** Retries of a record whose export failed with a retryable error (`max_elapsed_time: 0s` retries forever). */
  readonly error_backoff: {
    readonly enabled: boolean;
    readonly initial_interval: string;
    readonly randomization_factor: number;
    readonly multiplier: number;
    readonly max_interval: string;
    readonly max_elapsed_time: string;
  };
}

/** `extensions.healthcheckv2` (the v2 health check; HTTP status on `/status`). */
export interface HealthCheckV2Config {
  readonly use_v2: true;
  readonly http: ServerEndpointConfig;
}

/** `backends.<name>.memory`. */
export interface MemoryStorageConfig {
  readonly max_traces: number;
}

/** `backends.<name>.badger`. */
export interface BadgerStorageConfig {
  readonly directories: { readonly keys: string; readonly values: string };
  readonly ephemeral: boolean;
  readonly ttl: { readonly spans: string };
  /** Synchronous writes (the Go field is `SyncWrites`). */
  readonly consistency?: boolean;
}

/** Options of one kind of Elasticsearch index (`indices.spans`, ...). */
export interface ElasticsearchIndexOptionsConfig {
  readonly date_layout?: string;
  readonly rollover_frequency?: 'day' | 'hour';
  readonly shards?: number;
  readonly replicas?: number;
  readonly priority?: number;
}

/** TLS client settings (`configtls.ClientConfig`). */
export interface TlsClientConfig {
  readonly insecure?: boolean;
  readonly insecure_skip_verify?: boolean;
  readonly ca_file?: string;
  readonly cert_file?: string;
  readonly key_file?: string;
  readonly server_name_override?: string;
}

/** `backends.<name>.elasticsearch` / `.opensearch`. */
export interface ElasticsearchStorageConfig {
  readonly server_urls: string[];
  readonly indices: {
    readonly index_prefix?: string;
    readonly spans?: ElasticsearchIndexOptionsConfig;
    readonly services?: ElasticsearchIndexOptionsConfig;
    readonly dependencies?: ElasticsearchIndexOptionsConfig;
    readonly sampling?: ElasticsearchIndexOptionsConfig;
  };
  readonly auth?: {
    readonly basic: { readonly username: string; readonly password_file: string; readonly reload_interval?: string };
  };
  readonly tls?: TlsClientConfig;
  readonly use_aliases?: boolean;
  readonly create_mappings?: boolean;
  readonly use_ilm?: boolean;
  readonly version?: number;
  readonly max_span_age?: string;
}

/** One entry of `jaeger_storage.backends`: exactly one of the keys. */
export interface TraceBackendConfig {
  readonly memory?: MemoryStorageConfig;
  readonly badger?: BadgerStorageConfig;
  readonly elasticsearch?: ElasticsearchStorageConfig;
  readonly opensearch?: ElasticsearchStorageConfig;
}

/** `extensions.jaeger_storage`. */
export interface JaegerStorageExtensionConfig {
  readonly backends: Record<string, TraceBackendConfig>;
}

/** `extensions.jaeger_query`. */
export interface JaegerQueryExtensionConfig {
  readonly storage: { readonly traces: string; readonly traces_archive?: string };
  readonly base_path?: string;
  readonly max_clock_skew_adjust?: string;
  readonly enable_tracing?: boolean;
  readonly http: ServerEndpointConfig;
  readonly grpc: ServerEndpointConfig;
}

/** `extensions.remote_sampling`. */
export interface RemoteSamplingExtensionConfig {
  readonly file: { readonly path: string; readonly reload_interval?: string; readonly default_sampling_probability?: number };
  readonly http: ServerEndpointConfig;
  readonly grpc: ServerEndpointConfig;
}

/** `service.telemetry`. */
export interface TelemetryConfig {
  readonly resource: Record<string, string>;
  readonly metrics: {
    readonly level: 'none' | 'basic' | 'normal' | 'detailed';
    readonly readers?: Array<{ readonly pull: { readonly exporter: { readonly prometheus: { readonly host: string; readonly port: number } } } }>;
  };
  readonly logs: { readonly level: 'debug' | 'info' | 'warn' | 'error' };
}

/** A pipeline: names of components. */
export interface PipelineConfig {
  readonly receivers: string[];
  readonly processors: string[];
  readonly exporters: string[];
}

/** The whole Jaeger v2 configuration file. */
export interface JaegerConfigDocument {
  readonly service: {
    readonly extensions: string[];
    readonly pipelines: { readonly traces: PipelineConfig };
    readonly telemetry: TelemetryConfig;
  };
  readonly extensions: {
    readonly healthcheckv2?: HealthCheckV2Config;
    readonly jaeger_storage?: JaegerStorageExtensionConfig;
    readonly jaeger_query?: JaegerQueryExtensionConfig;
    readonly remote_sampling?: RemoteSamplingExtensionConfig;
  };
  readonly receivers: {
    readonly otlp?: OtlpReceiverConfig;
    readonly jaeger?: JaegerReceiverConfig;
    readonly zipkin?: ZipkinReceiverConfig;
    readonly kafka?: KafkaReceiverConfig;
    readonly nop?: EmptyConfig;
  };
  readonly processors: {
    readonly memory_limiter?: MemoryLimiterProcessorConfig;
    readonly batch?: BatchProcessorConfig;
  };
  readonly exporters: {
    readonly jaeger_storage_exporter?: JaegerStorageExporterConfig;
    readonly kafka?: KafkaExporterConfig;
    readonly nop?: EmptyConfig;
  };
}

// ---------------------------------------------------------------------------------------------
// Building a configuration from what a process does.
// ---------------------------------------------------------------------------------------------

/** What a process that receives spans does with them. */
export interface JaegerReceiveOptions {
  /** Protocols to receive spans on. */
  readonly protocols: readonly SpanProtocol[];
  /** `memory_limiter` settings; refuses data before the container's memory limit is hit. @default DEFAULT_MEMORY_LIMITER */
  readonly memoryLimiter?: MemoryLimiterProcessorConfig;
  /** `batch` settings. @default DEFAULT_BATCH */
  readonly batch?: BatchProcessorConfig;
  /** Absolute path of the sampling strategies file to serve on 5778/5779. @default - no sampling endpoint */
  readonly samplingStrategiesFile?: string;
  /** How often the strategies file is re-read. @default '30s' */
  readonly samplingReloadInterval?: string;
  /** Write the spans to Kafka instead of the storage (a collector in front of {@link JaegerIngestOptions ingesters}). @default - the storage */
  readonly kafka?: KafkaExporterConfig;
}

/** What an ingester does: read spans from Kafka and write them to the storage. */
export interface JaegerIngestOptions {
  /** The Kafka receiver. */
  readonly kafka: KafkaReceiverConfig;
  /** `memory_limiter` settings; a refused record is retried (error_backoff), not skipped. @default DEFAULT_MEMORY_LIMITER */
  readonly memoryLimiter?: MemoryLimiterProcessorConfig;
}

/** What a process that serves the query API and UI does. */
export interface JaegerQueryOptions {
  /** URL path prefix of the UI and API, for serving behind an ingress path. @default '/' */
  readonly basePath?: string;
  /** Maximum clock-skew adjustment. @default - none */
  readonly maxClockSkewAdjust?: string;
}

/** Inputs of {@link JaegerConfig}. */
export interface JaegerConfigOptions {
  /** `service.name` of the process's own telemetry. */
  readonly serviceName: string;
  /** Name of the storage backend in `jaeger_storage.backends`; with `storage`. @default - no storage (a collector writing to Kafka) */
  readonly storageName?: string;
  /** The storage backend; every role but a collector writing to Kafka needs one. @default - no storage */
  readonly storage?: TraceBackendConfig;
  /** Receive spans (collector role). @default - no receivers */
  readonly receive?: JaegerReceiveOptions;
  /** Read spans from Kafka and write them to the storage (ingester role). @default - not an ingester */
  readonly ingest?: JaegerIngestOptions;
  /** Serve the query API and UI (query role). @default - no query API */
  readonly query?: JaegerQueryOptions;
  /** Address the process binds its servers to. @default '0.0.0.0' */
  readonly listenHost?: string;
  /** Log level. @default 'info' */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** Memory limiter defaults: a soft limit at 80% of the memory limit, checked every second. */
export const DEFAULT_MEMORY_LIMITER: MemoryLimiterProcessorConfig = { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 };

/**
 * Name of the memory backend that only satisfies remote_sampling's dependency on jaeger_storage
 * in a collector writing to Kafka (nothing writes or reads it).
 */
export const UNUSED_BACKEND = 'unused';

/** Batch defaults of the OpenTelemetry Collector, stated so that they are visible and tunable. */
export const DEFAULT_BATCH: BatchProcessorConfig = { timeout: '200ms', send_batch_size: 8192 };

/**
 * A Jaeger v2 configuration, built from what the process does (receive spans, serve queries,
 * serve sampling strategies) and rendered to YAML. Every component that a pipeline or extension
 * names is defined by construction, and {@link JaegerConfig.validate} proves it.
 */
export class JaegerConfig {
  /** The configuration as a typed document. */
  public readonly document: JaegerConfigDocument;

  constructor(private readonly scope: ErrorScope, options: JaegerConfigOptions) {
    const host = options.listenHost ?? '0.0.0.0';
    const at = (port: number) => ({ endpoint: `${host}:${port}` });
    const roles = [options.receive && 'receive', options.ingest && 'ingest', options.query && 'query'].filter(Boolean);
    if (roles.length === 0) {
      throw propError(scope, 'roles', 'none', 'at least one of receive (collector), ingest (ingester) or query');
    }
    if (options.ingest && roles.length > 1) {
      throw propError(scope, 'roles', roles.join('+'), 'ingest alone (an ingester neither receives spans from clients nor serves queries)');
    }
    if (options.receive?.kafka && options.query) {
      throw propError(scope, 'roles', 'receive to Kafka+query', 'receive (to Kafka) alone: the query reads the storage that ingesters write');
    }
    const storageName = options.storageName;
    const needsStorage = !options.receive?.kafka;
    if (needsStorage && (storageName === undefined || options.storage === undefined)) {
      throw propError(scope, 'storage', undefined, 'a storage backend (storageName and storage): every role but a collector writing to Kafka writes or reads one');
    }
    if (!needsStorage && (storageName !== undefined || options.storage !== undefined)) {
      throw propError(scope, 'storage', storageName, 'unset for a collector writing to Kafka (the ingesters write to the storage)');
    }
    const extensions: Record<string, unknown> = { healthcheckv2: { use_v2: true, http: at(JaegerPorts.HEALTH.port) } };
    if (needsStorage) extensions.jaeger_storage = { backends: { [storageName!]: options.storage } };
    const receivers: Record<string, unknown> = {};
    const processors: Record<string, unknown> = {};
    const exporters: Record<string, unknown> = {};
    let pipeline: PipelineConfig;

    if (options.query) {
      extensions.jaeger_query = {
        storage: { traces: storageName! },
        ...(options.query.basePath && options.query.basePath !== '/' ? { base_path: options.query.basePath } : {}),
        ...(options.query.maxClockSkewAdjust ? { max_clock_skew_adjust: options.query.maxClockSkewAdjust } : {}),
        // Jaeger v2 traces its own query API to OTLP gRPC on localhost:4317 by default: only a
        // process that also receives spans has a receiver there. A query-only process would log
        // export errors and wait 10 s for its exporter at every shutdown.
        ...(options.receive ? {} : { enable_tracing: false }),
        http: at(JaegerPorts.QUERY_HTTP.port),
        grpc: at(JaegerPorts.QUERY_GRPC.port),
      } satisfies JaegerQueryExtensionConfig;
    }

    if (options.receive) {
      const r = options.receive;
      if (r.protocols.length === 0) {
        throw propError(scope, 'protocols', [], `at least one of ${Object.values(SpanProtocol).join(', ')}`);
      }
      for (const protocol of r.protocols) {
        const p = SPAN_PROTOCOLS[protocol];
        if (!p) throw propError(scope, 'protocols', protocol, `one of ${Object.values(SpanProtocol).join(', ')}`);
        if (p.receiver === 'zipkin') {
          receivers.zipkin = at(p.port.port);
        } else {
          const existing = (receivers[p.receiver] as { protocols: Record<string, unknown> } | undefined) ?? { protocols: {} };
          existing.protocols[p.key!] = withGrpcKeepalive(p.key!, at(p.port.port));
          receivers[p.receiver] = existing;
        }
      }
      processors.memory_limiter = r.memoryLimiter ?? DEFAULT_MEMORY_LIMITER;
      processors.batch = r.batch ?? DEFAULT_BATCH;
      const exporter = r.kafka ? 'kafka' : 'jaeger_storage_exporter';
      exporters[exporter] = r.kafka ?? { trace_storage: storageName! };
      pipeline = {
        receivers: ['otlp', 'jaeger', 'zipkin'].filter(n => n in receivers),
        processors: ['memory_limiter', 'batch'],
        exporters: [exporter],
      };
      if (r.samplingStrategiesFile) {
        if (!needsStorage) {
          // remote_sampling depends on the jaeger_storage extension whatever its source (v2.13
          // fails at start without it: "unable to find extension jaeger_storage on which extension
          // remote_sampling depends"); strategies from a file read no storage. A collector writing
          // to Kafka gets a one-trace memory backend that nothing writes or reads.
          extensions.jaeger_storage = { backends: { [UNUSED_BACKEND]: { memory: { max_traces: 1 } } } };
        }
        extensions.remote_sampling = {
          file: { path: r.samplingStrategiesFile, reload_interval: r.samplingReloadInterval ?? '30s' },
          http: at(JaegerPorts.SAMPLING_HTTP.port),
          grpc: at(JaegerPorts.SAMPLING_GRPC.port),
        } satisfies RemoteSamplingExtensionConfig;
      }
    } else if (options.ingest) {
      // No batch processor: it would take the records from the receiver before they are written,
      // so their offsets would be committed first. The storage writer batches (bulk requests).
      receivers.kafka = options.ingest.kafka;
      processors.memory_limiter = options.ingest.memoryLimiter ?? DEFAULT_MEMORY_LIMITER;
      exporters.jaeger_storage_exporter = { trace_storage: storageName! };
      pipeline = { receivers: ['kafka'], processors: ['memory_limiter'], exporters: ['jaeger_storage_exporter'] };
    } else {
      // A query-only process still needs one pipeline: nothing in, nothing out.
      receivers.nop = {};
      exporters.nop = {};
      pipeline = { receivers: ['nop'], processors: [], exporters: ['nop'] };
    }

    this.document = {
      service: {
        extensions: ['healthcheckv2', 'jaeger_storage', 'jaeger_query', 'remote_sampling'].filter(n => n in extensions),
        pipelines: { traces: pipeline },
        telemetry: {
          resource: { 'service.name': options.serviceName },
          metrics: { level: 'detailed', readers: [{ pull: { exporter: { prometheus: { host, port: JaegerPorts.METRICS.port } } } }] },
          logs: { level: options.logLevel ?? 'info' },
        },
      },
      extensions: extensions as JaegerConfigDocument['extensions'],
      receivers: receivers as JaegerConfigDocument['receivers'],
      processors: processors as JaegerConfigDocument['processors'],
      exporters: exporters as JaegerConfigDocument['exporters'],
    };
  }

  /**
   * Reference checks that the Jaeger binary itself does not make (it accepts a `jaeger_query`
   * storage name that no backend defines): every name a pipeline, the service or an extension
   * uses is defined. Returns the problems, empty when the document is sound.
   */
  public validate(): string[] {
    const d = this.document;
    const problems: string[] = [];
    const where = typeof this.scope === 'string' ? this.scope : this.scope.node.path;
    const need = (section: string, defined: object, name: string, by: string) => {
      if (!(name in defined)) problems.push(`${where}: ${by} names ${section} '${name}', which is not defined`);
    };
    const p = d.service.pipelines.traces;
    p.receivers.forEach(n => need('receiver', d.receivers, n, 'pipeline traces'));
    p.processors.forEach(n => need('processor', d.processors, n, 'pipeline traces'));
    p.exporters.forEach(n => need('exporter', d.exporters, n, 'pipeline traces'));
    d.service.extensions.forEach(n => need('extension', d.extensions, n, 'service.extensions'));
    const backends = d.extensions.jaeger_storage?.backends ?? {};
    if (d.exporters.jaeger_storage_exporter) {
      need('storage backend', backends, d.exporters.jaeger_storage_exporter.trace_storage, 'jaeger_storage_exporter.trace_storage');
    }
    if (d.extensions.jaeger_query) {
      need('storage backend', backends, d.extensions.jaeger_query.storage.traces, 'jaeger_query.storage.traces');
    }
    for (const [name, backend] of Object.entries(backends)) {
      const kinds = Object.keys(backend);
      if (kinds.length !== 1) problems.push(`${where}: storage backend '${name}' must have exactly one kind, has ${kinds.join(', ') || 'none'}`);
    }
    if (d.extensions.remote_sampling && !d.extensions.jaeger_storage) {
      problems.push(`${where}: extension remote_sampling needs extension jaeger_storage, which is not defined (Jaeger fails at start)`);
    }
    if (p.receivers.length === 0 || p.exporters.length === 0) problems.push(`${where}: pipeline traces needs at least one receiver and one exporter`);
    return problems;
  }

  /** The configuration file's text. */
  public toYaml(): string {
    return stringify(this.document, { lineWidth: 0, sortMapEntries: false, aliasDuplicateObjects: false });
  }
}
