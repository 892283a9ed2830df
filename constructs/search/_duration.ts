import { Duration } from 'cdk8s';
import { isDuration } from '../_cdk8s-values';
import { ErrorScope, propError } from '../_errors';

/** A unit of a rendered duration, with its length in microseconds. */
interface DurationUnit {
  readonly suffix: string;
  readonly micros: number;
}

const HOURS: DurationUnit = { suffix: 'h', micros: 3_600_000_000 };
const MINUTES: DurationUnit = { suffix: 'm', micros: 60_000_000 };
const SECONDS: DurationUnit = { suffix: 's', micros: 1_000_000 };
const MILLIS: DurationUnit = { suffix: 'ms', micros: 1_000 };
const MICROS: DurationUnit = { suffix: 'us', micros: 1 };

/**
 * Units that Go's `time.ParseDuration` (Jaeger's `minDuration`) and TraceQL duration literals
 * both accept. Days are not among them: 1 day renders as `24h`.
 */
export const GO_DURATION_UNITS: readonly DurationUnit[] = [HOURS, MINUTES, SECONDS, MILLIS, MICROS];

/** Units of the Prometheus durations this library writes (scrape intervals, ranges, `for`): whole seconds. */
export const PROMETHEUS_DURATION_UNITS: readonly DurationUnit[] = [HOURS, MINUTES, SECONDS];

/** Units of Grafana's interval strings (time shifts): no microseconds. */
export const GRAFANA_INTERVAL_UNITS: readonly DurationUnit[] = [HOURS, MINUTES, SECONDS, MILLIS];

/**
 * Renders a positive cdk8s Duration as one integer and the largest unit that divides it exactly
 * (`1s`, `90s`, `1500ms`, `24h`), so that every consumer parses it to the same value.
 * Throws unless the duration is > 0 and a whole number of the smallest unit allowed.
 */
export function renderDuration(scope: ErrorScope, field: string, value: Duration, units: readonly DurationUnit[] = GO_DURATION_UNITS): string {
  if (!isDuration(value)) {
    throw propError(scope, field, value, 'a cdk8s Duration, such as Duration.seconds(1)');
  }
  const smallest = units[units.length - 1];
  const micros = value.toMilliseconds({ integral: false }) * 1000;
  const whole = Math.round(micros / smallest.micros) * smallest.micros;
  if (!Number.isFinite(micros) || micros <= 0 || Math.abs(micros - whole) > 1e-6 * Math.max(1, micros)) {
    throw propError(scope, field, value.toHumanString(), `a duration > 0 and a whole number of ${smallest.suffix}`);
  }
  const unit = units.find(u => whole % u.micros === 0) ?? smallest;
  return `${whole / unit.micros}${unit.suffix}`;
}
