import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { collectorAutoscaler } from '../_autoscaler';
import { propError } from '../_errors';
import { ContainerResources } from '../resources';
import { ServiceEndpoint } from '../service-endpoint';
import { ITraceStorage } from '../storage/trace-storage';
import { JaegerWorkload, JaegerWorkloadProps } from './_jaeger-workload';
import { CollectorAutoscaling } from './jaeger-collector';
import { MemoryLimiterProcessorConfig } from './jaeger-config';
import { bindJaegerKafka, JaegerKafkaOptions, kafkaReceiverConfig } from './jaeger-kafka';
import { JaegerPorts } from './jaeger-ports';

/** Props of {@link JaegerIngester}. */
export interface JaegerIngesterProps extends JaegerWorkloadProps {
  /** Storage shared with {@link JaegerQuery}: Elasticsearch or OpenSearch. */
  readonly storage: ITraceStorage;
  /** The Kafka topic that {@link JaegerCollector}s write (their `kafka`, with the same topic and encoding). */
  readonly kafka: JaegerKafkaOptions;
  /**
   * Kafka consumer group of the ingesters: the replicas share the topic's partitions. Two
   * ingester deployments with the same group split the records; with different groups each
   * stores every record.
   * @default - the name of the Deployment (`<name>-ingester`)
   * @see https://kafka.apache.org/documentation/#consumerconfigs_group.id
   */
  readonly consumerGroup?: string;
  /**
   * Replicas when autoscaling is off; at most the topic's partitions (when known).
   * @default 2, or 1 when the topic has one partition
   */
  readonly replicas?: number;
  /**
   * Horizontal Pod Autoscaler on CPU; `false` turns it off. `maxReplicas` is at most the topic's
   * partitions (when known): a consumer without a partition idles.
   * @default - 2 to 10 replicas at 70% CPU, capped at the topic's partitions
   */
  readonly autoscaling?: CollectorAutoscaling | false;
  /**
   * Most pods unavailable at once during voluntary disruptions (PodDisruptionBudget).
   * @default 1
   */
  readonly maxUnavailable?: number;
  /** `memory_limiter` settings; a record it refuses is retried, not skipped. @default - 80% soft limit, 25% spike, checked every 1s */
  readonly memoryLimiter?: MemoryLimiterProcessorConfig;
  /**
   * CPU and memory.
   * @default - 250m/512Mi requested, 1Gi limit
   */
  readonly resources?: ContainerResources;
}

const GROUP_ID = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * The Jaeger v2 ingester of a production deployment at scale: reads the spans that
 * {@link JaegerCollector}s wrote to Kafka and writes them to the shared storage. The Kafka
 * receiver commits a record's offset only after the storage exporter took it and retries
 * retryable failures forever, so a storage outage stops consumption (Kafka keeps the records)
 * instead of dropping spans. Scales horizontally (HPA, capped at the topic's partitions) and
 * keeps a PodDisruptionBudget. Its Service exposes only the metrics port.
 * @see https://github.com/jaegertracing/jaeger/blob/v1.76.0/cmd/jaeger/config-kafka-ingester.yaml
 */
export class JaegerIngester extends JaegerWorkload {
  /** The storage written to. */
  public readonly storage: ITraceStorage;
  /** The Kafka topic read. */
  public readonly kafka: JaegerKafkaOptions;
  /** The Kafka consumer group. */
  public readonly consumerGroup: string;
  /** The autoscaler, when on. */
  public readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  /** The disruption budget. */
  public readonly disruptionBudget: k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: JaegerIngesterProps) {
    const resourceName = `${props.name ?? 'jaeger'}-ingester`;
    const where = `${scope.node.path ? `${scope.node.path}/` : ''}${id}`;
    if (!props.storage) throw propError(where, 'storage', undefined, 'a shared storage (Elasticsearch, OpenSearch) to write the spans to');
    const consumerGroup = props.consumerGroup ?? resourceName;
    if (typeof consumerGroup !== 'string' || !GROUP_ID.test(consumerGroup)) {
      throw propError(where, 'consumerGroup', consumerGroup, 'a Kafka consumer group id: 1 to 249 letters, digits, \'.\', \'_\' and \'-\'');
    }
    const kafka = bindJaegerKafka(where, 'kafka', props.kafka, resourceName);
    // Partitions are known only for the cluster's own topic.
    const partitions = props.kafka.topic === undefined || props.kafka.topic === props.kafka.kafka.topic ? props.kafka.kafka.partitions : undefined;
    const a = props.autoscaling === false ? undefined : props.autoscaling ?? {};
    const autoscaling = a && {
      ...a,
      minReplicas: a.minReplicas ?? Math.min(2, partitions ?? 2),
      maxReplicas: a.maxReplicas ?? Math.min(10, partitions ?? 10),
    };
    const replicas = autoscaling ? undefined : props.replicas ?? Math.min(2, partitions ?? 2);
    super(scope, id, props, {
      component: 'ingester',
      resourceName,
      storage: props.storage,
      ingest: { kafka: kafkaReceiverConfig(kafka, consumerGroup), memoryLimiter: props.memoryLimiter },
      kafka,
      replicas,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromString('25%') } },
      topologySpread: true,
      defaultResources: { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1Gi' },
    });
    this.storage = props.storage;
    this.kafka = props.kafka;
    this.consumerGroup = consumerGroup;
    if (!props.storage.shared) {
      throw propError(this, 'storage', props.storage.kind, 'a storage shared by several processes (Elasticsearch, OpenSearch); memory and badger only serve JaegerAllInOne');
    }
    if (autoscaling && props.replicas !== undefined) {
      throw propError(this, 'replicas', props.replicas, 'unset while autoscaling is on (set autoscaling.minReplicas, or autoscaling: false)');
    }
    // Each consumer of the group needs a partition of its own: one more idles.
    const counts: Array<[string, number]> = autoscaling
      ? [['autoscaling.minReplicas', autoscaling.minReplicas], ['autoscaling.maxReplicas', autoscaling.maxReplicas]]
      : [['replicas', replicas!]];
    for (const [field, consumers] of counts) {
      if (partitions !== undefined && consumers > partitions) {
        throw propError(this, field, consumers,
          `at most ${partitions}, the partitions of Kafka topic ${JSON.stringify(kafka.traces.topic)} (each ingester of consumer group ${JSON.stringify(consumerGroup)} needs a partition of its own); raise the topic's partitions or lower '${field}'`);
      }
    }
    if (autoscaling) this.autoscaler = collectorAutoscaler(this, this.deployment.name, this.labels, autoscaling);

    this.disruptionBudget = this.makeDisruptionBudget(props.maxUnavailable);
  }

  /** Where Prometheus scrapes the ingester's own metrics (consumer lag per partition: `otelcol_kafka_receiver_offset_lag_ratio`). */
  public get metricsEndpoint(): ServiceEndpoint {
    return this.endpointOf(JaegerPorts.METRICS);
  }
}
