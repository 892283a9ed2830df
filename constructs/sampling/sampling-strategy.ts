import { requireInteger, requireNumberInRange } from '../_errors';

/**
 * The two head-sampling strategy types of the Jaeger remote sampling protocol, spelled as in Jaeger's
 * strategies file (`"type": "probabilistic"` / `"type": "ratelimiting"`).
 */
export type SamplingStrategyType = 'probabilistic' | 'ratelimiting';

/**
 * The largest `maxTracesPerSecond` Jaeger can serve: its file store converts `param` with `int32(param)`
 * (`internal/sampling/samplingstrategy/file/provider.go`, `parseStrategy`).
 */
const MAX_INT32 = 2_147_483_647;

/**
 * One head-sampling decision rule, as served to SDKs by Jaeger remote sampling.
 *
 * Made only by the validating factories, so every instance is one Jaeger accepts and serves as written:
 *
 * ```ts
 * SamplingStrategy.probabilistic(0.01)   // keep 1% of traces
 * SamplingStrategy.rateLimiting(100)     // keep at most 100 traces per second, per SDK instance
 * ```
 *
 * @see https://www.jaegertracing.io/docs/latest/sampling/#file-based-sampling-configuration
 */
export class SamplingStrategy {
  /**
   * Samples each trace with probability `samplingRate` (by trace id, so every service that uses the
   * same rate keeps the same traces).
   *
   * @param samplingRate probability from 0 (sample nothing) to 1 (sample everything), inclusive
   * @throws if `samplingRate` is not a finite number from 0 to 1
   */
  public static probabilistic(samplingRate: number): SamplingStrategy {
    requireNumberInRange('SamplingStrategy.probabilistic', 'samplingRate', samplingRate, 0, 1);
    return new SamplingStrategy('probabilistic', samplingRate);
  }

  /**
   * Samples at most `maxTracesPerSecond` traces per second in each SDK instance (a leaky bucket in the
   * process, not a cluster-wide budget).
   *
   * Must be a whole number: Jaeger reads `param` as a float64 but serves
   * `maxTracesPerSecond: int32(param)`, so a fraction is silently truncated (`0.9` is served as `0`,
   * which samples nothing). A fractional value is therefore rejected rather than rendered.
   *
   * @param maxTracesPerSecond an integer from 0 to 2147483647
   * @throws if `maxTracesPerSecond` is not an integer from 0 to 2147483647
   */
  public static rateLimiting(maxTracesPerSecond: number): SamplingStrategy {
    requireInteger('SamplingStrategy.rateLimiting', 'maxTracesPerSecond', maxTracesPerSecond, 0, MAX_INT32);
    return new SamplingStrategy('ratelimiting', maxTracesPerSecond);
  }

  /** True for values made by the factories of this class (a plain `{ type, param }` object is not). */
  public static isSamplingStrategy(x: unknown): x is SamplingStrategy {
    return typeof x === 'object' && x !== null && #factoryMade in x;
  }

  /** Makes the class nominal: a structurally equal object literal is not a `SamplingStrategy`. */
  readonly #factoryMade = true;

  /**
   * The strategy type, as Jaeger's strategies file spells it.
   */
  public readonly type: SamplingStrategyType;

  /**
   * The strategy parameter, as Jaeger's strategies file calls it: the sampling probability (0..1) for
   * `probabilistic`, the maximum traces per second (an integer) for `ratelimiting`.
   */
  public readonly param: number;

  private constructor(type: SamplingStrategyType, param: number) {
    this.type = type;
    this.param = param;
  }

  /** Short human-readable form for messages and descriptions: `probabilistic(0.01)`, `ratelimiting(100)`. */
  public toString(): string {
    return `${this.type}(${this.param})`;
  }
}
