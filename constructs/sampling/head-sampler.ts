import { Duration } from 'cdk8s';
import { isDuration } from '../_cdk8s-values';
import { ErrorScope, propError, requireInteger, requireNumberInRange } from '../_errors';
import { ServiceEndpoint } from '../service-endpoint';

/**
 * Something that serves Jaeger remote sampling strategies: {@link JaegerCollector},
 * {@link JaegerAllInOne} or {@link TracingStack} with sampling strategies.
 */
export interface IRemoteSamplingSource {
  /** The HTTP sampling endpoint (Jaeger port 5778; `/sampling?service=<name>`). */
  readonly samplingEndpoint: ServiceEndpoint;
  /** The gRPC sampling endpoint (Jaeger v2 port 5779; `jaeger.api_v2.SamplingManager`). */
  readonly samplingGrpcEndpoint: ServiceEndpoint;
}

/**
 * How an SDK's Jaeger remote sampler talks to the sampling endpoint. The OpenTelemetry SDKs differ,
 * and `OTEL_TRACES_SAMPLER_ARG`'s `endpoint` means a different URL for each:
 */
export enum RemoteSamplingProtocol {
  /**
   * HTTP GET of `<endpoint>?service=<name>`, the endpoint being the full URL of Jaeger's `/sampling`
   * path on port 5778. Used by the Go SDK (`go.opentelemetry.io/contrib/samplers/jaegerremote`,
   * which reads `OTEL_TRACES_SAMPLER_ARG`) and the JavaScript SDK.
   */
  HTTP = 'http',
  /**
   * gRPC `jaeger.api_v2.SamplingManager/GetSamplingStrategy` at `<endpoint>` (Jaeger v2 port 5779).
   * Used by the Java SDK and agent (`opentelemetry-sdk-extension-jaeger-remote-sampler`, whose
   * default endpoint is `http://localhost:14250`).
   */
  GRPC = 'grpc',
}

/** Options of {@link HeadSampler.jaegerRemote} and {@link HeadSampler.parentBasedJaegerRemote}. */
export interface JaegerRemoteSamplerOptions {
  /** The Jaeger that serves the strategies. */
  readonly source: IRemoteSamplingSource;
  /**
   * Protocol of the SDK's remote sampler (decides which port and path `endpoint` names).
   * @default RemoteSamplingProtocol.HTTP
   */
  readonly protocol?: RemoteSamplingProtocol;
  /**
   * How often the SDK polls for a new strategy (`pollingIntervalMs`), in whole milliseconds.
   * @default Duration.minutes(1) (the SDKs' own default)
   */
  readonly pollingInterval?: Duration;
  /**
   * Sampling probability used until the first strategy arrives (`initialSamplingRate`).
   * @default 0.001 (the SDKs' own default)
   */
  readonly initialSamplingRate?: number;
}

/** The value of `OTEL_TRACES_SAMPLER`, as the OpenTelemetry SDK environment specification spells it. */
export type SdkSamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio'
  | 'jaeger_remote'
  | 'parentbased_jaeger_remote';

/** A Kubernetes container environment variable with a literal value. */
export interface SdkEnvVar {
  readonly name: string;
  readonly value: string;
}

const SCOPE = 'HeadSampler';
const MAX_POLLING_MS = 2_147_483_647;

/**
 * The sampler an OpenTelemetry SDK applies when a trace starts (head sampling), rendered as the
 * standard environment variables `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`:
 *
 * ```ts
 * HeadSampler.parentBasedTraceIdRatio(0.01)              // parentbased_traceidratio, 0.01
 * HeadSampler.parentBasedJaegerRemote({ source: jaeger }) // parentbased_jaeger_remote, endpoint=...
 * ```
 *
 * @see https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#general-sdk-configuration
 */
export class HeadSampler {
  /** Samples every trace. */
  public static alwaysOn(): HeadSampler {
    return new HeadSampler('always_on');
  }

  /** Samples nothing. */
  public static alwaysOff(): HeadSampler {
    return new HeadSampler('always_off');
  }

  /** Follows the parent's decision; samples every root. The right head sampler in front of tail sampling. */
  public static parentBasedAlwaysOn(): HeadSampler {
    return new HeadSampler('parentbased_always_on');
  }

  /** Follows the parent's decision; samples no root. */
  public static parentBasedAlwaysOff(): HeadSampler {
    return new HeadSampler('parentbased_always_off');
  }

  /**
   * Samples `ratio` of traces by trace id, ignoring the parent's decision.
   * @param ratio a probability from 0 to 1
   */
  public static traceIdRatio(ratio: number): HeadSampler {
    requireNumberInRange(`${SCOPE}.traceIdRatio`, 'ratio', ratio, 0, 1);
    return new HeadSampler('traceidratio', ratio);
  }

  /**
   * Follows the parent's decision; samples `ratio` of root traces by trace id
   * (`ParentBased(TraceIdRatioBased(ratio))`, the recommended production head sampler).
   * @param ratio a probability from 0 to 1
   */
  public static parentBasedTraceIdRatio(ratio: number): HeadSampler {
    requireNumberInRange(`${SCOPE}.parentBasedTraceIdRatio`, 'ratio', ratio, 0, 1);
    return new HeadSampler('parentbased_traceidratio', ratio);
  }

  /**
   * The strategy served by Jaeger remote sampling for the SDK's service. The Go SDK applies it to
   * every span whatever the parent decided; the Java SDK wraps it in `ParentBased` itself.
   */
  public static jaegerRemote(options: JaegerRemoteSamplerOptions): HeadSampler {
    return new HeadSampler('jaeger_remote', undefined, remoteOptions(`${SCOPE}.jaegerRemote`, options));
  }

  /** Follows the parent's decision; roots get the strategy served by Jaeger remote sampling. */
  public static parentBasedJaegerRemote(options: JaegerRemoteSamplerOptions): HeadSampler {
    return new HeadSampler('parentbased_jaeger_remote', undefined, remoteOptions(`${SCOPE}.parentBasedJaegerRemote`, options));
  }

  /** True for values made by the factories of this class. */
  public static isHeadSampler(x: unknown): x is HeadSampler {
    return typeof x === 'object' && x !== null && #factoryMade in x;
  }

  readonly #factoryMade = true;

  /** `OTEL_TRACES_SAMPLER`. */
  public readonly sdkName: SdkSamplerName;
  /** The ratio of the `traceidratio` samplers. */
  public readonly ratio?: number;
  /** The remote sampler's settings. */
  public readonly remote?: Required<JaegerRemoteSamplerOptions>;

  private constructor(name: SdkSamplerName, ratio?: number, remote?: Required<JaegerRemoteSamplerOptions>) {
    this.sdkName = name;
    this.ratio = ratio;
    this.remote = remote;
  }

  /**
   * `OTEL_TRACES_SAMPLER_ARG`: the ratio, or for the Jaeger remote samplers
   * `endpoint=<url>,pollingIntervalMs=<ms>,initialSamplingRate=<p>`; undefined when the sampler takes none.
   */
  public get sdkArgument(): string | undefined {
    if (this.ratio !== undefined) return String(this.ratio);
    if (!this.remote) return undefined;
    const r = this.remote;
    const endpoint = r.protocol === RemoteSamplingProtocol.GRPC
      ? r.source.samplingGrpcEndpoint.url('http')
      : r.source.samplingEndpoint.url('http', '/sampling');
    return `endpoint=${endpoint},pollingIntervalMs=${r.pollingInterval.toMilliseconds()},initialSamplingRate=${r.initialSamplingRate}`;
  }

  /** The environment variables that configure this sampler in any OpenTelemetry SDK. */
  public toEnv(): SdkEnvVar[] {
    const arg = this.sdkArgument;
    return [{ name: 'OTEL_TRACES_SAMPLER', value: this.sdkName }, ...(arg !== undefined ? [{ name: 'OTEL_TRACES_SAMPLER_ARG', value: arg }] : [])];
  }

  /** Short form for messages: `parentbased_traceidratio(0.01)`. */
  public toString(): string {
    const arg = this.sdkArgument;
    return arg === undefined ? this.sdkName : `${this.sdkName}(${arg})`;
  }
}

function remoteOptions(scope: ErrorScope, options: JaegerRemoteSamplerOptions): Required<JaegerRemoteSamplerOptions> {
  if (typeof options !== 'object' || options === null || !options.source) {
    throw propError(scope, 'source', options?.source, 'a Jaeger that serves sampling strategies (JaegerCollector, JaegerAllInOne or TracingStack with sampling)');
  }
  const protocol = options.protocol ?? RemoteSamplingProtocol.HTTP;
  if (!Object.values(RemoteSamplingProtocol).includes(protocol)) {
    throw propError(scope, 'protocol', protocol, `one of ${Object.values(RemoteSamplingProtocol).join(', ')}`);
  }
  const pollingInterval = options.pollingInterval ?? Duration.minutes(1);
  const ms = isDuration(pollingInterval) ? pollingInterval.toMilliseconds({ integral: false }) : NaN;
  requireInteger(scope, 'pollingInterval', ms, 100, MAX_POLLING_MS);
  const initialSamplingRate = options.initialSamplingRate ?? 0.001;
  requireNumberInRange(scope, 'initialSamplingRate', initialSamplingRate, 0, 1);
  return { source: options.source, protocol, pollingInterval, initialSamplingRate };
}
