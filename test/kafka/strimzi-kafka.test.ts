import { Chart, Duration, Size, Testing } from 'cdk8s';
import { Prerequisites } from '../../constructs/prerequisites';
import { StrimziKafka, StrimziKafkaProps } from '../../constructs/kafka/strimzi-kafka';
import { find, Manifest, ofKind, synth, testChart } from '../_support/synth';
import { describeWithSchemas, schemaErrors, wiringErrors } from '../_support/validate-manifests';

function build(props: StrimziKafkaProps = {}) {
  const chart = testChart();
  const kafka = new StrimziKafka(chart, 'kafka', props);
  return { chart, kafka, objects: synth(chart) };
}

const restrictedContainer = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  privileged: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Every option set: separate controllers, TLS, sizes, classes, resources, extra config. */
const everything: StrimziKafkaProps = {
  name: 'traces',
  kafkaVersion: '4.2.1',
  brokers: {
    name: 'brokers',
    replicas: 5,
    storage: { size: Size.gibibytes(500), storageClassName: 'fast-ssd', deleteClaim: true },
    resources: { cpuRequest: '2', cpuLimit: '4', memoryRequest: '8Gi', memoryLimit: '8Gi' },
  },
  controllers: { replicas: 3, storage: { size: Size.gibibytes(10), storageClassName: 'standard' } },
  replicationFactor: 3,
  minInSyncReplicas: 2,
  tls: true,
  topic: 'spans',
  partitions: 24,
  retention: Duration.hours(6),
  retentionSize: Size.gibibytes(50),
  maxMessageSize: Size.mebibytes(32),
  config: { 'compression.type': 'producer', 'num.network.threads': 8, 'ssl.cipher.suites': 'TLS_AES_256_GCM_SHA384' },
  topicConfig: { 'segment.bytes': 268435456, 'compression.type': 'zstd' },
  topicOperatorResources: { cpuRequest: '200m', memoryRequest: '512Mi', memoryLimit: '1Gi' },
};

describe('StrimziKafka', () => {
  test('defaults', () => {
    expect(build().objects).toMatchSnapshot();
  });

  test('defaults: one Kafka, one combined node pool, one topic', () => {
    const { objects } = build();
    expect(objects.map(o => `${o.apiVersion} ${o.kind}/${o.metadata.name}`)).toStrictEqual([
      'kafka.strimzi.io/v1 Kafka/kafka',
      'kafka.strimzi.io/v1 KafkaNodePool/dual-role',
      'kafka.strimzi.io/v1 KafkaTopic/tempo-ingest',
    ]);
    expect(objects.every(o => o.metadata.namespace === 'tracing')).toBe(true);
  });

  test('defaults: the Kafka spec (KRaft, plaintext internal listener, replication 3 / min ISR 2, restricted)', () => {
    const kafka = find(build().objects, 'Kafka', 'kafka');
    expect(kafka.metadata.annotations).toBeUndefined();
    expect(kafka.spec).toStrictEqual({
      kafka: {
        version: '4.3.1',
        listeners: [{ name: 'plain', port: 9092, type: 'internal', tls: false }],
        config: {
          'auto.create.topics.enable': false,
          'default.replication.factor': 3,
          'min.insync.replicas': 2,
          'offsets.topic.replication.factor': 3,
          'transaction.state.log.replication.factor': 3,
          'transaction.state.log.min.isr': 2,
        },
        template: {
          pod: { securityContext: { runAsNonRoot: true, fsGroup: 0, seccompProfile: { type: 'RuntimeDefault' } } },
          kafkaContainer: { securityContext: restrictedContainer },
        },
      },
      entityOperator: {
        topicOperator: { resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } } },
        template: {
          pod: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } },
          topicOperatorContainer: { securityContext: restrictedContainer },
        },
      },
    });
  });

  test('defaults: three dual-role nodes on 100Gi persistent JBOD volumes', () => {
    const pool = find(build().objects, 'KafkaNodePool', 'dual-role');
    expect(pool.metadata.labels!['strimzi.io/cluster']).toBe('kafka');
    expect(pool.spec).toStrictEqual({
      replicas: 3,
      roles: ['controller', 'broker'],
      storage: { type: 'jbod', volumes: [{ id: 0, type: 'persistent-claim', size: '100Gi', deleteClaim: false, kraftMetadata: 'shared' }] },
      resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '2Gi' } },
    });
  });

  test('defaults: the topic has 3 partitions, 3 replicas, min ISR 2, 24h retention and room for Tempo records', () => {
    const topic = find(build().objects, 'KafkaTopic', 'tempo-ingest');
    expect(topic.metadata.labels!['strimzi.io/cluster']).toBe('kafka');
    expect(topic.spec).toStrictEqual({
      partitions: 3,
      replicas: 3,
      config: { 'min.insync.replicas': 2, 'retention.ms': 86_400_000, 'max.message.bytes': 16 * 1024 * 1024 },
    });
  });

  test('defaults: what consumers wire to, and the prerequisites the operator creates', () => {
    const { chart, kafka } = build();
    expect(kafka.bootstrapServers).toStrictEqual(['kafka-kafka-bootstrap.tracing.svc:9092']);
    expect(kafka.bootstrap.portName).toBe('tcp-clients');
    expect(kafka.topic).toBe('tempo-ingest');
    expect(kafka.partitions).toBe(3);
    expect(kafka.tls).toBeUndefined();
    expect(kafka.sasl).toBeUndefined();
    expect(kafka.inCluster).toBe(true);
    expect([kafka.brokerCount, kafka.replicationFactor, kafka.minInSyncReplicas]).toStrictEqual([3, 3, 2]);
    expect(Prerequisites.of(chart).endpoints).toStrictEqual([
      { name: 'kafka-kafka-bootstrap.tracing.svc:9092', purpose: 'Kafka bootstrap Service, created by the Strimzi Cluster Operator from Kafka/kafka' },
    ]);
    expect(Prerequisites.of(chart).secrets).toStrictEqual([]);
  });

  test('TLS: only the TLS listener, the bootstrap on 9093 and the cluster CA to trust', () => {
    const { chart, kafka, objects } = build({ tls: true });
    expect(find(objects, 'Kafka', 'kafka').spec.kafka.listeners).toStrictEqual([{ name: 'tls', port: 9093, type: 'internal', tls: true }]);
    expect(kafka.bootstrapServers).toStrictEqual(['kafka-kafka-bootstrap.tracing.svc:9093']);
    expect(kafka.bootstrap.portName).toBe('tcp-clientstls');
    expect(kafka.tls).toStrictEqual({ ca: { secretName: 'kafka-cluster-ca-cert', key: 'ca.crt' } });
    expect(Prerequisites.of(chart).secrets.map(s => s.name)).toStrictEqual(['kafka-cluster-ca-cert']);
    expect(Prerequisites.of(chart).endpoints.map(e => e.name)).toStrictEqual(['kafka-kafka-bootstrap.tracing.svc:9093']);
  });

  test('separate controller and broker pools, with their storage and resources', () => {
    const { objects, kafka } = build(everything);
    expect(ofKind(objects, 'KafkaNodePool').map(p => [p.metadata.name, p.spec])).toStrictEqual([
      ['brokers', {
        replicas: 5,
        roles: ['broker'],
        storage: { type: 'jbod', volumes: [{ id: 0, type: 'persistent-claim', size: '500Gi', class: 'fast-ssd', deleteClaim: true, kraftMetadata: 'shared' }] },
        resources: { requests: { cpu: '2', memory: '8Gi' }, limits: { cpu: '4', memory: '8Gi' } },
      }],
      ['controller', {
        replicas: 3,
        roles: ['controller'],
        storage: { type: 'jbod', volumes: [{ id: 0, type: 'persistent-claim', size: '10Gi', class: 'standard', deleteClaim: false, kraftMetadata: 'shared' }] },
        resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { memory: '1Gi' } },
      }],
    ]);
    expect(kafka.nodePools.map(p => p.name)).toStrictEqual(['brokers', 'controller']);
    expect(kafka.brokerCount).toBe(5);
    expect(ofKind(objects, 'KafkaNodePool').every(p => p.metadata.labels!['strimzi.io/cluster'] === 'traces')).toBe(true);
  });

  test('extra broker and topic config, version, retention size and message size', () => {
    const { objects, kafka } = build(everything);
    const spec = find(objects, 'Kafka', 'traces').spec;
    expect(spec.kafka.version).toBe('4.2.1');
    expect(spec.kafka.config).toStrictEqual({
      'auto.create.topics.enable': false,
      'compression.type': 'producer',
      'num.network.threads': 8,
      'ssl.cipher.suites': 'TLS_AES_256_GCM_SHA384',
      'default.replication.factor': 3,
      'min.insync.replicas': 2,
      'offsets.topic.replication.factor': 3,
      'transaction.state.log.replication.factor': 3,
      'transaction.state.log.min.isr': 2,
    });
    expect(spec.entityOperator.topicOperator.resources).toStrictEqual({ requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '1Gi' } });
    expect(find(objects, 'KafkaTopic', 'spans').spec).toStrictEqual({
      partitions: 24,
      replicas: 3,
      config: {
        'segment.bytes': 268435456,
        'compression.type': 'zstd',
        'min.insync.replicas': 2,
        'retention.ms': 6 * 3_600_000,
        'retention.bytes': 50 * 1024 ** 3,
        'max.message.bytes': 32 * 1024 ** 2,
      },
    });
    expect(kafka.bootstrapServers).toStrictEqual(['traces-kafka-bootstrap.tracing.svc:9093']);
  });

  test('auto.create.topics.enable can be turned back on', () => {
    const config = find(build({ config: { 'auto.create.topics.enable': true } }).objects, 'Kafka', 'kafka').spec.kafka.config;
    expect(config['auto.create.topics.enable']).toBe(true);
  });

  test('a single-node development cluster with replication factor 1', () => {
    const { objects, kafka } = build({ brokers: { replicas: 1, storage: { size: Size.gibibytes(5) } }, replicationFactor: 1, minInSyncReplicas: 1, partitions: 1 });
    expect(find(objects, 'KafkaNodePool', 'dual-role').spec.replicas).toBe(1);
    expect(find(objects, 'KafkaTopic', 'tempo-ingest').spec).toMatchObject({ partitions: 1, replicas: 1, config: { 'min.insync.replicas': 1 } });
    expect(kafka.replicationFactor).toBe(1);
  });

  test('restrictedSecurityContext: false leaves the security contexts to the operator', () => {
    const spec = find(build({ restrictedSecurityContext: false }).objects, 'Kafka', 'kafka').spec;
    expect(spec.kafka.template).toBeUndefined();
    expect(spec.entityOperator.template).toBeUndefined();
  });

  test('a topic name that is not a resource name goes in spec.topicName', () => {
    const { objects, kafka } = build({ topic: 'Tempo_Ingest' });
    const topic = find(objects, 'KafkaTopic', 'tempo-ingest');
    expect(topic.spec.topicName).toBe('Tempo_Ingest');
    expect(kafka.topic).toBe('Tempo_Ingest');
  });

  test('custom labels replace the standard ones; strimzi.io/cluster stays', () => {
    const { objects } = build({ labels: { team: 'observability' } });
    expect(find(objects, 'Kafka', 'kafka').metadata.labels).toStrictEqual({ team: 'observability' });
    expect(find(objects, 'KafkaTopic', 'tempo-ingest').metadata.labels).toStrictEqual({ 'team': 'observability', 'strimzi.io/cluster': 'kafka' });
  });

  test('in a chart without a namespace, the bootstrap address is the short Service name', () => {
    const chart = new Chart(Testing.app(), 'test', { disableResourceNameHashes: true });
    const kafka = new StrimziKafka(chart, 'kafka');
    expect(kafka.bootstrapServers).toStrictEqual(['kafka-kafka-bootstrap:9092']);
  });

  test('construct ids are stable', () => {
    const { kafka } = build({ controllers: {} });
    expect([kafka.resource.node.id, ...kafka.nodePools.map(p => p.node.id), kafka.topicResource.node.id])
      .toStrictEqual(['Resource', 'BrokerPool', 'ControllerPool', 'Topic']);
  });

  test('fails if the replication factor exceeds the broker count', () => {
    expect(() => build({ brokers: { replicas: 2 } }))
      .toThrow(/^test\/kafka: 'replicationFactor' must be at most the number of brokers \(brokers.replicas = 2\): each replica of a partition needs its own broker, got 3$/);
  });

  test('fails if the replication factor exceeds the brokers of a separate broker pool', () => {
    expect(() => build({ brokers: { replicas: 2 }, controllers: { replicas: 3 } })).toThrow(/'replicationFactor' must be at most the number of brokers \(brokers.replicas = 2\)/);
  });

  test('fails if min ISR is not below the replication factor', () => {
    expect(() => build({ minInSyncReplicas: 3 }))
      .toThrow(/^test\/kafka: 'minInSyncReplicas' must be less than replicationFactor \(3\), so that producers with acks=all keep writing while one replica is down \(2 with replication factor 3\), got 3$/);
  });

  test('fails if min ISR exceeds a replication factor of 1', () => {
    expect(() => build({ replicationFactor: 1 })).toThrow(/'minInSyncReplicas' must be 1 when replicationFactor is 1, got 2/);
  });

  test('fails if min ISR is zero', () => {
    expect(() => build({ minInSyncReplicas: 0 })).toThrow(/'minInSyncReplicas' must be an integer >= 1, got 0/);
  });

  test('fails if partitions is zero', () => {
    expect(() => build({ partitions: 0 })).toThrow(/^test\/kafka: 'partitions' must be an integer >= 1, got 0$/);
  });

  test('fails if the topic name is not a Kafka topic name', () => {
    expect(() => build({ topic: 'tempo ingest' })).toThrow(/'topic' must be a Kafka topic name: .* got "tempo ingest"/);
  });

  test('fails if the node pool has no nodes', () => {
    expect(() => build({ brokers: { replicas: 0 } })).toThrow(/'brokers.replicas' must be an integer from 1 to 1000, got 0/);
  });

  test('fails if broker config sets a replication setting that has a prop', () => {
    expect(() => build({ config: { 'default.replication.factor': 1 } }))
      .toThrow(/'config\["default.replication.factor"\]' must be unset: use the 'replicationFactor' prop, got 1/);
  });

  test('fails if broker config sets what Strimzi manages', () => {
    expect(() => build({ config: { 'listeners': 'PLAINTEXT://:9092' } })).toThrow(/'config\["listeners"\]' must be unset: Strimzi manages the 'listeners' settings and ignores this one/);
    expect(() => build({ config: { 'ssl.keystore.location': '/x' } })).toThrow(/'config\["ssl.keystore.location"\]' must be unset: Strimzi manages the 'ssl.' settings/);
  });

  test('fails if a config value is an object', () => {
    expect(() => build({ config: { 'log.retention.hours': { hours: 1 } as unknown as number } }))
      .toThrow(/'config\["log.retention.hours"\]' must be a string, number or boolean/);
  });

  test('fails if topic config sets retention, message size or min ISR', () => {
    expect(() => build({ topicConfig: { 'retention.ms': 1000 } })).toThrow(/'topicConfig\["retention.ms"\]' must be unset: use the 'retention' prop, got 1000/);
    expect(() => build({ topicConfig: { 'min.insync.replicas': 1 } })).toThrow(/use the 'minInSyncReplicas' prop/);
  });

  test('fails if the retention is shorter than a minute', () => {
    expect(() => build({ retention: Duration.seconds(30) })).toThrow(/'retention' must be a whole number of milliseconds, at least 1 minute, got "30000ms"/);
  });

  test('fails if the retention size is smaller than the largest message', () => {
    expect(() => build({ retentionSize: Size.mebibytes(8) })).toThrow(/'retentionSize' must be at least maxMessageSize \(16777216 bytes\), got "8388608 bytes"/);
  });

  test('fails if the volume is smaller than 1Gi', () => {
    expect(() => build({ brokers: { storage: { size: Size.mebibytes(512) } } })).toThrow(/'brokers.storage.size' must be a size of whole bytes, at least 1Gi, got "512Mi"/);
  });

  test('fails if the Kafka version is not X.Y.Z', () => {
    expect(() => build({ kafkaVersion: 'latest' })).toThrow(/'kafkaVersion' must be an Apache Kafka version "X.Y.Z" that the Strimzi operator supports \(Strimzi 1.2.0: 4.2.0, 4.2.1, 4.3.0, 4.3.1\), got "latest"/);
  });

  test('fails if the cluster name is too long for Strimzi\'s Service names', () => {
    expect(() => build({ name: 'k'.repeat(48) })).toThrow(/'name' must be a DNS label of at most 47 characters/);
  });

  test('fails if both pools have the same name', () => {
    expect(() => build({ brokers: { name: 'nodes' }, controllers: { name: 'nodes' } })).toThrow(/'controllers.name' must be a name other than the broker pool's \("nodes"\), got "nodes"/);
  });

  test('fails if node resources request more memory than the limit', () => {
    expect(() => build({ brokers: { resources: { cpuRequest: '1', memoryRequest: '4Gi', memoryLimit: '2Gi' } } }))
      .toThrow(/'brokers.resources.memoryRequest' must be at most memoryLimit \(2Gi\), got "4Gi"/);
  });
});

describeWithSchemas()('StrimziKafka: schema validation against the Strimzi 1.2 CRDs', () => {
  const cases: Array<[string, StrimziKafkaProps]> = [
    ['defaults', {}],
    ['every option', everything],
    ['TLS only', { tls: true }],
    ['single node', { brokers: { replicas: 1 }, replicationFactor: 1, minInSyncReplicas: 1, partitions: 1 }],
    ['operator security contexts, non-resource topic name', { restrictedSecurityContext: false, topic: 'Tempo_Ingest' }],
  ];
  test.each(cases)('%s', (_name, props) => {
    const objects: Manifest[] = build(props).objects;
    expect(objects.length).toBeGreaterThanOrEqual(3);
    expect(schemaErrors(objects)).toStrictEqual([]);
    expect(wiringErrors(objects)).toStrictEqual([]);
  });

  test('the validator does catch a bad Strimzi object (a listener without tls)', () => {
    const objects: Manifest[] = build().objects;
    const kafka = JSON.parse(JSON.stringify(find(objects, 'Kafka', 'kafka')));
    delete kafka.spec.kafka.listeners[0].tls;
    expect(schemaErrors([kafka]).join('\n')).toMatch(/Kafka\/kafka: .*listeners\/0: missing required field 'tls'/);
  });
});
