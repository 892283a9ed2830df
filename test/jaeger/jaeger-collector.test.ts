import { ElasticsearchStorage, JaegerCollector, SamplingStrategies, SamplingStrategy, SpanProtocol, TraceStorage } from '../../constructs';
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
    expect(config.receivers.jaeger.protocols).toStrictEqual({ grpc: { endpoint: '0.0.0.0:14250' }, thrift_http: { endpoint: '0.0.0.0:14268' } });
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
});
