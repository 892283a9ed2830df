import { App, Chart, Testing } from 'cdk8s';
import {
  ExternalKafka, JaegerAllInOne, Prerequisites, SamplingStrategies, SamplingStrategy, SpanProtocol, synthesizeApp, TraceStorage, TracingPreset, TracingStack,
} from '../../constructs';
import { configFile, find, ofKind, synth, testChart } from '../_support/synth';

const es = { serverUrls: ['http://elasticsearch:9200'] };

describe('TracingStack', () => {
  test('dev preset: namespace, all-in-one in memory, sample everything', () => {
    const chart = testChart('dev');
    const stack = new TracingStack(chart, 'tracing', { preset: TracingPreset.DEV });
    const objects = synth(chart);
    expect(objects.map(o => `${o.kind}/${o.metadata.name}`)).toStrictEqual([
      'Namespace/dev', 'ConfigMap/jaeger-config', 'ConfigMap/jaeger-sampling', 'ServiceAccount/jaeger', 'Deployment/jaeger', 'NetworkPolicy/jaeger', 'Service/jaeger',
    ]);
    expect(find(objects, 'Namespace', 'dev').metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(find(objects, 'Namespace', 'dev').metadata.namespace).toBeUndefined();
    expect(configFile(objects, 'jaeger-sampling', 'strategies.json').default_strategy).toStrictEqual({ type: 'probabilistic', param: 1 });
    expect(stack.otlpEndpoint().url()).toBe('http://jaeger.dev.svc:4318');
    expect(stack.uiEndpoint.hostPort).toBe('jaeger.dev.svc:16686');
  });

  test('production preset: collector and query over Elasticsearch, sampling at 1%, ingress wired by construct', () => {
    const chart = testChart('prod');
    const stack = new TracingStack(chart, 'tracing', {
      preset: TracingPreset.PRODUCTION, elasticsearch: es, ingress: { host: 'jaeger.example.com', otlp: true },
    });
    const objects = synth(chart);
    expect(ofKind(objects, 'Deployment').map(d => d.metadata.name)).toStrictEqual(['jaeger-collector', 'jaeger-query']);
    expect(configFile(objects, 'jaeger-collector-sampling', 'strategies.json').default_strategy)
      .toStrictEqual({ type: 'probabilistic', param: 0.01 });
    const paths = find(objects, 'Ingress', 'jaeger-query').spec.rules[0].http.paths;
    expect(paths.map((p: any) => [p.path, p.backend.service.name, p.backend.service.port.name])).toStrictEqual([
      ['/', 'jaeger-query', 'http-query'], ['/v1/traces', 'jaeger-collector', 'otlp-http'],
    ]);
    expect(stack.otlpEndpoint(SpanProtocol.OTLP_GRPC).hostPort).toBe('jaeger-collector.prod.svc:4317');
    expect(stack.samplingEndpoint.url('http', '/api/sampling')).toBe('http://jaeger-collector.prod.svc:5778/api/sampling');
    expect(ofKind(objects, 'CronJob').map(c => c.metadata.name)).toStrictEqual(['jaeger-es-index-cleaner']);
    expect(Prerequisites.of(chart).endpoints.map(e => e.name)).toStrictEqual(['elasticsearch:9200']);
  });

  test('the ingress path is where Jaeger serves its UI', () => {
    const chart = testChart();
    new TracingStack(chart, 'tracing', { preset: TracingPreset.PRODUCTION, elasticsearch: es, ingress: { host: 'ops.example.com', path: '/jaeger' } });
    const objects = synth(chart);
    expect(find(objects, 'Ingress', 'jaeger-query').spec.rules[0].http.paths[0].path).toBe('/jaeger');
    expect(configFile(objects, 'jaeger-query-config', 'config.yaml').extensions.jaeger_query.base_path).toBe('/jaeger');
  });

  test('user sampling replaces the preset', () => {
    const chart = testChart();
    new TracingStack(chart, 'tracing', {
      preset: TracingPreset.DEV, sampling: new SamplingStrategies({ defaultStrategy: SamplingStrategy.rateLimiting(10) }),
    });
    expect(configFile(synth(chart), 'jaeger-sampling', 'strategies.json').default_strategy).toStrictEqual({ type: 'ratelimiting', param: 10 });
  });

  test('per-component props pass through', () => {
    const chart = testChart();
    new TracingStack(chart, 'tracing', { preset: TracingPreset.PRODUCTION, elasticsearch: es, collector: { autoscaling: { maxReplicas: 4 } }, query: { replicas: 3 } });
    const objects = synth(chart);
    expect(find(objects, 'HorizontalPodAutoscaler', 'jaeger-collector').spec.maxReplicas).toBe(4);
    expect(find(objects, 'Deployment', 'jaeger-query').spec.replicas).toBe(3);
  });

  test('namespace creation can be left to the user', () => {
    const chart = testChart();
    new TracingStack(chart, 'tracing', { preset: TracingPreset.DEV, createNamespace: false, storage: TraceStorage.badger() });
    expect(ofKind(synth(chart), 'Namespace')).toHaveLength(0);
  });

  test('production preset with Kafka: collector -> Kafka -> ingester -> storage', () => {
    const chart = testChart('prod');
    const kafka = new ExternalKafka(chart, 'kafka', { bootstrapServers: ['kafka.queue.svc:9092'], topic: 'jaeger-spans', partitions: 4 });
    const stack = new TracingStack(chart, 'tracing', {
      preset: TracingPreset.PRODUCTION, elasticsearch: es, kafka, ingester: { autoscaling: { maxReplicas: 3 }, logLevel: 'debug' },
    });
    const objects = synth(chart);
    expect(ofKind(objects, 'Deployment').map(d => d.metadata.name)).toStrictEqual(['jaeger-collector', 'jaeger-ingester', 'jaeger-query']);
    const collector = configFile(objects, 'jaeger-collector-config', 'config.yaml');
    expect(collector.service.pipelines.traces.exporters).toStrictEqual(['kafka']);
    expect(collector.exporters.kafka).toMatchObject({ brokers: ['kafka.queue.svc:9092'], traces: { topic: 'jaeger-spans', encoding: 'otlp_proto' } });
    expect(collector.extensions.remote_sampling).toBeDefined();
    const ingester = configFile(objects, 'jaeger-ingester-config', 'config.yaml');
    expect(ingester.receivers.kafka).toMatchObject({ brokers: ['kafka.queue.svc:9092'], traces: { topic: 'jaeger-spans', encoding: 'otlp_proto' }, group_id: 'jaeger-ingester' });
    expect(ingester.extensions.jaeger_storage.backends).toStrictEqual(configFile(objects, 'jaeger-query-config', 'config.yaml').extensions.jaeger_storage.backends);
    expect(ingester.service.telemetry.logs.level).toBe('debug');
    expect(find(objects, 'HorizontalPodAutoscaler', 'jaeger-ingester').spec.maxReplicas).toBe(3);
    expect(stack.ingester?.kafka.kafka).toBe(kafka);
    expect(stack.collector?.storage).toBeUndefined();
    expect(stack.storage).toBe(stack.ingester?.storage);
  });

  test('fails if Kafka or ingester props are given where there is no ingester', () => {
    const chart = testChart();
    const kafka = new ExternalKafka(chart, 'kafka', { bootstrapServers: ['kafka:9092'], topic: 'jaeger-spans' });
    expect(() => new TracingStack(chart, 'dev', { preset: TracingPreset.DEV, kafka })).toThrow(/test\/dev: 'kafka' must be unset with the dev preset .*got "jaeger-spans"/);
    expect(() => new TracingStack(testChart(), 'prod', { preset: TracingPreset.PRODUCTION, elasticsearch: es, ingester: { replicas: 2 } }))
      .toThrow(/test\/prod: 'ingester' must be unset without kafka/);
  });

  test('fails if the production preset has no storage', () => {
    expect(() => new TracingStack(testChart(), 'tracing', { preset: TracingPreset.PRODUCTION }))
      .toThrow(/test\/tracing: 'elasticsearch' must be the Elasticsearch\/OpenSearch cluster .*got undefined/);
  });

  test('fails if the chart has no namespace', () => {
    const chart = new Chart(Testing.app(), 'nonamespace');
    expect(() => new TracingStack(chart, 'tracing', { preset: TracingPreset.DEV })).toThrow(/nonamespace\/tracing: 'namespace' must be set on the enclosing Chart/);
  });

  test('fails if the dev preset is given Elasticsearch', () => {
    expect(() => new TracingStack(testChart(), 'tracing', { preset: TracingPreset.DEV, elasticsearch: es })).toThrow(/'elasticsearch' must be unset with the dev preset/);
  });

  test('fails if the preset is unknown', () => {
    expect(() => new TracingStack(testChart(), 'tracing', { preset: 'staging' as TracingPreset })).toThrow(/'preset' must be one of dev, production, got "staging"/);
  });

  test('fails at synth if two components claim the same object names, and writes nothing', () => {
    const outdir = require('fs').mkdtempSync(require('path').join(require('os').tmpdir(), 'synth-'));
    const app = new App({ outdir });
    const chart = new Chart(app, 'clash', { namespace: 'tracing' });
    new TracingStack(chart, 'tracing', { preset: TracingPreset.DEV });
    new JaegerAllInOne(chart, 'second');
    expect(() => synthesizeApp(app)).toThrow(/Deployment 'jaeger' is defined by both clash\/tracing\/Jaeger\/Resource and clash\/second\/Resource/);
    expect(require('fs').readdirSync(outdir)).toStrictEqual([]);
  });
});
