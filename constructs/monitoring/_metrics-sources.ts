import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ContainerResources } from '../resources';

/** The program behind a metrics endpoint: which metric names it serves. */
export enum MetricsProgram {
  /** The OpenTelemetry Collector (`otelcol_*`). */
  OTELCOL = 'otelcol',
  /** Jaeger v2, a collector distribution (`otelcol_*`, `http_server_*` of its query). */
  JAEGER = 'jaeger',
  /** Tempo (`tempo_*`, `tempodb_*`). */
  TEMPO = 'tempo',
  /** Pods the Jaeger Operator makes (Jaeger v1 images, admin port): only whether they are up is watched. */
  JAEGER_OPERATOR = 'jaeger-operator',
}

/**
 * A workload of this library that serves metrics, as its component registers it. The monitors and
 * alerts of {@link TracingMonitoring} are made from these.
 */
export interface MetricsSource {
  /** The component that made the workload (its construct path names the monitor's id). */
  readonly scope: IConstruct;
  /** The workload (Deployment, StatefulSet or DaemonSet). */
  readonly workload: ApiObject;
  readonly program: MetricsProgram;
  /** Labels that select exactly this workload's pods. */
  readonly selector: Readonly<Record<string, string>>;
  /** `app.kubernetes.io/component` of the pods (collector, query, gateway, distributor, ...). */
  readonly component: string;
  /** Name of the container port that serves `/metrics`. */
  readonly portName: string;
  /** The main container's resources, for the cost alerts. @default - none known */
  readonly resources?: ContainerResources;
  /** Major version of the program, where its metric names differ by version (Tempo 2 and 3). */
  readonly majorVersion?: number;
  /** Pipelines with a tail_sampling processor (collectors), so tail-sampling alerts apply. */
  readonly tailSampling?: boolean;
  /** Exporter names whose failures mean spans lost to storage (Jaeger's `jaeger_storage_exporter`). */
  readonly storageExporter?: string;
  /** Jaeger over Elasticsearch or OpenSearch (its `jaeger_storage_*` metrics). */
  readonly searchStorage?: boolean;
  /** Serves Jaeger's query API and UI. */
  readonly servesQuery?: boolean;
}

type Listener = (source: MetricsSource) => void;

interface Registry {
  readonly sources: MetricsSource[];
  readonly listeners: Listener[];
}

const REGISTRIES = new WeakMap<Chart, Registry>();

function registryOf(scope: IConstruct): Registry {
  const chart = Chart.of(scope);
  let r = REGISTRIES.get(chart);
  if (!r) {
    r = { sources: [], listeners: [] };
    REGISTRIES.set(chart, r);
  }
  return r;
}

/** Called by each component that makes a workload serving metrics. */
export function registerMetricsSource(source: MetricsSource): void {
  const r = registryOf(source.scope);
  r.sources.push(source);
  for (const l of r.listeners) l(source);
}

/**
 * Calls `listener` with every metrics source of `scope`'s chart: those registered already, then each
 * one registered later (components added after the monitoring construct are monitored too).
 */
export function onMetricsSources(scope: IConstruct, listener: Listener): void {
  const r = registryOf(scope);
  for (const s of [...r.sources]) listener(s);
  r.listeners.push(listener);
}

/** Every metrics source of `scope`'s chart, in registration order. */
export function metricsSources(scope: IConstruct): readonly MetricsSource[] {
  return [...registryOf(scope).sources];
}
