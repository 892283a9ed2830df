import { Duration } from 'cdk8s';
import { HeadSampler, SamplingPolicy, SamplingStrategy, TailSamplingPolicy } from '../../constructs';
import { ServiceEndpoint } from '../../constructs/service-endpoint';

const p = SamplingStrategy.probabilistic;

/** Services and operations, to show they pass through to Jaeger unchanged. */
const perService = {
  services: [{ service: 'checkout', strategy: p(0.5), operations: [{ operation: 'POST /pay', strategy: p(1) }] }],
  operations: [{ operation: '/healthz', strategy: p(0) }],
};

describe('SamplingPolicy: one model, three renderings', () => {
  test('defaults: 1% head sampling, Jaeger default 0.01, no tail sampling', () => {
    const policy = new SamplingPolicy();
    expect(policy.ratio).toBe(0.01);
    expect(policy.tailSampling).toBe(false);
    expect(policy.head.toEnv()).toStrictEqual([
      { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' },
      { name: 'OTEL_TRACES_SAMPLER_ARG', value: '0.01' },
    ]);
    expect(policy.strategies.toJaegerJson()).toStrictEqual({ default_strategy: { type: 'probabilistic', param: 0.01 }, service_strategies: [] });
  });

  test('defaults with tail: the whole processor configuration', () => {
    expect(new SamplingPolicy({ tail: {} }).tailSamplingConfig()).toMatchSnapshot();
  });

  describe('without tail', () => {
    const policy = new SamplingPolicy({ ratio: 0.05, ...perService });

    test('head sampler: parentbased_traceidratio at the ratio', () => {
      expect(policy.head.sdkName).toBe('parentbased_traceidratio');
      expect(policy.head.sdkArgument).toBe('0.05');
    });

    test('Jaeger strategies: default probabilistic(ratio); services and operations passed through', () => {
      expect(policy.strategies.toJaegerJson()).toStrictEqual({
        default_strategy: { type: 'probabilistic', param: 0.05, operation_strategies: [{ operation: '/healthz', type: 'probabilistic', param: 0 }] },
        service_strategies: [{ service: 'checkout', type: 'probabilistic', param: 0.5, operation_strategies: [{ operation: 'POST /pay', type: 'probabilistic', param: 1 }] }],
      });
    });

    test('no tail configuration', () => {
      expect(() => policy.tailSamplingConfig())
        .toThrow("SamplingPolicy: 'tail' must be set for a tail-sampling gateway (new SamplingPolicy({ tail: {...} })), got undefined");
    });
  });

  describe('with tail', () => {
    const policy = new SamplingPolicy({ ratio: 0.05, ...perService, tail: { keepSlowerThan: Duration.millis(750) } });

    test('head sampler: parentbased_always_on, so that the gateway sees every trace', () => {
      expect(policy.tailSampling).toBe(true);
      expect(policy.head.toEnv()).toStrictEqual([{ name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_always_on' }]);
    });

    test('Jaeger strategies: default probabilistic 1; services and operations still passed through', () => {
      expect(policy.strategies.toJaegerJson()).toStrictEqual({
        default_strategy: { type: 'probabilistic', param: 1, operation_strategies: [{ operation: '/healthz', type: 'probabilistic', param: 0 }] },
        service_strategies: [{ service: 'checkout', type: 'probabilistic', param: 0.5, operation_strategies: [{ operation: 'POST /pay', type: 'probabilistic', param: 1 }] }],
      });
    });

    test('tail configuration: errors, slow traces, then the baseline at ratio × 100', () => {
      expect(policy.tailSamplingConfig()).toStrictEqual({
        decision_wait: '10s',
        num_traces: 50000,
        policies: [
          { name: 'keep-errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
          { name: 'keep-slow', type: 'latency', latency: { threshold_ms: 750 } },
          { name: 'baseline', type: 'probabilistic', probabilistic: { sampling_percentage: 5 } },
        ],
      });
    });
  });

  test('an explicit head sampler replaces the derived one', () => {
    const source = {
      samplingEndpoint: new ServiceEndpoint('jaeger', 'tracing', 5778, 'sampling-http'),
      samplingGrpcEndpoint: new ServiceEndpoint('jaeger', 'tracing', 5779, 'sampling-grpc'),
    };
    const policy = new SamplingPolicy({ ratio: 0.1, head: HeadSampler.parentBasedJaegerRemote({ source }) });
    expect(policy.head.sdkName).toBe('parentbased_jaeger_remote');
    expect(policy.strategies.defaultStrategy).toStrictEqual(p(0.1));
  });

  test('ratio 0 without tail: the SDKs keep no root trace', () => {
    expect(new SamplingPolicy({ ratio: 0 }).head.sdkArgument).toBe('0');
  });
});

describe('SamplingPolicy tail configuration', () => {
  test('policy order: drop-*, keep-errors, keep-slow, keep extras, baseline', () => {
    const config = new SamplingPolicy({
      ratio: 0.02,
      tail: {
        keepSlowerThan: Duration.seconds(2),
        keep: {
          'vip-tenant': TailSamplingPolicy.stringAttribute('tenant', ['acme']),
          big: TailSamplingPolicy.spanCount(200),
        },
        drop: {
          health: TailSamplingPolicy.stringAttribute('url.path', ['/healthz', '/readyz']),
          synthetic: TailSamplingPolicy.drop({
            probe: TailSamplingPolicy.booleanAttribute('synthetic', true),
            fast: TailSamplingPolicy.latency(Duration.millis(1), Duration.millis(100)),
          }),
        },
      },
    }).tailSamplingConfig();
    expect(config.policies.map(x => x.name)).toStrictEqual(['drop-health', 'drop-synthetic', 'keep-errors', 'keep-slow', 'vip-tenant', 'big', 'baseline']);
    expect(config.policies[0]).toStrictEqual({
      name: 'drop-health',
      type: 'drop',
      drop: { drop_sub_policy: [{ name: 'health', type: 'string_attribute', string_attribute: { key: 'url.path', values: ['/healthz', '/readyz'] } }] },
    });
    expect(config.policies[1]).toStrictEqual({
      name: 'drop-synthetic',
      type: 'drop',
      drop: {
        drop_sub_policy: [
          { name: 'probe', type: 'boolean_attribute', boolean_attribute: { key: 'synthetic', value: true } },
          { name: 'fast', type: 'latency', latency: { threshold_ms: 1, upper_threshold_ms: 100 } },
        ],
      },
    });
    expect(config.policies[3]).toStrictEqual({ name: 'keep-slow', type: 'latency', latency: { threshold_ms: 2000 } });
    expect(config.policies[6]).toStrictEqual({ name: 'baseline', type: 'probabilistic', probabilistic: { sampling_percentage: 2 } });
  });

  test.each([[0.07, 7], [0.29, 29], [0.57, 57], [0.001, 0.1], [1, 100]])('the baseline of ratio %p is exactly %p percent', (ratio, percent) => {
    const baseline = new SamplingPolicy({ ratio, tail: {} }).tailSamplingConfig().policies.find(x => x.name === 'baseline');
    expect(baseline?.probabilistic).toStrictEqual({ sampling_percentage: percent });
  });

  test('decisionWait renders as seconds when whole, else as milliseconds', () => {
    expect(new SamplingPolicy({ tail: { decisionWait: Duration.seconds(10) } }).tailSamplingConfig().decision_wait).toBe('10s');
    expect(new SamplingPolicy({ tail: { decisionWait: Duration.millis(1500) } }).tailSamplingConfig().decision_wait).toBe('1500ms');
    expect(new SamplingPolicy({ tail: { decisionWait: Duration.minutes(1) } }).tailSamplingConfig().decision_wait).toBe('60s');
  });

  test('numTraces, expectedNewTracesPerSec, decision cache and sampleOnFirstMatch', () => {
    const config = new SamplingPolicy({
      tail: { decisionWait: Duration.seconds(5), numTraces: 100_000, expectedNewTracesPerSec: 20_000, decisionCacheSize: 200_000, sampleOnFirstMatch: true },
    }).tailSamplingConfig();
    expect(config).toMatchObject({
      decision_wait: '5s',
      num_traces: 100000,
      expected_new_traces_per_sec: 20000,
      sample_on_first_match: true,
      decision_cache: { sampled_cache_size: 200000, non_sampled_cache_size: 200000 },
    });
  });

  test('keepErrors false and ratio 0 with another keep: only that keep', () => {
    const config = new SamplingPolicy({ ratio: 0, tail: { keepErrors: false, keep: { all: TailSamplingPolicy.alwaysSample() } } }).tailSamplingConfig();
    expect(config.policies).toStrictEqual([{ name: 'all', type: 'always_sample', always_sample: {} }]);
  });

  test('a composite may be a keep', () => {
    const config = new SamplingPolicy({
      tail: { keep: { budget: TailSamplingPolicy.composite({ maxTotalSpansPerSecond: 100, policies: { all: { policy: TailSamplingPolicy.alwaysSample(), percent: 100 } } }) } },
    }).tailSamplingConfig();
    expect(config.policies.map(x => x.type)).toStrictEqual(['status_code', 'composite', 'probabilistic']);
  });

  test('tailSamplingConfig returns a fresh copy', () => {
    const policy = new SamplingPolicy({ tail: {} });
    policy.tailSamplingConfig().policies.pop();
    expect(policy.tailSamplingConfig().policies).toHaveLength(2);
  });
});

describe('SamplingPolicy validation', () => {
  test('fails if ratio is above 1', () => {
    expect(() => new SamplingPolicy({ ratio: 1.5 })).toThrow("SamplingPolicy: 'ratio' must be a number from 0 to 1, got 1.5");
  });

  test('fails if head is not a HeadSampler', () => {
    expect(() => new SamplingPolicy({ head: { sdkName: 'always_on' } as unknown as HeadSampler }))
      .toThrow("SamplingPolicy: 'head' must be a HeadSampler made by one of its factories, got {\"sdkName\":\"always_on\"}");
  });

  test('fails if decisionWait is below 1 s', () => {
    expect(() => new SamplingPolicy({ tail: { decisionWait: Duration.millis(500) } }))
      .toThrow("SamplingPolicy.tail: 'decisionWait' must be a Duration from 1 s to 10 min, in whole milliseconds, got \"500ms\"");
  });

  test('fails if decisionWait is above 10 min', () => {
    expect(() => new SamplingPolicy({ tail: { decisionWait: Duration.minutes(11) } }))
      .toThrow("SamplingPolicy.tail: 'decisionWait' must be a Duration from 1 s to 10 min, in whole milliseconds, got \"660000ms\"");
  });

  test('fails if numTraces is below expectedNewTracesPerSec × decisionWait', () => {
    expect(() => new SamplingPolicy({ tail: { decisionWait: Duration.seconds(10), expectedNewTracesPerSec: 10_000, numTraces: 50_000 } }))
      .toThrow("SamplingPolicy.tail: 'numTraces' must be at least expectedNewTracesPerSec × decisionWait = 100000, or traces are evicted undecided before decisionWait ends, got 50000");
  });

  test('fails if tail keeps nothing: keepErrors false, ratio 0 and no other keep', () => {
    expect(() => new SamplingPolicy({ ratio: 0, tail: { keepErrors: false } }))
      .toThrow("SamplingPolicy.tail: 'policies' must be at least one policy that keeps traces (keepErrors, keepSlowerThan, keep, or a ratio above 0), got []");
  });

  test('fails if tail only drops', () => {
    expect(() => new SamplingPolicy({ ratio: 0, tail: { keepErrors: false, drop: { health: TailSamplingPolicy.stringAttribute('url.path', ['/healthz']) } } }))
      .toThrow(/'policies' must be at least one policy that keeps traces .*, got \["drop-health"\]/);
  });

  test('fails if a keep is named baseline', () => {
    expect(() => new SamplingPolicy({ tail: { keep: { baseline: TailSamplingPolicy.alwaysSample() } } }))
      .toThrow("SamplingPolicy.tail: 'keep' must be policy names distinct from each other and from keep-errors, keep-slow, baseline and drop-<name>, got \"baseline\"");
  });

  test('fails if a keep is a drop', () => {
    const drop = TailSamplingPolicy.drop({ h: TailSamplingPolicy.stringAttribute('url.path', ['/healthz']) });
    expect(() => new SamplingPolicy({ tail: { keep: { h: drop } } }))
      .toThrow(/SamplingPolicy.tail: 'keep.h' must be a policy of type always_sample, .*composite \(the processor does not nest drop here\), got "drop"/);
  });

  test('fails if decisionCacheSize is 0', () => {
    expect(() => new SamplingPolicy({ tail: { decisionCacheSize: 0 } }))
      .toThrow("SamplingPolicy.tail: 'decisionCacheSize' must be an integer from 1 to 100000000, got 0");
  });
});
