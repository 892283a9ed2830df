import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';

/** Something a chart expects to exist outside it. */
export interface Prerequisite {
  /** Name of the object, or `host:port` of an endpoint. */
  readonly name: string;
  /** Why it is needed, for people reading `Prerequisites.of(chart).describe()`. */
  readonly purpose: string;
}

const REGISTRY = new WeakMap<Chart, Prerequisites>();

/**
 * What a chart needs from outside itself: Secrets and ConfigMaps the user provides (credentials
 * are never generated), and endpoints outside the cluster (an Elasticsearch URL, say).
 *
 * Constructs declare each reference they do not create here, so that the wiring check can tell a
 * deliberate external reference from a typo, and so that users can list what to create before
 * `kubectl apply`.
 */
export class Prerequisites {
  /** The registry of the chart that contains `scope`. */
  public static of(scope: IConstruct): Prerequisites {
    const chart = Chart.of(scope);
    let found = REGISTRY.get(chart);
    if (!found) {
      found = new Prerequisites();
      REGISTRY.set(chart, found);
    }
    return found;
  }

  private readonly _secrets = new Map<string, Prerequisite>();
  private readonly _configMaps = new Map<string, Prerequisite>();
  private readonly _endpoints = new Map<string, Prerequisite>();

  private constructor() {}

  /** Declares a Secret (in the chart's namespace) that the user creates. */
  public addSecret(name: string, purpose: string): void {
    this._secrets.set(name, { name, purpose });
  }

  /** Declares a ConfigMap (in the chart's namespace) that the user creates. */
  public addConfigMap(name: string, purpose: string): void {
    this._configMaps.set(name, { name, purpose });
  }

  /** Declares an endpoint outside the chart, as `host:port`. */
  public addEndpoint(hostPort: string, purpose: string): void {
    this._endpoints.set(hostPort, { name: hostPort, purpose });
  }

  /** Secrets the user must create. */
  public get secrets(): Prerequisite[] {
    return [...this._secrets.values()];
  }

  /** ConfigMaps the user must create. */
  public get configMaps(): Prerequisite[] {
    return [...this._configMaps.values()];
  }

  /** Endpoints outside the chart, as `host:port`. */
  public get endpoints(): Prerequisite[] {
    return [...this._endpoints.values()];
  }

  /** One line per prerequisite, for a README or a synth log. */
  public describe(): string[] {
    return [
      ...this.secrets.map(s => `Secret ${s.name}: ${s.purpose}`),
      ...this.configMaps.map(c => `ConfigMap ${c.name}: ${c.purpose}`),
      ...this.endpoints.map(e => `endpoint ${e.name}: ${e.purpose}`),
    ];
  }
}

/**
 * Declares `endpoint` as a prerequisite of `scope`'s chart when `provider`, the construct that serves
 * it, is synthesized in another chart (another file of `dist/`, applied on its own).
 */
export function declareEndpointFrom(scope: unknown, provider: unknown, endpoint: { readonly hostPort: string }, purpose: string): void {
  if (!Construct.isConstruct(scope) || !Construct.isConstruct(provider)) return;
  if (Chart.of(scope) !== Chart.of(provider)) {
    Prerequisites.of(scope).addEndpoint(endpoint.hostPort, `${purpose}: ${provider.node.path}, from chart '${Chart.of(provider).node.id}'`);
  }
}
