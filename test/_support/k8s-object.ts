/** A synthesized Kubernetes object, as `Testing.synth(chart)` returns it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

/** `Kind/name`, how every error message names an object. */
export function objectRef(o: K8sObject): string {
  return `${o.kind}/${o.metadata?.name ?? '<no name>'}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
