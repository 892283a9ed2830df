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
    expect(() => new JaegerConfig('test', { serviceName: 'q', storageName: 'm', storage: memory })).toThrow(/test: 'roles' must be at least one of receive \(collector\), ingest \(ingester\) or query, got "none"/);
  });

  describe('with Kafka', () => {
    const client = { brokers: ['kafka:9092'], client_id: 'x' };
    const traces = { topic: 'jaeger-spans', encoding: 'otlp_proto' };
    const exporter = { ...client, traces, partition_traces_by_id: true, producer: { required_acks: -1 as const, compression: 'none' as const } };
    const receiver = {
      ...client, traces, group_id: 'g', initial_offset: 'earliest' as const,
      message_marking: { after: true, on_error: false, on_permanent_error: true },
      error_backoff: { enabled: true, initial_interval: '1s', randomization_factor: 0.5, multiplier: 1.5, max_interval: '30s', max_elapsed_time: '0s' },
    };

    test('a collector writing to Kafka has no storage', () => {
      const config = new JaegerConfig('test', { serviceName: 'c', receive: { protocols: [SpanProtocol.OTLP_GRPC], kafka: exporter } });
      expect(config.document.exporters).toStrictEqual({ kafka: exporter });
      expect(config.document.extensions).toStrictEqual({ healthcheckv2: { use_v2: true, http: { endpoint: '0.0.0.0:13133' } } });
      expect(config.validate()).toStrictEqual([]);
    });

    test('serving sampling strategies, it gets a one-trace memory backend: remote_sampling needs the jaeger_storage extension', () => {
      const config = new JaegerConfig('test', { serviceName: 'c', receive: { protocols: [SpanProtocol.OTLP_GRPC], kafka: exporter, samplingStrategiesFile: '/s.json' } });
      expect(config.document.extensions.jaeger_storage).toStrictEqual({ backends: { unused: { memory: { max_traces: 1 } } } });
      expect(config.document.service.extensions).toStrictEqual(['healthcheckv2', 'jaeger_storage', 'remote_sampling']);
      expect(config.validate()).toStrictEqual([]);
      const broken = config.document as { -readonly [K in keyof JaegerConfigDocument]: any };
      delete broken.extensions.jaeger_storage;
      broken.service.extensions = ['healthcheckv2', 'remote_sampling'];
      expect(config.validate()).toStrictEqual(['test: extension remote_sampling needs extension jaeger_storage, which is not defined (Jaeger fails at start)']);
    });

    test('an ingester: Kafka receiver, memory limiter, storage exporter', () => {
      const config = new JaegerConfig('test', { serviceName: 'i', storageName: 'main', storage: memory, ingest: { kafka: receiver } });
      expect(config.document.service.pipelines.traces).toStrictEqual({ receivers: ['kafka'], processors: ['memory_limiter'], exporters: ['jaeger_storage_exporter'] });
      expect(config.document.receivers).toStrictEqual({ kafka: receiver });
      expect(config.validate()).toStrictEqual([]);
    });

    test('fails if roles are combined that Jaeger\'s Kafka deployment keeps apart', () => {
      expect(() => new JaegerConfig('test', { serviceName: 'i', storageName: 'm', storage: memory, ingest: { kafka: receiver }, query: {} }))
        .toThrow(/test: 'roles' must be ingest alone .*got "ingest\+query"/);
      expect(() => new JaegerConfig('test', { serviceName: 'c', receive: { protocols: [SpanProtocol.OTLP_GRPC], kafka: exporter }, query: {} }))
        .toThrow(/'roles' must be receive \(to Kafka\) alone/);
    });

    test('fails if the storage is missing, or given to a collector writing to Kafka', () => {
      expect(() => new JaegerConfig('test', { serviceName: 'i', ingest: { kafka: receiver } })).toThrow(/test: 'storage' must be a storage backend/);
      expect(() => new JaegerConfig('test', { serviceName: 'c', storageName: 'm', storage: memory, receive: { protocols: [SpanProtocol.OTLP_GRPC], kafka: exporter } }))
        .toThrow(/'storage' must be unset for a collector writing to Kafka .*got "m"/);
    });
  });
});
