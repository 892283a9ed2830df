// The production tracing stack as one Pulumi component: a two-tier tail-sampling gateway in front
// of Jaeger v2, whose collector writes to an in-cluster Kafka (Strimzi) and whose ingester and
// query use Elasticsearch. The same charts synthesize with `cdk8s synth` for `kubectl apply`.
import * as pulumi from '@pulumi/pulumi';
import { App, Chart, Duration } from 'cdk8s';
import {
  GrafanaDatasources, SamplingPolicy, SearchEngine, StrimziKafka, TailSamplingGateway, TailSamplingPolicy, TracingPreset, TracingStack,
} from 'cdk8s-tracing';
import { TracingDeployment } from 'cdk8s-tracing/pulumi';

/** What the example's Pulumi config sets (see Pulumi.yaml). */
export interface ProductionTracingOptions {
  /** Namespace to deploy into. @default 'tracing' */
  readonly namespace?: string;
  /** URL of the Elasticsearch cluster. @default 'https://elasticsearch-es-http.elastic-system.svc:9200' */
  readonly elasticsearchUrl?: string;
  /** Host name of the Jaeger UI ingress. @default 'jaeger.example.com' */
  readonly uiHost?: string;
  /** Share of ordinary traces the gateway keeps (errors and slow ones are always kept). @default 0.05 */
  readonly samplingRatio?: number;
  /** Do not wait for readiness. @default false */
  readonly skipAwait?: boolean;
}

/** The cdk8s chart of the production stack, for one namespace. */
export function productionChart(namespace: string, options: ProductionTracingOptions = {}): Chart {
  const chart = new Chart(new App(), 'tracing-production', { namespace, disableResourceNameHashes: true });
  const kafka = new StrimziKafka(chart, 'kafka', { topic: 'jaeger-spans', partitions: 6, retention: Duration.hours(24) });
  const jaeger = new TracingStack(chart, 'jaeger', {
    preset: TracingPreset.PRODUCTION,
    createNamespace: true,
    kafka,
    elasticsearch: {
      engine: SearchEngine.ELASTICSEARCH,
      serverUrls: [options.elasticsearchUrl ?? 'https://elasticsearch-es-http.elastic-system.svc:9200'],
      credentials: { secretName: 'jaeger-es-credentials' },
      indexCleaner: { retentionDays: 14 },
    },
    ingress: { host: options.uiHost ?? 'jaeger.example.com', ingressClassName: 'nginx', tlsSecretName: 'jaeger-tls' },
  });
  new TailSamplingGateway(chart, 'sampling', {
    exportTo: [jaeger],
    policy: new SamplingPolicy({
      ratio: options.samplingRatio ?? 0.05,
      tail: {
        keepSlowerThan: Duration.millis(500),
        drop: { 'health-checks': TailSamplingPolicy.stringAttribute('url.path', ['/healthz', '/readyz']) },
      },
    }),
  });
  new GrafanaDatasources(chart, 'grafana', { jaeger: { endpoint: jaeger.uiEndpoint } });
  return chart;
}

/** Deploys the production stack through Pulumi. */
export function productionTracing(name: string, options: ProductionTracingOptions = {}, opts?: pulumi.ComponentResourceOptions): TracingDeployment {
  return new TracingDeployment(name, {
    namespace: options.namespace ?? 'tracing',
    charts: namespace => productionChart(namespace!, options),
    skipAwait: options.skipAwait,
  }, opts);
}
