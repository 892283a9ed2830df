import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { propError, requireInteger } from '../_errors';
import { withGrpcKeepalive } from '../_grpc-keepalive';
import { SPAN_PROTOCOLS, SpanProtocol } from '../jaeger/jaeger-ports';
import { Prerequisites } from '../prerequisites';
import { Images } from '../versions';
import { AzureBlobContainer, GcsBucket, IObjectStorage, LocalObjectStorage, ObjectStorageKind, S3Bucket, S3_CA_DIR } from '../storage/object-storage';
import {
  goDuration, TempoConfigDocument, TempoEndpointConfig, TempoTarget, TempoMetricsGeneratorConfig, TempoPerTenantOverridesFile, TempoReceiversConfig, TempoTenantOverridesConfig, TempoTraceStorageConfig,
} from './tempo-config';
import { MetricsGeneratorProcessor, renderTenantOverrides, requireTenantId, SINGLE_TENANT, TenantOverrides } from './tempo-overrides';
import { Tempo2ConfigDocument } from './tempo2-config';
import { TEMPO_2_IMAGE, TempoVersion } from './tempo-version';

/** One Prometheus remote-write target of the metrics-generator. */
export interface RemoteWriteTarget {
  /** URL, e.g. `http://prometheus.monitoring.svc:9090/api/v1/write`. */
  readonly url: string;
  /** Extra HTTP headers (not secrets). @default - none */
  readonly headers?: Record<string, string>;
  /** Send exemplars (trace IDs on histogram samples). @default true */
  readonly sendExemplars?: boolean;
}

/** The metrics-generator: service graphs and span metrics written to Prometheus. */
export interface TempoMetricsGeneratorOptions {
  /** Where the metrics go. */
  readonly remoteWrite: RemoteWriteTarget[];
  /**
   * Processors on for every tenant (per-tenant overrides may change them).
   * @default - service graphs and span metrics
   */
  readonly processors?: MetricsGeneratorProcessor[];
  /** Labels added to every series. @default - none */
  readonly externalLabels?: Record<string, string>;
}

/** Per-tenant overrides. */
export interface TempoOverridesOptions {
  /** Limits of every tenant. @default - Tempo's defaults */
  readonly defaults?: TenantOverrides;
  /**
   * Limits of named tenants (the `X-Scope-OrgID` values), written to the runtime overrides file.
   * Without multitenancy the only tenant is `single-tenant`.
   * @default - none
   */
  readonly tenants?: Record<string, TenantOverrides>;
}

/** Settings every Tempo deployment shares. */
export interface TempoSettingsProps {
  /**
   * The Tempo release line to render the configuration for. Tempo 2 is supported in monolithic
   * mode only.
   * @default TempoVersion.TEMPO_3
   */
  readonly version?: TempoVersion;
  /**
   * Base name of the Kubernetes objects.
   * @default 'tempo'
   */
  readonly name?: string;
  /**
   * Container image. It must be a release of `version`.
   * @default - `grafana/tempo:3.0.3`; with TempoVersion.TEMPO_2 `grafana/tempo:main-87c2dc3` (the 2.8 pre-release build the test suite proves)
   */
  readonly image?: string;
  /**
   * Where blocks are kept. Microservices need an object store; monolithic mode may use its volume.
   * @default - monolithic: the persistent volume (`LocalObjectStorage`); microservices: required
   */
  readonly storage?: IObjectStorage;
  /**
   * How long blocks are kept (every tenant, unless overridden).
   * @default Duration.days(14)
   */
  readonly retention?: Duration;
  /**
   * Protocols the distributor receives spans on.
   * @default - OTLP gRPC and OTLP HTTP
   */
  readonly protocols?: SpanProtocol[];
  /**
   * Require a tenant (`X-Scope-OrgID`) on every request.
   * @default false
   */
  readonly multitenancy?: boolean;
  /** Per-tenant overrides. @default - Tempo's defaults for everyone */
  readonly overrides?: TempoOverridesOptions;
  /** Metrics-generator (service graphs, span metrics). @default - off */
  readonly metricsGenerator?: TempoMetricsGeneratorOptions;
  /**
   * Longest time range one search may cover.
   * @default Duration.hours(168)
   */
  readonly maxSearchDuration?: Duration;
  /**
   * Log level.
   * @default 'info'
   */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** Tempo's ports. */
export const TempoPorts = {
  HTTP: { port: 3200, name: 'http', protocol: 'TCP' },
  GRPC: { port: 9095, name: 'grpc', protocol: 'TCP' },
  GOSSIP: { port: 7946, name: 'gossip', protocol: 'TCP' },
} as const;

/** Where Tempo writes: one writable volume covers every default path (WAL, live-store, scheduler work). */
export const TEMPO_DATA_DIR = '/var/tempo';
export const TEMPO_CONFIG_DIR = '/etc/tempo/config';
export const TEMPO_OVERRIDES_DIR = '/etc/tempo/overrides';

/** The smallest retention: blocks are cut, flushed and compacted over about an hour. */
export const MIN_RETENTION = Duration.hours(1);

/** What the configuration of one deployment mode adds to the shared settings. */
export interface TempoModeConfig {
  readonly monolithic: boolean;
  readonly memberlist?: TempoConfigDocument['memberlist'];
  readonly ingest?: TempoConfigDocument['ingest'];
  readonly blockBuilder?: TempoConfigDocument['block_builder'];
  readonly querier?: TempoConfigDocument['querier'];
  readonly backendSchedulerAddress?: string;
  readonly shardedBackendWorkers?: boolean;
  readonly generatorAsDeployment?: boolean;
}

/** The validated shared settings of a Tempo deployment, and the configuration they render to. */
export class TempoSettings {
  public readonly name: string;
  /** The Tempo release line the configuration is for. */
  public readonly version: TempoVersion;
  public readonly storage: IObjectStorage;
  public readonly retention: Duration;
  public readonly protocols: SpanProtocol[];
  public readonly multitenancy: boolean;
  public readonly metricsGenerator?: TempoMetricsGeneratorOptions;

  private readonly defaults: TempoTenantOverridesConfig;
  private readonly tenants: Record<string, TempoTenantOverridesConfig>;

  constructor(private readonly scope: Construct, private readonly props: TempoSettingsProps, defaultStorage?: IObjectStorage) {
    this.name = props.name ?? 'tempo';
    this.version = props.version ?? TempoVersion.TEMPO_3;
    if (!Object.values(TempoVersion).includes(this.version)) {
      throw propError(scope, 'version', this.version, `one of ${Object.values(TempoVersion).join(', ')}`);
    }
    const storage = props.storage ?? defaultStorage;
    if (!storage) {
      throw propError(scope, 'storage', undefined, 'an object store (S3Bucket, GcsBucket, AzureBlobContainer): in microservices mode block-builders write blocks that queriers and backend workers read from other pods');
    }
    this.storage = storage;
    this.retention = props.retention ?? Duration.days(14);
    if (this.retention.toSeconds() < MIN_RETENTION.toSeconds()) {
      throw propError(scope, 'retention', `${this.retention.toSeconds()}s`, `at least ${goDuration(MIN_RETENTION.toSeconds())}, longer than the time blocks take to be cut and flushed (a shorter retention deletes blocks still being written)`);
    }
    this.protocols = props.protocols ?? [SpanProtocol.OTLP_GRPC, SpanProtocol.OTLP_HTTP];
    if (this.protocols.length === 0) throw propError(scope, 'protocols', [], `at least one of ${Object.values(SpanProtocol).join(', ')}`);
    if (new Set(this.protocols).size !== this.protocols.length) throw propError(scope, 'protocols', this.protocols, 'a list without duplicates');
    this.protocols.forEach((p, i) => {
      if (!SPAN_PROTOCOLS[p]) throw propError(scope, `protocols[${i}]`, p, `one of ${Object.values(SpanProtocol).join(', ')}`);
    });
    this.multitenancy = props.multitenancy ?? false;
    if (props.maxSearchDuration !== undefined && props.maxSearchDuration.toSeconds() < 60) {
      throw propError(scope, 'maxSearchDuration', `${props.maxSearchDuration.toSeconds()}s`, 'at least 1 minute');
    }

    const mg = props.metricsGenerator;
    if (mg) {
      if (!Array.isArray(mg.remoteWrite) || mg.remoteWrite.length === 0) {
        throw propError(scope, 'metricsGenerator.remoteWrite', mg.remoteWrite, 'at least one Prometheus remote-write URL (the generated metrics go nowhere else)');
      }
      mg.remoteWrite.forEach((rw, i) => {
        let url: URL | undefined;
        try { url = new URL(rw.url); } catch { url = undefined; }
        if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
          throw propError(scope, `metricsGenerator.remoteWrite[${i}].url`, rw.url, 'an http(s) URL without user info, such as "http://prometheus.monitoring.svc:9090/api/v1/write"');
        }
        Prerequisites.of(scope).addEndpoint(`${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`, 'Prometheus remote write of the Tempo metrics-generator');
      });
    }
    this.metricsGenerator = mg;

    const overrides = props.overrides ?? {};
    const defaults: TenantOverrides = {
      ...(mg ? { metricsGeneratorProcessors: mg.processors ?? [MetricsGeneratorProcessor.SERVICE_GRAPHS, MetricsGeneratorProcessor.SPAN_METRICS] } : {}),
      ...(overrides.defaults ?? {}),
    };
    this.defaults = renderTenantOverrides(scope, 'overrides.defaults', defaults, MIN_RETENTION);
    this.tenants = {};
    for (const [tenant, o] of Object.entries(overrides.tenants ?? {})) {
      requireTenantId(scope, `overrides.tenants[${JSON.stringify(tenant)}]`, tenant);
      if (!this.multitenancy && tenant !== SINGLE_TENANT) {
        throw propError(scope, 'overrides.tenants', tenant, `only "${SINGLE_TENANT}" without multitenancy (set multitenancy: true for named tenants)`);
      }
      this.tenants[tenant] = renderTenantOverrides(scope, `overrides.tenants[${JSON.stringify(tenant)}]`, o, MIN_RETENTION);
    }
    if (!mg) {
      const wants = [['overrides.defaults', overrides.defaults] as const, ...Object.entries(overrides.tenants ?? {}).map(([t, o]) => [`overrides.tenants["${t}"]`, o] as const)]
        .find(([, o]) => (o?.metricsGeneratorProcessors ?? []).length > 0);
      if (wants) {
        throw propError(scope, `${wants[0]}.metricsGeneratorProcessors`, wants[1]?.metricsGeneratorProcessors, 'empty unless metricsGenerator is configured (processors need a metrics-generator and a remote write target)');
      }
    }
  }

  /** The default image of {@link version}. */
  public get defaultImage(): string {
    return this.version === TempoVersion.TEMPO_2 ? TEMPO_2_IMAGE : Images.TEMPO;
  }

  /**
   * Whether the metrics-generator writes span metrics (`traces_spanmetrics_*`) for some tenant: a
   * `span-metrics` processor in the default overrides or in a tenant's.
   */
  public get writesSpanMetrics(): boolean {
    if (this.metricsGenerator === undefined) return false;
    return [this.defaults, ...Object.values(this.tenants)].some(o => (o.metrics_generator?.processors ?? []).includes(MetricsGeneratorProcessor.SPAN_METRICS));
  }

  /** Whether a runtime per-tenant overrides file is needed. */
  public get hasTenantOverrides(): boolean {
    return Object.keys(this.tenants).length > 0;
  }

  /** The per-tenant overrides file. */
  public overridesFile(): TempoPerTenantOverridesFile {
    return { overrides: this.tenants };
  }

  /** The receivers block, listening on every interface. */
  public receivers(): TempoReceiversConfig {
    const receivers: Record<string, { protocols?: Record<string, TempoEndpointConfig>; endpoint?: string }> = {};
    for (const p of this.protocols) {
      const spec = SPAN_PROTOCOLS[p];
      const endpoint = `0.0.0.0:${spec.port.port}`;
      if (spec.receiver === 'zipkin') {
        receivers.zipkin = { endpoint };
      } else {
        receivers[spec.receiver] = { protocols: { ...(receivers[spec.receiver]?.protocols ?? {}), [spec.key!]: withGrpcKeepalive(spec.key!, { endpoint }) } };
      }
    }
    return receivers as TempoReceiversConfig;
  }

  /** The `storage.trace` block. */
  public traceStorage(monolithic: boolean): TempoTraceStorageConfig {
    const s = this.storage;
    const wal = { path: `${TEMPO_DATA_DIR}/wal` };
    const prefix = s.prefix ? { prefix: s.prefix } : {};
    switch (s.kind) {
      case ObjectStorageKind.LOCAL:
        if (!monolithic) {
          throw propError(this.scope, 'storage', 'local', 'an object store (S3Bucket, GcsBucket, AzureBlobContainer): local storage only works in monolithic mode');
        }
        return { backend: 'local', wal, local: { path: (s as LocalObjectStorage).bucket } };
      case ObjectStorageKind.S3: {
        const b = s as S3Bucket;
        return {
          backend: 's3',
          wal,
          s3: {
            bucket: b.bucket, ...prefix, endpoint: b.endpoint, ...(b.region ? { region: b.region } : {}),
            insecure: b.insecure, forcepathstyle: b.forcePathStyle, ...(b.hasCa ? { tls_ca_path: `${S3_CA_DIR}/ca.crt` } : {}),
          },
        };
      }
      case ObjectStorageKind.GCS: {
        const g = s as GcsBucket;
        return { backend: 'gcs', wal, gcs: { bucket_name: g.bucket, ...prefix, ...(g.endpoint ? { endpoint: g.endpoint, insecure: g.insecure } : {}) } };
      }
      case ObjectStorageKind.AZURE: {
        const a = s as AzureBlobContainer;
        return {
          backend: 'azure',
          wal,
          azure: { storage_account_name: a.storageAccount, container_name: a.bucket, ...prefix, endpoint_suffix: a.endpointSuffix, use_federated_token: a.federatedToken },
        };
      }
      default:
        throw propError(this.scope, 'storage', s.kind, `one of ${Object.values(ObjectStorageKind).join(', ')}`);
    }
  }

  /** The whole configuration of a deployment mode. */
  public document(mode: TempoModeConfig): TempoConfigDocument {
    const mg = this.metricsGenerator;
    const generator: TempoMetricsGeneratorConfig | undefined = mg
      ? {
        storage: {
          path: `${TEMPO_DATA_DIR}/generator/wal`,
          remote_write: mg.remoteWrite.map(rw => ({ url: rw.url, send_exemplars: rw.sendExemplars ?? true, ...(rw.headers ? { headers: rw.headers } : {}) })),
        },
        ...(mg.externalLabels ? { registry: { external_labels: mg.externalLabels } } : {}),
        ...(mode.generatorAsDeployment ? { leave_consumer_group_on_shutdown: true } : {}),
      }
      : undefined;
    return {
      ...(mode.monolithic ? { target: TempoTarget.ALL } : {}),
      multitenancy_enabled: this.multitenancy,
      stream_over_http_enabled: true,
      server: { http_listen_port: TempoPorts.HTTP.port, grpc_listen_port: TempoPorts.GRPC.port, log_level: this.props.logLevel ?? 'info', log_format: 'logfmt' },
      usage_report: { reporting_enabled: false },
      ...(mode.memberlist ? { memberlist: mode.memberlist } : {}),
      distributor: { receivers: this.receivers(), ...(mode.monolithic ? {} : { ring: { kvstore: { store: 'memberlist' } } }) },
      ...(mode.ingest ? { ingest: mode.ingest } : {}),
      live_store: { wal: { path: `${TEMPO_DATA_DIR}/live-store/traces` }, shutdown_marker_dir: `${TEMPO_DATA_DIR}/live-store/shutdown-marker` },
      ...(mode.blockBuilder ? { block_builder: mode.blockBuilder } : {}),
      ...(mode.querier ? { querier: mode.querier } : {}),
      query_frontend: { search: { max_duration: goDuration((this.props.maxSearchDuration ?? Duration.hours(168)).toSeconds()) } },
      backend_scheduler: { local_work_path: `${TEMPO_DATA_DIR}/backend-scheduler` },
      backend_worker: {
        ...(mode.backendSchedulerAddress ? { backend_scheduler_addr: mode.backendSchedulerAddress } : {}),
        compaction: { block_retention: goDuration(this.retention.toSeconds()) },
        ...(mode.shardedBackendWorkers ? { ring: { kvstore: { store: 'memberlist' } } } : {}),
      },
      ...(generator ? { metrics_generator: generator } : {}),
      storage: { trace: this.traceStorage(mode.monolithic) },
      overrides: {
        defaults: this.defaults,
        ...(this.hasTenantOverrides ? { per_tenant_override_config: `${TEMPO_OVERRIDES_DIR}/overrides.yaml` } : {}),
      },
    };
  }
}

/**
 * The Tempo 2 ingester's cut to disk, at Tempo's defaults. Tempo 2 acknowledges a push once the
 * spans are in the ingester's memory; every `flush_check_period` a sweep writes the traces idle
 * for `trace_idle_period` to the WAL. Before 2.10 the sweep ignores the idle period and writes
 * every live trace (grafana/tempo#5346). Spans acknowledged after the last sweep are lost if the
 * process dies (SIGKILL, OOM kill): up to 10 s of writes for the 2.8 build the suite runs, which
 * the durability test measures.
 */
export const TEMPO_2_INGESTER = { trace_idle_period: '10s', flush_check_period: '10s', max_block_duration: '30m' } as const;

/** The Tempo 2.x configuration of monolithic mode. */
export function tempo2MonolithicDocument(settings: TempoSettings, tempo3: TempoConfigDocument): Tempo2ConfigDocument {
  const mg = tempo3.metrics_generator;
  return {
    target: 'all',
    multitenancy_enabled: tempo3.multitenancy_enabled,
    stream_over_http_enabled: tempo3.stream_over_http_enabled,
    server: tempo3.server,
    usage_report: tempo3.usage_report,
    distributor: { receivers: tempo3.distributor.receivers },
    ingester: { ...TEMPO_2_INGESTER },
    query_frontend: tempo3.query_frontend,
    // Retention: compactor.compaction.block_retention in 2.x (backend_worker.compaction in 3.0).
    // The compactor ring is left unset: in 2.x it is unsharded by default (kvstore.store ""), so
    // its wait_stability_min_duration (1m) never applies to a single process.
    compactor: { compaction: { block_retention: goDuration(settings.retention.toSeconds()) } },
    ...(mg ? { metrics_generator: { storage: mg.storage, ...(mg.registry ? { registry: mg.registry } : {}) } } : {}),
    storage: { trace: settings.traceStorage(true) },
    overrides: tempo3.overrides,
  };
}

/** Validates a replica count. */
export function requireReplicas(scope: Construct, field: string, value: number, max = 1000): void {
  requireInteger(scope, field, value, 1, max);
}

/** The default storage of monolithic mode: blocks on the pod's persistent volume. */
export function monolithicLocalStorage(): LocalObjectStorage {
  return new LocalObjectStorage(`${TEMPO_DATA_DIR}/blocks`);
}
