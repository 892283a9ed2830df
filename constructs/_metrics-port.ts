/**
 * Where Prometheus scrapes a pod of this library. The network policies (Prometheus may reach this
 * port and no other) read it off the pod spec here; the monitors (constructs/monitoring/) take the
 * port each component registers, which names the same port (test/monitoring/monitors-and-rules.test.ts
 * holds the two together on every example stack).
 *
 * Jaeger v2 and the OpenTelemetry Collector serve their own telemetry on the container port named
 * `metrics` (8888); Tempo serves `/metrics` on its HTTP API port, named `http` (3200).
 */
export const METRICS_PATH = '/metrics';

interface PodLike {
  readonly labels?: Readonly<Record<string, string>>;
  readonly containers?: readonly { readonly ports?: readonly { readonly name?: string; readonly containerPort?: number }[] }[];
}

/** The name of the metrics port of a library pod, or undefined when it serves no metrics. */
export function metricsPortName(pod: PodLike): string | undefined {
  const names = new Set((pod.containers ?? []).flatMap(c => (c.ports ?? []).map(p => p.name)));
  if (names.has('metrics')) return 'metrics';
  if (pod.labels?.['app.kubernetes.io/name'] === 'tempo' && names.has('http')) return 'http';
  return undefined;
}
