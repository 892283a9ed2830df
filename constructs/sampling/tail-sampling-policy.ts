import { Duration } from 'cdk8s';
import { isDuration } from '../_cdk8s-values';
import { ErrorScope, propError, requireInteger, requireNumberInRange } from '../_errors';

// ---------------------------------------------------------------------------------------------
// The `tail_sampling` processor's policies, as types. Key names are the `mapstructure` tags of
// processor/tailsamplingprocessor v0.140.1 (`config.go`); a key that is not here cannot be rendered.
// ---------------------------------------------------------------------------------------------

/** A span status code, as `status_code.status_codes` spells it. */
export type SpanStatusCode = 'OK' | 'ERROR' | 'UNSET';

/** The settings of one policy type, keyed by the type (`latency: { threshold_ms }`). */
export interface TailSamplingPolicySettings {
  readonly always_sample?: Record<string, never>;
  readonly latency?: { readonly threshold_ms: number; readonly upper_threshold_ms?: number };
  readonly numeric_attribute?: { readonly key: string; readonly min_value: number; readonly max_value: number; readonly invert_match?: boolean };
  readonly probabilistic?: { readonly sampling_percentage: number; readonly hash_salt?: string };
  readonly status_code?: { readonly status_codes: SpanStatusCode[] };
  readonly string_attribute?: { readonly key: string; readonly values: string[]; readonly enabled_regex_matching?: boolean; readonly invert_match?: boolean };
  readonly rate_limiting?: { readonly spans_per_second: number };
  readonly span_count?: { readonly min_spans: number; readonly max_spans?: number };
  readonly boolean_attribute?: { readonly key: string; readonly value: boolean; readonly invert_match?: boolean };
  readonly and?: { readonly and_sub_policy: TailSamplingPolicyConfig[] };
  readonly drop?: { readonly drop_sub_policy: TailSamplingPolicyConfig[] };
  readonly composite?: {
    readonly max_total_spans_per_second: number;
    readonly policy_order: string[];
    readonly composite_sub_policy: TailSamplingPolicyConfig[];
    readonly rate_allocation: Array<{ readonly policy: string; readonly percent: number }>;
  };
}

/** One entry of `tail_sampling.policies` (or of a sub-policy list). */
export type TailSamplingPolicyConfig = { readonly name: string; readonly type: TailSamplingPolicyType } & TailSamplingPolicySettings;

/** The policy types this model renders. */
export type TailSamplingPolicyType = keyof TailSamplingPolicySettings;

/** Where a policy may appear: the leaf types may be nested in `and`, `drop` and `composite`. */
const LEAF_TYPES: readonly TailSamplingPolicyType[] = [
  'always_sample', 'latency', 'numeric_attribute', 'probabilistic', 'status_code', 'string_attribute', 'rate_limiting', 'span_count', 'boolean_attribute',
];

/** Options of the attribute-matching policies. */
export interface AttributeMatchOptions {
  /**
   * Sample traces that do NOT match (`invert_match`).
   * @default false
   */
  readonly invert?: boolean;
}

/** Options of {@link TailSamplingPolicy.stringAttribute}. */
export interface StringAttributeOptions extends AttributeMatchOptions {
  /**
   * Treat `values` as regular expressions (RE2 syntax, `enabled_regex_matching`).
   * @default false
   */
  readonly regex?: boolean;
}

/** A sub-policy of {@link TailSamplingPolicy.composite} with its share of the span budget. */
export interface CompositeSubPolicy {
  /** The policy (not `and`, `drop` or `composite`). */
  readonly policy: TailSamplingPolicy;
  /** Percent of `maxTotalSpansPerSecond` this policy may use (`rate_allocation.percent`). */
  readonly percent: number;
}

/** Options of {@link TailSamplingPolicy.composite}. */
export interface CompositePolicyOptions {
  /** Spans per second the whole composite may keep. */
  readonly maxTotalSpansPerSecond: number;
  /** Sub-policies by name, evaluated in this order (`policy_order`). */
  readonly policies: Record<string, CompositeSubPolicy>;
}

const SCOPE = 'TailSamplingPolicy';
const MAX_INT64_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * One rule of the collector's `tail_sampling` processor, which decides per trace after
 * `decision_wait`, once it has seen the trace's spans. A trace is kept when any policy says so,
 * unless a {@link TailSamplingPolicy.drop} policy matches first.
 *
 * ```ts
 * TailSamplingPolicy.errors()                              // any span with status ERROR
 * TailSamplingPolicy.latency(Duration.millis(500))          // traces longer than 500 ms
 * TailSamplingPolicy.probabilistic(1)                       // 1% baseline
 * TailSamplingPolicy.drop({ health: TailSamplingPolicy.stringAttribute('url.path', ['/healthz', '/readyz']) })
 * ```
 *
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/v0.140.1/processor/tailsamplingprocessor
 */
export class TailSamplingPolicy {
  /** Keeps every trace. */
  public static alwaysSample(): TailSamplingPolicy {
    return new TailSamplingPolicy('always_sample', { always_sample: {} });
  }

  /** Keeps traces with a span whose status is ERROR. */
  public static errors(): TailSamplingPolicy {
    return TailSamplingPolicy.statusCodes(['ERROR']);
  }

  /**
   * Keeps traces with a span whose status is one of `codes`.
   * @param codes one or more of OK, ERROR, UNSET
   */
  public static statusCodes(codes: SpanStatusCode[]): TailSamplingPolicy {
    const scope = `${SCOPE}.statusCodes`;
    if (!Array.isArray(codes) || codes.length === 0 || codes.some(c => !['OK', 'ERROR', 'UNSET'].includes(c)) || new Set(codes).size !== codes.length) {
      throw propError(scope, 'codes', codes, 'a non-empty list of distinct status codes from "OK", "ERROR", "UNSET"');
    }
    return new TailSamplingPolicy('status_code', { status_code: { status_codes: [...codes] } });
  }

  /**
   * Keeps traces that last longer than `threshold` (from the earliest span start to the latest span end).
   * @param threshold at least 1 ms, in whole milliseconds
   * @param upperThreshold keep only traces shorter than this too
   */
  public static latency(threshold: Duration, upperThreshold?: Duration): TailSamplingPolicy {
    const scope = `${SCOPE}.latency`;
    const ms = wholeMillis(scope, 'threshold', threshold, 1);
    const upper = upperThreshold === undefined ? undefined : wholeMillis(scope, 'upperThreshold', upperThreshold, ms + 1);
    return new TailSamplingPolicy('latency', { latency: { threshold_ms: ms, ...(upper !== undefined ? { upper_threshold_ms: upper } : {}) } });
  }

  /**
   * Keeps `percentage` percent of traces by trace id hash (the same traces on every instance).
   * @param percentage more than 0, at most 100
   */
  public static probabilistic(percentage: number, hashSalt?: string): TailSamplingPolicy {
    const scope = `${SCOPE}.probabilistic`;
    requireNumberInRange(scope, 'percentage', percentage, 0, 100);
    if (percentage === 0) throw propError(scope, 'percentage', percentage, 'more than 0 (a 0% policy keeps nothing: leave it out)');
    if (hashSalt !== undefined && (typeof hashSalt !== 'string' || hashSalt.length === 0)) throw propError(scope, 'hashSalt', hashSalt, 'a non-empty string');
    return new TailSamplingPolicy('probabilistic', { probabilistic: { sampling_percentage: percentage, ...(hashSalt ? { hash_salt: hashSalt } : {}) } });
  }

  /**
   * Keeps traces until `spansPerSecond` spans per second have been kept (per instance).
   * @param spansPerSecond an integer of at least 1
   */
  public static rateLimiting(spansPerSecond: number): TailSamplingPolicy {
    requireInteger(`${SCOPE}.rateLimiting`, 'spansPerSecond', spansPerSecond, 1, MAX_INT64_SAFE);
    return new TailSamplingPolicy('rate_limiting', { rate_limiting: { spans_per_second: spansPerSecond } });
  }

  /**
   * Keeps traces with a span or resource attribute `key` equal to one of `values` (or matching one, with `regex`).
   */
  public static stringAttribute(key: string, values: string[], options: StringAttributeOptions = {}): TailSamplingPolicy {
    const scope = `${SCOPE}.stringAttribute`;
    requireKey(scope, key);
    if (!Array.isArray(values) || values.length === 0 || values.some(v => typeof v !== 'string')) {
      throw propError(scope, 'values', values, 'a non-empty list of strings');
    }
    if (options.regex) {
      values.forEach((v, i) => {
        try {
          new RegExp(v);
        } catch {
          throw propError(scope, `values[${i}]`, v, 'a valid regular expression (regex is on)');
        }
      });
    }
    return new TailSamplingPolicy('string_attribute', {
      string_attribute: { key, values: [...values], ...(options.regex ? { enabled_regex_matching: true } : {}), ...(options.invert ? { invert_match: true } : {}) },
    });
  }

  /**
   * Keeps traces with a numeric attribute `key` from `min` to `max`, inclusive.
   * @param max @default - no upper bound
   */
  public static numericAttribute(key: string, min: number, max?: number, options: AttributeMatchOptions = {}): TailSamplingPolicy {
    const scope = `${SCOPE}.numericAttribute`;
    requireKey(scope, key);
    requireInteger(scope, 'min', min, -MAX_INT64_SAFE, MAX_INT64_SAFE);
    const upper = max ?? MAX_INT64_SAFE;
    requireInteger(scope, 'max', upper, min, MAX_INT64_SAFE);
    return new TailSamplingPolicy('numeric_attribute', {
      numeric_attribute: { key, min_value: min, max_value: upper, ...(options.invert ? { invert_match: true } : {}) },
    });
  }

  /** Keeps traces with a boolean attribute `key` equal to `value`. */
  public static booleanAttribute(key: string, value: boolean, options: AttributeMatchOptions = {}): TailSamplingPolicy {
    const scope = `${SCOPE}.booleanAttribute`;
    requireKey(scope, key);
    if (typeof value !== 'boolean') throw propError(scope, 'value', value, 'true or false');
    return new TailSamplingPolicy('boolean_attribute', { boolean_attribute: { key, value, ...(options.invert ? { invert_match: true } : {}) } });
  }

  /**
   * Keeps traces with at least `min` spans (and at most `max`).
   * @param max @default - no upper bound
   */
  public static spanCount(min: number, max?: number): TailSamplingPolicy {
    const scope = `${SCOPE}.spanCount`;
    requireInteger(scope, 'min', min, 1, 2_147_483_647);
    if (max !== undefined) requireInteger(scope, 'max', max, min, 2_147_483_647);
    return new TailSamplingPolicy('span_count', { span_count: { min_spans: min, ...(max !== undefined ? { max_spans: max } : {}) } });
  }

  /** Keeps traces that every one of `policies` keeps (leaf policies only). */
  public static and(policies: Record<string, TailSamplingPolicy>): TailSamplingPolicy {
    return new TailSamplingPolicy('and', { and: { and_sub_policy: subPolicies(`${SCOPE}.and`, 'policies', policies, LEAF_TYPES) } });
  }

  /**
   * Drops traces that every one of `policies` matches, whatever any other policy says
   * (health checks, synthetic probes). Drop policies are evaluated before all others.
   */
  public static drop(policies: Record<string, TailSamplingPolicy>): TailSamplingPolicy {
    return new TailSamplingPolicy('drop', { drop: { drop_sub_policy: subPolicies(`${SCOPE}.drop`, 'policies', policies, LEAF_TYPES) } });
  }

  /**
   * Shares a span budget between sub-policies: each may keep up to its percent of
   * `maxTotalSpansPerSecond`, evaluated in order.
   */
  public static composite(options: CompositePolicyOptions): TailSamplingPolicy {
    const scope = `${SCOPE}.composite`;
    requireInteger(scope, 'maxTotalSpansPerSecond', options?.maxTotalSpansPerSecond, 1, MAX_INT64_SAFE);
    const entries = Object.entries(options.policies ?? {});
    const policies: Record<string, TailSamplingPolicy> = {};
    let total = 0;
    for (const [name, sub] of entries) {
      requireInteger(scope, `policies.${name}.percent`, sub?.percent, 1, 100);
      total += sub.percent;
      policies[name] = sub.policy;
    }
    if (total > 100) throw propError(scope, 'policies[*].percent', total, 'a total of at most 100');
    const configs = subPolicies(scope, 'policies', policies, [...LEAF_TYPES, 'and']);
    return new TailSamplingPolicy('composite', {
      composite: {
        max_total_spans_per_second: options.maxTotalSpansPerSecond,
        policy_order: configs.map(c => c.name),
        composite_sub_policy: configs,
        rate_allocation: entries.map(([name, sub]) => ({ policy: name, percent: sub.percent })),
      },
    });
  }

  /** True for values made by the factories of this class. */
  public static isTailSamplingPolicy(x: unknown): x is TailSamplingPolicy {
    return typeof x === 'object' && x !== null && #factoryMade in x;
  }

  readonly #factoryMade = true;

  /** The policy type, as the processor spells it. */
  public readonly type: TailSamplingPolicyType;
  private readonly settings: TailSamplingPolicySettings;

  private constructor(type: TailSamplingPolicyType, settings: TailSamplingPolicySettings) {
    this.type = type;
    this.settings = settings;
  }

  /** The policy as one entry of `tail_sampling.policies`, named `name`. */
  public toConfig(name: string): TailSamplingPolicyConfig {
    return { name, type: this.type, ...structuredClone(this.settings) };
  }
}

/** Validates policy names (unique by construction of a record; non-empty, printable) and renders them. */
export function renderPolicies(scope: ErrorScope, field: string, policies: Record<string, TailSamplingPolicy>, allowed: readonly TailSamplingPolicyType[]): TailSamplingPolicyConfig[] {
  return subPolicies(scope, field, policies, allowed);
}

function subPolicies(scope: ErrorScope, field: string, policies: Record<string, TailSamplingPolicy>, allowed: readonly TailSamplingPolicyType[]): TailSamplingPolicyConfig[] {
  if (typeof policies !== 'object' || policies === null || Object.keys(policies).length === 0) {
    throw propError(scope, field, policies, 'a non-empty record of named TailSamplingPolicy values');
  }
  return Object.entries(policies).map(([name, policy]) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
      throw propError(scope, `${field} name`, name, 'a name of letters, digits, "_", "." and "-", starting with a letter or digit');
    }
    if (!TailSamplingPolicy.isTailSamplingPolicy(policy)) {
      throw propError(scope, `${field}.${name}`, policy, 'a TailSamplingPolicy made by one of its factories');
    }
    if (!allowed.includes(policy.type)) {
      throw propError(scope, `${field}.${name}`, policy.type, `a policy of type ${allowed.join(', ')} (the processor does not nest ${policy.type} here)`);
    }
    return policy.toConfig(name);
  });
}

function requireKey(scope: string, key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.trim() !== key) {
    throw propError(scope, 'key', key, 'a non-empty attribute name without surrounding whitespace');
  }
}

function wholeMillis(scope: string, field: string, d: Duration, min: number): number {
  const ms = isDuration(d) ? d.toMilliseconds({ integral: false }) : NaN;
  if (!Number.isInteger(ms) || ms < min) {
    throw propError(scope, field, isDuration(d) ? `${ms}ms` : d, `a Duration of whole milliseconds, at least ${min} ms`);
  }
  return ms;
}
