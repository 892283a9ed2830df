import { Chart } from 'cdk8s';
import {
  ElasticsearchStorage, ExternalKafka, IKafka, JaegerCollector, JaegerIngester, JaegerIngesterProps, JaegerQuery, KafkaSaslMechanism, KafkaSpanEncoding,
  StrimziKafka, TraceStorage,
} from '../../constructs';
import { configFile, find, ofKind, synth, testChart } from '../_support/synth';
import { describeWithSchemas, schemaErrors, wiringErrors } from '../_support/validate-manifests';

/** `partitions: null`: the topic's partitions are unknown. */
function setup(props: Partial<JaegerIngesterProps> = {}, kafkaPartitions: number | null = 6) {
  const chart = testChart();
  const storage = new ElasticsearchStorage(chart, 'es', { serverUrls: ['http://es:9200'], indexCleaner: { enabled: false } });
  const kafka = new ExternalKafka(chart, 'kafka', { bootstrapServers: ['kafka-0.kafka:9092', 'kafka-1.kafka:9092'], topic: 'jaeger-spans', partitions: kafkaPartitions ?? undefined });
  const ingester = new JaegerIngester(chart, 'ingester', { storage, kafka: { kafka }, ...props });
  return { chart, ingester, kafka, storage, objects: synth(chart) };
}

const config = (objects: ReturnType<typeof synth>) => configFile(objects, 'jaeger-ingester-config', 'config.yaml');

/** A Kafka as a user could hand-make one, bypassing ExternalKafka's checks. */
function handMade(overrides: Partial<IKafka>): IKafka {
  return { bootstrapServers: ['kafka:9092'], topic: 'jaeger-spans', inCluster: true, ...overrides };
}

describe('JaegerIngester', () => {
  test('defaults', () => {
    expect(setup().objects).toMatchSnapshot();
  });

  test('objects: Deployment, Service for metrics only, HPA, PDB, no API token', () => {
    const { objects, ingester } = setup();
    expect(objects.filter(o => o.metadata.name.startsWith('jaeger-ingester')).map(o => `${o.kind}/${o.metadata.name}`)).toStrictEqual([
      'ConfigMap/jaeger-ingester-config', 'ServiceAccount/jaeger-ingester', 'Deployment/jaeger-ingester', 'NetworkPolicy/jaeger-ingester', 'Service/jaeger-ingester',
      'HorizontalPodAutoscaler/jaeger-ingester', 'PodDisruptionBudget/jaeger-ingester',
    ]);
    expect(find(objects, 'Service', 'jaeger-ingester').spec.ports).toStrictEqual([{ name: 'metrics', port: 8888, targetPort: 'metrics', protocol: 'TCP' }]);
    expect(ingester.metricsEndpoint.hostPort).toBe('jaeger-ingester.tracing.svc:8888');
    expect(ingester.consumerGroup).toBe('jaeger-ingester');
    const pod = find(objects, 'Deployment', 'jaeger-ingester').spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].readinessProbe.httpGet).toStrictEqual({ path: '/status', port: 'health' });
    expect(pod.containers[0].securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
  });

  test('configuration: the Kafka receiver straight into the storage exporter, offsets committed after the write', () => {
    const c = config(setup().objects);
    expect(c.service.pipelines.traces).toStrictEqual({ receivers: ['kafka'], processors: ['memory_limiter'], exporters: ['jaeger_storage_exporter'] });
    expect(c.service.extensions).toStrictEqual(['healthcheckv2', 'jaeger_storage']);
    expect(c.receivers).toStrictEqual({
      kafka: {
        brokers: ['kafka-0.kafka:9092', 'kafka-1.kafka:9092'],
        client_id: 'jaeger-ingester',
        traces: { topic: 'jaeger-spans', encoding: 'otlp_proto' },
        group_id: 'jaeger-ingester',
        initial_offset: 'earliest',
        message_marking: { after: true, on_error: false, on_permanent_error: true },
        error_backoff: { enabled: true, initial_interval: '1s', randomization_factor: 0.5, multiplier: 1.5, max_interval: '30s', max_elapsed_time: '0s' },
      },
    });
    expect(c.processors).toStrictEqual({ memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 } });
    expect(c.exporters).toStrictEqual({ jaeger_storage_exporter: { trace_storage: 'elasticsearch' } });
    expect(Object.keys(c.extensions.jaeger_storage.backends)).toStrictEqual(['elasticsearch']);
    expect(c.extensions.jaeger_query).toBeUndefined();
  });

  test('topic, encoding and consumer group as given', () => {
    const c = config(setup({ consumerGroup: 'ingesters-eu', kafka: { kafka: new ExternalKafka(testChart(), 'k', { bootstrapServers: ['k:9092'], topic: 'other' }), topic: 'spans-v2', encoding: KafkaSpanEncoding.JAEGER_PROTO } }).objects);
    expect(c.receivers.kafka).toMatchObject({ brokers: ['k:9092'], traces: { topic: 'spans-v2', encoding: 'jaeger_proto' }, group_id: 'ingesters-eu' });
  });

  test('SASL credentials from Secrets through the environment, the CA mounted from its Secret', () => {
    const chart = testChart();
    const kafka = new ExternalKafka(chart, 'kafka', {
      bootstrapServers: ['b-1.msk.example.com:9096'], topic: 'jaeger-spans',
      tls: { ca: { secretName: 'kafka-ca', key: 'ca.pem' } },
      sasl: { mechanism: KafkaSaslMechanism.SCRAM_SHA_512, username: { secretName: 'kafka-user', key: 'user' }, password: { secretName: 'kafka-pass', key: 'password' } },
    });
    const storage = new ElasticsearchStorage(chart, 'es', { serverUrls: ['http://es:9200'], indexCleaner: { enabled: false } });
    new JaegerIngester(chart, 'ingester', { storage, kafka: { kafka } });
    const objects = synth(chart);
    expect(config(objects).receivers.kafka).toMatchObject({
      auth: { sasl: { mechanism: 'SCRAM-SHA-512', username: '${env:KAFKA_SASL_USERNAME}', password: '${env:KAFKA_SASL_PASSWORD}' } },
      tls: { ca_file: '/etc/jaeger/kafka-tls/ca.crt' },
    });
    const pod = find(objects, 'Deployment', 'jaeger-ingester').spec.template.spec;
    expect(pod.containers[0].env.filter((e: any) => e.name.startsWith('KAFKA_'))).toStrictEqual([
      { name: 'KAFKA_SASL_USERNAME', valueFrom: { secretKeyRef: { name: 'kafka-user', key: 'user' } } },
      { name: 'KAFKA_SASL_PASSWORD', valueFrom: { secretKeyRef: { name: 'kafka-pass', key: 'password' } } },
    ]);
    expect(pod.volumes).toContainEqual({ name: 'kafka-tls', secret: { secretName: 'kafka-ca', items: [{ key: 'ca.pem', path: 'ca.crt' }] } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'kafka-tls', mountPath: '/etc/jaeger/kafka-tls', readOnly: true });
  });

  test('TLS without a CA trusts the image\'s roots; insecureSkipVerify is rendered', () => {
    const chart = testChart();
    const storage = new ElasticsearchStorage(chart, 'es', { serverUrls: ['http://es:9200'], indexCleaner: { enabled: false } });
    const roots = new JaegerIngester(chart, 'a', { name: 'a', storage, kafka: { kafka: new ExternalKafka(chart, 'k1', { bootstrapServers: ['k:9093'], topic: 't', tls: {} }) } });
    const skip = new JaegerIngester(chart, 'b', { name: 'b', storage, kafka: { kafka: new ExternalKafka(chart, 'k2', { bootstrapServers: ['k:9093'], topic: 't', tls: { insecureSkipVerify: true } }) } });
    expect(roots.config.document.receivers.kafka!.tls).toStrictEqual({});
    expect(skip.config.document.receivers.kafka!.tls).toStrictEqual({ insecure_skip_verify: true });
  });

  test('autoscaling is capped at the topic\'s partitions by default', () => {
    const hpa = (partitions: number | null) => find(setup({}, partitions).objects, 'HorizontalPodAutoscaler', 'jaeger-ingester').spec;
    expect(hpa(6)).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
    expect(hpa(1)).toMatchObject({ minReplicas: 1, maxReplicas: 1 });
    expect(hpa(null)).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
    expect(hpa(24)).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
  });

  test('without autoscaling: fixed replicas, no HPA', () => {
    const { objects } = setup({ autoscaling: false, replicas: 3 });
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toHaveLength(0);
    expect(find(objects, 'Deployment', 'jaeger-ingester').spec.replicas).toBe(3);
    expect(find(setup({ autoscaling: false }, 1).objects, 'Deployment', 'jaeger-ingester').spec.replicas).toBe(1);
  });

  test('PodDisruptionBudget selects the ingester pods', () => {
    const { objects } = setup({ maxUnavailable: 2 });
    const pdb = find(objects, 'PodDisruptionBudget', 'jaeger-ingester');
    expect(pdb.spec.maxUnavailable).toBe(2);
    expect(find(objects, 'Deployment', 'jaeger-ingester').spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
  });

  test('shared workload options: image, scheduling, resources', () => {
    const { objects } = setup({
      image: 'registry.internal/jaegertracing/jaeger:2.13.0', nodeSelector: { pool: 'tracing' }, priorityClassName: 'tracing',
      resources: { cpuRequest: '1', memoryRequest: '1Gi', memoryLimit: '2Gi' },
    });
    const pod = find(objects, 'Deployment', 'jaeger-ingester').spec.template.spec;
    expect(pod.containers[0].image).toBe('registry.internal/jaegertracing/jaeger:2.13.0');
    expect(pod.nodeSelector).toStrictEqual({ pool: 'tracing' });
    expect(pod.priorityClassName).toBe('tracing');
    expect(pod.containers[0].resources).toStrictEqual({ requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } });
  });

  test('over StrimziKafka: its bootstrap Service, topic and partitions', () => {
    const chart = testChart();
    const kafka = new StrimziKafka(chart, 'kafka', { topic: 'jaeger-spans', partitions: 4 });
    const storage = new ElasticsearchStorage(chart, 'es', { serverUrls: ['http://es:9200'], indexCleaner: { enabled: false } });
    new JaegerIngester(chart, 'ingester', { storage, kafka: { kafka } });
    const objects = synth(chart);
    expect(config(objects).receivers.kafka.brokers).toStrictEqual(['kafka-kafka-bootstrap.tracing.svc:9092']);
    expect(find(objects, 'HorizontalPodAutoscaler', 'jaeger-ingester').spec.maxReplicas).toBe(4);
  });

  test('fails if there are more ingesters than partitions', () => {
    expect(() => setup({ autoscaling: { maxReplicas: 8 } })).toThrow(/test\/ingester: 'autoscaling.maxReplicas' must be at most 6, the partitions of Kafka topic "jaeger-spans" .*, got 8/);
    expect(() => setup({ autoscaling: { minReplicas: 3 } }, 2)).toThrow(/'autoscaling.minReplicas' must be at most 2, .*got 3/);
    expect(() => setup({ autoscaling: false, replicas: 7 })).toThrow(/'replicas' must be at most 6, .*consumer group "jaeger-ingester".*got 7/);
  });

  test('a topic other than the cluster\'s has unknown partitions: no check', () => {
    expect(find(setup({ autoscaling: { maxReplicas: 8 }, kafka: { kafka: handMade({ partitions: 6 }), topic: 'elsewhere' } }).objects, 'HorizontalPodAutoscaler', 'jaeger-ingester').spec.maxReplicas).toBe(8);
  });

  test('fails if the storage is in-memory or missing', () => {
    const chart = testChart();
    const kafka = { kafka: handMade({}) };
    expect(() => new JaegerIngester(chart, 'a', { storage: TraceStorage.memory(), kafka })).toThrow(/test\/a: 'storage' must be a storage shared by several processes .*got "memory"/);
    expect(() => new JaegerIngester(chart, 'b', { kafka } as unknown as JaegerIngesterProps)).toThrow(/test\/b: 'storage' must be a shared storage/);
  });

  test('fails if replicas are set while autoscaling', () => {
    expect(() => setup({ replicas: 3 })).toThrow(/'replicas' must be unset while autoscaling is on.*got 3/);
  });

  test('fails if the encoding is not one both ends speak', () => {
    expect(() => setup({ kafka: { kafka: handMade({}), encoding: 'avro' as KafkaSpanEncoding } }))
      .toThrow(/test\/ingester: 'kafka.encoding' must be one of "otlp_proto", "otlp_json", "jaeger_proto", "jaeger_json", "zipkin_proto", "zipkin_json", got "avro"/);
  });

  test('fails if the topic or the consumer group is not a Kafka name', () => {
    expect(() => setup({ kafka: { kafka: handMade({}), topic: 'spans/v2' } })).toThrow(/'kafka.topic' must be a Kafka topic name.*got "spans\/v2"/);
    expect(() => setup({ kafka: { kafka: handMade({ topic: '..' }) } })).toThrow(/'kafka.kafka.topic' must be a Kafka topic name.*got "\.\."/);
    expect(() => setup({ consumerGroup: 'jaeger ingester' })).toThrow(/'consumerGroup' must be a Kafka consumer group id.*got "jaeger ingester"/);
  });

  test('fails if a hand-made Kafka has what the client rejects', () => {
    expect(() => setup({ kafka: { kafka: handMade({ bootstrapServers: [] }) } })).toThrow(/'kafka.kafka.bootstrapServers' must be at least one broker/);
    expect(() => setup({ kafka: { kafka: handMade({ bootstrapServers: ['https://kafka:9092'] }) } })).toThrow(/'kafka.kafka.bootstrapServers\[0\]' must be a broker address/);
    const sasl = { mechanism: 'GSSAPI' as KafkaSaslMechanism, username: { secretName: 'u', key: 'u' }, password: { secretName: 'p', key: 'p' } };
    expect(() => setup({ kafka: { kafka: handMade({ sasl }) } })).toThrow(/'kafka.kafka.sasl.mechanism' must be one of "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", got "GSSAPI"/);
    expect(() => setup({ kafka: { kafka: handMade({ tls: { ca: { secretName: 'ca', key: 'ca.crt' }, insecureSkipVerify: true } }) } }))
      .toThrow(/'kafka.kafka.tls.insecureSkipVerify' must be unset when a CA is given/);
    expect(() => setup({ kafka: { kafka: handMade({ tls: { ca: { secretName: 'Bad_Name', key: 'ca.crt' } } }) } })).toThrow(/'kafka.kafka.tls.ca.secretName' must be a DNS subdomain/);
  });
});

describeWithSchemas()('JaegerIngester schemas and wiring', () => {
  test('collector -> Kafka (Strimzi, TLS) -> ingester -> Elasticsearch, and the query: valid objects, wired', () => {
    const chart: Chart = testChart();
    const kafka = new StrimziKafka(chart, 'kafka', { topic: 'jaeger-spans', partitions: 6, tls: true });
    const storage = new ElasticsearchStorage(chart, 'es', { serverUrls: ['http://elasticsearch.search.svc:9200'], credentials: { secretName: 'es-credentials' } });
    new JaegerCollector(chart, 'collector', { kafka: { kafka } });
    new JaegerIngester(chart, 'ingester', { storage, kafka: { kafka } });
    new JaegerQuery(chart, 'query', { storage });
    const objects = synth(chart);
    expect(schemaErrors(objects)).toStrictEqual([]);
    expect(wiringErrors(objects, {
      userProvidedSecrets: ['es-credentials', 'kafka-cluster-ca-cert'],
      externalEndpoints: ['elasticsearch.search.svc:9200', 'kafka-kafka-bootstrap.tracing.svc:9093'],
    })).toStrictEqual([]);
  });
});
