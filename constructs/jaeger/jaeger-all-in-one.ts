import { Construct } from 'constructs';
import { propError } from '../_errors';
import { ContainerResources } from '../resources';
import { SamplingStrategies } from '../sampling/sampling-strategies';
import { SamplingStrategy } from '../sampling/sampling-strategy';
import { ServiceEndpoint } from '../service-endpoint';
import { ITraceStorage, TraceStorage, TraceStorageKind } from '../storage/trace-storage';
import { JaegerWorkload, JaegerWorkloadProps } from './_jaeger-workload';
import { JaegerPorts, ALL_SPAN_PROTOCOLS, SpanProtocol } from './jaeger-ports';
import { validateBasePath } from './jaeger-query';

/** Props of {@link JaegerAllInOne}. */
export interface JaegerAllInOneProps extends JaegerWorkloadProps {
  /**
   * Where spans are kept: memory or Badger (a single process owns them).
   * @default TraceStorage.memory()
   */
  readonly storage?: ITraceStorage;
  /**
   * Protocols to receive spans on.
   * @default - all of them: OTLP gRPC/HTTP, Jaeger gRPC, Thrift HTTP/compact/binary, Zipkin
   */
  readonly protocols?: SpanProtocol[];
  /**
   * Remote sampling strategies served on 5778 (HTTP) and 5779 (gRPC).
   * @default - sample everything (probabilistic 1.0), which suits development
   */
  readonly sampling?: SamplingStrategies;
  /**
   * URL path prefix of the UI and API, when served behind an ingress path.
   * @default '/'
   */
  readonly basePath?: string;
  /**
   * CPU and memory.
   * @default - 100m/256Mi requested, 512Mi limit
   */
  readonly resources?: ContainerResources;
}

/**
 * Jaeger v2 as one process (collector, query and UI, sampling endpoint) for development:
 * the Kubernetes form of `docker run jaegertracing/jaeger`. One replica, by design.
 */
export class JaegerAllInOne extends JaegerWorkload {
  /** The storage this instance writes to. */
  public readonly storage: ITraceStorage;
  /** URL path prefix of the UI. */
  public readonly basePath: string;

  constructor(scope: Construct, id: string, props: JaegerAllInOneProps = {}) {
    const storage = props.storage ?? TraceStorage.memory();
    const basePath = props.basePath ?? '/';
    super(scope, id, props, {
      component: 'all-in-one',
      resourceName: props.name ?? 'jaeger',
      storage,
      receive: { protocols: props.protocols ?? [...ALL_SPAN_PROTOCOLS] },
      sampling: props.sampling ?? new SamplingStrategies({ defaultStrategy: SamplingStrategy.probabilistic(1) }),
      query: { basePath },
      replicas: 1,
      // A single writer owns the storage: never run two pods at once.
      strategy: { type: 'Recreate' },
      defaultResources: { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
    });
    if (storage.kind !== TraceStorageKind.MEMORY && storage.kind !== TraceStorageKind.BADGER) {
      throw propError(this, 'storage', storage.kind, 'memory or badger (use JaegerCollector and JaegerQuery for Elasticsearch/OpenSearch)');
    }
    validateBasePath(this, 'basePath', basePath);
    this.storage = storage;
    this.basePath = basePath;
  }

  /** Where to send spans over `protocol` (OTLP HTTP: `endpoint.url('http', '/v1/traces')`). */
  public spanEndpoint(protocol: SpanProtocol = SpanProtocol.OTLP_HTTP): ServiceEndpoint {
    return this.spanEndpointOf(protocol);
  }

  /** The remote sampling endpoint (HTTP, `/api/sampling?service=...`). */
  public get samplingEndpoint(): ServiceEndpoint {
    return this.endpointOf(JaegerPorts.SAMPLING_HTTP);
  }

  /** The remote sampling endpoint (gRPC, `jaeger.api_v2.SamplingManager`). */
  public get samplingGrpcEndpoint(): ServiceEndpoint {
    return this.endpointOf(JaegerPorts.SAMPLING_GRPC);
  }

  /** The UI and HTTP query API. */
  public get uiEndpoint(): ServiceEndpoint {
    return this.endpointOf(JaegerPorts.QUERY_HTTP);
  }
}
