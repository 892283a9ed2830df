/**
 * The suite's wiring check of one stack's synthesized objects: the product's
 * (constructs/check/wiring-check.ts, what `cdk8s-tracing check` runs), with the suite's closed
 * world: every finding counts, whatever its severity, so a Secret or an address outside the stack
 * must be declared (as the chart's Prerequisites declare them). Every message reads
 * `<Kind>/<name>: <field path>: <what is wrong>`.
 */
import { objectRef } from '../../constructs/wiring/_json';
import { wiringFindings } from '../../constructs/check/wiring-check';
import type { ObjectFinding } from '../../constructs/check/finding';
import type { K8sObject } from './k8s-object';

export { ianaServiceNameProblem } from '../../constructs/check/wiring-check';

export interface WiringOptions {
  /** Secrets the user creates before applying the stack (names, any namespace). */
  readonly userProvidedSecrets?: readonly string[];
  /** ConfigMaps the user creates before applying the stack (names, any namespace). */
  readonly userProvidedConfigMaps?: readonly string[];
  /**
   * Addresses outside the stack that its configuration may use, as `host:port`
   * (`es.example.com:443`). A leading `*.` matches any subdomain (`*.amazonaws.com:443`).
   */
  readonly externalEndpoints?: readonly string[];
  /** Namespace of objects that set none (where `kubectl apply` would put them). @default 'default' */
  readonly defaultNamespace?: string;
  /** Cluster DNS domain. @default 'cluster.local' */
  readonly clusterDomain?: string;
}

export function wiringErrors(objects: readonly K8sObject[], options: WiringOptions = {}): string[] {
  return wiringFindings(objects, {
    provided: [
      ...(options.userProvidedSecrets ?? []).map((name) => `Secret/${name}`),
      ...(options.userProvidedConfigMaps ?? []).map((name) => `ConfigMap/${name}`),
    ],
    externalEndpoints: options.externalEndpoints,
    defaultNamespace: options.defaultNamespace,
    clusterDomain: options.clusterDomain,
  }).map(findingMessage);
}

/** `Kind/name: path: message`, how the suite's checks word a finding. */
export function findingMessage(f: ObjectFinding): string {
  return `${objectRef(f.object)}: ${f.path || '/'}: ${f.message}`;
}
