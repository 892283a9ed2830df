/**
 * The sampling each stage applies, read from what it runs (plain manifest JSON): an SDK's
 * `OTEL_TRACES_SAMPLER`/`_ARG` (its container's environment or the OpenTelemetry Operator
 * `Instrumentation` injected into it), a collector's `tail_sampling` and `probabilistic_sampler`
 * processors in its traces pipelines, the strategies a Jaeger serves to remote samplers.
 */
import { isString, Json, list, rec, str } from '../wiring/_json';

/** `ratio` (0 to 1) as a percentage: 0.05 is `5%`, 0.001 is `0.1%`. */
export function percent(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(6))}%`;
}

/** Milliseconds as the largest whole unit: 30000 is `30 s`, 500 is `500 ms`. */
function duration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/**
 * What an SDK configured by the standard environment samples, from `OTEL_TRACES_SAMPLER` and
 * `OTEL_TRACES_SAMPLER_ARG`; undefined when neither is set.
 * @see https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#general-sdk-configuration
 */
export function headSampling(sampler: string | undefined, argument: string | undefined): string | undefined {
  if (sampler === undefined) return argument === undefined ? undefined : `SDK head: ratio ${argument}`;
  const ratio = argument !== undefined && /^\d*\.?\d+(e-?\d+)?$/i.test(argument.trim()) ? Number(argument) : undefined;
  if (sampler.endsWith('traceidratio')) return `SDK head: ${sampler} ${percent(ratio ?? 1)}`;
  if (sampler.endsWith('jaeger_remote')) {
    const args = Object.fromEntries((argument ?? '').split(',').map(kv => kv.split('=', 2).map(s => s.trim())).filter(kv => kv.length === 2));
    const from = args.endpoint ? `; strategies from ${args.endpoint.replace(/^[a-z]+:\/\//, '')}` : '';
    const every = args.pollingIntervalMs && /^\d+$/.test(args.pollingIntervalMs) ? ` every ${duration(Number(args.pollingIntervalMs))}` : '';
    return `SDK head: ${sampler}${from}${every}`;
  }
  if (sampler === 'parentbased_always_on' || sampler === 'always_on') return `SDK head: ${sampler} (every trace)`;
  return `SDK head: ${sampler}${argument !== undefined ? ` ${argument}` : ''}`;
}

/**
 * What an OpenTelemetry Collector configuration samples: the `tail_sampling` and
 * `probabilistic_sampler` processors of its traces pipelines, in pipeline order.
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/v0.140.1/processor/tailsamplingprocessor
 */
export function collectorSampling(config: Json): string | undefined {
  const processors = rec(config.processors) ?? {};
  const used = tracesPipelines(config).flatMap(p => list(p.processors).filter(isString));
  const notes: string[] = [];
  for (const name of [...new Set(used)]) {
    const processor = rec(processors[name]);
    if (!processor) continue;
    if (name === 'tail_sampling' || name.startsWith('tail_sampling/')) notes.push(tailSampling(processor));
    if (name === 'probabilistic_sampler' || name.startsWith('probabilistic_sampler/')) {
      const pct = processor.sampling_percentage;
      notes.push(`probabilistic ${typeof pct === 'number' ? `${pct}%` : '0%'}`);
    }
  }
  return notes.length > 0 ? notes.join('; ') : undefined;
}

/** The traces pipelines (`traces`, `traces/<name>`) of a collector configuration. */
export function tracesPipelines(config: Json): Json[] {
  const pipelines = rec(rec(config.service)?.pipelines) ?? {};
  return Object.entries(pipelines).filter(([k]) => k === 'traces' || k.startsWith('traces/')).map(([, v]) => rec(v) ?? {});
}

function tailSampling(processor: Json): string {
  const drops: string[] = [];
  const keeps: string[] = [];
  const policies = list(processor.policies).map(rec).filter((p): p is Json => p !== undefined);
  policies.forEach((p, i) => {
    if (p.type === 'drop') {
      drops.push(list(rec(p.drop)?.drop_sub_policy).map(rec).filter((s): s is Json => s !== undefined).map(condition).join(' and ') || String(p.name));
    } else if (p.type === 'probabilistic' && i === policies.length - 1 && keeps.length > 0) {
      keeps.push(`${condition(p)} of the rest`);
    } else {
      keeps.push(condition(p));
    }
  });
  const wait = str(processor.decision_wait);
  return [
    `tail sampling${wait ? `, decided ${wait.replace(/^(\d+)s$/, '$1 s')} after a trace's first span` : ''}`,
    ...drops.map(d => `drop ${d}`),
    `keep ${keeps.length > 0 ? keeps.join(', ') : 'nothing'}`,
  ].join('; ');
}

/** One tail-sampling policy as a condition ("errors", "slower than 500 ms", "url.path in /healthz, /readyz"). */
function condition(p: Json): string {
  const config = rec(p[String(p.type)]) ?? {};
  switch (p.type) {
    case 'always_sample': return 'every trace';
    case 'status_code': {
      const codes = list(config.status_codes).filter(isString);
      return codes.length === 1 && codes[0] === 'ERROR' ? 'errors' : `status ${codes.join(' or ')}`;
    }
    case 'latency': return `slower than ${duration(Number(config.threshold_ms))}`;
    case 'probabilistic': return `${typeof config.sampling_percentage === 'number' ? config.sampling_percentage : 0}%`;
    case 'rate_limiting': return `${String(config.spans_per_second)} spans/s`;
    case 'string_attribute': return `${String(config.key)} ${config.invert_match === true ? 'not in' : 'in'} ${list(config.values).filter(isString).join(', ')}`;
    case 'numeric_attribute': return `${String(config.key)} from ${String(config.min_value ?? '-∞')} to ${String(config.max_value ?? '∞')}`;
    case 'boolean_attribute': return `${String(config.key)} = ${String(config.value)}`;
    case 'span_count': return `at least ${String(config.min_spans)} spans`;
    case 'and': return list(config.and_sub_policy).map(rec).filter((s): s is Json => s !== undefined).map(condition).join(' and ');
    default: return `${String(p.name)} (${String(p.type)})`;
  }
}

/**
 * The strategies a Jaeger serves to remote samplers (its `strategies.json`): the default, then each
 * service with its operations.
 * @see https://www.jaegertracing.io/docs/latest/architecture/sampling/#file-based-sampling-configuration
 */
export function jaegerStrategies(strategies: Json): string {
  const one = (s: Json | undefined) => (s?.type === 'ratelimiting' ? `${String(s.param)} traces/s` : percent(typeof s?.param === 'number' ? s.param : 0));
  const operations = (s: Json) => list(s.operation_strategies).map(rec).filter((o): o is Json => o !== undefined)
    .map(o => `${String(o.operation)} ${one(rec(o.probabilistic_sampling) ? { type: 'probabilistic', param: rec(o.probabilistic_sampling)!.sampling_rate } : o)}`);
  const def = rec(strategies.default_strategy);
  const parts = [`default ${one(def)}${def && operations(def).length > 0 ? ` (${operations(def).join(', ')})` : ''}`];
  for (const s of list(strategies.service_strategies).map(rec).filter((x): x is Json => x !== undefined)) {
    const ops = operations(s);
    parts.push(`${String(s.service)} ${one(s)}${ops.length > 0 ? ` (${ops.join(', ')})` : ''}`);
  }
  return `remote strategies: ${parts.join('; ')}`;
}
