import { Duration } from 'cdk8s';
import { HeadSampler, IRemoteSamplingSource, JaegerAllInOne, RemoteSamplingProtocol } from '../../constructs';
import { ServiceEndpoint } from '../../constructs/service-endpoint';
import { testChart } from '../_support/synth';

/** A Jaeger serving sampling strategies, as a plain value (what HeadSampler reads of it). */
const source: IRemoteSamplingSource = {
  samplingEndpoint: new ServiceEndpoint('jaeger-collector', 'tracing', 5778, 'sampling-http'),
  samplingGrpcEndpoint: new ServiceEndpoint('jaeger-collector', 'tracing', 5779, 'sampling-grpc'),
};

describe('HeadSampler factories: OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG', () => {
  test.each([
    ['alwaysOn', HeadSampler.alwaysOn(), 'always_on'],
    ['alwaysOff', HeadSampler.alwaysOff(), 'always_off'],
    ['parentBasedAlwaysOn', HeadSampler.parentBasedAlwaysOn(), 'parentbased_always_on'],
    ['parentBasedAlwaysOff', HeadSampler.parentBasedAlwaysOff(), 'parentbased_always_off'],
  ])('%s takes no argument', (_, sampler, name) => {
    expect(sampler.sdkName).toBe(name);
    expect(sampler.sdkArgument).toBeUndefined();
    expect(sampler.toEnv()).toStrictEqual([{ name: 'OTEL_TRACES_SAMPLER', value: name }]);
    expect(sampler.toString()).toBe(name);
  });

  test('traceIdRatio renders the ratio', () => {
    expect(HeadSampler.traceIdRatio(0.25).toEnv()).toStrictEqual([
      { name: 'OTEL_TRACES_SAMPLER', value: 'traceidratio' },
      { name: 'OTEL_TRACES_SAMPLER_ARG', value: '0.25' },
    ]);
  });

  test('parentBasedTraceIdRatio renders the ratio', () => {
    const s = HeadSampler.parentBasedTraceIdRatio(0.01);
    expect(s.ratio).toBe(0.01);
    expect(s.toEnv()).toStrictEqual([
      { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' },
      { name: 'OTEL_TRACES_SAMPLER_ARG', value: '0.01' },
    ]);
    expect(s.toString()).toBe('parentbased_traceidratio(0.01)');
  });

  test('ratios of 0 and 1 are accepted', () => {
    expect(HeadSampler.traceIdRatio(0).sdkArgument).toBe('0');
    expect(HeadSampler.parentBasedTraceIdRatio(1).sdkArgument).toBe('1');
  });

  test('jaegerRemote defaults: HTTP endpoint /sampling on 5778, one minute, 0.001', () => {
    expect(HeadSampler.jaegerRemote({ source }).toEnv()).toStrictEqual([
      { name: 'OTEL_TRACES_SAMPLER', value: 'jaeger_remote' },
      { name: 'OTEL_TRACES_SAMPLER_ARG', value: 'endpoint=http://jaeger-collector.tracing.svc:5778/sampling,pollingIntervalMs=60000,initialSamplingRate=0.001' },
    ]);
  });

  test('parentBasedJaegerRemote over HTTP', () => {
    const s = HeadSampler.parentBasedJaegerRemote({ source, protocol: RemoteSamplingProtocol.HTTP });
    expect(s.sdkName).toBe('parentbased_jaeger_remote');
    expect(s.sdkArgument).toBe('endpoint=http://jaeger-collector.tracing.svc:5778/sampling,pollingIntervalMs=60000,initialSamplingRate=0.001');
  });

  test('parentBasedJaegerRemote over gRPC: the 5779 endpoint, no path', () => {
    const s = HeadSampler.parentBasedJaegerRemote({ source, protocol: RemoteSamplingProtocol.GRPC });
    expect(s.sdkArgument).toBe('endpoint=http://jaeger-collector.tracing.svc:5779,pollingIntervalMs=60000,initialSamplingRate=0.001');
  });

  test('pollingInterval and initialSamplingRate go into the argument', () => {
    const s = HeadSampler.jaegerRemote({ source, pollingInterval: Duration.seconds(30), initialSamplingRate: 0.5 });
    expect(s.sdkArgument).toBe('endpoint=http://jaeger-collector.tracing.svc:5778/sampling,pollingIntervalMs=30000,initialSamplingRate=0.5');
    expect(s.remote).toMatchObject({ protocol: RemoteSamplingProtocol.HTTP, initialSamplingRate: 0.5 });
  });

  test('the endpoint comes from a JaegerAllInOne construct', () => {
    const jaeger = new JaegerAllInOne(testChart('observability'), 'jaeger');
    expect(HeadSampler.parentBasedJaegerRemote({ source: jaeger }).sdkArgument)
      .toBe('endpoint=http://jaeger.observability.svc:5778/sampling,pollingIntervalMs=60000,initialSamplingRate=0.001');
    expect(HeadSampler.parentBasedJaegerRemote({ source: jaeger, protocol: RemoteSamplingProtocol.GRPC }).sdkArgument)
      .toBe('endpoint=http://jaeger.observability.svc:5779,pollingIntervalMs=60000,initialSamplingRate=0.001');
  });

  test('isHeadSampler is true only for factory-made values', () => {
    expect(HeadSampler.isHeadSampler(HeadSampler.alwaysOn())).toBe(true);
    expect(HeadSampler.isHeadSampler({ sdkName: 'always_on' })).toBe(false);
    expect(HeadSampler.isHeadSampler(undefined)).toBe(false);
  });
});

describe('HeadSampler validation', () => {
  test('fails if ratio is above 1', () => {
    expect(() => HeadSampler.parentBasedTraceIdRatio(1.5))
      .toThrow("HeadSampler.parentBasedTraceIdRatio: 'ratio' must be a number from 0 to 1, got 1.5");
  });

  test('fails if ratio is negative', () => {
    expect(() => HeadSampler.traceIdRatio(-0.1)).toThrow("HeadSampler.traceIdRatio: 'ratio' must be a number from 0 to 1, got -0.1");
  });

  test('fails if ratio is NaN', () => {
    expect(() => HeadSampler.traceIdRatio(NaN)).toThrow(/'ratio' must be a number from 0 to 1, got NaN/);
  });

  test('fails if pollingInterval is below 100 ms', () => {
    expect(() => HeadSampler.parentBasedJaegerRemote({ source, pollingInterval: Duration.millis(50) }))
      .toThrow("HeadSampler.parentBasedJaegerRemote: 'pollingInterval' must be an integer from 100 to 2147483647, got 50");
  });

  test('fails if pollingInterval is not whole milliseconds', () => {
    expect(() => HeadSampler.jaegerRemote({ source, pollingInterval: Duration.millis(150.5) }))
      .toThrow(/'pollingInterval' must be an integer from 100 to 2147483647, got 150.5/);
  });

  test('fails if initialSamplingRate is above 1', () => {
    expect(() => HeadSampler.jaegerRemote({ source, initialSamplingRate: 2 }))
      .toThrow("HeadSampler.jaegerRemote: 'initialSamplingRate' must be a number from 0 to 1, got 2");
  });

  test('fails if there is no source', () => {
    // @ts-expect-error source is required
    expect(() => HeadSampler.jaegerRemote({})).toThrow(/HeadSampler.jaegerRemote: 'source' must be a Jaeger that serves sampling strategies .*, got undefined/);
  });

  test('fails if protocol is not one of http, grpc', () => {
    expect(() => HeadSampler.jaegerRemote({ source, protocol: 'thrift' as RemoteSamplingProtocol }))
      .toThrow("HeadSampler.jaegerRemote: 'protocol' must be one of http, grpc, got \"thrift\"");
  });
});
