import { App, AppProps, Chart, Duration, YamlOutputType } from 'cdk8s';
import {
  GrafanaDatasources,
  JaegerOperatorInstance,
  S3Bucket,
  SpanProtocol,
  StrimziKafka,
  TempoDistributed,
  TempoMonolithic,
  TraceDashboard,
  TraceSearch,
  TracingIngress,
  JaegerOperatorStorageType,
  JaegerOperatorStrategy,
  SamplingStrategies,
  SamplingStrategy,
  SearchEngine,
  TracingPreset,
  TracingNamespace,
  TracingStack,
  synthesizeApp,
} from './constructs';

/**
 * The example stacks, one Chart (and one file in dist/) each:
 * - `jaeger-dev`: Jaeger v2 all-in-one with in-memory storage, for development.
 * - `jaeger-production`: Jaeger v2 collector and query over Elasticsearch, ingress, remote sampling,
 *   Grafana datasource.
 * - `jaeger-operator`: the Jaeger Operator `Jaeger` resource of the seed (v1 compatibility).
 * - `tempo-monolithic`: Tempo 3 in one process on a persistent volume, Grafana datasource.
 * - `tempo-production`: Tempo 3 microservices on S3 with an in-cluster Kafka (Strimzi), live-stores
 *   in two zones, metrics-generator, ingress, Grafana datasources and the seed's searches.
 */
export function buildApp(props: AppProps = {}): App {
  const app = new App({ yamlOutputType: YamlOutputType.FILE_PER_CHART, ...props });

  const dev = new Chart(app, 'jaeger-dev', { namespace: 'tracing-dev', disableResourceNameHashes: true });
  new TracingStack(dev, 'tracing', { preset: TracingPreset.DEV });

  const prod = new Chart(app, 'jaeger-production', { namespace: 'tracing', disableResourceNameHashes: true });
  const jaegerProduction = new TracingStack(prod, 'tracing', {
    preset: TracingPreset.PRODUCTION,
    elasticsearch: {
      engine: SearchEngine.ELASTICSEARCH,
      serverUrls: ['https://elasticsearch-es-http.elastic-system.svc:9200'],
      indexPrefix: 'prod',
      shards: 3,
      replicas: 1,
      credentials: { secretName: 'jaeger-es-credentials' },
      tls: { ca: { secretName: 'jaeger-es-ca', key: 'ca.crt' } },
      indexCleaner: { retentionDays: 14 },
      rollover: { enabled: true, conditions: '{"max_age": "1d", "max_primary_shard_size": "50gb"}' },
    },
    sampling: new SamplingStrategies({
      defaultStrategy: SamplingStrategy.probabilistic(0.01),
      services: [
        {
          service: 'checkout',
          strategy: SamplingStrategy.probabilistic(0.1),
          operations: [{ operation: 'GET /healthz', strategy: SamplingStrategy.probabilistic(0) }],
        },
        { service: 'frontend', strategy: SamplingStrategy.rateLimiting(100) },
      ],
    }),
    ingress: {
      host: 'jaeger.example.com',
      ingressClassName: 'nginx',
      tlsSecretName: 'jaeger-tls',
      annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' },
      otlp: { host: 'otlp.example.com' },
    },
  });

  new GrafanaDatasources(prod, 'grafana', {
    jaeger: { endpoint: jaegerProduction.uiEndpoint },
    logs: { datasourceUid: 'loki' },
  });

  const operator = new Chart(app, 'jaeger-operator', { namespace: 'observability', disableResourceNameHashes: true });
  new TracingNamespace(operator, 'namespace');
  new JaegerOperatorInstance(operator, 'jaeger', {
    name: 'jaeger-production',
    strategy: JaegerOperatorStrategy.PRODUCTION,
    storage: { type: JaegerOperatorStorageType.ELASTICSEARCH, elasticsearch: { serverUrls: ['http://elasticsearch:9200'] } },
    ingress: { enabled: true },
  });

  const tempoDev = new Chart(app, 'tempo-monolithic', { namespace: 'tempo-dev', disableResourceNameHashes: true });
  new TracingNamespace(tempoDev, 'namespace');
  const monolithic = new TempoMonolithic(tempoDev, 'tempo', {
    protocols: [SpanProtocol.OTLP_GRPC, SpanProtocol.OTLP_HTTP, SpanProtocol.ZIPKIN],
    retention: Duration.days(3),
  });
  new GrafanaDatasources(tempoDev, 'grafana', { tempo: { endpoint: monolithic.queryEndpoint, uid: 'tempo-dev', name: 'Tempo (dev)' } });

  const tempoProd = new Chart(app, 'tempo-production', { namespace: 'tempo', disableResourceNameHashes: true });
  new TracingNamespace(tempoProd, 'namespace');
  const bucket = new S3Bucket(tempoProd, 'bucket', {
    bucket: 'example-tempo-traces',
    region: 'eu-west-1',
    serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/tempo-traces' },
  });
  const kafka = new StrimziKafka(tempoProd, 'kafka', { partitions: 3, topic: 'tempo-ingest' });
  const tempo = new TempoDistributed(tempoProd, 'tempo', {
    storage: bucket,
    kafka,
    retention: Duration.days(14),
    protocols: [SpanProtocol.OTLP_GRPC, SpanProtocol.OTLP_HTTP, SpanProtocol.JAEGER_THRIFT_HTTP, SpanProtocol.ZIPKIN],
    liveStore: { replicas: 3, zones: ['eu-west-1a', 'eu-west-1b'] },
    metricsGenerator: { remoteWrite: [{ url: 'http://prometheus.monitoring.svc:9090/api/v1/write' }], externalLabels: { cluster: 'production' } },
    overrides: {
      defaults: { ingestionRateLimitBytes: 20_000_000, ingestionBurstSizeBytes: 30_000_000, maxBytesPerTrace: 10_000_000 },
    },
  });
  new TracingIngress(tempoProd, 'ingress', {
    host: 'tempo.example.com',
    ui: tempo,
    otlp: { receiver: tempo, host: 'otlp.tempo.example.com' },
    ingressClassName: 'nginx',
    tlsSecretName: 'tempo-tls',
  });
  const datasources = new GrafanaDatasources(tempoProd, 'grafana', {
    tempo: { endpoint: tempo.queryEndpoint },
    logs: { datasourceUid: 'loki' },
    metrics: { datasourceUid: 'prometheus' },
  });
  new TraceDashboard(tempoProd, 'dashboard', {
    datasources,
    searches: [
      TraceSearch.slowRequests({ service: 'checkout', minDuration: Duration.seconds(1) }),
      TraceSearch.errors({ service: 'checkout' }),
      TraceSearch.errors({ httpStatusAtLeast: 500 }),
    ],
  });

  return app;
}

if (require.main === module) {
  try {
    synthesizeApp(buildApp());
  } catch (e) {
    process.stderr.write(`cdk8s-tracing: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
