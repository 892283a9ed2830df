import { App, AppProps, Chart, YamlOutputType } from 'cdk8s';
import {
  JaegerOperatorInstance,
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
 * - `jaeger-production`: Jaeger v2 collector and query over Elasticsearch, ingress, remote sampling.
 * - `jaeger-operator`: the Jaeger Operator `Jaeger` resource of the seed (v1 compatibility).
 */
export function buildApp(props: AppProps = {}): App {
  const app = new App({ yamlOutputType: YamlOutputType.FILE_PER_CHART, ...props });

  const dev = new Chart(app, 'jaeger-dev', { namespace: 'tracing-dev', disableResourceNameHashes: true });
  new TracingStack(dev, 'tracing', { preset: TracingPreset.DEV });

  const prod = new Chart(app, 'jaeger-production', { namespace: 'tracing', disableResourceNameHashes: true });
  new TracingStack(prod, 'tracing', {
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

  const operator = new Chart(app, 'jaeger-operator', { namespace: 'observability', disableResourceNameHashes: true });
  new TracingNamespace(operator, 'namespace');
  new JaegerOperatorInstance(operator, 'jaeger', {
    name: 'jaeger-production',
    strategy: JaegerOperatorStrategy.PRODUCTION,
    storage: { type: JaegerOperatorStorageType.ELASTICSEARCH, elasticsearch: { serverUrls: ['http://elasticsearch:9200'] } },
    ingress: { enabled: true },
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
