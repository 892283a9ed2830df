import { Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import { Construct } from 'constructs';
import type { Kafka, KafkaSpec } from '../../imports/kafka-kafka.strimzi.io';
import type { KafkaNodePool, KafkaNodePoolSpecResources, KafkaNodePoolSpecRoles } from '../../imports/kafkanodepool-kafka.strimzi.io';
import type { KafkaTopic } from '../../imports/kafkatopic-kafka.strimzi.io';
import { kafkaCrd, kafkaNodePoolCrd, kafkaTopicCrd } from '../_crds';
import { propError, requireDnsLabel, requireDnsSubdomain, requireInteger, show } from '../_errors';
import { chartNamespace } from '../_namespace';
import { standardLabels } from '../_labels';
import { Prerequisites } from '../prerequisites';
import { ContainerResources, validateResources } from '../resources';
import { ServiceEndpoint } from '../service-endpoint';
import { KafkaConfigValue, requireConfigValues, requireTopicName } from './_kafka-validation';
import { IKafka, KafkaSasl, KafkaTls } from './kafka-connection';

export type { KafkaConfigValue } from './_kafka-validation';

/** Persistent storage of the nodes of one pool: one `persistent-claim` JBOD volume per node. */
export interface StrimziStorageOptions {
  /**
   * Size of each node's volume.
   * @default Size.gibibytes(100) for nodes with the broker role, Size.gibibytes(20) for controller-only nodes
   * @see https://strimzi.io/docs/operators/latest/configuring#type-PersistentClaimStorage-reference
   */
  readonly size?: Size;
  /**
   * StorageClass of the claims; cannot be changed once the pool exists.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Delete the claims when a node is removed (scale-down) or the `Kafka` is deleted.
   * @default false
   */
  readonly deleteClaim?: boolean;
}

/** One `KafkaNodePool`. */
export interface StrimziNodePoolOptions {
  /**
   * Name of the `KafkaNodePool`; pods are named `<cluster>-<pool>-<node id>`.
   * @default 'dual-role' for a combined pool, 'broker' and 'controller' for separate pools
   */
  readonly name?: string;
  /**
   * Nodes in the pool.
   * @default 3
   */
  readonly replicas?: number;
  /** Storage of each node. @default - 100Gi (brokers) or 20Gi (controllers) of the default StorageClass, claims kept */
  readonly storage?: StrimziStorageOptions;
  /**
   * CPU and memory of each node. Strimzi sizes the JVM heap from the memory limit.
   * @default - brokers: 500m CPU, 2Gi memory requested and limit; controller-only: 250m, 1Gi
   * @see https://strimzi.io/docs/operators/latest/configuring#type-KafkaNodePoolSpec-reference
   */
  readonly resources?: ContainerResources;
}

/** Props of {@link StrimziKafka}. */
export interface StrimziKafkaProps {
  /**
   * Name of the `Kafka` resource, from which Strimzi names everything it creates
   * (`<name>-kafka-bootstrap`, `<name>-cluster-ca-cert`).
   * @default 'kafka'
   */
  readonly name?: string;
  /**
   * Apache Kafka version (`spec.kafka.version`). Pinned so that upgrading the operator does not
   * upgrade Kafka by surprise. Strimzi 1.2.0 supports 4.2.0, 4.2.1, 4.3.0 and 4.3.1; the KRaft
   * metadata version is left to the operator, which derives it from this version.
   * @default StrimziKafka.DEFAULT_KAFKA_VERSION ('4.3.1', Strimzi 1.2.0's default)
   * @see https://github.com/strimzi/strimzi-kafka-operator/blob/1.2.0/kafka-versions.yaml
   */
  readonly kafkaVersion?: string;
  /**
   * The pool of nodes with the broker role. Unless `controllers` is given, its nodes are also
   * the KRaft controllers (combined roles), which is what small and medium clusters need.
   * @default - 3 nodes, controller and broker roles
   * @see https://strimzi.io/docs/operators/latest/configuring#type-KafkaNodePoolSpec-reference
   */
  readonly brokers?: StrimziNodePoolOptions;
  /**
   * A separate pool of controller-only nodes; the `brokers` pool then takes the broker role only.
   * @default - none: the brokers are the controllers
   */
  readonly controllers?: StrimziNodePoolOptions;
  /**
   * Replicas of every partition: the brokers' `default.replication.factor`,
   * `offsets.topic.replication.factor` and `transaction.state.log.replication.factor`, and the
   * topic's `replicas`. At most the number of brokers.
   * @default 3
   * @see https://kafka.apache.org/documentation/#brokerconfigs_default.replication.factor
   */
  readonly replicationFactor?: number;
  /**
   * Replicas that must acknowledge a write sent with `acks=all` (`min.insync.replicas` of the
   * brokers and the topic, and `transaction.state.log.min.isr`). Less than `replicationFactor`,
   * so that writes go on while one replica is down (1 with a replication factor of 1).
   * @default 2
   * @see https://kafka.apache.org/documentation/#brokerconfigs_min.insync.replicas
   */
  readonly minInSyncReplicas?: number;
  /**
   * Serve clients on the TLS internal listener (`tls`, port 9093) instead of the plaintext one
   * (`plain`, port 9092). Clients then trust the Strimzi cluster CA (Secret
   * `<name>-cluster-ca-cert`, key `ca.crt`, created by the operator), which {@link tls} references.
   * @default false
   * @see https://strimzi.io/docs/operators/latest/configuring#type-GenericKafkaListener-reference
   */
  readonly tls?: boolean;
  /**
   * The topic spans are written to, created as a `KafkaTopic`.
   * @default 'tempo-ingest'
   */
  readonly topic?: string;
  /**
   * Partitions of the topic: at least the number of consumers that own a partition (Tempo's
   * live-store replicas per zone); consumers check it with {@link requirePartitionsFor}.
   * Partitions can be added later, never removed.
   * @default 3
   * @see https://strimzi.io/docs/operators/latest/configuring#type-KafkaTopicSpec-reference
   */
  readonly partitions?: number;
  /**
   * How long records are kept (`retention.ms`): long enough for block-builders to catch up
   * after an outage.
   * @default Duration.hours(24)
   * @see https://kafka.apache.org/documentation/#topicconfigs_retention.ms
   */
  readonly retention?: Duration;
  /**
   * Bytes kept per partition (`retention.bytes`), oldest segments deleted first.
   * @default - no size limit (time only)
   * @see https://kafka.apache.org/documentation/#topicconfigs_retention.bytes
   */
  readonly retentionSize?: Size;
  /**
   * Largest record batch the topic accepts (`max.message.bytes`). Kafka's default (about 1 MB)
   * rejects Tempo's records, which are up to `producer_max_record_size_bytes` (15983616) long.
   * @default Size.mebibytes(16)
   * @see https://kafka.apache.org/documentation/#topicconfigs_max.message.bytes
   */
  readonly maxMessageSize?: Size;
  /**
   * More broker settings (`spec.kafka.config`), e.g. `{ 'compression.type': 'producer' }`. The
   * replication settings have their own props, and the prefixes Strimzi manages (`listeners`,
   * `ssl.`, `sasl.`, `controller.`...) are refused, as the operator would silently drop them.
   * `auto.create.topics.enable` defaults to false: only managed topics exist.
   * @default - none
   * @see https://strimzi.io/docs/operators/latest/configuring#type-KafkaClusterSpec-reference
   */
  readonly config?: Record<string, KafkaConfigValue>;
  /**
   * More topic settings (`KafkaTopic.spec.config`), e.g. `{ 'segment.bytes': 268435456 }`.
   * Retention, message size and `min.insync.replicas` have their own props.
   * @default - none
   * @see https://kafka.apache.org/documentation/#topicconfigs
   */
  readonly topicConfig?: Record<string, KafkaConfigValue>;
  /**
   * Resources of the Topic Operator, which reconciles the `KafkaTopic`.
   * @default - 100m CPU, 256Mi memory requested, 512Mi limit
   * @see https://strimzi.io/docs/operators/latest/configuring#type-EntityTopicOperatorSpec-reference
   */
  readonly topicOperatorResources?: ContainerResources;
  /**
   * Set security contexts that satisfy the `restricted` Pod Security Standard on the Kafka and
   * Entity Operator pods (non-root, no privilege escalation, no capabilities, read-only root,
   * RuntimeDefault seccomp, `fsGroup: 0` for the volumes as Strimzi's images expect). Set
   * false on OpenShift, whose SCCs assign these, or to use the operator's pod security provider.
   * @default true
   * @see https://github.com/strimzi/strimzi-kafka-operator/blob/1.2.0/api/src/main/java/io/strimzi/plugin/security/profiles/impl/RestrictedPodSecurityProvider.java
   */
  readonly restrictedSecurityContext?: boolean;
  /**
   * Labels of the `Kafka`, `KafkaNodePool` and `KafkaTopic` resources (`strimzi.io/cluster` is
   * always added where Strimzi needs it).
   * @default - the standard `app.kubernetes.io/*` labels
   */
  readonly labels?: Record<string, string>;
}

/** Key prefixes of `spec.kafka.config` that Strimzi 1.2 manages itself and ignores (KafkaClusterSpec.FORBIDDEN_PREFIXES). */
const FORBIDDEN_BROKER_PREFIXES = [
  'listeners', 'advertised.', 'broker.', 'listener.', 'host.name', 'port', 'inter.broker.listener.name', 'sasl.', 'ssl.',
  'security.', 'password.', 'log.dir', 'zookeeper.connect', 'zookeeper.set.acl', 'zookeeper.ssl', 'zookeeper.clientCnxnSocket',
  'authorizer.', 'super.user', 'cruise.control.metrics.topic', 'cruise.control.metrics.reporter.bootstrap.servers', 'node.id',
  'process.roles', 'controller.', 'metadata.log.dir', 'zookeeper.metadata.migration.enable', 'client.quota.callback.static.kafka.admin.',
  'client.quota.callback.static.produce', 'client.quota.callback.static.fetch', 'client.quota.callback.static.storage.per.volume.limit.min.available.',
  'client.quota.callback.static.excluded.principal.name.list', 'prometheus.metrics.reporter.', 'cordoned.log.dirs',
];

/** Exceptions to the forbidden prefixes (KafkaClusterSpec.FORBIDDEN_PREFIX_EXCEPTIONS). */
const FORBIDDEN_BROKER_EXCEPTIONS = [
  'zookeeper.connection.timeout.ms', 'sasl.server.max.receive.size', 'ssl.cipher.suites', 'ssl.protocol', 'ssl.enabled.protocols',
  'ssl.secure.random.implementation', 'cruise.control.metrics.topic.num.partitions', 'cruise.control.metrics.topic.replication.factor',
  'cruise.control.metrics.topic.retention.ms', 'cruise.control.metrics.topic.auto.create.retries',
  'cruise.control.metrics.topic.auto.create.timeout.ms', 'cruise.control.metrics.topic.min.insync.replicas', 'broker.session.timeout.ms',
  'broker.heartbeat.interval.ms', 'controller.socket.timeout.ms', 'controller.quorum.election.backoff.max.ms',
  'controller.quorum.election.timeout.ms', 'controller.quorum.fetch.timeout.ms',
];

/** Broker settings derived from props, which `config` may not override. */
const MANAGED_BROKER_KEYS = new Map<string, string>([
  ['default.replication.factor', 'replicationFactor'],
  ['offsets.topic.replication.factor', 'replicationFactor'],
  ['transaction.state.log.replication.factor', 'replicationFactor'],
  ['min.insync.replicas', 'minInSyncReplicas'],
  ['transaction.state.log.min.isr', 'minInSyncReplicas'],
]);

/** Topic settings derived from props, which `topicConfig` may not override. */
const MANAGED_TOPIC_KEYS = new Map<string, string>([
  ['min.insync.replicas', 'minInSyncReplicas'],
  ['retention.ms', 'retention'],
  ['retention.bytes', 'retentionSize'],
  ['max.message.bytes', 'maxMessageSize'],
]);

const KAFKA_VERSION = /^\d+\.\d+\.\d+$/;
const PLAIN_PORT = 9092;
const TLS_PORT = 9093;

/** The user and group of Strimzi's images (`USER 1001`, group 0 owns the data directories). */
const STRIMZI_GID = 0;

const DEFAULT_BROKER_RESOURCES: ContainerResources = { cpuRequest: '500m', memoryRequest: '2Gi', memoryLimit: '2Gi' };
const DEFAULT_CONTROLLER_RESOURCES: ContainerResources = { cpuRequest: '250m', memoryRequest: '1Gi', memoryLimit: '1Gi' };
const DEFAULT_TOPIC_OPERATOR_RESOURCES: ContainerResources = { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' };

interface ResolvedPool {
  readonly id: string;
  readonly name: string;
  readonly replicas: number;
  readonly roles: KafkaNodePoolSpecRoles[];
  readonly size: Size;
  readonly storageClassName?: string;
  readonly deleteClaim: boolean;
  readonly resources: ContainerResources;
}

/**
 * An Apache Kafka cluster run by the Strimzi operator (1.2, `kafka.strimzi.io/v1`, KRaft only),
 * with the topic that Tempo's distributors write spans to: a `Kafka`, one or two
 * `KafkaNodePool`s and a `KafkaTopic`. The Strimzi Cluster Operator must be installed; it creates
 * the pods, the Services (`<name>-kafka-bootstrap`) and the cluster CA Secrets, which are
 * declared as {@link Prerequisites} because they are not in this chart.
 *
 * Production defaults: three nodes with combined controller and broker roles, replication factor
 * 3 with `min.insync.replicas` 2 everywhere, 100Gi persistent volumes, a 24-hour retention,
 * restricted security contexts.
 */
export class StrimziKafka extends Construct implements IKafka {
  /** Kafka version rendered by default: Strimzi 1.2.0's default (kafka-versions.yaml). */
  public static readonly DEFAULT_KAFKA_VERSION = '4.3.1';

  /** The `Kafka` resource. */
  public readonly resource: Kafka;
  /** The `KafkaNodePool` resources: the broker pool first. */
  public readonly nodePools: KafkaNodePool[];
  /** The `KafkaTopic` resource. */
  public readonly topicResource: KafkaTopic;
  /** Name of the `Kafka` resource (the Strimzi cluster name). */
  public readonly clusterName: string;
  /** The bootstrap Service the operator creates, on the client listener's port. */
  public readonly bootstrap: ServiceEndpoint;
  /** Nodes with the broker role. */
  public readonly brokerCount: number;
  /** Replicas of every partition. */
  public readonly replicationFactor: number;
  /** `min.insync.replicas` of the brokers and the topic. */
  public readonly minInSyncReplicas: number;

  public readonly bootstrapServers: string[];
  public readonly topic: string;
  public readonly partitions: number;
  public readonly tls?: KafkaTls;
  /** Always undefined: the listener has no authentication (restrict access with NetworkPolicies). */
  public readonly sasl?: KafkaSasl;
  public readonly inCluster = true;

  constructor(scope: Construct, id: string, props: StrimziKafkaProps = {}) {
    super(scope, id);
    const name = props.name ?? 'kafka';
    requireDnsLabel(this, 'name', name, 47);
    this.clusterName = name;
    const kafkaVersion = props.kafkaVersion ?? StrimziKafka.DEFAULT_KAFKA_VERSION;
    if (typeof kafkaVersion !== 'string' || !KAFKA_VERSION.test(kafkaVersion)) {
      throw propError(this, 'kafkaVersion', kafkaVersion, 'an Apache Kafka version "X.Y.Z" that the Strimzi operator supports (Strimzi 1.2.0: 4.2.0, 4.2.1, 4.3.0, 4.3.1)');
    }

    const pools = this.resolvePools(name, props);
    const brokerPool = pools[0];
    this.brokerCount = brokerPool.replicas;

    this.replicationFactor = props.replicationFactor ?? 3;
    requireInteger(this, 'replicationFactor', this.replicationFactor, 1, 32767);
    if (this.replicationFactor > this.brokerCount) {
      throw propError(this, 'replicationFactor', this.replicationFactor,
        `at most the number of brokers (brokers.replicas = ${this.brokerCount}): each replica of a partition needs its own broker`);
    }
    this.minInSyncReplicas = props.minInSyncReplicas ?? 2;
    requireInteger(this, 'minInSyncReplicas', this.minInSyncReplicas, 1);
    if (this.replicationFactor === 1 && this.minInSyncReplicas !== 1) {
      throw propError(this, 'minInSyncReplicas', this.minInSyncReplicas, '1 when replicationFactor is 1');
    }
    if (this.replicationFactor > 1 && this.minInSyncReplicas >= this.replicationFactor) {
      throw propError(this, 'minInSyncReplicas', this.minInSyncReplicas,
        `less than replicationFactor (${this.replicationFactor}), so that producers with acks=all keep writing while one replica is down (2 with replication factor 3)`);
    }

    this.topic = props.topic ?? 'tempo-ingest';
    requireTopicName(this, 'topic', this.topic);
    this.partitions = props.partitions ?? 3;
    requireInteger(this, 'partitions', this.partitions, 1);

    const retention = props.retention ?? Duration.hours(24);
    const retentionMs = retention.toMilliseconds({ integral: false });
    if (!Number.isInteger(retentionMs) || retentionMs < 60_000) {
      throw propError(this, 'retention', `${retentionMs}ms`, 'a whole number of milliseconds, at least 1 minute');
    }
    const retentionBytes = props.retentionSize !== undefined ? this.bytes('retentionSize', props.retentionSize, 1024 * 1024) : undefined;
    const maxMessageBytes = this.bytes('maxMessageSize', props.maxMessageSize ?? Size.mebibytes(16), 1024);
    if (maxMessageBytes > 2 ** 31 - 1) throw propError(this, 'maxMessageSize', `${maxMessageBytes} bytes`, 'less than 2Gi (a 32-bit int)');
    if (retentionBytes !== undefined && retentionBytes < maxMessageBytes) {
      throw propError(this, 'retentionSize', `${retentionBytes} bytes`, `at least maxMessageSize (${maxMessageBytes} bytes)`);
    }

    const brokerConfig = props.config ?? {};
    requireConfigValues(this, 'config', brokerConfig);
    for (const key of Object.keys(brokerConfig)) {
      const lower = key.toLowerCase();
      const managed = MANAGED_BROKER_KEYS.get(lower);
      if (managed !== undefined) {
        throw propError(this, `config[${show(key)}]`, brokerConfig[key], `unset: use the '${managed}' prop`);
      }
      const prefix = FORBIDDEN_BROKER_PREFIXES.find(p => lower.startsWith(p.toLowerCase()));
      if (prefix !== undefined && !FORBIDDEN_BROKER_EXCEPTIONS.includes(key)) {
        throw propError(this, `config[${show(key)}]`, brokerConfig[key], `unset: Strimzi manages the '${prefix}' settings and ignores this one`);
      }
    }
    const topicConfig = props.topicConfig ?? {};
    requireConfigValues(this, 'topicConfig', topicConfig);
    for (const key of Object.keys(topicConfig)) {
      const managed = MANAGED_TOPIC_KEYS.get(key.toLowerCase());
      if (managed !== undefined) throw propError(this, `topicConfig[${show(key)}]`, topicConfig[key], `unset: use the '${managed}' prop`);
    }

    const topicOperatorResources = props.topicOperatorResources ?? DEFAULT_TOPIC_OPERATOR_RESOURCES;
    validateResources(this, 'topicOperatorResources', topicOperatorResources);

    // The client listener, the bootstrap address and what clients must trust.
    const tlsListener = props.tls ?? false;
    const port = tlsListener ? TLS_PORT : PLAIN_PORT;
    const namespace = chartNamespace(this);
    this.bootstrap = new ServiceEndpoint(`${name}-kafka-bootstrap`, namespace, port, tlsListener ? 'tcp-clientstls' : 'tcp-clients');
    this.bootstrapServers = [this.bootstrap.hostPort];
    this.tls = tlsListener ? { ca: { secretName: `${name}-cluster-ca-cert`, key: 'ca.crt' } } : undefined;
    const prerequisites = Prerequisites.of(this);
    prerequisites.addEndpoint(this.bootstrap.hostPort, `Kafka bootstrap Service, created by the Strimzi Cluster Operator from Kafka/${name}`);
    if (this.tls?.ca) {
      prerequisites.addSecret(this.tls.ca.secretName, `Strimzi cluster CA certificate (key 'ca.crt'), created by the Strimzi Cluster Operator from Kafka/${name}`);
    }

    const labelsFor = (component: string): Record<string, string> =>
      props.labels ?? standardLabels({ name: 'kafka', instance: name, component, version: kafkaVersion });
    const secure = props.restrictedSecurityContext ?? true;

    const {
      Kafka, KafkaSpecEntityOperatorTopicOperatorResourcesLimits, KafkaSpecEntityOperatorTopicOperatorResourcesRequests, KafkaSpecKafkaListenersType,
    } = kafkaCrd();
    const spec: KafkaSpec = {
      kafka: {
        version: kafkaVersion,
        listeners: [tlsListener
          ? { name: 'tls', port: TLS_PORT, type: KafkaSpecKafkaListenersType.INTERNAL, tls: true }
          : { name: 'plain', port: PLAIN_PORT, type: KafkaSpecKafkaListenersType.INTERNAL, tls: false }],
        config: {
          'auto.create.topics.enable': false,
          ...brokerConfig,
          'default.replication.factor': this.replicationFactor,
          'min.insync.replicas': this.minInSyncReplicas,
          'offsets.topic.replication.factor': this.replicationFactor,
          'transaction.state.log.replication.factor': this.replicationFactor,
          'transaction.state.log.min.isr': this.minInSyncReplicas,
        },
        ...(secure ? {
          template: {
            pod: { securityContext: { runAsNonRoot: true, fsGroup: STRIMZI_GID, seccompProfile: { type: 'RuntimeDefault' } } },
            kafkaContainer: { securityContext: restrictedContainer() },
          },
        } : {}),
      },
      entityOperator: {
        topicOperator: {
          resources: {
            requests: {
              cpu: KafkaSpecEntityOperatorTopicOperatorResourcesRequests.fromString(topicOperatorResources.cpuRequest),
              memory: KafkaSpecEntityOperatorTopicOperatorResourcesRequests.fromString(topicOperatorResources.memoryRequest),
            },
            limits: {
              ...(topicOperatorResources.cpuLimit ? { cpu: KafkaSpecEntityOperatorTopicOperatorResourcesLimits.fromString(topicOperatorResources.cpuLimit) } : {}),
              memory: KafkaSpecEntityOperatorTopicOperatorResourcesLimits.fromString(topicOperatorResources.memoryLimit),
            },
          },
        },
        ...(secure ? {
          template: {
            pod: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } },
            topicOperatorContainer: { securityContext: restrictedContainer() },
          },
        } : {}),
      },
    };
    this.resource = new Kafka(this, 'Resource', { metadata: { name, labels: labelsFor('cluster') }, spec });

    const clusterLabel = { 'strimzi.io/cluster': name };
    const { KafkaNodePool, KafkaNodePoolSpecStorageType, KafkaNodePoolSpecStorageVolumesKraftMetadata, KafkaNodePoolSpecStorageVolumesType } = kafkaNodePoolCrd();
    this.nodePools = pools.map(pool => new KafkaNodePool(this, pool.id, {
      metadata: { name: pool.name, labels: { ...labelsFor(pool.name), ...clusterLabel } },
      spec: {
        replicas: pool.replicas,
        roles: pool.roles,
        storage: {
          type: KafkaNodePoolSpecStorageType.JBOD,
          volumes: [{
            id: 0,
            type: KafkaNodePoolSpecStorageVolumesType.PERSISTENT_HYPHEN_CLAIM,
            size: pool.size.asString(),
            ...(pool.storageClassName ? { class: pool.storageClassName } : {}),
            deleteClaim: pool.deleteClaim,
            kraftMetadata: KafkaNodePoolSpecStorageVolumesKraftMetadata.SHARED,
          }],
        },
        resources: poolResources(pool.resources),
      },
    }));

    const { KafkaTopic } = kafkaTopicCrd();
    this.topicResource = new KafkaTopic(this, 'Topic', {
      metadata: { name: topicResourceName(this.topic), labels: { ...labelsFor('topic'), ...clusterLabel } },
      spec: {
        ...(topicResourceName(this.topic) !== this.topic ? { topicName: this.topic } : {}),
        partitions: this.partitions,
        replicas: this.replicationFactor,
        config: {
          ...topicConfig,
          'min.insync.replicas': this.minInSyncReplicas,
          'retention.ms': retentionMs,
          ...(retentionBytes !== undefined ? { 'retention.bytes': retentionBytes } : {}),
          'max.message.bytes': maxMessageBytes,
        },
      },
    });
  }

  /** The pools, broker pool first, with defaults applied and validated. */
  private resolvePools(clusterName: string, props: StrimziKafkaProps): ResolvedPool[] {
    const separate = props.controllers !== undefined;
    const { KafkaNodePoolSpecRoles } = kafkaNodePoolCrd();
    const b = props.brokers ?? {};
    const pools: ResolvedPool[] = [this.resolvePool(clusterName, 'brokers', b, {
      id: 'BrokerPool',
      name: separate ? 'broker' : 'dual-role',
      roles: separate ? [KafkaNodePoolSpecRoles.BROKER] : [KafkaNodePoolSpecRoles.CONTROLLER, KafkaNodePoolSpecRoles.BROKER],
      size: Size.gibibytes(100),
      resources: DEFAULT_BROKER_RESOURCES,
    })];
    if (props.controllers) {
      pools.push(this.resolvePool(clusterName, 'controllers', props.controllers, {
        id: 'ControllerPool',
        name: 'controller',
        roles: [KafkaNodePoolSpecRoles.CONTROLLER],
        size: Size.gibibytes(20),
        resources: DEFAULT_CONTROLLER_RESOURCES,
      }));
      if (pools[0].name === pools[1].name) {
        throw propError(this, 'controllers.name', pools[1].name, `a name other than the broker pool's (${JSON.stringify(pools[0].name)})`);
      }
    }
    return pools;
  }

  private resolvePool(clusterName: string, field: string, o: StrimziNodePoolOptions,
    d: { id: string; name: string; roles: KafkaNodePoolSpecRoles[]; size: Size; resources: ContainerResources }): ResolvedPool {
    const poolName = o.name ?? d.name;
    // Pods are `<cluster>-<pool>-<node id>`: keep room for the id within a 63-character host name.
    requireDnsLabel(this, `${field}.name`, poolName, Math.max(1, 63 - 7 - clusterName.length));
    const replicas = o.replicas ?? 3;
    requireInteger(this, `${field}.replicas`, replicas, 1, 1000);
    const size = o.storage?.size ?? d.size;
    this.bytes(`${field}.storage.size`, size, 1024 ** 3);
    if (o.storage?.storageClassName !== undefined) requireDnsSubdomain(this, `${field}.storage.storageClassName`, o.storage.storageClassName);
    const resources = o.resources ?? d.resources;
    validateResources(this, `${field}.resources`, resources);
    return {
      id: d.id,
      name: poolName,
      replicas,
      roles: d.roles,
      size,
      storageClassName: o.storage?.storageClassName,
      deleteClaim: o.storage?.deleteClaim ?? false,
      resources,
    };
  }

  /** A Size as whole bytes, at least `min`. */
  private bytes(field: string, size: Size, min: number): number {
    const bytes = size.toKibibytes({ rounding: SizeRoundingBehavior.NONE }) * 1024;
    if (!Number.isInteger(bytes) || bytes < min) {
      throw propError(this, field, size.asString(), `a size of whole bytes, at least ${binary(min)}`);
    }
    return bytes;
  }
}

/** The container security context of Strimzi's restricted pod security provider, plus a read-only root. */
function restrictedContainer() {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** `1Ki`, `1Mi`, `1Gi` for a power of 1024. */
function binary(bytes: number): string {
  const units = ['', 'Ki', 'Mi', 'Gi', 'Ti'];
  let i = 0;
  while (i < units.length - 1 && bytes >= 1024 && bytes % 1024 === 0) {
    bytes /= 1024;
    i++;
  }
  return `${bytes}${units[i]}`;
}

function poolResources(r: ContainerResources): KafkaNodePoolSpecResources {
  const { KafkaNodePoolSpecResourcesLimits, KafkaNodePoolSpecResourcesRequests } = kafkaNodePoolCrd();
  return {
    requests: {
      cpu: KafkaNodePoolSpecResourcesRequests.fromString(r.cpuRequest),
      memory: KafkaNodePoolSpecResourcesRequests.fromString(r.memoryRequest),
    },
    limits: {
      ...(r.cpuLimit ? { cpu: KafkaNodePoolSpecResourcesLimits.fromString(r.cpuLimit) } : {}),
      memory: KafkaNodePoolSpecResourcesLimits.fromString(r.memoryLimit),
    },
  };
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * `metadata.name` of the KafkaTopic: the topic name itself when it is a valid resource name (as
 * Strimzi recommends), else a lower-cased form with `spec.topicName` carrying the real name.
 */
function topicResourceName(topic: string): string {
  if (topic.length <= 253 && DNS_SUBDOMAIN.test(topic)) return topic;
  const sanitized = topic.toLowerCase().replace(/[^a-z0-9.-]/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '').replace(/\.{2,}/g, '.').replace(/-\.|\.-/g, '-');
  return sanitized === '' ? 'topic' : sanitized;
}
