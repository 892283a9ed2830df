import { ElasticsearchStorage, JaegerQuery, TraceStorage } from '../../constructs';
import { configFile, find, synth, testChart } from '../_support/synth';

function setup(props: Partial<ConstructorParameters<typeof JaegerQuery>[2]> = {}) {
  const chart = testChart();
  const storage = new ElasticsearchStorage(chart, 'es', { serverUrls: ['http://es:9200'], indexCleaner: { enabled: false } });
  const query = new JaegerQuery(chart, 'query', { storage, ...props });
  return { query, objects: synth(chart) };
}

describe('JaegerQuery', () => {
  test('defaults', () => {
    expect(setup().objects).toMatchSnapshot();
  });

  test('configuration: query extension over the storage, a nop pipeline and nothing received', () => {
    const config = configFile(setup({ basePath: '/jaeger', maxClockSkewAdjust: '500ms' }).objects, 'jaeger-query-config', 'config.yaml');
    expect(config.service.pipelines.traces).toStrictEqual({ receivers: ['nop'], processors: [], exporters: ['nop'] });
    expect(config.extensions.jaeger_query).toStrictEqual({
      storage: { traces: 'elasticsearch' },
      base_path: '/jaeger',
      max_clock_skew_adjust: '500ms',
      // Nothing listens on localhost:4317 in a query-only pod, where Jaeger would send its own traces.
      enable_tracing: false,
      http: { endpoint: '0.0.0.0:16686' },
      grpc: { endpoint: '0.0.0.0:16685' },
    });
  });

  test('Service exposes the UI, gRPC query and metrics only', () => {
    const svc = find(setup().objects, 'Service', 'jaeger-query');
    expect(svc.spec.ports.map((p: any) => p.name)).toStrictEqual(['http-query', 'grpc-query', 'metrics']);
  });

  test('replicas and PDB', () => {
    const { objects } = setup({ replicas: 3 });
    expect(find(objects, 'Deployment', 'jaeger-query').spec.replicas).toBe(3);
    expect(find(objects, 'PodDisruptionBudget', 'jaeger-query').spec.maxUnavailable).toBe(1);
  });

  test('endpoints', () => {
    const { query } = setup();
    expect(query.uiEndpoint.url()).toBe('http://jaeger-query.tracing.svc:16686');
    expect(query.grpcEndpoint.hostPort).toBe('jaeger-query.tracing.svc:16685');
  });

  test('fails if storage is badger', () => {
    expect(() => new JaegerQuery(testChart(), 'q', { storage: TraceStorage.badger() })).toThrow(/'storage' must be a storage shared by several processes.*got "badger"/);
  });

  test('fails if the clock skew is not a Go duration', () => {
    expect(() => setup({ maxClockSkewAdjust: '5 seconds' })).toThrow(/'maxClockSkewAdjust' must be a Go duration.*got "5 seconds"/);
  });

  test('fails if replicas is zero', () => {
    expect(() => setup({ replicas: 0 })).toThrow(/'replicas' must be an integer from 1 to 1000, got 0/);
  });
});
