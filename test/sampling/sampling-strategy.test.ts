import { SamplingStrategy } from '../../constructs/sampling/sampling-strategy';

describe('SamplingStrategy.probabilistic', () => {
  test('keeps the sampling rate as param', () => {
    const s = SamplingStrategy.probabilistic(0.01);
    expect(s.type).toBe('probabilistic');
    expect(s.param).toBe(0.01);
    expect(s.toString()).toBe('probabilistic(0.01)');
  });

  test('accepts both bounds', () => {
    expect(SamplingStrategy.probabilistic(0).param).toBe(0);
    expect(SamplingStrategy.probabilistic(1).param).toBe(1);
  });

  test('fails if samplingRate is above 1', () => {
    expect(() => SamplingStrategy.probabilistic(1.5)).toThrow(
      "SamplingStrategy.probabilistic: 'samplingRate' must be a number from 0 to 1, got 1.5");
  });

  test('fails if samplingRate is negative', () => {
    expect(() => SamplingStrategy.probabilistic(-0.1)).toThrow(
      "SamplingStrategy.probabilistic: 'samplingRate' must be a number from 0 to 1, got -0.1");
  });

  test('fails if samplingRate is NaN', () => {
    expect(() => SamplingStrategy.probabilistic(NaN)).toThrow(
      "SamplingStrategy.probabilistic: 'samplingRate' must be a number from 0 to 1, got NaN");
  });

  test('fails if samplingRate is Infinity', () => {
    expect(() => SamplingStrategy.probabilistic(Infinity)).toThrow(/'samplingRate' must be a number from 0 to 1, got Infinity/);
  });

  test('fails if samplingRate is not a number', () => {
    // @ts-expect-error a string is not a sampling rate
    expect(() => SamplingStrategy.probabilistic('0.5')).toThrow(/'samplingRate' must be a number from 0 to 1, got "0.5"/);
  });
});

describe('SamplingStrategy.rateLimiting', () => {
  test('keeps the rate as param', () => {
    const s = SamplingStrategy.rateLimiting(100);
    expect(s.type).toBe('ratelimiting');
    expect(s.param).toBe(100);
    expect(s.toString()).toBe('ratelimiting(100)');
  });

  test('accepts 0 and the int32 maximum Jaeger can serve', () => {
    expect(SamplingStrategy.rateLimiting(0).param).toBe(0);
    expect(SamplingStrategy.rateLimiting(2147483647).param).toBe(2147483647);
  });

  test('fails if maxTracesPerSecond is negative', () => {
    expect(() => SamplingStrategy.rateLimiting(-1)).toThrow(
      "SamplingStrategy.rateLimiting: 'maxTracesPerSecond' must be an integer from 0 to 2147483647, got -1");
  });

  test('fails if maxTracesPerSecond is Infinity', () => {
    expect(() => SamplingStrategy.rateLimiting(Infinity)).toThrow(/'maxTracesPerSecond' must be an integer from 0 to 2147483647, got Infinity/);
  });

  test('fails if maxTracesPerSecond is NaN', () => {
    expect(() => SamplingStrategy.rateLimiting(NaN)).toThrow(/'maxTracesPerSecond' must be an integer from 0 to 2147483647, got NaN/);
  });

  test('fails if maxTracesPerSecond is fractional (Jaeger truncates it with int32())', () => {
    expect(() => SamplingStrategy.rateLimiting(0.9)).toThrow(
      "SamplingStrategy.rateLimiting: 'maxTracesPerSecond' must be an integer from 0 to 2147483647, got 0.9");
  });

  test('fails if maxTracesPerSecond does not fit in an int32', () => {
    expect(() => SamplingStrategy.rateLimiting(2147483648)).toThrow(/got 2147483648/);
  });
});

describe('SamplingStrategy.isSamplingStrategy', () => {
  test('is true only for factory-made values', () => {
    expect(SamplingStrategy.isSamplingStrategy(SamplingStrategy.probabilistic(0.5))).toBe(true);
    expect(SamplingStrategy.isSamplingStrategy({ type: 'probabilistic', param: 0.5 })).toBe(false);
    expect(SamplingStrategy.isSamplingStrategy(null)).toBe(false);
    expect(SamplingStrategy.isSamplingStrategy('probabilistic')).toBe(false);
  });

  test('a structurally equal object literal does not type-check as a SamplingStrategy', () => {
    // @ts-expect-error the class is nominal: only the factories make one
    const s: SamplingStrategy = { type: 'probabilistic', param: 0.5, toString: () => '' };
    expect(SamplingStrategy.isSamplingStrategy(s)).toBe(false);
  });
});
