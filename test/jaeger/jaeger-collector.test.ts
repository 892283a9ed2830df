import {
  ElasticsearchStorage, ExternalKafka, JaegerCollector, KafkaCompression, KafkaSaslMechanism, KafkaSpanEncoding, SamplingStrategies, SamplingStrategy, SpanProtocol,
  TraceStorage,
} from '../../constructs';
import { configFile, find, ofKind, synth, testChart } from '../_support/synth';

function setup(props: Partial<ConstructorParameters<typeof JaegerCollector>[2]> = {}) {
  const chart = testChart();
  const storage = new ElasticsearchStorage(chart, 'es', { serverUrls: ['http://es:9200'], indexCleaner: { enabled: false } });
  const collector = new JaegerCollector(chart, 'collector', { storage, ...props });
  return { chart, collector, objects: synth(chart) };
}

describe('JaegerCollector', () => {
  test('defaults', () => {
    expect(setup().objects).toMatchSnapshot();
  });

  test('configuration: receivers, memory limiter and batch, storage exporter, no query', () => {
    const config = configFile(setup().objects, 'jaeger-collector-config', 'config.yaml');
    expect(config.service.extensions).toStrictEqual(['healthcheckv2', 'jaeger_storage']);
    expect(Object.keys(config.receivers)).toStrictEqual(['otlp', 'jaeger', 'zipkin']);
    // gRPC receivers close connections after a minute, so that clients spread over new replicas.
    expect(config.receivers.jaeger.protocols).toStrictEqual({ grpc: { endpoint: '0.0.0.0:14250', keepalive: { server_parameters: { max_connection_age: '60s', max_connection_age_grace: '15s' } } }, thrift_http: { endpoint: '0.0.0.0:14268' } });
    expect(config.receivers.otlp.protocols.grpc.keepalive).toStrictEqual({ server_parameters: { max_connection_age: '60s', max_connection_age_grace: '15s' } });
    expect(config.receivers.otlp.protocols.http.keepalive).toBeUndefined();
    expect(config.processors.memory_limiter).toStrictEqual({ check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 });
    expect(config.exporters).toStrictEqual({ jaeger_storage_exporter: { trace_storage: 'elasticsearch' } });
    expect(config.extensions.jaeger_query).toBeUndefined();
  });

  test('HPA over the Deployment, which then has no fixed replicas', () => {
    const { objects } = setup({ autoscaling: { minReplicas: 3, maxReplicas: 12, targetCpuUtilization: 60, targetMemoryUtilization: 80 } });
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'jaeger-collector');
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'jaeger-collector' },
      minReplicas: 3,
      maxReplicas: 12,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
      ],
    });
    expect(find(objects, 'Deployment', 'jaeger-collector').spec.replicas).toBeUndefined();
  });

  test('without autoscaling: fixed replicas, no HPA', () => {
    const { objects } = setup({ autoscaling: false, replicas: 4 });
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toHaveLength(0);
    expect(find(objects, 'Deployment', 'jaeger-collector').spec.replicas).toBe(4);
  });

  test('PodDisruptionBudget selects the collector pods', () => {
    const { objects } = setup({ maxUnavailable: 2 });
    const pdb = find(objects, 'PodDisruptionBudget', 'jaeger-collector');
    const labels = find(objects, 'Deployment', 'jaeger-collector').spec.template.metadata.labels;
    expect(pdb.spec.maxUnavailable).toBe(2);
    expect(labels).toMatchObject(pdb.spec.selector.matchLabels);
  });

  test('sampling endpoint only with sampling', () => {
    expect(() => setup().collector.samplingEndpoint).toThrow(/'port' must be one this component serves/);
    const { collector, objects } = setup({ sampling: new SamplingStrategies({ defaultStrategy: SamplingStrategy.probabilistic(0.01) }) });
    expect(collector.samplingEndpoint.url()).toBe('http://jaeger-collector.tracing.svc:5778');
    expect(configFile(objects, 'jaeger-collector-config', 'config.yaml').extensions.remote_sampling.http).toStrictEqual({ endpoint: '0.0.0.0:5778' });
  });

  test('pods run as their own ServiceAccount, annotated as asked, with no API token', () => {
    const { objects } = setup({ serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/jaeger' } });
    const sa = find(objects, 'ServiceAccount', 'jaeger-collector');
    expect(sa.metadata.annotations).toStrictEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/jaeger' });
    expect(sa.automountServiceAccountToken).toBe(false);
    const pod = find(objects, 'Deployment', 'jaeger-collector').spec.template.spec;
    expect(pod.serviceAccountName).toBe('jaeger-collector');
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('endpoint for OTLP', () => {
    expect(setup().collector.spanEndpoint(SpanProtocol.OTLP_GRPC).hostPort).toBe('jaeger-collector.tracing.svc:4317');
  });

  test('fails if storage is in-memory', () => {
    expect(() => new JaegerCollector(testChart(), 'c', { storage: TraceStorage.memory() }))
      .toThrow(/test\/c: 'storage' must be a storage shared by several processes .*got "memory"/);
  });

  test('fails if replicas are set while autoscaling', () => {
    expect(() => setup({ replicas: 3 })).toThrow(/'replicas' must be unset while autoscaling is on.*got 3/);
  });

  test('fails if maxReplicas is below minReplicas', () => {
    expect(() => setup({ autoscaling: { minReplicas: 5, maxReplicas: 2 } })).toThrow(/'autoscaling.maxReplicas' must be an integer from 5 to 1000, got 2/);
  });

  test('fails if no protocol is enabled', () => {
    expect(() => setup({ protocols: [] })).toThrow(/'protocols' must be at least one of/);
  });

  describe('writing to Kafka', () => {
    function kafkaSetup(props: Partial<ConstructorParameters<typeof JaegerCollector>[2]> = {}) {
      const chart = testChart();
      const kafka = new ExternalKafka(chart, 'kafka', {
        bootstrapServers: ['kafka-0.kafka:9093'], topic: 'jaeger-spans', tls: {},
        sasl: { mechanism: KafkaSaslMechanism.SCRAM_SHA_256, username: { secretName: 'kafka-user', key: 'username' }, password: { secretName: 'kafka-user', key: 'password' } },
      });
      const collector = new JaegerCollector(chart, 'collector', { kafka: { kafka }, ...props });
      return { collector, kafka, objects: synth(chart) };
    }

    test('the Kafka exporter replaces the storage exporter; no storage at all', () => {
      const { objects, collector, kafka } = kafkaSetup();
      const config = configFile(objects, 'jaeger-collector-config', 'config.yaml');
      expect(config.service.pipelines.traces).toStrictEqual({ receivers: ['otlp', 'jaeger', 'zipkin'], processors: ['memory_limiter', 'batch'], exporters: ['kafka'] });
      expect(config.service.extensions).toStrictEqual(['healthcheckv2']);
      expect(config.extensions.jaeger_storage).toBeUndefined();
      expect(config.exporters).toStrictEqual({
        kafka: {
          brokers: ['kafka-0.kafka:9093'],
          client_id: 'jaeger-collector',
          auth: { sasl: { mechanism: 'SCRAM-SHA-256', username: '${env:KAFKA_SASL_USERNAME}', password: '${env:KAFKA_SASL_PASSWORD}' } },
          tls: {},
          traces: { topic: 'jaeger-spans', encoding: 'otlp_proto' },
          partition_traces_by_id: true,
          producer: { required_acks: -1, compression: 'none' },
        },
      });
      expect(collector.storage).toBeUndefined();
      expect(collector.kafka?.kafka).toBe(kafka);
      const container = find(objects, 'Deployment', 'jaeger-collector').spec.template.spec.containers[0];
      expect(container.env.map((e: any) => e.name)).toStrictEqual(['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'GOMEMLIMIT']);
    });

    test('topic, encoding and compression as given', () => {
      const config = configFile(kafkaSetup({ kafka: { kafka: new ExternalKafka(testChart(), 'k', { bootstrapServers: ['k:9092'], topic: 't' }), topic: 'spans', encoding: KafkaSpanEncoding.OTLP_JSON, compression: KafkaCompression.ZSTD } }).objects, 'jaeger-collector-config', 'config.yaml');
      expect(config.exporters.kafka).toMatchObject({ traces: { topic: 'spans', encoding: 'otlp_json' }, producer: { compression: 'zstd' } });
    });

    test('fails if both storage and kafka are given, or neither', () => {
      const chart = testChart();
      const storage = new ElasticsearchStorage(chart, 'es', { serverUrls: ['http://es:9200'], indexCleaner: { enabled: false } });
      const kafka = new ExternalKafka(chart, 'kafka', { bootstrapServers: ['kafka:9092'], topic: 'jaeger-spans' });
      expect(() => new JaegerCollector(chart, 'both', { storage, kafka: { kafka } })).toThrow(/test\/both: 'storage' must be unset when kafka is given .*got "elasticsearch"/);
      expect(() => new JaegerCollector(chart, 'neither', {})).toThrow(/test\/neither: 'storage' must be a shared storage .*or kafka.*got undefined/);
    });

    test('fails if the compression or the encoding is unknown to Jaeger', () => {
      expect(() => kafkaSetup({ kafka: { kafka: new ExternalKafka(testChart(), 'k', { bootstrapServers: ['k:9092'], topic: 't' }), compression: 'brotli' as KafkaCompression } }))
        .toThrow(/'kafka.compression' must be one of "none", "gzip", "snappy", "lz4", "zstd", got "brotli"/);
      expect(() => kafkaSetup({ kafka: { kafka: new ExternalKafka(testChart(), 'k', { bootstrapServers: ['k:9092'], topic: 't' }), encoding: 'raw' as KafkaSpanEncoding } }))
        .toThrow(/'kafka.encoding' must be one of "otlp_proto".*got "raw"/);
    });
  });
});
