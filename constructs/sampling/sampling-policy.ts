import { Duration } from 'cdk8s';
import { isDuration } from '../_cdk8s-values';
import { propError, requireInteger, requireNumberInRange } from '../_errors';
import { HeadSampler } from './head-sampler';
import { OperationSamplingStrategy, SamplingStrategies, ServiceSamplingStrategy } from './sampling-strategies';
import { SamplingStrategy } from './sampling-strategy';
import { TailSamplingPolicy, TailSamplingPolicyConfig, renderPolicies } from './tail-sampling-policy';

/** `processors.tail_sampling` of the OpenTelemetry Collector v0.140 (key names of its `Config`). */
export interface TailSamplingProcessorConfig {
  readonly decision_wait: string;
  readonly num_traces: number;
  readonly expected_new_traces_per_sec?: number;
  readonly sample_on_first_match?: boolean;
  readonly decision_cache?: { readonly sampled_cache_size?: number; readonly non_sampled_cache_size?: number };
  readonly policies: TailSamplingPolicyConfig[];
}

/** Tail sampling in the collector gateway: which complete traces to keep. */
export interface TailSamplingOptions {
  /**
   * How long after a trace's first span the decision is made (`decision_wait`). Spans arriving later
   * are decided by the cached decision, if `decisionCacheSize` keeps it.
   * @default Duration.seconds(10)
   * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/v0.140.1/processor/tailsamplingprocessor
   */
  readonly decisionWait?: Duration;
  /**
   * Traces held in memory while waiting for their decision (`num_traces`); the oldest are dropped
   * undecided when it overflows. Must cover `expectedNewTracesPerSec` × `decisionWait`.
   * @default 50000
   */
  readonly numTraces?: number;
  /**
   * New traces per second that one sampling instance expects (`expected_new_traces_per_sec`); sizes
   * the processor's maps.
   * @default - the processor's own (0)
   */
  readonly expectedNewTracesPerSec?: number;
  /**
   * Remember this many decisions to keep, and as many to drop, for spans that arrive after
   * `decisionWait` (`decision_cache`).
   * @default - no decision cache: late spans of a kept trace are evaluated as a new trace
   */
  readonly decisionCacheSize?: number;
  /**
   * Keep every trace with a span whose status is ERROR.
   * @default true
   */
  readonly keepErrors?: boolean;
  /**
   * Keep every trace that lasts longer than this.
   * @default - latency alone keeps nothing
   */
  readonly keepSlowerThan?: Duration;
  /**
   * More policies that keep traces, by name.
   * @default - none
   */
  readonly keep?: Record<string, TailSamplingPolicy>;
  /**
   * Traces to drop whatever else matches, by name: each leaf policy (or a `TailSamplingPolicy.drop`
   * of several that must all match) becomes one `drop` policy, evaluated first.
   * @default - none
   */
  readonly drop?: Record<string, TailSamplingPolicy>;
  /**
   * Decide as soon as one policy keeps the trace (`sample_on_first_match`).
   * @default false
   */
  readonly sampleOnFirstMatch?: boolean;
}

/** Props of {@link SamplingPolicy}. */
export interface SamplingPolicyProps {
  /**
   * Fraction of ordinary traces kept (0 to 1). Without tail sampling it is the SDKs' head ratio and
   * Jaeger's default strategy; with tail sampling, SDKs keep everything and the gateway keeps this
   * fraction as its probabilistic baseline, on top of errors and slow traces.
   * @default 0.01
   */
  readonly ratio?: number;
  /**
   * The SDKs' head sampler, when the derived one does not fit (for instance
   * `HeadSampler.parentBasedJaegerRemote({ source: jaeger })` to serve {@link SamplingPolicy.strategies}).
   * @default - `parentbased_traceidratio` with `ratio`, or `parentbased_always_on` with tail sampling
   */
  readonly head?: HeadSampler;
  /**
   * Per-service Jaeger remote sampling strategies.
   * @default - none: every service gets the default strategy
   */
  readonly services?: readonly ServiceSamplingStrategy[];
  /**
   * Per-operation Jaeger remote sampling strategies for every service.
   * @default - none
   */
  readonly operations?: readonly OperationSamplingStrategy[];
  /**
   * Tail sampling in a collector gateway.
   * @default - no tail sampling
   */
  readonly tail?: TailSamplingOptions;
}

const SCOPE = 'SamplingPolicy';

/**
 * One sampling policy for the whole pipeline, rendered to every place sampling happens:
 *
 * - {@link SamplingPolicy.head}: the SDK's head sampler (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`),
 *   which {@link instrumentWorkload} and {@link OperatorInstrumentation} set;
 * - {@link SamplingPolicy.strategies}: Jaeger remote sampling strategies, served to SDKs that poll;
 * - {@link SamplingPolicy.tailSamplingConfig}: the `tail_sampling` processor of a {@link TailSamplingGateway}.
 *
 * ```ts
 * // Head sampling only: 1% of traces, chosen by trace id, as the seed recommends.
 * new SamplingPolicy({ ratio: 0.01 });
 * // Tail sampling: SDKs send everything; the gateway keeps errors, slow traces and 1% of the rest.
 * new SamplingPolicy({ ratio: 0.01, tail: { keepSlowerThan: Duration.millis(500) } });
 * ```
 */
export class SamplingPolicy {
  /** Fraction of ordinary traces kept. */
  public readonly ratio: number;
  /** The SDKs' head sampler. */
  public readonly head: HeadSampler;
  /** The strategies Jaeger serves to SDKs with a remote sampler. */
  public readonly strategies: SamplingStrategies;
  /** Whether a gateway samples complete traces. */
  public readonly tailSampling: boolean;

  private readonly tail?: TailSamplingProcessorConfig;

  constructor(props: SamplingPolicyProps = {}) {
    const ratio = props.ratio ?? 0.01;
    requireNumberInRange(SCOPE, 'ratio', ratio, 0, 1);
    this.ratio = ratio;
    if (props.head !== undefined && !HeadSampler.isHeadSampler(props.head)) {
      throw propError(SCOPE, 'head', props.head, 'a HeadSampler made by one of its factories');
    }
    this.tailSampling = props.tail !== undefined;
    this.head = props.head ?? (this.tailSampling ? HeadSampler.parentBasedAlwaysOn() : HeadSampler.parentBasedTraceIdRatio(ratio));
    // With tail sampling the SDKs must send every trace, so Jaeger's default strategy keeps everything.
    this.strategies = new SamplingStrategies({
      defaultStrategy: SamplingStrategy.probabilistic(this.tailSampling ? 1 : ratio),
      defaultOperationStrategies: props.operations,
      services: props.services,
    });
    if (props.tail) this.tail = tailConfig(props.tail, ratio);
  }

  /**
   * The `tail_sampling` processor configuration; policies in evaluation order: drops, errors, slow
   * traces, the extra keeps, then the probabilistic baseline.
   * @throws if the policy has no tail sampling
   */
  public tailSamplingConfig(): TailSamplingProcessorConfig {
    if (!this.tail) throw propError(SCOPE, 'tail', undefined, 'set for a tail-sampling gateway (new SamplingPolicy({ tail: {...} }))');
    return structuredClone(this.tail);
  }
}

function tailConfig(tail: TailSamplingOptions, ratio: number): TailSamplingProcessorConfig {
  const scope = `${SCOPE}.tail`;
  const wait = tail.decisionWait ?? Duration.seconds(10);
  const waitMs = isDuration(wait) ? wait.toMilliseconds({ integral: false }) : NaN;
  if (!(waitMs >= 1000 && waitMs <= 600_000 && Number.isInteger(waitMs))) {
    throw propError(scope, 'decisionWait', isDuration(wait) ? `${waitMs}ms` : wait, 'a Duration from 1 s to 10 min, in whole milliseconds');
  }
  const numTraces = tail.numTraces ?? 50_000;
  requireInteger(scope, 'numTraces', numTraces, 1, 100_000_000);
  if (tail.expectedNewTracesPerSec !== undefined) {
    requireInteger(scope, 'expectedNewTracesPerSec', tail.expectedNewTracesPerSec, 1, 10_000_000);
    const needed = Math.ceil(tail.expectedNewTracesPerSec * waitMs / 1000);
    if (numTraces < needed) {
      throw propError(scope, 'numTraces', numTraces,
        `at least expectedNewTracesPerSec × decisionWait = ${needed}, or traces are evicted undecided before decisionWait ends`);
    }
  }
  if (tail.decisionCacheSize !== undefined) requireInteger(scope, 'decisionCacheSize', tail.decisionCacheSize, 1, 100_000_000);

  const policies: TailSamplingPolicyConfig[] = [];
  for (const [name, policy] of Object.entries(tail.drop ?? {})) {
    const drop = TailSamplingPolicy.isTailSamplingPolicy(policy) && policy.type !== 'drop'
      ? TailSamplingPolicy.drop({ [name]: policy })
      : policy;
    policies.push(...renderPolicies(scope, 'drop', { [`drop-${name}`]: drop }, ['drop']));
  }
  if (tail.keepErrors ?? true) policies.push(TailSamplingPolicy.errors().toConfig('keep-errors'));
  if (tail.keepSlowerThan !== undefined) {
    policies.push(TailSamplingPolicy.latency(tail.keepSlowerThan).toConfig('keep-slow'));
  }
  if (tail.keep) {
    policies.push(...renderPolicies(scope, 'keep', tail.keep, ['always_sample', 'latency', 'numeric_attribute', 'probabilistic', 'status_code',
      'string_attribute', 'rate_limiting', 'span_count', 'boolean_attribute', 'and', 'composite']));
  }
  // toPrecision: 0.07 * 100 is 7.000000000000001 in floating point.
  if (ratio > 0) policies.push(TailSamplingPolicy.probabilistic(Number((ratio * 100).toPrecision(12))).toConfig('baseline'));
  const names = policies.map(p => p.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw propError(scope, 'keep', duplicate, 'policy names distinct from each other and from keep-errors, keep-slow, baseline and drop-<name>');
  if (!policies.some(p => p.type !== 'drop')) {
    throw propError(scope, 'policies', names, 'at least one policy that keeps traces (keepErrors, keepSlowerThan, keep, or a ratio above 0)');
  }
  return {
    decision_wait: waitMs % 1000 === 0 ? `${waitMs / 1000}s` : `${waitMs}ms`,
    num_traces: numTraces,
    ...(tail.expectedNewTracesPerSec !== undefined ? { expected_new_traces_per_sec: tail.expectedNewTracesPerSec } : {}),
    ...(tail.sampleOnFirstMatch ? { sample_on_first_match: true } : {}),
    ...(tail.decisionCacheSize !== undefined ? { decision_cache: { sampled_cache_size: tail.decisionCacheSize, non_sampled_cache_size: tail.decisionCacheSize } } : {}),
    policies,
  };
}
