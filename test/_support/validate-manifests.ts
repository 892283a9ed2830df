/**
 * The test suite's validation of synthesized manifests, in one place:
 *
 * ```ts
 * const objects = synth(chart);
 * expect(schemaErrors(objects)).toEqual([]);
 * expect(wiringErrors(objects, { userProvidedSecrets: ['es-credentials'] })).toEqual([]);
 * ```
 *
 * Schema validation needs the Kubernetes JSON Schemas (`bash scripts/k8s-schemas.sh`) and, for
 * custom resources, the CRDs (`$CRD_DIR`, default `../shared/crds`). Tests that use it start with
 * `describeWithSchemas()`, which skips them with one printed line when either is missing
 * locally, and fails when one is missing in CI (`CI=true`).
 */
import { schemaFindings } from '../../constructs/check/schema-check';
import { crdStatus, suiteCrds } from './crd-schema';
import { objectRef, type K8sObject } from './k8s-object';
import { k8sSchemaStatus, suiteKubernetesSchemas } from './k8s-schema';
import { findingMessage } from './wiring';

export type { K8sObject } from './k8s-object';
export { wiringErrors, type WiringOptions } from './wiring';

export interface SchemaAvailability {
  readonly k8s: boolean;
  readonly crds: boolean;
  /** What is missing and how to get it; empty when both are available. */
  readonly hint: string;
}

/**
 * Whether the Kubernetes schemas and the CRDs are on this machine.
 * With `CI=true`, throws instead of reporting one missing: CI must validate.
 */
export function schemasAvailable(): SchemaAvailability {
  const k8s = k8sSchemaStatus();
  const crds = crdStatus();
  const hint = [k8s.hint, crds.hint].filter((h) => h !== '').join('; ');
  if (hint !== '' && process.env.CI === 'true') throw new Error(`schema validation is required in CI: ${hint}`);
  return { k8s: k8s.available, crds: crds.available, hint };
}

/**
 * `describe` when the schemas are available, else `describe.skip` after printing one line that
 * says why and how to enable them. Throws in CI when they are missing (see schemasAvailable).
 */
export function describeWithSchemas(): jest.Describe {
  const { hint } = schemasAvailable();
  if (hint === '') return describe;
  process.stdout.write(`skipping schema validation tests: ${hint}\n`);
  return describe.skip;
}

/**
 * Validates each object against the schema of its kind with the product's schema check
 * (constructs/check/schema-check.ts, what `cdk8s-tracing check` runs): the strict Kubernetes 1.37
 * schema for a built-in kind, the CRD's schema (unknown fields closed) for a custom resource. An
 * object of a kind neither knows is an error too. Returns [] when every object is valid; each
 * message reads `<Kind>/<name>: <field path>: <what is wrong>`. Throws when the schemas needed are missing.
 */
export function schemaErrors(objects: readonly K8sObject[]): string[] {
  const crds = crdStatus();
  const custom = objects.find((o) => typeof o.apiVersion === 'string' && typeof o.kind === 'string' && !suiteKubernetesSchemas().isBuiltin(o.apiVersion, o.kind));
  if (custom && !crds.available) throw new Error(`${objectRef(custom)}: cannot validate custom resource ${custom.apiVersion} ${custom.kind}: ${crds.hint}`);
  return schemaFindings(objects, { kubernetes: suiteKubernetesSchemas(), crds: crds.available ? suiteCrds() : undefined }).map(findingMessage);
}
