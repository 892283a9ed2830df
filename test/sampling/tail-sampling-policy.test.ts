import { Duration } from 'cdk8s';
import { SpanStatusCode, TailSamplingPolicy } from '../../constructs';

// Key names are those of processor/tailsamplingprocessor v0.140.1 (config.go `mapstructure` tags).

describe('TailSamplingPolicy leaf policies render as the processor reads them', () => {
  test('alwaysSample', () => {
    expect(TailSamplingPolicy.alwaysSample().toConfig('all')).toStrictEqual({ name: 'all', type: 'always_sample', always_sample: {} });
  });

  test('errors is status_code ERROR', () => {
    expect(TailSamplingPolicy.errors().toConfig('errors')).toStrictEqual({
      name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] },
    });
  });

  test('statusCodes keeps the codes in order', () => {
    expect(TailSamplingPolicy.statusCodes(['ERROR', 'UNSET']).toConfig('s')).toStrictEqual({
      name: 's', type: 'status_code', status_code: { status_codes: ['ERROR', 'UNSET'] },
    });
  });

  test('latency: threshold_ms', () => {
    expect(TailSamplingPolicy.latency(Duration.millis(500)).toConfig('slow')).toStrictEqual({
      name: 'slow', type: 'latency', latency: { threshold_ms: 500 },
    });
  });

  test('latency with an upper threshold: upper_threshold_ms', () => {
    expect(TailSamplingPolicy.latency(Duration.seconds(1), Duration.seconds(5)).toConfig('slow')).toStrictEqual({
      name: 'slow', type: 'latency', latency: { threshold_ms: 1000, upper_threshold_ms: 5000 },
    });
  });

  test('probabilistic: sampling_percentage, hash_salt only when given', () => {
    expect(TailSamplingPolicy.probabilistic(2.5).toConfig('p')).toStrictEqual({
      name: 'p', type: 'probabilistic', probabilistic: { sampling_percentage: 2.5 },
    });
    expect(TailSamplingPolicy.probabilistic(100, 'tier-2').toConfig('p')).toStrictEqual({
      name: 'p', type: 'probabilistic', probabilistic: { sampling_percentage: 100, hash_salt: 'tier-2' },
    });
  });

  test('rateLimiting: rate_limiting.spans_per_second', () => {
    expect(TailSamplingPolicy.rateLimiting(500).toConfig('r')).toStrictEqual({
      name: 'r', type: 'rate_limiting', rate_limiting: { spans_per_second: 500 },
    });
  });

  test('stringAttribute: key and values, flags only when on', () => {
    expect(TailSamplingPolicy.stringAttribute('http.route', ['/pay', '/cart']).toConfig('s')).toStrictEqual({
      name: 's', type: 'string_attribute', string_attribute: { key: 'http.route', values: ['/pay', '/cart'] },
    });
    expect(TailSamplingPolicy.stringAttribute('url.path', ['^/health.*'], { regex: true, invert: true }).toConfig('s')).toStrictEqual({
      name: 's',
      type: 'string_attribute',
      string_attribute: { key: 'url.path', values: ['^/health.*'], enabled_regex_matching: true, invert_match: true },
    });
  });

  test('numericAttribute: min_value and max_value (int64 bound when open)', () => {
    expect(TailSamplingPolicy.numericAttribute('http.response.status_code', 500, 599).toConfig('n')).toStrictEqual({
      name: 'n', type: 'numeric_attribute', numeric_attribute: { key: 'http.response.status_code', min_value: 500, max_value: 599 },
    });
    expect(TailSamplingPolicy.numericAttribute('retries', 3, undefined, { invert: true }).toConfig('n')).toStrictEqual({
      name: 'n', type: 'numeric_attribute', numeric_attribute: { key: 'retries', min_value: 3, max_value: Number.MAX_SAFE_INTEGER, invert_match: true },
    });
  });

  test('booleanAttribute: key, value, invert_match', () => {
    expect(TailSamplingPolicy.booleanAttribute('debug', true).toConfig('b')).toStrictEqual({
      name: 'b', type: 'boolean_attribute', boolean_attribute: { key: 'debug', value: true },
    });
    expect(TailSamplingPolicy.booleanAttribute('synthetic', false, { invert: true }).toConfig('b')).toStrictEqual({
      name: 'b', type: 'boolean_attribute', boolean_attribute: { key: 'synthetic', value: false, invert_match: true },
    });
  });

  test('spanCount: min_spans, max_spans only when given', () => {
    expect(TailSamplingPolicy.spanCount(10).toConfig('c')).toStrictEqual({ name: 'c', type: 'span_count', span_count: { min_spans: 10 } });
    expect(TailSamplingPolicy.spanCount(2, 50).toConfig('c')).toStrictEqual({ name: 'c', type: 'span_count', span_count: { min_spans: 2, max_spans: 50 } });
  });

  test('toConfig returns a fresh copy each time', () => {
    const p = TailSamplingPolicy.statusCodes(['ERROR']);
    const a = p.toConfig('x');
    (a.status_code!.status_codes as string[]).push('OK');
    expect(p.toConfig('x').status_code).toStrictEqual({ status_codes: ['ERROR'] });
  });
});

describe('TailSamplingPolicy compound policies', () => {
  test('and: and_sub_policy, named by the record keys in order', () => {
    const p = TailSamplingPolicy.and({
      checkout: TailSamplingPolicy.stringAttribute('service.name', ['checkout']),
      slow: TailSamplingPolicy.latency(Duration.millis(200)),
    });
    expect(p.type).toBe('and');
    expect(p.toConfig('slow-checkout')).toStrictEqual({
      name: 'slow-checkout',
      type: 'and',
      and: {
        and_sub_policy: [
          { name: 'checkout', type: 'string_attribute', string_attribute: { key: 'service.name', values: ['checkout'] } },
          { name: 'slow', type: 'latency', latency: { threshold_ms: 200 } },
        ],
      },
    });
  });

  test('drop: drop_sub_policy', () => {
    expect(TailSamplingPolicy.drop({ health: TailSamplingPolicy.stringAttribute('url.path', ['/healthz', '/readyz']) }).toConfig('drop-health')).toStrictEqual({
      name: 'drop-health',
      type: 'drop',
      drop: { drop_sub_policy: [{ name: 'health', type: 'string_attribute', string_attribute: { key: 'url.path', values: ['/healthz', '/readyz'] } }] },
    });
  });

  test('composite: max_total_spans_per_second, policy_order, composite_sub_policy, rate_allocation', () => {
    const p = TailSamplingPolicy.composite({
      maxTotalSpansPerSecond: 1000,
      policies: {
        errors: { policy: TailSamplingPolicy.errors(), percent: 50 },
        'slow-checkout': {
          policy: TailSamplingPolicy.and({ svc: TailSamplingPolicy.stringAttribute('service.name', ['checkout']), slow: TailSamplingPolicy.latency(Duration.millis(300)) }),
          percent: 30,
        },
        rest: { policy: TailSamplingPolicy.alwaysSample(), percent: 20 },
      },
    });
    expect(p.toConfig('budget')).toStrictEqual({
      name: 'budget',
      type: 'composite',
      composite: {
        max_total_spans_per_second: 1000,
        policy_order: ['errors', 'slow-checkout', 'rest'],
        composite_sub_policy: [
          { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
          {
            name: 'slow-checkout',
            type: 'and',
            and: {
              and_sub_policy: [
                { name: 'svc', type: 'string_attribute', string_attribute: { key: 'service.name', values: ['checkout'] } },
                { name: 'slow', type: 'latency', latency: { threshold_ms: 300 } },
              ],
            },
          },
          { name: 'rest', type: 'always_sample', always_sample: {} },
        ],
        rate_allocation: [
          { policy: 'errors', percent: 50 },
          { policy: 'slow-checkout', percent: 30 },
          { policy: 'rest', percent: 20 },
        ],
      },
    });
  });

  test('isTailSamplingPolicy is true only for factory-made values', () => {
    expect(TailSamplingPolicy.isTailSamplingPolicy(TailSamplingPolicy.errors())).toBe(true);
    expect(TailSamplingPolicy.isTailSamplingPolicy({ type: 'status_code' })).toBe(false);
  });
});

describe('TailSamplingPolicy validation', () => {
  test('fails if probabilistic percentage is 0', () => {
    expect(() => TailSamplingPolicy.probabilistic(0))
      .toThrow("TailSamplingPolicy.probabilistic: 'percentage' must be more than 0 (a 0% policy keeps nothing: leave it out), got 0");
  });

  test('fails if probabilistic percentage is above 100', () => {
    expect(() => TailSamplingPolicy.probabilistic(101))
      .toThrow("TailSamplingPolicy.probabilistic: 'percentage' must be a number from 0 to 100, got 101");
  });

  test('fails if hashSalt is empty', () => {
    expect(() => TailSamplingPolicy.probabilistic(5, '')).toThrow("TailSamplingPolicy.probabilistic: 'hashSalt' must be a non-empty string, got \"\"");
  });

  test('fails if latency threshold is 0 ms', () => {
    expect(() => TailSamplingPolicy.latency(Duration.millis(0)))
      .toThrow("TailSamplingPolicy.latency: 'threshold' must be a Duration of whole milliseconds, at least 1 ms, got \"0ms\"");
  });

  test('fails if latency threshold is not whole milliseconds', () => {
    expect(() => TailSamplingPolicy.latency(Duration.millis(0.5)))
      .toThrow("TailSamplingPolicy.latency: 'threshold' must be a Duration of whole milliseconds, at least 1 ms, got \"0.5ms\"");
  });

  test('fails if the upper threshold is below the threshold', () => {
    expect(() => TailSamplingPolicy.latency(Duration.millis(500), Duration.millis(200)))
      .toThrow("TailSamplingPolicy.latency: 'upperThreshold' must be a Duration of whole milliseconds, at least 501 ms, got \"200ms\"");
  });

  test('fails if rateLimiting is fractional', () => {
    expect(() => TailSamplingPolicy.rateLimiting(0.5))
      .toThrow("TailSamplingPolicy.rateLimiting: 'spansPerSecond' must be an integer >= 1, got 0.5");
  });

  test('fails if a status code is not OK, ERROR or UNSET', () => {
    expect(() => TailSamplingPolicy.statusCodes(['FATAL' as SpanStatusCode]))
      .toThrow("TailSamplingPolicy.statusCodes: 'codes' must be a non-empty list of distinct status codes from \"OK\", \"ERROR\", \"UNSET\", got [\"FATAL\"]");
  });

  test('fails if status codes repeat or are empty', () => {
    expect(() => TailSamplingPolicy.statusCodes(['ERROR', 'ERROR'])).toThrow(/'codes' must be a non-empty list of distinct status codes .*, got \["ERROR","ERROR"\]/);
    expect(() => TailSamplingPolicy.statusCodes([])).toThrow(/'codes' must be a non-empty list .*, got \[\]/);
  });

  test('fails if a regex value does not compile', () => {
    expect(() => TailSamplingPolicy.stringAttribute('url.path', ['/ok', '(unclosed'], { regex: true }))
      .toThrow("TailSamplingPolicy.stringAttribute: 'values[1]' must be a valid regular expression (regex is on), got \"(unclosed\"");
  });

  test('fails if string values are empty', () => {
    expect(() => TailSamplingPolicy.stringAttribute('url.path', [])).toThrow("TailSamplingPolicy.stringAttribute: 'values' must be a non-empty list of strings, got []");
  });

  test('fails if an attribute key has surrounding whitespace', () => {
    expect(() => TailSamplingPolicy.booleanAttribute(' debug', true))
      .toThrow("TailSamplingPolicy.booleanAttribute: 'key' must be a non-empty attribute name without surrounding whitespace, got \" debug\"");
  });

  test('fails if numeric max is below min', () => {
    expect(() => TailSamplingPolicy.numericAttribute('code', 500, 400)).toThrow("TailSamplingPolicy.numericAttribute: 'max' must be an integer >= 500, got 400");
  });

  test('fails if spanCount max is below min', () => {
    expect(() => TailSamplingPolicy.spanCount(10, 5)).toThrow("TailSamplingPolicy.spanCount: 'max' must be an integer from 10 to 2147483647, got 5");
  });

  test('fails if composite percents sum to more than 100', () => {
    expect(() => TailSamplingPolicy.composite({
      maxTotalSpansPerSecond: 100,
      policies: { a: { policy: TailSamplingPolicy.errors(), percent: 60 }, b: { policy: TailSamplingPolicy.alwaysSample(), percent: 50 } },
    })).toThrow("TailSamplingPolicy.composite: 'policies[*].percent' must be a total of at most 100, got 110");
  });

  test('fails if a composite percent is 0', () => {
    expect(() => TailSamplingPolicy.composite({ maxTotalSpansPerSecond: 100, policies: { a: { policy: TailSamplingPolicy.errors(), percent: 0 } } }))
      .toThrow("TailSamplingPolicy.composite: 'policies.a.percent' must be an integer from 1 to 100, got 0");
  });

  test('fails if a composite nests another composite', () => {
    const inner = TailSamplingPolicy.composite({ maxTotalSpansPerSecond: 10, policies: { a: { policy: TailSamplingPolicy.errors(), percent: 100 } } });
    expect(() => TailSamplingPolicy.composite({ maxTotalSpansPerSecond: 100, policies: { inner: { policy: inner, percent: 100 } } }))
      .toThrow(/TailSamplingPolicy.composite: 'policies.inner' must be a policy of type .*and \(the processor does not nest composite here\), got "composite"/);
  });

  test('fails if and() nests a drop', () => {
    const drop = TailSamplingPolicy.drop({ health: TailSamplingPolicy.stringAttribute('url.path', ['/healthz']) });
    expect(() => TailSamplingPolicy.and({ d: drop }))
      .toThrow(/^TailSamplingPolicy.and: 'policies.d' must be a policy of type always_sample, latency, .*boolean_attribute \(the processor does not nest drop here\), got "drop"$/);
  });

  test('fails if drop() nests an and', () => {
    const and = TailSamplingPolicy.and({ e: TailSamplingPolicy.errors() });
    expect(() => TailSamplingPolicy.drop({ a: and })).toThrow(/TailSamplingPolicy.drop: 'policies.a' must be a policy of type .*\(the processor does not nest and here\), got "and"/);
  });

  test('fails if and() is empty', () => {
    expect(() => TailSamplingPolicy.and({})).toThrow("TailSamplingPolicy.and: 'policies' must be a non-empty record of named TailSamplingPolicy values, got {}");
  });

  test('fails if a sub-policy name has a space', () => {
    expect(() => TailSamplingPolicy.and({ 'my policy': TailSamplingPolicy.errors() }))
      .toThrow("TailSamplingPolicy.and: 'policies name' must be a name of letters, digits, \"_\", \".\" and \"-\", starting with a letter or digit, got \"my policy\"");
  });

  test('fails if a sub-policy is not factory-made', () => {
    const fake = { type: 'always_sample' } as unknown as TailSamplingPolicy;
    expect(() => TailSamplingPolicy.and({ fake })).toThrow(/TailSamplingPolicy.and: 'policies.fake' must be a TailSamplingPolicy made by one of its factories, got \{"type":"always_sample"\}/);
  });
});
