import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { collectorAutoscaler } from '../_autoscaler';
import { propError, requireOneOf } from '../_errors';
import { replicasEndpoint, replicasService } from '../_replicas-service';
import { ContainerResources } from '../resources';
import { SamplingStrategies } from '../sampling/sampling-strategies';
import { ServiceEndpoint } from '../service-endpoint';
import { ITraceStorage } from '../storage/trace-storage';
import { JaegerWorkload, JaegerWorkloadProps } from './_jaeger-workload';
import { BatchProcessorConfig, MemoryLimiterProcessorConfig } from './jaeger-config';
import { bindJaegerKafka, JaegerCollectorKafkaOptions, KafkaCompression, kafkaExporterConfig } from './jaeger-kafka';
import { JaegerPorts, SpanProtocol } from './jaeger-ports';

/** Horizontal autoscaling of the collector. */
export interface CollectorAutoscaling {
  /**
   * Fewest replicas.
   * @default 2
   */
  readonly minReplicas?: number;
  /**
   * Most replicas.
   * @default 10
   */
  readonly maxReplicas?: number;
  /**
   * Average CPU utilization (percent of the request) to scale at.
   * @default 70
   */
  readonly targetCpuUtilization?: number;
  /**
   * Average memory utilization (percent of the request) to scale at.
   * @default - memory is not a scaling signal
   */
  readonly targetMemoryUtilization?: number;
}

/** Props of {@link JaegerCollector}. */
export interface JaegerCollectorProps extends JaegerWorkloadProps {
  /**
   * Storage shared with {@link JaegerQuery}: Elasticsearch or OpenSearch. Required unless
   * `kafka` is given.
   * @default - none: `kafka` must be given
   */
  readonly storage?: ITraceStorage;
  /**
   * Write spans to a Kafka topic instead of the storage; {@link JaegerIngester}s read the topic
   * and write the storage. Kafka absorbs bursts and storage outages (Jaeger's production
   * pattern at scale). Unset `storage` then.
   * @default - spans go straight to `storage`
   * @see https://github.com/jaegertracing/jaeger/blob/v1.76.0/cmd/jaeger/config-kafka-collector.yaml
   */
  readonly kafka?: JaegerCollectorKafkaOptions;
  /**
   * Protocols to receive spans on. The UDP agent ports are not on by default: behind a
   * Service they lose datagrams silently; clients should send OTLP.
   * @default - OTLP gRPC/HTTP, Jaeger gRPC, Jaeger Thrift HTTP, Zipkin
   */
  readonly protocols?: SpanProtocol[];
  /**
   * Remote sampling strategies served on 5778 (HTTP) and 5779 (gRPC).
   * @default - no sampling endpoint
   */
  readonly sampling?: SamplingStrategies;
  /**
   * Replicas when autoscaling is off.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Horizontal Pod Autoscaler; `false` turns it off.
   * @default - 2 to 10 replicas at 70% CPU
   */
  readonly autoscaling?: CollectorAutoscaling | false;
  /**
   * Most pods unavailable at once during voluntary disruptions (PodDisruptionBudget).
   * @default 1
   */
  readonly maxUnavailable?: number;
  /** `memory_limiter` processor settings. @default - 80% soft limit, 25% spike, checked every 1s */
  readonly memoryLimiter?: MemoryLimiterProcessorConfig;
  /** `batch` processor settings. @default - 200ms or 8192 spans */
  readonly batch?: BatchProcessorConfig;
  /**
   * CPU and memory.
   * @default - 250m/512Mi requested, 1Gi limit
   */
  readonly resources?: ContainerResources;
}

/** The collector protocols on by default. */
export const DEFAULT_COLLECTOR_PROTOCOLS: readonly SpanProtocol[] = [
  SpanProtocol.OTLP_GRPC, SpanProtocol.OTLP_HTTP, SpanProtocol.JAEGER_GRPC, SpanProtocol.JAEGER_THRIFT_HTTP, SpanProtocol.ZIPKIN,
];

/**
 * The Jaeger v2 collector of a production deployment: receives spans, writes them to shared
 * storage (or to Kafka, for {@link JaegerIngester}s to store), serves sampling strategies.
 * Scales horizontally (HPA) and keeps a PodDisruptionBudget.
 */
export class JaegerCollector extends JaegerWorkload {
  /** The storage written to; undefined when the collector writes to Kafka. */
  public readonly storage?: ITraceStorage;
  /** The Kafka topic written to, when `kafka` is given. */
  public readonly kafka?: JaegerCollectorKafkaOptions;
  /** The autoscaler, when on. */
  public readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  /** The disruption budget. */
  public readonly disruptionBudget: k8s.KubePodDisruptionBudget;
  /** The headless Service of the replicas (`<name>-headless`, OTLP gRPC), when the collector receives OTLP gRPC. */
  public readonly headlessService?: k8s.KubeService;

  constructor(scope: Construct, id: string, props: JaegerCollectorProps) {
    const autoscaling = props.autoscaling === false ? undefined : props.autoscaling ?? {};
    const resourceName = `${props.name ?? 'jaeger'}-collector`;
    const where = `${scope.node.path ? `${scope.node.path}/` : ''}${id}`;
    if (props.kafka && props.storage) {
      throw propError(where, 'storage', props.storage.kind, 'unset when kafka is given (the collector writes to Kafka; JaegerIngester writes the storage)');
    }
    if (!props.kafka && !props.storage) {
      throw propError(where, 'storage', undefined, 'a shared storage (Elasticsearch, OpenSearch), or kafka to write to a Kafka topic that JaegerIngesters store');
    }
    const kafka = props.kafka && bindJaegerKafka(where, 'kafka', props.kafka, resourceName);
    const compression = props.kafka?.compression ?? KafkaCompression.NONE;
    if (props.kafka) requireOneOf(where, 'kafka.compression', compression, Object.values(KafkaCompression));
    super(scope, id, props, {
      component: 'collector',
      resourceName,
      storage: props.storage,
      receive: {
        protocols: props.protocols ?? [...DEFAULT_COLLECTOR_PROTOCOLS],
        memoryLimiter: props.memoryLimiter,
        batch: props.batch,
        kafka: kafka && kafkaExporterConfig(kafka, compression),
      },
      kafka,
      sampling: props.sampling,
      replicas: autoscaling ? undefined : props.replicas ?? 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromString('25%') } },
      topologySpread: true,
      defaultResources: { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1Gi' },
    });
    this.storage = props.storage;
    this.kafka = props.kafka;
    if (props.storage && !props.storage.shared) {
      throw propError(this, 'storage', props.storage.kind, 'a storage shared by several processes (Elasticsearch, OpenSearch); memory and badger only serve JaegerAllInOne');
    }
    if (autoscaling && props.replicas !== undefined) {
      throw propError(this, 'replicas', props.replicas, 'unset while autoscaling is on (set autoscaling.minReplicas, or autoscaling: false)');
    }

    if (autoscaling) this.autoscaler = collectorAutoscaler(this, this.deployment.name, this.labels, autoscaling);

    this.disruptionBudget = this.makeDisruptionBudget(props.maxUnavailable);
    if (this.ports.includes(JaegerPorts.OTLP_GRPC)) {
      this.headlessService = replicasService(this, this.serviceName, this.labels, this.selector, JaegerPorts.OTLP_GRPC);
    }
  }

  /** Where to send spans over `protocol` (OTLP HTTP: `endpoint.url('http', '/v1/traces')`). */
  public spanEndpoint(protocol: SpanProtocol = SpanProtocol.OTLP_HTTP): ServiceEndpoint {
    return this.spanEndpointOf(protocol);
  }

  /** OTLP gRPC on the headless Service of the replicas, for exporters that balance over them. */
  public get grpcReplicasEndpoint(): ServiceEndpoint | undefined {
    return this.headlessService ? replicasEndpoint(this.headlessService, this.namespace, JaegerPorts.OTLP_GRPC) : undefined;
  }

  /** The remote sampling endpoint (HTTP, `/api/sampling?service=...`); throws without `sampling`. */
  public get samplingEndpoint(): ServiceEndpoint {
    return this.endpointOf(JaegerPorts.SAMPLING_HTTP);
  }

  /** The remote sampling endpoint (gRPC, `jaeger.api_v2.SamplingManager`); throws without `sampling`. */
  public get samplingGrpcEndpoint(): ServiceEndpoint {
    return this.endpointOf(JaegerPorts.SAMPLING_GRPC);
  }
}
