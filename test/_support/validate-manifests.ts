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
import type { ErrorObject } from 'ajv';
import { crdStatus, crdValidator, isCrdKind } from './crd-schema';
import { objectRef, type K8sObject } from './k8s-object';
import { builtinValidator, K8S_VERSION, k8sSchemaStatus } from './k8s-schema';

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
 * Validates each object against the schema of its kind: the strict Kubernetes 1.37 schema for a
 * built-in kind, the CRD's schema (unknown fields closed) for a custom resource. An object of a
 * kind neither knows is an error too. Returns [] when every object is valid; each message reads
 * `<Kind>/<name>: <instancePath> <what> (<params>)`. Throws when the schemas needed are missing.
 */
export function schemaErrors(objects: readonly K8sObject[]): string[] {
  const errors: string[] = [];
  for (const o of objects) {
    const ref = objectRef(o);
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
      errors.push(`${ref}: / must have string apiVersion and kind`);
      continue;
    }
    let validate = builtinValidator(o.apiVersion, o.kind);
    if (!validate) {
      const status = crdStatus();
      if (!status.available) throw new Error(`${ref}: cannot validate custom resource ${o.apiVersion} ${o.kind}: ${status.hint}`);
      if (!isCrdKind(o.apiVersion, o.kind)) {
        errors.push(`${ref}: / unknown kind: ${o.apiVersion} ${o.kind} is neither a Kubernetes ${K8S_VERSION} built-in kind nor defined by a CRD in ${status.dir}`);
        continue;
      }
      const lookup = crdValidator(o.apiVersion, o.kind);
      if (!lookup.found) {
        errors.push(`${ref}: / unknown kind: ${lookup.reason}`);
        continue;
      }
      validate = lookup.validate;
    }
    if (validate(o)) continue;
    for (const e of validate.errors ?? []) errors.push(`${ref}: ${formatAjvError(e)}`);
  }
  return [...new Set(errors)];
}

function formatAjvError(e: ErrorObject): string {
  return `${e.instancePath || '/'} ${e.message ?? e.keyword} (${JSON.stringify(e.params)})`;
}
