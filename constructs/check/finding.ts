/**
 * What `cdk8s-tracing check` reports: one finding per problem, naming the file, the object, the
 * field (a JSON pointer in the object) and what is wrong, under a stable rule id (rules.ts).
 */
import type { Manifest } from '../wiring/_json';

/** How bad a finding is; the command exits 1 when one is at or above `--fail-on`. */
export type Severity = 'error' | 'warning' | 'info';

/** Severities from the worst. */
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** Whether `severity` is at least as bad as `threshold`. */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
}

/** The object a finding is about, as `kubectl` names it. */
export interface ObjectId {
  readonly apiVersion?: string;
  readonly kind: string;
  /** Absent for cluster-scoped kinds. */
  readonly namespace?: string;
  readonly name: string;
}

/** One problem found. */
export interface Finding {
  /** Stable rule id (`wiring/service-target-port`), see RULES. */
  readonly ruleId: string;
  readonly severity: Severity;
  /** The file holding the object (`-` for standard input); absent when checking objects in memory. */
  readonly file?: string;
  /** 1-based line of `path` in the file, when known. */
  readonly line?: number;
  readonly object: ObjectId;
  /**
   * JSON pointer of the field in the object (`/spec/ports/0/targetPort`). Inside a configuration
   * document held in a string (a ConfigMap's `config.yaml`), `#` then the pointer in that document:
   * `/data/config.yaml#/exporters/otlp/endpoint` (`#1/...` for its second document).
   */
  readonly path: string;
  readonly message: string;
}

/** `Kind/name`, or `Kind namespace/name` when the namespace is known. */
export function describeObject(o: ObjectId): string {
  return o.namespace ? `${o.kind} ${o.namespace}/${o.name}` : `${o.kind} ${o.name}`;
}

/** Findings in a stable order: file, line, then object, path and rule. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) =>
    (a.file ?? '').localeCompare(b.file ?? '')
    || (a.line ?? 0) - (b.line ?? 0)
    || describeObject(a.object).localeCompare(describeObject(b.object))
    || a.path.localeCompare(b.path)
    || a.ruleId.localeCompare(b.ruleId)
    || a.message.localeCompare(b.message));
}

/** How many findings of each severity. */
export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

/** A finding about an in-memory object, before it is placed in a file (what each family of checks returns). */
export interface ObjectFinding {
  readonly ruleId: string;
  readonly severity: Severity;
  /** The object as read. */
  readonly object: Manifest;
  readonly path: string;
  readonly message: string;
}
