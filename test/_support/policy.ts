/**
 * The production rules every object of every example stack keeps: the product's policy check
 * (constructs/check/policy-check.ts, what `cdk8s-tracing check` runs), every finding counting
 * whatever its severity: a namespace (unless cluster-scoped), the standard labels, and for
 * workloads pinned images, requests and limits, probes on long-running containers and the
 * restricted Pod Security Standard.
 */
import { policyFindings } from '../../constructs/check/policy-check';
import { podTemplatesOf } from '../../constructs/wiring/stack-index';
import type { Manifest } from './synth';
import { findingMessage } from './wiring';

type Obj = Record<string, any>;

/** The pod template of a workload (its metadata and spec), or undefined for other kinds. */
export function podTemplateOf(o: Manifest): Obj | undefined {
  if (o.kind === 'Pod') return undefined;
  const t = podTemplatesOf(o, o.metadata.namespace ?? 'default')[0];
  return t ? { metadata: { labels: t.labels, annotations: t.annotations }, spec: t.spec } : undefined;
}

/** Every policy finding, as `Kind/name: path: message`. */
export function policyErrors(objects: Manifest[]): string[] {
  return policyFindings(objects).map(findingMessage);
}
