import { propError } from '../_errors';
import { SamplingStrategy, SamplingStrategyType } from './sampling-strategy';

// ---------------------------------------------------------------------------------------------------
// The file format. Key names are those of the Go structs Jaeger unmarshals the file into
// (`internal/sampling/samplingstrategy/file/strategy.go`: `strategies`, `serviceStrategy`,
// `operationStrategy`, `strategy`). Nothing else is read: the adaptive-sampling knobs
// (`default_lower_bound_traces_per_second`, ...) do not exist in this format.
// ---------------------------------------------------------------------------------------------------

/** Go `strategy`: a `type` and its `param`. */
export interface JaegerSamplingStrategyJson {
  /** `probabilistic` or `ratelimiting`. */
  readonly type: SamplingStrategyType;
  /** Sampling probability, or maximum traces per second. */
  readonly param: number;
}

/** Go `operationStrategy`: a strategy for one operation (span name). Jaeger serves only probabilistic ones. */
export interface JaegerOperationSamplingStrategyJson extends JaegerSamplingStrategyJson {
  /** The operation (span name), matched exactly by SDKs. */
  readonly operation: string;
}

/** Go `serviceStrategy` used as `default_strategy`: its `service` field is ignored by Jaeger, so it is not rendered. */
export interface JaegerDefaultSamplingStrategyJson extends JaegerSamplingStrategyJson {
  /** Per-operation strategies applied to every service; absent when there are none. */
  readonly operation_strategies?: JaegerOperationSamplingStrategyJson[];
}

/** Go `serviceStrategy`: the strategy of one service (`service.name`). */
export interface JaegerServiceSamplingStrategyJson extends JaegerSamplingStrategyJson {
  /** The service name, matched exactly against the `service` query parameter SDKs send. */
  readonly service: string;
  /** This service's per-operation strategies; absent when there are none. */
  readonly operation_strategies?: JaegerOperationSamplingStrategyJson[];
}

/**
 * Go `strategies`: the whole file read by Jaeger's file-based remote sampling
 * (`extensions.remote_sampling.file.path` in Jaeger v2).
 */
export interface JaegerSamplingStrategiesFile {
  /** Strategy for services not listed in `service_strategies`. */
  readonly default_strategy: JaegerDefaultSamplingStrategyJson;
  /** Per-service strategies; always rendered, empty when there are none. */
  readonly service_strategies: JaegerServiceSamplingStrategyJson[];
}

// ---------------------------------------------------------------------------------------------------
// The model.
// ---------------------------------------------------------------------------------------------------

/** A sampling strategy for one operation (span name) of a service. */
export interface OperationSamplingStrategy {
  /**
   * The operation, i.e. the span name of the root span, matched exactly by the SDK.
   * Must be non-empty, without leading or trailing whitespace.
   */
  readonly operation: string;
  /**
   * The strategy for this operation. Must be probabilistic: Jaeger's file store drops rate-limiting
   * per-operation strategies with a warning (the remote sampling protocol has no per-operation rate limit).
   */
  readonly strategy: SamplingStrategy;
}

/** The sampling strategy of one service. */
export interface ServiceSamplingStrategy {
  /**
   * The service name (OpenTelemetry `service.name`), matched exactly.
   * Must be non-empty, without leading or trailing whitespace.
   */
  readonly service: string;
  /**
   * The strategy for the service's operations that have no strategy of their own.
   *
   * Must be probabilistic when any per-operation strategy applies to the service (its own `operations`
   * or the model's `defaultOperationStrategies`): Jaeger then serves a per-operation response, SDKs use
   * only that, and a rate limit would be silently ignored.
   */
  readonly strategy: SamplingStrategy;
  /**
   * Per-operation strategies. Jaeger merges them with the model's `defaultOperationStrategies`; an
   * operation listed here wins over the same operation there.
   * @default - only `defaultOperationStrategies` apply
   */
  readonly operations?: readonly OperationSamplingStrategy[];
}

/** Props of {@link SamplingStrategies}. */
export interface SamplingStrategiesProps {
  /**
   * Strategy for every service not listed in `services` (Jaeger's `default_strategy`).
   *
   * The default is Jaeger's own: with no strategies file, and for `remote_sampling.file`'s
   * `default_sampling_probability`, Jaeger uses probabilistic 0.001, and the OpenTelemetry
   * `jaegerremote` samplers start at 0.001 before their first fetch. Keeping it means an empty model
   * behaves exactly like a Jaeger without a file, so nothing changes silently when a file is added.
   * A richer rate (the seed project uses 0.01) is a choice about cost and traffic volume, so it is
   * made explicitly: `defaultStrategy: SamplingStrategy.probabilistic(0.01)`.
   *
   * @default SamplingStrategy.probabilistic(0.001)
   * @see https://www.jaegertracing.io/docs/latest/sampling/#file-based-sampling-configuration
   */
  readonly defaultStrategy?: SamplingStrategy;
  /**
   * Per-operation strategies applied to every service (Jaeger's `default_strategy.operation_strategies`),
   * typically to drop health checks: `{ operation: '/health', strategy: SamplingStrategy.probabilistic(0) }`.
   *
   * When set, `defaultStrategy` and every service strategy must be probabilistic (see
   * {@link ServiceSamplingStrategy.strategy}).
   * @default - no per-operation strategies
   */
  readonly defaultOperationStrategies?: readonly OperationSamplingStrategy[];
  /**
   * Per-service strategies (Jaeger's `service_strategies`). More can be added with `addService`.
   * @default - none: every service gets `defaultStrategy`
   */
  readonly services?: readonly ServiceSamplingStrategy[];
}

const SCOPE = 'SamplingStrategies';

/**
 * The sampling strategies served by Jaeger remote sampling from a file: a default strategy, optional
 * per-operation strategies for every service, and per-service strategies. A value, not a construct:
 * constructs render it (`toJaegerJsonString()` into a ConfigMap mounted at `remote_sampling.file.path`).
 *
 * Everything Jaeger would accept but not serve as written is rejected when the model is built:
 * duplicate services or operations (Jaeger silently keeps the last), empty names, rate-limiting
 * per-operation strategies (dropped by Jaeger), and rate-limiting service strategies that per-operation
 * strategies would override in the SDK.
 *
 * ```ts
 * const sampling = new SamplingStrategies({
 *   defaultStrategy: SamplingStrategy.probabilistic(0.01),
 *   services: [{ service: 'checkout', strategy: SamplingStrategy.rateLimiting(100) }],
 * });
 * ```
 *
 * @see https://www.jaegertracing.io/docs/latest/sampling/#file-based-sampling-configuration
 */
export class SamplingStrategies {
  /**
   * Jaeger's built-in default sampling probability (`file.DefaultSamplingProbability`), also the default
   * of `remote_sampling.file.default_sampling_probability` in Jaeger v2.
   */
  public static readonly JAEGER_DEFAULT_SAMPLING_PROBABILITY = 0.001;

  /** Strategy for services not listed in `services`. */
  public readonly defaultStrategy: SamplingStrategy;

  /** Per-operation strategies applied to every service. */
  public readonly defaultOperationStrategies: readonly OperationSamplingStrategy[];

  private readonly _services: ServiceSamplingStrategy[] = [];
  /** The index of each service in `_services`. */
  private readonly _indexOf = new Map<string, number>();

  /** @throws if any strategy, name or combination would not be served by Jaeger as written */
  public constructor(props: SamplingStrategiesProps = {}) {
    this.defaultStrategy = requireStrategy(SCOPE, 'defaultStrategy',
      props.defaultStrategy ?? SamplingStrategy.probabilistic(SamplingStrategies.JAEGER_DEFAULT_SAMPLING_PROBABILITY));
    this.defaultOperationStrategies = copyOperations(SCOPE, 'defaultOperationStrategies', props.defaultOperationStrategies);
    if (this.defaultOperationStrategies.length > 0) {
      requireProbabilisticWithOperations(SCOPE, 'defaultStrategy', this.defaultStrategy, 'defaultOperationStrategies');
    }
    for (const service of props.services ?? []) {
      this.add(SCOPE, service);
    }
  }

  /** Per-service strategies, in the order they were given. */
  public get services(): readonly ServiceSamplingStrategy[] {
    return [...this._services];
  }

  /**
   * Adds the strategy of one more service.
   * @throws if the service is already listed, or its strategy or operations are invalid
   */
  public addService(service: ServiceSamplingStrategy): void {
    this.add(`${SCOPE}.addService`, service);
  }

  /**
   * The strategy an SDK of `service` applies to a root span named `operation`, resolved as Jaeger
   * serves it and as the Jaeger remote samplers apply it:
   *
   * 1. the service's own strategy if it is listed, else `defaultStrategy`;
   * 2. when `operation` is given, a strategy listed for it wins: the service's own first, then
   *    `defaultOperationStrategies` (Jaeger merges the default operations into every service).
   *
   * @param service the service name (`service.name`)
   * @param operation the operation (root span name); when omitted, the service-level strategy is returned
   */
  public strategyFor(service: string, operation?: string): SamplingStrategy {
    const entry = this._services[this._indexOf.get(service) ?? -1];
    if (operation !== undefined) {
      const own = entry?.operations?.find(o => o.operation === operation);
      if (own) return own.strategy;
      const inherited = this.defaultOperationStrategies.find(o => o.operation === operation);
      if (inherited) return inherited.strategy;
    }
    return entry?.strategy ?? this.defaultStrategy;
  }

  /** The strategies file as a typed object, with Jaeger's exact key names. A fresh copy on each call. */
  public toJaegerJson(): JaegerSamplingStrategiesFile {
    return {
      default_strategy: {
        ...strategyJson(this.defaultStrategy),
        ...operationsJson(this.defaultOperationStrategies),
      },
      service_strategies: this._services.map(s => ({
        service: s.service,
        ...strategyJson(s.strategy),
        ...operationsJson(s.operations ?? []),
      })),
    };
  }

  /**
   * The strategies file as Jaeger reads it: JSON indented by two spaces, keys in a fixed order,
   * services and operations in the order they were given, ending with a newline.
   */
  public toJaegerJsonString(): string {
    return JSON.stringify(this.toJaegerJson(), undefined, 2) + '\n';
  }

  private add(scope: string, service: ServiceSamplingStrategy): void {
    const index = this._services.length;
    const field = `services[${index}]`;
    if (typeof service !== 'object' || service === null) {
      throw propError(scope, field, service, 'an object { service, strategy, operations? }');
    }
    requireName(scope, `${field}.service`, service.service);
    const existing = this._indexOf.get(service.service);
    if (existing !== undefined) {
      throw propError(scope, `${field}.service`, service.service, `unique (already used by services[${existing}])`);
    }
    const strategy = requireStrategy(scope, `${field}.strategy`, service.strategy);
    const operations = copyOperations(scope, `${field}.operations`, service.operations);
    if (operations.length > 0) {
      requireProbabilisticWithOperations(scope, `${field}.strategy`, strategy, `${field}.operations`);
    } else if (this.defaultOperationStrategies.length > 0) {
      requireProbabilisticWithOperations(scope, `${field}.strategy`, strategy, 'defaultOperationStrategies');
    }
    this._services.push(Object.freeze({
      service: service.service,
      strategy,
      ...(operations.length > 0 ? { operations } : {}),
    }));
    this._indexOf.set(service.service, index);
  }
}

function requireName(scope: string, field: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.trim() !== value) {
    throw propError(scope, field, value, 'a non-empty string without leading or trailing whitespace');
  }
}

function requireStrategy(scope: string, field: string, value: SamplingStrategy): SamplingStrategy {
  if (!SamplingStrategy.isSamplingStrategy(value)) {
    throw propError(scope, field, value, 'a SamplingStrategy made by SamplingStrategy.probabilistic() or SamplingStrategy.rateLimiting()');
  }
  return value;
}

function requireProbabilisticWithOperations(scope: string, field: string, strategy: SamplingStrategy, operationsField: string): void {
  if (strategy.type !== 'probabilistic') {
    throw propError(scope, field, strategy,
      `probabilistic when '${operationsField}' applies (SDKs then use only the per-operation strategies and ignore a rate limit)`);
  }
}

/** Validates a list of operation strategies and returns a frozen copy. */
function copyOperations(scope: string, field: string, operations: readonly OperationSamplingStrategy[] | undefined): readonly OperationSamplingStrategy[] {
  if (operations === undefined) return Object.freeze([]);
  if (!Array.isArray(operations)) {
    throw propError(scope, field, operations, 'an array of { operation, strategy }');
  }
  const seen = new Map<string, number>();
  const result = operations.map((op: OperationSamplingStrategy, i): OperationSamplingStrategy => {
    const at = `${field}[${i}]`;
    if (typeof op !== 'object' || op === null) {
      throw propError(scope, at, op, 'an object { operation, strategy }');
    }
    requireName(scope, `${at}.operation`, op.operation);
    const previous = seen.get(op.operation);
    if (previous !== undefined) {
      throw propError(scope, `${at}.operation`, op.operation, `unique within ${field} (already used by ${field}[${previous}])`);
    }
    seen.set(op.operation, i);
    const strategy = requireStrategy(scope, `${at}.strategy`, op.strategy);
    if (strategy.type !== 'probabilistic') {
      throw propError(scope, `${at}.strategy`, strategy,
        'probabilistic (Jaeger serves only probabilistic per-operation strategies and drops rate-limiting ones)');
    }
    return Object.freeze({ operation: op.operation, strategy });
  });
  return Object.freeze(result);
}

function strategyJson(strategy: SamplingStrategy): JaegerSamplingStrategyJson {
  return { type: strategy.type, param: strategy.param };
}

function operationsJson(operations: readonly OperationSamplingStrategy[]): { operation_strategies?: JaegerOperationSamplingStrategyJson[] } {
  if (operations.length === 0) return {};
  return {
    operation_strategies: operations.map(o => ({ operation: o.operation, ...strategyJson(o.strategy) })),
  };
}
