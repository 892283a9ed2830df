import { stringify } from 'yaml';
import { ErrorScope, propError } from '../_errors';
import { GrpcServerKeepaliveConfig } from '../_grpc-keepalive';
import { TailSamplingProcessorConfig } from '../sampling/sampling-policy';

// ---------------------------------------------------------------------------------------------
// The OpenTelemetry Collector configuration file, as types. Component type names and key names are
// those of collector v0.140.0 and collector-contrib v0.140.1 (their `mapstructure` tags), the
// version this library targets (see `CollectorVersion`). A key that is not here cannot be rendered.
// ---------------------------------------------------------------------------------------------

/** A server listening address. */
export interface ServerEndpoint {
  readonly endpoint: string;
  /** gRPC servers only. */
  readonly keepalive?: GrpcServerKeepaliveConfig;
}

/** Client TLS settings (`configtls.ClientConfig`). */
export interface ClientTlsConfig {
  /** Plaintext (no TLS at all). */
  readonly insecure?: boolean;
  readonly ca_file?: string;
  readonly insecure_skip_verify?: boolean;
  readonly server_name_override?: string;
}

/** `sending_queue` of an exporter (exporterhelper `QueueBatchConfig`). */
export interface SendingQueueConfig {
  readonly enabled: boolean;
  readonly num_consumers?: number;
  readonly queue_size?: number;
  readonly sizer?: 'requests' | 'items' | 'bytes';
  readonly block_on_overflow?: boolean;
  readonly wait_for_result?: boolean;
  /** A storage extension id (`file_storage/queue`): the queue survives a restart. */
  readonly storage?: string;
  /** Batching of queued requests before export (exporterhelper `BatchConfig`). */
  readonly batch?: { readonly flush_timeout?: string; readonly sizer?: 'items' | 'bytes'; readonly min_size?: number; readonly max_size?: number };
}

/** `retry_on_failure` of an exporter (`configretry.BackOffConfig`). */
export interface RetryOnFailureConfig {
  readonly enabled: boolean;
  readonly initial_interval?: string;
  readonly randomization_factor?: number;
  readonly multiplier?: number;
  readonly max_interval?: string;
  /** `0s`: retry forever. */
  readonly max_elapsed_time?: string;
}

/** `receivers.otlp`. */
export interface CollectorOtlpReceiverConfig {
  readonly protocols: { readonly grpc?: ServerEndpoint; readonly http?: ServerEndpoint };
}

/** `processors.memory_limiter`. */
export interface MemoryLimiterConfig {
  readonly check_interval: string;
  readonly limit_percentage: number;
  readonly spike_limit_percentage: number;
}

/** `processors.batch`. */
export interface BatchConfig {
  readonly timeout?: string;
  readonly send_batch_size?: number;
  readonly send_batch_max_size?: number;
}

/** `processors.resource`: attribute actions on the resource. */
export interface ResourceProcessorConfig {
  readonly attributes: Array<{ readonly key: string; readonly action: 'insert' | 'update' | 'upsert' | 'delete'; readonly value?: string; readonly from_attribute?: string }>;
}

/** `processors.k8sattributes`. */
export interface K8sAttributesConfig {
  readonly auth_type?: 'serviceAccount' | 'kubeConfig' | 'none';
  /** Only tag the sender's pod IP; no Kubernetes API access (for gateways behind agents). */
  readonly passthrough?: boolean;
  readonly filter?: { readonly node_from_env_var?: string };
  readonly extract?: { readonly metadata?: string[] };
  readonly pod_association?: Array<{ readonly sources: Array<{ readonly from: 'resource_attribute' | 'connection'; readonly name?: string }> }>;
}

/** `exporters.otlp` (OTLP over gRPC). */
export interface OtlpExporterConfig {
  readonly endpoint: string;
  /** gRPC load-balancing policy over the addresses the endpoint resolves to (`round_robin`, `pick_first`). */
  readonly balancer_name?: 'round_robin' | 'pick_first';
  readonly tls?: ClientTlsConfig;
  readonly headers?: Record<string, string>;
  readonly compression?: 'gzip' | 'zstd' | 'snappy' | 'none';
  readonly timeout?: string;
  readonly sending_queue?: SendingQueueConfig;
  readonly retry_on_failure?: RetryOnFailureConfig;
}

/** `exporters.otlphttp` (OTLP over HTTP): the same settings, `endpoint` being a base URL. */
export type OtlpHttpExporterConfig = OtlpExporterConfig;

/** `exporters.loadbalancing`. */
export interface LoadBalancingExporterConfig {
  readonly routing_key: 'traceID' | 'service' | 'resource' | 'streamID';
  readonly protocol: { readonly otlp: Omit<OtlpExporterConfig, 'endpoint'> };
  readonly resolver: {
    readonly static?: { readonly hostnames: string[] };
    readonly dns?: { readonly hostname: string; readonly port?: string; readonly interval?: string; readonly timeout?: string };
    /** `service` is `<name>.<namespace>`. */
    readonly k8s?: { readonly service: string; readonly ports?: number[]; readonly timeout?: string; readonly return_hostnames?: boolean };
  };
  readonly timeout?: string;
  readonly sending_queue?: SendingQueueConfig;
  readonly retry_on_failure?: RetryOnFailureConfig;
}

/** `exporters.debug`. */
export interface DebugExporterConfig {
  readonly verbosity?: 'basic' | 'normal' | 'detailed';
}

/** `extensions.health_check`. */
export interface HealthCheckConfig {
  readonly endpoint: string;
  readonly path?: string;
}

/** `extensions.file_storage`. */
export interface FileStorageConfig {
  readonly directory: string;
  readonly create_directory?: boolean;
  readonly timeout?: string;
  readonly fsync?: boolean;
  readonly compaction?: { readonly on_start?: boolean; readonly on_rebound?: boolean; readonly directory?: string };
}

/** Receivers, by type name. */
export interface ReceiverConfigs {
  readonly otlp: CollectorOtlpReceiverConfig;
}

/** Processors, by type name. */
export interface ProcessorConfigs {
  readonly memory_limiter: MemoryLimiterConfig;
  readonly batch: BatchConfig;
  readonly tail_sampling: TailSamplingProcessorConfig;
  readonly resource: ResourceProcessorConfig;
  readonly k8sattributes: K8sAttributesConfig;
}

/** Exporters, by type name. */
export interface ExporterConfigs {
  readonly otlp: OtlpExporterConfig;
  readonly otlphttp: OtlpHttpExporterConfig;
  readonly loadbalancing: LoadBalancingExporterConfig;
  readonly debug: DebugExporterConfig;
}

/** Extensions, by type name. */
export interface ExtensionConfigs {
  readonly health_check: HealthCheckConfig;
  readonly file_storage: FileStorageConfig;
}

/** A component id: its type, or `type/name` when several of one type are configured. */
export type ComponentId<T extends string> = T | `${T}/${string}`;

/** A pipeline of the `traces` signal. */
export interface CollectorPipelineConfig {
  readonly receivers: string[];
  readonly processors: string[];
  readonly exporters: string[];
}

/** `service.telemetry`. */
export interface CollectorTelemetryConfig {
  readonly resource?: Record<string, string>;
  readonly metrics: {
    readonly level: 'none' | 'basic' | 'normal' | 'detailed';
    readonly readers?: Array<{ readonly pull: { readonly exporter: { readonly prometheus: { readonly host: string; readonly port: number } } } }>;
  };
  readonly logs: { readonly level: 'debug' | 'info' | 'warn' | 'error' };
}

/** The whole collector configuration file. */
export interface CollectorConfigDocument {
  readonly receivers: Record<string, ReceiverConfigs[keyof ReceiverConfigs]>;
  readonly processors: Record<string, ProcessorConfigs[keyof ProcessorConfigs]>;
  readonly exporters: Record<string, ExporterConfigs[keyof ExporterConfigs]>;
  readonly extensions: Record<string, ExtensionConfigs[keyof ExtensionConfigs]>;
  readonly service: {
    readonly extensions: string[];
    readonly pipelines: Record<string, CollectorPipelineConfig>;
    readonly telemetry: CollectorTelemetryConfig;
  };
}

/** Options of {@link CollectorConfig}. */
export interface CollectorConfigOptions {
  /** `service.name` of the collector's own telemetry. */
  readonly serviceName: string;
  /** Port of the Prometheus endpoint for the collector's own metrics. @default 8888 */
  readonly metricsPort?: number;
  /** Address the collector's own servers bind to. @default '0.0.0.0' */
  readonly listenHost?: string;
  /** Log level. @default 'info' */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** A server of the collector: where it listens, and which setting says so. */
interface Listener {
  /** `receivers.<id>`, `extensions.<id>` or `service.telemetry.metrics`. */
  readonly component: string;
  /** The setting inside the component (`protocols.grpc.endpoint`). */
  readonly field: string;
  /** The address as configured. */
  readonly value: string;
  readonly host: string;
  readonly port: number;
}

/** Hosts that bind every address of the pod. */
const WILDCARD_HOSTS = new Set(['', '0.0.0.0', '::', '[::]']);

const normalHost = (host: string) => (host.toLowerCase() === 'localhost' ? '127.0.0.1' : host.toLowerCase());

/** `host:port` of a server endpoint; undefined when it has no literal port (an environment reference). */
function parseListenAddress(address: string): { host: string; port: number } | undefined {
  const m = /^(.*):(\d{1,5})$/.exec(address);
  return m ? { host: normalHost(m[1]), port: Number(m[2]) } : undefined;
}

const ID = /^[a-z][a-z0-9_]*(\/[A-Za-z0-9][A-Za-z0-9_.-]*)?$/;
const PIPELINE_ID = /^traces(\/[A-Za-z0-9][A-Za-z0-9_.-]*)?$/;

/**
 * An OpenTelemetry Collector configuration, built component by component with typed settings and
 * rendered to YAML. {@link CollectorConfig.validate} proves what the collector would otherwise find
 * only when it starts (or not at all): every id a pipeline or queue names is defined, every defined
 * component is used, each pipeline has a receiver and an exporter, `memory_limiter` comes first, and
 * no two servers (receivers and their protocols, extensions, the metrics endpoint) listen on one
 * port of overlapping addresses.
 *
 * Constructs build one and expose it (`OtelCollector.config`), so a component the construct does not
 * render can still be added before synthesis.
 */
export class CollectorConfig {
  private readonly receivers: Record<string, ReceiverConfigs[keyof ReceiverConfigs]> = {};
  private readonly processors: Record<string, ProcessorConfigs[keyof ProcessorConfigs]> = {};
  private readonly exporters: Record<string, ExporterConfigs[keyof ExporterConfigs]> = {};
  private readonly extensions: Record<string, ExtensionConfigs[keyof ExtensionConfigs]> = {};
  private readonly pipelines: Record<string, CollectorPipelineConfig> = {};
  private readonly telemetry: CollectorTelemetryConfig;
  /** Bumped by every change, so that the YAML is rendered once per state (ConfigMap and checksum share it). */
  private revision = 0;
  private rendered?: { readonly revision: number; readonly yaml: string };

  constructor(private readonly scope: ErrorScope, options: CollectorConfigOptions) {
    this.telemetry = {
      resource: { 'service.name': options.serviceName },
      metrics: { level: 'normal', readers: [{ pull: { exporter: { prometheus: { host: options.listenHost ?? '0.0.0.0', port: options.metricsPort ?? 8888 } } } }] },
      logs: { level: options.logLevel ?? 'info' },
    };
  }

  /** Adds a receiver; returns its id. */
  public addReceiver<T extends keyof ReceiverConfigs>(id: ComponentId<T>, config: ReceiverConfigs[T]): string {
    return this.add('receiver', this.receivers, id, config);
  }

  /** Adds a processor; returns its id. */
  public addProcessor<T extends keyof ProcessorConfigs>(id: ComponentId<T>, config: ProcessorConfigs[T]): string {
    return this.add('processor', this.processors, id, config);
  }

  /** Adds an exporter; returns its id. */
  public addExporter<T extends keyof ExporterConfigs>(id: ComponentId<T>, config: ExporterConfigs[T]): string {
    return this.add('exporter', this.exporters, id, config);
  }

  /** Adds an extension and turns it on (`service.extensions`); returns its id. */
  public addExtension<T extends keyof ExtensionConfigs>(id: ComponentId<T>, config: ExtensionConfigs[T]): string {
    return this.add('extension', this.extensions, id, config);
  }

  /** Adds a `traces` pipeline (`traces` or `traces/<name>`). */
  public addPipeline(id: string, pipeline: CollectorPipelineConfig): void {
    if (typeof id !== 'string' || !PIPELINE_ID.test(id)) throw propError(this.scope, 'pipeline', id, 'a traces pipeline id: "traces" or "traces/<name>"');
    if (id in this.pipelines) throw propError(this.scope, 'pipeline', id, 'an id not used by another pipeline');
    this.pipelines[id] = { receivers: [...pipeline.receivers], processors: [...pipeline.processors], exporters: [...pipeline.exporters] };
    this.revision++;
  }

  /** Ids of the exporters defined so far. */
  public get exporterIds(): string[] {
    return Object.keys(this.exporters);
  }

  /** The configuration as a typed document (a copy). */
  public get document(): CollectorConfigDocument {
    return structuredClone({
      receivers: this.receivers,
      processors: this.processors,
      exporters: this.exporters,
      extensions: this.extensions,
      service: { extensions: Object.keys(this.extensions), pipelines: this.pipelines, telemetry: this.telemetry },
    });
  }

  /** The configuration file. */
  public toYaml(): string {
    if (this.rendered?.revision !== this.revision) this.rendered = { revision: this.revision, yaml: stringify(this.document, { lineWidth: 0 }) };
    return this.rendered.yaml;
  }

  /** Problems the collector would report at start, or not at all; empty when the configuration is sound. */
  public validate(): string[] {
    const where = typeof this.scope === 'string' ? this.scope : this.scope.node.path;
    const problems: string[] = [];
    const used = new Set<string>();
    const pipelines = Object.entries(this.pipelines);
    if (pipelines.length === 0) problems.push(`${where}: the configuration has no pipeline`);
    for (const [id, p] of pipelines) {
      const check = (kind: string, defined: object, names: string[]) => names.forEach(n => {
        used.add(`${kind}:${n}`);
        if (!(n in defined)) problems.push(`${where}: pipeline ${id} names ${kind} '${n}', which is not defined`);
      });
      check('receiver', this.receivers, p.receivers);
      check('processor', this.processors, p.processors);
      check('exporter', this.exporters, p.exporters);
      if (p.receivers.length === 0) problems.push(`${where}: pipeline ${id} has no receiver`);
      if (p.exporters.length === 0) problems.push(`${where}: pipeline ${id} has no exporter`);
      const limiter = p.processors.findIndex(n => n.split('/')[0] === 'memory_limiter');
      if (limiter > 0) problems.push(`${where}: pipeline ${id} must run memory_limiter first, has it at position ${limiter + 1}`);
      const dupes = [p.receivers, p.processors, p.exporters].flatMap(list => list.filter((n, i) => list.indexOf(n) !== i));
      if (dupes.length) problems.push(`${where}: pipeline ${id} lists ${dupes.join(', ')} twice`);
    }
    for (const [kind, defined] of [['receiver', this.receivers], ['processor', this.processors], ['exporter', this.exporters]] as const) {
      for (const id of Object.keys(defined)) {
        if (!used.has(`${kind}:${id}`)) problems.push(`${where}: ${kind} '${id}' is defined but no pipeline uses it`);
      }
    }
    for (const [id, exporter] of Object.entries(this.exporters)) {
      const storage = (exporter as { sending_queue?: SendingQueueConfig }).sending_queue?.storage;
      if (storage !== undefined && !(storage in this.extensions)) {
        problems.push(`${where}: exporter ${id} queues in storage '${storage}', which is not a defined extension`);
      }
    }
    problems.push(...this.portClashes());
    return problems;
  }

  /**
   * Two servers of the collector on one port of overlapping addresses (the collector fails at start
   * with "address already in use"): receivers, each protocol of a receiver, extensions and the
   * Prometheus endpoint of its own metrics. A wildcard host (`0.0.0.0`, `::`, empty) overlaps every
   * address; `localhost` is `127.0.0.1`.
   */
  private portClashes(): string[] {
    const listeners: Listener[] = [];
    const walk = (component: string, path: string[], value: unknown) => {
      if (typeof value !== 'object' || value === null) return;
      for (const [key, v] of Object.entries(value)) {
        if (key === 'endpoint' && typeof v === 'string') {
          const address = parseListenAddress(v);
          if (address) listeners.push({ component, field: [...path, key].join('.'), value: v, ...address });
        } else {
          walk(component, [...path, key], v);
        }
      }
    };
    Object.entries(this.receivers).forEach(([id, c]) => walk(`receivers.${id}`, [], c));
    Object.entries(this.extensions).forEach(([id, c]) => walk(`extensions.${id}`, [], c));
    this.telemetry.metrics.readers?.forEach((r, i) => {
      const { host, port } = r.pull.exporter.prometheus;
      listeners.push({ component: 'service.telemetry.metrics', field: `readers[${i}].pull.exporter.prometheus`, value: `${host}:${port}`, host: normalHost(host), port });
    });
    const problems: string[] = [];
    listeners.forEach((b, j) => {
      const a = listeners.slice(0, j).find(l => l.port === b.port && (WILDCARD_HOSTS.has(l.host) || WILDCARD_HOSTS.has(b.host) || l.host === b.host));
      if (!a) return;
      problems.push(propError(this.scope, `${b.component}.${b.field}`, b.value,
        `an address on a port no other server of the collector listens on at an overlapping address (0.0.0.0 overlaps every address): ${a.component} ${a.field} listens on ${JSON.stringify(a.value)}, port ${a.port}`).message);
    });
    return problems;
  }

  private add<C>(kind: string, into: Record<string, C>, id: string, config: C): string {
    if (typeof id !== 'string' || !ID.test(id)) throw propError(this.scope, kind, id, 'a component id "<type>" or "<type>/<name>"');
    if (id in into) throw propError(this.scope, kind, id, `an id not used by another ${kind}`);
    into[id] = structuredClone(config);
    this.revision++;
    return id;
  }
}
