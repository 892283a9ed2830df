import { parse } from 'yaml';
import { JaegerConfig, JaegerConfigDocument, SpanProtocol } from '../../constructs';

const memory = { memory: { max_traces: 10 } };

describe('JaegerConfig', () => {
  test('collector and query in one process', () => {
    const config = new JaegerConfig('test', {
      serviceName: 'jaeger', storageName: 'main', storage: memory,
      receive: { protocols: [SpanProtocol.OTLP_GRPC], samplingStrategiesFile: '/s.json' }, query: {},
    });
    expect(parse(config.toYaml())).toStrictEqual(config.document);
    expect(config.validate()).toStrictEqual([]);
    expect(config.toYaml()).toMatchSnapshot();
  });

  test('renders only keys of the Jaeger 2.13 configuration', () => {
    const config = new JaegerConfig('test', {
      serviceName: 'jaeger', storageName: 'main', storage: memory,
      receive: { protocols: Object.values(SpanProtocol), samplingStrategiesFile: '/s.json' }, query: { basePath: '/x', maxClockSkewAdjust: '1s' },
    });
    const d = config.document;
    expect(Object.keys(d)).toStrictEqual(['service', 'extensions', 'receivers', 'processors', 'exporters']);
    expect(Object.keys(d.extensions)).toStrictEqual(['healthcheckv2', 'jaeger_storage', 'jaeger_query', 'remote_sampling']);
    expect(Object.keys(d.extensions.jaeger_query!)).toStrictEqual(['storage', 'base_path', 'max_clock_skew_adjust', 'http', 'grpc']);
    expect(Object.keys(d.extensions.remote_sampling!)).toStrictEqual(['file', 'http', 'grpc']);
    expect(Object.keys(d.receivers.jaeger!.protocols)).toStrictEqual(['grpc', 'thrift_http', 'thrift_compact', 'thrift_binary']);
  });

  test('a query-only process runs a nop pipeline', () => {
    const config = new JaegerConfig('test', { serviceName: 'q', storageName: 'main', storage: memory, query: {} });
    expect(config.document.service.pipelines.traces).toStrictEqual({ receivers: ['nop'], processors: [], exporters: ['nop'] });
    expect(config.document.receivers).toStrictEqual({ nop: {} });
    expect(config.validate()).toStrictEqual([]);
  });

  test('listen host can be changed (for loopback tests)', () => {
    const config = new JaegerConfig('test', { serviceName: 'q', storageName: 'm', storage: memory, query: {}, listenHost: '127.0.0.1' });
    expect(config.document.extensions.jaeger_query!.http).toStrictEqual({ endpoint: '127.0.0.1:16686' });
  });

  test('validate reports names that nothing defines', () => {
    const config = new JaegerConfig('test', { serviceName: 'q', storageName: 'main', storage: memory, receive: { protocols: [SpanProtocol.OTLP_HTTP] }, query: {} });
    const broken = config.document as { -readonly [K in keyof JaegerConfigDocument]: any };
    broken.exporters.jaeger_storage_exporter = { trace_storage: 'elsewhere' };
    broken.extensions.jaeger_query.storage = { traces: 'missing' };
    broken.service.pipelines.traces.processors = ['batch', 'tail_sampling'];
    broken.service.extensions = [...broken.service.extensions, 'pprof'];
    expect(config.validate()).toStrictEqual([
      "test: pipeline traces names processor 'tail_sampling', which is not defined",
      "test: service.extensions names extension 'pprof', which is not defined",
      "test: jaeger_storage_exporter.trace_storage names storage backend 'elsewhere', which is not defined",
      "test: jaeger_query.storage.traces names storage backend 'missing', which is not defined",
    ]);
  });

  test('fails if the process has no role', () => {
    expect(() => new JaegerConfig('test', { serviceName: 'q', storageName: 'm', storage: memory })).toThrow(/test: 'roles' must be at least one of receive \(collector\) or query, got "none"/);
  });
});
