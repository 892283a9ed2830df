import { parse } from 'yaml';
import { CollectorConfig } from '../../constructs';

/** A sound configuration: one receiver, memory_limiter first, one exporter. */
function sound(): CollectorConfig {
  const config = new CollectorConfig('gateway', { serviceName: 'otel-gateway' });
  config.addReceiver('otlp', { protocols: { grpc: { endpoint: '0.0.0.0:4317' } } });
  config.addProcessor('memory_limiter', { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 });
  config.addProcessor('batch', {});
  config.addExporter('otlp/jaeger', { endpoint: 'jaeger.tracing.svc:4317', tls: { insecure: true } });
  config.addExtension('health_check', { endpoint: '0.0.0.0:13133' });
  config.addPipeline('traces', { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp/jaeger'] });
  return config;
}

describe('CollectorConfig', () => {
  test('renders the document, extensions turned on, telemetry defaults', () => {
    expect(sound().document).toStrictEqual({
      receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' } } } },
      processors: { memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 }, batch: {} },
      exporters: { 'otlp/jaeger': { endpoint: 'jaeger.tracing.svc:4317', tls: { insecure: true } } },
      extensions: { health_check: { endpoint: '0.0.0.0:13133' } },
      service: {
        extensions: ['health_check'],
        pipelines: { traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp/jaeger'] } },
        telemetry: {
          resource: { 'service.name': 'otel-gateway' },
          metrics: { level: 'normal', readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: 8888 } } } }] },
          logs: { level: 'info' },
        },
      },
    });
  });

  test('toYaml parses back to the document', () => {
    const config = sound();
    expect(parse(config.toYaml())).toStrictEqual(config.document);
  });

  test('options: metrics port, listen host and log level', () => {
    const config = new CollectorConfig('c', { serviceName: 's', metricsPort: 9999, listenHost: '127.0.0.1', logLevel: 'debug' });
    expect(config.document.service.telemetry).toStrictEqual({
      resource: { 'service.name': 's' },
      metrics: { level: 'normal', readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: 9999 } } } }] },
      logs: { level: 'debug' },
    });
  });

  test('a sound configuration has no problems', () => {
    expect(sound().validate()).toStrictEqual([]);
  });

  test('add* copies the settings and returns the id', () => {
    const config = new CollectorConfig('c', { serviceName: 's' });
    const settings = { endpoint: 'a:4317' };
    expect(config.addExporter('otlp/a', settings)).toBe('otlp/a');
    (settings as { endpoint: string }).endpoint = 'changed';
    expect(config.document.exporters).toStrictEqual({ 'otlp/a': { endpoint: 'a:4317' } });
    expect(config.exporterIds).toStrictEqual(['otlp/a']);
  });

  test('document is a copy', () => {
    const config = sound();
    config.document.service.pipelines.traces.exporters.push('debug');
    expect(config.document.service.pipelines.traces.exporters).toStrictEqual(['otlp/jaeger']);
  });
});

describe('CollectorConfig.validate', () => {
  test('reports a component a pipeline names but nobody defines', () => {
    const config = sound();
    config.addPipeline('traces/extra', { receivers: ['otlp', 'zipkin'], processors: ['memory_limiter'], exporters: ['otlp/nowhere'] });
    expect(config.validate()).toStrictEqual([
      "gateway: pipeline traces/extra names receiver 'zipkin', which is not defined",
      "gateway: pipeline traces/extra names exporter 'otlp/nowhere', which is not defined",
    ]);
  });

  test('reports components defined but unused', () => {
    const config = sound();
    config.addExporter('debug', { verbosity: 'detailed' });
    config.addProcessor('resource', { attributes: [{ key: 'env', action: 'upsert', value: 'prod' }] });
    expect(config.validate()).toStrictEqual([
      "gateway: processor 'resource' is defined but no pipeline uses it",
      "gateway: exporter 'debug' is defined but no pipeline uses it",
    ]);
  });

  test('reports memory_limiter in a position other than first', () => {
    const config = new CollectorConfig('c', { serviceName: 's' });
    config.addReceiver('otlp', { protocols: {} });
    config.addProcessor('batch', {});
    config.addProcessor('memory_limiter/tight', { check_interval: '1s', limit_percentage: 50, spike_limit_percentage: 10 });
    config.addExporter('debug', {});
    config.addPipeline('traces', { receivers: ['otlp'], processors: ['batch', 'memory_limiter/tight'], exporters: ['debug'] });
    expect(config.validate()).toStrictEqual(['c: pipeline traces must run memory_limiter first, has it at position 2']);
  });

  test('reports an id listed twice in one pipeline', () => {
    const config = sound();
    config.addPipeline('traces/twice', { receivers: ['otlp'], processors: ['memory_limiter', 'batch', 'batch'], exporters: ['otlp/jaeger', 'otlp/jaeger'] });
    expect(config.validate()).toStrictEqual(['gateway: pipeline traces/twice lists batch, otlp/jaeger twice']);
  });

  test('reports a queue in a storage extension that is not defined', () => {
    const config = new CollectorConfig('c', { serviceName: 's' });
    config.addReceiver('otlp', { protocols: {} });
    config.addExporter('otlp/a', { endpoint: 'a:4317', sending_queue: { enabled: true, storage: 'file_storage/queue' } });
    config.addPipeline('traces', { receivers: ['otlp'], processors: [], exporters: ['otlp/a'] });
    expect(config.validate()).toStrictEqual(["c: exporter otlp/a queues in storage 'file_storage/queue', which is not a defined extension"]);
    config.addExtension('file_storage/queue', { directory: '/var/lib/otelcol/queue' });
    expect(config.validate()).toStrictEqual([]);
  });

  test('reports no pipeline, and a pipeline without receiver or exporter', () => {
    const empty = new CollectorConfig('c', { serviceName: 's' });
    expect(empty.validate()).toStrictEqual(['c: the configuration has no pipeline']);
    empty.addPipeline('traces', { receivers: [], processors: [], exporters: [] });
    expect(empty.validate()).toStrictEqual(['c: pipeline traces has no receiver', 'c: pipeline traces has no exporter']);
  });

  describe('listen ports', () => {
    const ALLOWED = 'an address on a port no other server of the collector listens on at an overlapping address (0.0.0.0 overlaps every address)';
    /** The sound configuration plus receivers, all in a second pipeline. */
    function withReceivers(receivers: Record<string, { grpc?: string; http?: string }>, options: { metricsPort?: number } = {}) {
      const config = new CollectorConfig('gateway', { serviceName: 'otel-gateway', ...options });
      config.addReceiver('otlp', { protocols: { grpc: { endpoint: '0.0.0.0:4317' } } });
      config.addProcessor('memory_limiter', { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 });
      config.addExporter('otlp/jaeger', { endpoint: 'jaeger.tracing.svc:4317', tls: { insecure: true } });
      config.addExtension('health_check', { endpoint: '0.0.0.0:13133' });
      config.addPipeline('traces', { receivers: ['otlp'], processors: ['memory_limiter'], exporters: ['otlp/jaeger'] });
      for (const [id, p] of Object.entries(receivers)) {
        config.addReceiver(id as 'otlp', { protocols: { ...(p.grpc ? { grpc: { endpoint: p.grpc } } : {}), ...(p.http ? { http: { endpoint: p.http } } : {}) } });
      }
      if (Object.keys(receivers).length) config.addPipeline('traces/more', { receivers: Object.keys(receivers), processors: [], exporters: ['otlp/jaeger'] });
      return config.validate();
    }

    test('distinct ports, or one port on distinct specific addresses, are sound', () => {
      expect(withReceivers({ 'otlp/b': { grpc: '0.0.0.0:14317', http: '0.0.0.0:14318' } })).toStrictEqual([]);
      expect(withReceivers({ 'otlp/a': { grpc: '10.0.0.1:5317' }, 'otlp/b': { grpc: '10.0.0.2:5317' } })).toStrictEqual([]);
      expect(withReceivers({ 'otlp/b': { grpc: '${env:MY_POD_IP}:5317' } })).toStrictEqual([]);
    });

    test('reports two protocols of one receiver on one port', () => {
      expect(withReceivers({ 'otlp/b': { grpc: '0.0.0.0:5317', http: '0.0.0.0:5317' } })).toStrictEqual([
        `gateway: 'receivers.otlp/b.protocols.http.endpoint' must be ${ALLOWED}: receivers.otlp/b protocols.grpc.endpoint listens on "0.0.0.0:5317", port 5317, got "0.0.0.0:5317"`,
      ]);
    });

    test('reports two receivers on one port of overlapping addresses (a wildcard overlaps every address; localhost is 127.0.0.1)', () => {
      expect(withReceivers({ 'otlp/b': { grpc: '127.0.0.1:4317' } })).toStrictEqual([
        `gateway: 'receivers.otlp/b.protocols.grpc.endpoint' must be ${ALLOWED}: receivers.otlp protocols.grpc.endpoint listens on "0.0.0.0:4317", port 4317, got "127.0.0.1:4317"`,
      ]);
      expect(withReceivers({ 'otlp/a': { http: 'localhost:5318' }, 'otlp/b': { http: '127.0.0.1:5318' } })).toStrictEqual([
        `gateway: 'receivers.otlp/b.protocols.http.endpoint' must be ${ALLOWED}: receivers.otlp/a protocols.http.endpoint listens on "localhost:5318", port 5318, got "127.0.0.1:5318"`,
      ]);
      expect(withReceivers({ 'otlp/a': { http: '10.0.0.1:5318' }, 'otlp/b': { http: '[::]:5318' } })).toHaveLength(1);
    });

    test('reports a receiver on the port of an extension or of the collector\'s own metrics', () => {
      expect(withReceivers({ 'otlp/b': { grpc: '0.0.0.0:13133', http: '0.0.0.0:8888' } })).toStrictEqual([
        `gateway: 'extensions.health_check.endpoint' must be ${ALLOWED}: receivers.otlp/b protocols.grpc.endpoint listens on "0.0.0.0:13133", port 13133, got "0.0.0.0:13133"`,
        `gateway: 'service.telemetry.metrics.readers[0].pull.exporter.prometheus' must be ${ALLOWED}: receivers.otlp/b protocols.http.endpoint listens on "0.0.0.0:8888", port 8888, got "0.0.0.0:8888"`,
      ]);
      expect(withReceivers({ 'otlp/b': { http: '0.0.0.0:8888' } }, { metricsPort: 9999 })).toStrictEqual([]);
    });
  });

  test('fails if a component id is defined twice', () => {
    const config = sound();
    expect(() => config.addExporter('otlp/jaeger', { endpoint: 'other:4317' }))
      .toThrow("gateway: 'exporter' must be an id not used by another exporter, got \"otlp/jaeger\"");
  });

  test('fails if a component id is malformed', () => {
    expect(() => sound().addProcessor('Batch' as 'batch', {}))
      .toThrow("gateway: 'processor' must be a component id \"<type>\" or \"<type>/<name>\", got \"Batch\"");
  });

  test('fails if a pipeline is not a traces pipeline', () => {
    expect(() => sound().addPipeline('metrics', { receivers: ['otlp'], processors: [], exporters: ['otlp/jaeger'] }))
      .toThrow("gateway: 'pipeline' must be a traces pipeline id: \"traces\" or \"traces/<name>\", got \"metrics\"");
  });

  test('fails if a pipeline id is defined twice', () => {
    expect(() => sound().addPipeline('traces', { receivers: ['otlp'], processors: [], exporters: ['otlp/jaeger'] }))
      .toThrow("gateway: 'pipeline' must be an id not used by another pipeline, got \"traces\"");
  });
});
