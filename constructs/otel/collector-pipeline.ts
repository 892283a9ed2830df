import { Duration } from 'cdk8s';
import { isDuration } from '../_cdk8s-values';
import { ErrorScope, propError, requireInteger } from '../_errors';
import { RECEIVER_GRPC_KEEPALIVE } from '../_grpc-keepalive';
import { declareEndpointFrom } from '../prerequisites';
import { ISpanReceiver } from '../ingress/tracing-ingress';
import { SpanProtocol } from '../jaeger/jaeger-ports';
import { SamplingPolicy } from '../sampling/sampling-policy';
import { ServiceEndpoint } from '../service-endpoint';
import { requireEntryTier } from './_entry-tier';
import { BatchConfig, CollectorConfig, MemoryLimiterConfig, RetryOnFailureConfig, SendingQueueConfig } from './collector-config';
import { CollectorPorts } from './collector-ports';

/** Where a collector sends spans: a backend or another collector, by construct. */
export interface CollectorExportTarget {
  /** The receiver: {@link JaegerCollector}, {@link JaegerAllInOne}, {@link TempoMonolithic}, {@link TempoDistributed}, {@link OtelCollector}, ... */
  readonly receiver: ISpanReceiver;
  /**
   * OTLP transport.
   * @default SpanProtocol.OTLP_GRPC
   */
  readonly protocol?: SpanProtocol.OTLP_GRPC | SpanProtocol.OTLP_HTTP;
  /**
   * Headers sent with every export, for instance `{ 'X-Scope-OrgID': 'team-a' }` for a multitenant Tempo.
   * @default - none
   */
  readonly headers?: Record<string, string>;
  /**
   * Name of the exporter (`otlp/<name>`).
   * @default - the receiver's Service name
   */
  readonly name?: string;
}

/** How the sampling tier's instances are found by the load-balancing tier. */
export enum LoadBalancerResolver {
  /**
   * Watch the EndpointSlices of the sampling tier's headless Service through the Kubernetes API
   * (needs the Role and RoleBinding that {@link TailSamplingGateway} creates). Reacts to scaling at once.
   */
  K8S = 'k8s',
  /** Resolve the headless Service's DNS name periodically. No API access; reacts within the interval. */
  DNS = 'dns',
}

/** Sending queue and retries of every exporter. */
export interface CollectorQueueOptions {
  /**
   * Batches held while the receiver is slow or down (`sending_queue.queue_size`, counted in requests).
   * When full, new data is refused and the sender retries.
   * @default 1000
   */
  readonly queueSize?: number;
  /**
   * Parallel senders (`sending_queue.num_consumers`).
   * @default 10
   */
  readonly numConsumers?: number;
  /**
   * Keep the queue in a `file_storage` extension on the pod's disk (an emptyDir), so that it
   * survives a collector crash or OOM kill (not the pod's deletion). The `batch` processor, which
   * holds acknowledged spans in memory, is then replaced by batching in the queue
   * (`sending_queue.batch`, same size and timeout), so that a span is acknowledged only once it is
   * on disk.
   * @default false
   */
  readonly persistent?: boolean;
  /**
   * Give up retrying a batch after this long (`retry_on_failure.max_elapsed_time`); `Duration.seconds(0)` retries forever.
   * @default Duration.minutes(5)
   */
  readonly maxElapsedTime?: Duration;
  /**
   * First retry delay (`retry_on_failure.initial_interval`).
   * @default Duration.seconds(5)
   */
  readonly initialInterval?: Duration;
  /**
   * Longest delay between retries (`retry_on_failure.max_interval`).
   * @default Duration.seconds(30)
   */
  readonly maxInterval?: Duration;
}

/** What a collector's `traces` pipeline does (shared by {@link OtelCollector} and {@link OtelCollectorOperatorInstance}). */
export interface CollectorPipelineOptions {
  /**
   * Send to these receivers (exactly one of `exportTo` and `loadBalanceTo`).
   * @default - none: `loadBalanceTo` must be given
   */
  readonly exportTo?: ReadonlyArray<CollectorExportTarget | ISpanReceiver>;
  /**
   * Route by trace id to the instances behind this headless Service endpoint.
   * @default - none: `exportTo` must be given
   */
  readonly loadBalanceTo?: { readonly endpoint: ServiceEndpoint; readonly resolver: LoadBalancerResolver };
  /** Tail sampling with this policy's `tail` settings. @default - none */
  readonly tailSampling?: SamplingPolicy;
  /** `memory_limiter`. @default - 80% of the container memory limit, spikes 25%, checked every second */
  readonly memoryLimiter?: MemoryLimiterConfig;
  /** `batch`. @default - 200ms or 8192 spans */
  readonly batch?: BatchConfig;
  /** Exporter queue and retries. @default - see {@link CollectorQueueOptions} */
  readonly queue?: CollectorQueueOptions;
  /** Log level. @default 'info' */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** The `memory_limiter` defaults. */
export const DEFAULT_COLLECTOR_MEMORY_LIMITER: MemoryLimiterConfig = { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 };
/** The `batch` defaults, stated so that they are visible. */
export const DEFAULT_COLLECTOR_BATCH: BatchConfig = { timeout: '200ms', send_batch_size: 8192 };
/** Where the persistent queue lives in the container. */
export const QUEUE_DIRECTORY = '/var/lib/otelcol/queue';

/**
 * Builds the configuration of a collector that receives OTLP and sends it on: memory limiter first,
 * then tail sampling (if any) and batching, then one OTLP exporter per target (or the load-balancing
 * exporter), each with a sending queue and retries.
 */
export function collectorPipelineConfig(scope: ErrorScope, serviceName: string, o: CollectorPipelineOptions): CollectorConfig {
  const targets = o.exportTo ?? [];
  if (targets.length > 0 && o.loadBalanceTo !== undefined) {
    throw propError(scope, 'loadBalanceTo', o.loadBalanceTo.endpoint.hostPort, 'unset when exportTo is set (a collector either exports or load-balances)');
  }
  if (targets.length === 0 && o.loadBalanceTo === undefined) {
    throw propError(scope, 'exportTo', targets.length, 'at least one receiver to export to (a Jaeger, Tempo or collector construct)');
  }
  const config = new CollectorConfig(scope, { serviceName, logLevel: o.logLevel });
  const listen = (port: number) => ({ endpoint: `0.0.0.0:${port}` });
  config.addReceiver('otlp', { protocols: { grpc: { ...listen(CollectorPorts.OTLP_GRPC.port), keepalive: RECEIVER_GRPC_KEEPALIVE }, http: listen(CollectorPorts.OTLP_HTTP.port) } });
  config.addExtension('health_check', { endpoint: `0.0.0.0:${CollectorPorts.HEALTH.port}`, path: '/' });

  const processors = [config.addProcessor('memory_limiter', o.memoryLimiter ?? DEFAULT_COLLECTOR_MEMORY_LIMITER)];
  if (o.tailSampling) {
    if (!(o.tailSampling instanceof SamplingPolicy) || !o.tailSampling.tailSampling) {
      throw propError(scope, 'tailSampling', o.tailSampling, 'a SamplingPolicy with tail settings (new SamplingPolicy({ tail: {...} }))');
    }
    processors.push(config.addProcessor('tail_sampling', o.tailSampling.tailSamplingConfig()));
  }
  const batch = o.batch ?? DEFAULT_COLLECTOR_BATCH;
  const { queue, retry } = queueSettings(scope, o.queue ?? {});
  let sendingQueue: SendingQueueConfig = queue;
  if (o.queue?.persistent) {
    // Batch after the disk, not before it: the receiver answers once the exporter's queue holds the spans.
    const storage = config.addExtension('file_storage/queue', {
      directory: QUEUE_DIRECTORY, timeout: '1s', fsync: false, compaction: { on_start: true, on_rebound: true, directory: QUEUE_DIRECTORY },
    });
    sendingQueue = {
      ...queue,
      storage,
      batch: {
        flush_timeout: batch.timeout ?? '200ms',
        sizer: 'items',
        min_size: batch.send_batch_size ?? 8192,
        ...(batch.send_batch_max_size !== undefined ? { max_size: batch.send_batch_max_size } : {}),
      },
    };
  } else {
    processors.push(config.addProcessor('batch', batch));
  }

  const exporters: string[] = [];
  if (o.loadBalanceTo) {
    const ep = o.loadBalanceTo.endpoint;
    const resolver = o.loadBalanceTo.resolver;
    if (resolver === LoadBalancerResolver.K8S && !ep.namespace) {
      throw propError(scope, 'resolver', resolver, 'dns, or k8s in a chart with a namespace (the k8s resolver names the Service as <name>.<namespace>)');
    }
    exporters.push(config.addExporter('loadbalancing', {
      routing_key: 'traceID',
      protocol: { otlp: { tls: { insecure: true }, timeout: '10s', sending_queue: { enabled: false } } },
      resolver: resolver === LoadBalancerResolver.K8S
        // `timeout` bounds each list and watch call: the resolver's 1s default re-opens the watch on
        // the API server every second from every pod; changes arrive as watch events either way.
        ? { k8s: { service: `${ep.serviceName}.${ep.namespace}`, ports: [ep.port], timeout: '60s' } }
        : { dns: { hostname: ep.host, port: String(ep.port), interval: '5s', timeout: '1s' } },
      sending_queue: sendingQueue,
      retry_on_failure: retry,
    }));
  } else {
    const names = new Set<string>();
    targets.forEach((t, i) => {
      const target: CollectorExportTarget = 'receiver' in t ? t : { receiver: t };
      if (!target.receiver || typeof target.receiver.spanEndpoint !== 'function') {
        throw propError(scope, `exportTo[${i}]`, target.receiver, 'a construct that receives spans (JaegerCollector, JaegerAllInOne, TempoMonolithic, TempoDistributed, OtelCollector, ...)');
      }
      requireEntryTier(scope, `exportTo[${i}]`, target.receiver);
      const protocol = target.protocol ?? SpanProtocol.OTLP_GRPC;
      if (protocol !== SpanProtocol.OTLP_GRPC && protocol !== SpanProtocol.OTLP_HTTP) {
        throw propError(scope, `exportTo[${i}].protocol`, protocol, 'otlp-grpc or otlp-http');
      }
      const tenantHeader = target.receiver.tenantHeader;
      if (tenantHeader && !Object.keys(target.headers ?? {}).some(h => h.toLowerCase() === tenantHeader.toLowerCase())) {
        throw propError(scope, `exportTo[${i}].headers`, target.headers ?? {}, `a '${tenantHeader}' header: the receiver is multitenant and refuses spans without a tenant`);
      }
      // Over gRPC to a receiver of several replicas: its headless Service, every replica's address,
      // balanced round-robin (one connection per replica; the receivers close connections after a
      // minute, so that replicas added since are found).
      const replicas = protocol === SpanProtocol.OTLP_GRPC ? target.receiver.grpcReplicasEndpoint : undefined;
      const endpoint = replicas ?? target.receiver.spanEndpoint(protocol);
      declareEndpointFrom(scope, target.receiver, endpoint, 'collector exports spans to');
      const name = target.name ?? target.receiver.spanEndpoint(protocol).serviceName;
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw propError(scope, `exportTo[${i}].name`, name, 'letters, digits, "_", "." and "-"');
      if (names.has(name)) throw propError(scope, `exportTo[${i}].name`, name, 'a name no other target uses (set name on one of them)');
      names.add(name);
      const common = {
        tls: { insecure: true },
        ...(target.headers && Object.keys(target.headers).length ? { headers: { ...target.headers } } : {}),
        compression: 'gzip' as const,
        timeout: '10s',
        sending_queue: sendingQueue,
        retry_on_failure: retry,
      };
      exporters.push(protocol === SpanProtocol.OTLP_GRPC
        ? config.addExporter(`otlp/${name}`, replicas
          ? { endpoint: `dns:///${endpoint.hostPort}`, balancer_name: 'round_robin', ...common }
          : { endpoint: endpoint.hostPort, ...common })
        : config.addExporter(`otlphttp/${name}`, { endpoint: endpoint.url('http'), ...common }));
    });
  }
  config.addPipeline('traces', { receivers: ['otlp'], processors, exporters });
  return config;
}

function queueSettings(scope: ErrorScope, q: CollectorQueueOptions): { queue: SendingQueueConfig; retry: RetryOnFailureConfig } {
  const queueSize = q.queueSize ?? 1000;
  requireInteger(scope, 'queue.queueSize', queueSize, 1, 10_000_000);
  const numConsumers = q.numConsumers ?? 10;
  requireInteger(scope, 'queue.numConsumers', numConsumers, 1, 1000);
  const seconds = (field: string, d: Duration | undefined, fallback: number, min: number) => {
    const s = d === undefined ? fallback : isDuration(d) ? d.toMilliseconds({ integral: false }) / 1000 : NaN;
    requireInteger(scope, `queue.${field} (seconds)`, s, min, 86_400);
    return s;
  };
  const initial = seconds('initialInterval', q.initialInterval, 5, 1);
  const max = seconds('maxInterval', q.maxInterval, 30, initial);
  const elapsed = seconds('maxElapsedTime', q.maxElapsedTime, 300, 0);
  if (elapsed !== 0 && elapsed < max) {
    throw propError(scope, 'queue.maxElapsedTime', `${elapsed}s`, `0 (retry forever) or at least maxInterval (${max}s)`);
  }
  return {
    queue: { enabled: true, num_consumers: numConsumers, queue_size: queueSize },
    retry: { enabled: true, initial_interval: `${initial}s`, max_interval: `${max}s`, max_elapsed_time: `${elapsed}s` },
  };
}
