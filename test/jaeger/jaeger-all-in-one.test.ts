import { Size } from 'cdk8s';
import {
  ElasticsearchStorage, JaegerAllInOne, SamplingStrategies, SamplingStrategy, SpanProtocol, TraceStorage,
} from '../../constructs';
import { configFile, find, synth, testChart } from '../_support/synth';

describe('JaegerAllInOne', () => {
  test('defaults', () => {
    const chart = testChart();
    new JaegerAllInOne(chart, 'jaeger');
    expect(synth(chart)).toMatchSnapshot();
  });

  test('exposes every v1 port that v2 still supports, UDP agent ports as UDP', () => {
    const chart = testChart();
    new JaegerAllInOne(chart, 'jaeger');
    const objects = synth(chart);
    const svc = find(objects, 'Service', 'jaeger');
    const ports = svc.spec.ports.map((p: any) => `${p.port}/${p.protocol}`);
    expect(ports).toStrictEqual([
      '4317/TCP', '4318/TCP', '14250/TCP', '14268/TCP', '6831/UDP', '6832/UDP', '9411/TCP',
      '5778/TCP', '5779/TCP', '16686/TCP', '16685/TCP', '8888/TCP',
    ]);
  });

  test('configuration: memory storage, all receivers, query and sampling in one process', () => {
    const chart = testChart();
    new JaegerAllInOne(chart, 'jaeger');
    const config = configFile(synth(chart), 'jaeger-config', 'config.yaml');
    expect(config.service.pipelines.traces).toStrictEqual({
      receivers: ['otlp', 'jaeger', 'zipkin'], processors: ['memory_limiter', 'batch'], exporters: ['jaeger_storage_exporter'],
    });
    expect(config.service.extensions).toStrictEqual(['healthcheckv2', 'jaeger_storage', 'jaeger_query', 'remote_sampling']);
    expect(config.extensions.jaeger_storage.backends).toStrictEqual({ memory: { memory: { max_traces: 100000 } } });
    expect(config.extensions.jaeger_query.storage).toStrictEqual({ traces: 'memory' });
    expect(config.extensions.remote_sampling.file.path).toBe('/etc/jaeger/sampling/strategies.json');
    expect(config.receivers.zipkin).toStrictEqual({ endpoint: '0.0.0.0:9411' });
    expect(config.receivers.jaeger.protocols.thrift_compact).toStrictEqual({ endpoint: '0.0.0.0:6831' });
  });

  test('serves the sampling strategies it is given, and strategies added later', () => {
    const chart = testChart();
    const sampling = new SamplingStrategies({ defaultStrategy: SamplingStrategy.probabilistic(0.5) });
    new JaegerAllInOne(chart, 'jaeger', { sampling });
    sampling.addService({ service: 'late', strategy: SamplingStrategy.rateLimiting(5) });
    const strategies = configFile(synth(chart), 'jaeger-sampling', 'strategies.json');
    expect(strategies).toStrictEqual({
      default_strategy: { type: 'probabilistic', param: 0.5 },
      service_strategies: [{ service: 'late', type: 'ratelimiting', param: 5 }],
    });
  });

  test('the config checksum changes when sampling changes, so pods roll', () => {
    const checksum = (rate: number) => {
      const chart = testChart();
      new JaegerAllInOne(chart, 'jaeger', { sampling: new SamplingStrategies({ defaultStrategy: SamplingStrategy.probabilistic(rate) }) });
      return find(synth(chart), 'Deployment', 'jaeger').spec.template.metadata.annotations['checksum/config'];
    };
    expect(checksum(0.1)).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(0.1)).not.toBe(checksum(0.2));
  });

  test('badger with a persistent volume', () => {
    const chart = testChart();
    new JaegerAllInOne(chart, 'jaeger', { storage: TraceStorage.badger({ volume: { size: Size.gibibytes(10), storageClassName: 'fast' } }) });
    const objects = synth(chart);
    const pvc = objects.find(o => o.kind === 'PersistentVolumeClaim')! as any;
    expect(pvc.spec).toStrictEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '10240Mi' } } });
    const pod = find(objects, 'Deployment', 'jaeger').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'badger-data', persistentVolumeClaim: { claimName: pvc.metadata.name } });
    const config = configFile(objects, 'jaeger-config', 'config.yaml');
    expect(config.extensions.jaeger_storage.backends.badger.badger).toStrictEqual({
      directories: { keys: '/var/lib/jaeger/badger/keys', values: '/var/lib/jaeger/badger/values' }, ephemeral: false, ttl: { spans: '259200s' },
    });
    expect(find(objects, 'Deployment', 'jaeger').spec.strategy).toStrictEqual({ type: 'Recreate' });
  });

  test('only the chosen protocols', () => {
    const chart = testChart();
    new JaegerAllInOne(chart, 'jaeger', { protocols: [SpanProtocol.OTLP_GRPC, SpanProtocol.OTLP_HTTP] });
    const objects = synth(chart);
    const config = configFile(objects, 'jaeger-config', 'config.yaml');
    expect(Object.keys(config.receivers)).toStrictEqual(['otlp']);
    expect(config.service.pipelines.traces.receivers).toStrictEqual(['otlp']);
  });

  test('endpoints for wiring', () => {
    const chart = testChart('dev');
    const jaeger = new JaegerAllInOne(chart, 'jaeger', { name: 'tracing' });
    expect(jaeger.spanEndpoint().url('http', '/v1/traces')).toBe('http://tracing.dev.svc:4318/v1/traces');
    expect(jaeger.spanEndpoint(SpanProtocol.OTLP_GRPC).hostPort).toBe('tracing.dev.svc:4317');
    expect(jaeger.samplingEndpoint.url()).toBe('http://tracing.dev.svc:5778');
    expect(jaeger.uiEndpoint.port).toBe(16686);
  });

  test('base path is passed to the query extension', () => {
    const chart = testChart();
    new JaegerAllInOne(chart, 'jaeger', { basePath: '/jaeger' });
    expect(configFile(synth(chart), 'jaeger-config', 'config.yaml').extensions.jaeger_query.base_path).toBe('/jaeger');
  });

  test('fails if storage is Elasticsearch', () => {
    const chart = testChart();
    const es = new ElasticsearchStorage(chart, 'es', { serverUrls: ['http://es:9200'] });
    expect(() => new JaegerAllInOne(chart, 'jaeger', { storage: es })).toThrow(/test\/jaeger: 'storage' must be memory or badger .*got "elasticsearch"/);
  });

  test('fails if the image is not pinned', () => {
    expect(() => new JaegerAllInOne(testChart(), 'jaeger', { image: 'jaegertracing/jaeger:latest' })).toThrow(/'image' must be an image reference pinned by tag or digest.*got "jaegertracing\/jaeger:latest"/);
    expect(() => new JaegerAllInOne(testChart(), 'jaeger', { image: 'jaegertracing/jaeger' })).toThrow(/'image'/);
  });

  test('images from a private registry, by tag or by digest', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const chart = testChart();
    new JaegerAllInOne(chart, 'a', { name: 'a', image: 'registry.local:5000/mirror/jaeger:2.13.0' });
    new JaegerAllInOne(chart, 'b', { name: 'b', image: `registry.local:5000/mirror/jaeger@${digest}` });
    const objects = synth(chart);
    expect(find(objects, 'Deployment', 'a').spec.template.spec.containers[0].image).toBe('registry.local:5000/mirror/jaeger:2.13.0');
    expect(find(objects, 'Deployment', 'b').metadata.labels?.['app.kubernetes.io/version']).toBe('sha256-abababababab');
  });

  test('fails if the base path has a trailing slash', () => {
    expect(() => new JaegerAllInOne(testChart(), 'jaeger', { basePath: '/jaeger/' })).toThrow(/'basePath' must be "\/" or a path such as "\/jaeger".*got "\/jaeger\/"/);
  });

  test('fails if the name is not a DNS label', () => {
    expect(() => new JaegerAllInOne(testChart(), 'jaeger', { name: 'Jaeger_Dev' })).toThrow(/'name' must be a DNS label.*got "Jaeger_Dev"/);
  });

  test('fails if a memory request exceeds the limit', () => {
    expect(() => new JaegerAllInOne(testChart(), 'jaeger', { resources: { cpuRequest: '100m', memoryRequest: '2Gi', memoryLimit: '1Gi' } }))
      .toThrow(/'resources.memoryRequest' must be at most memoryLimit \(1Gi\), got "2Gi"/);
  });

  test('fails if a quantity does not parse', () => {
    expect(() => new JaegerAllInOne(testChart(), 'jaeger', { resources: { cpuRequest: 'lots', memoryRequest: '1Gi', memoryLimit: '1Gi' } }))
      .toThrow(/'resources.cpuRequest' must be a Kubernetes quantity/);
  });

  test('fails if the memory storage holds no traces', () => {
    expect(() => TraceStorage.memory({ maxTraces: 0 })).toThrow(/TraceStorage.memory: 'maxTraces' must be an integer >= 1, got 0/);
  });
});
