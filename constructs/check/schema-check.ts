/**
 * The schema check: every object against the strict schema of its kind, the Kubernetes 1.37
 * built-in schema or the CRD's (unknown fields closed where the API server would prune them).
 * CustomResourceDefinitions in the input count as given.
 */
import type { ErrorObject } from 'ajv';
import { escapePointer, isRecord, type Json, type Manifest } from '../wiring/_json';
import { CrdRegistry } from './crd-schemas';
import type { ObjectFinding } from './finding';
import { K8S_VERSION, KubernetesSchemas } from './k8s-schemas';
import { ruleById } from './rules';

/** Options of {@link schemaFindings}. */
export interface SchemaCheckOptions {
  /** The built-in schemas. @default - the package's own (KubernetesSchemas.load()) */
  readonly kubernetes?: KubernetesSchemas;
  /** CRDs besides those in the input. @default - none */
  readonly crds?: CrdRegistry;
}

/** Schema findings of `objects`, in object order. */
export function schemaFindings(objects: readonly Manifest[], options: SchemaCheckOptions = {}): ObjectFinding[] {
  const kubernetes = options.kubernetes ?? KubernetesSchemas.load();
  const crds = (options.crds ?? CrdRegistry.EMPTY).withObjects(objects.filter((o) => o.kind === 'CustomResourceDefinition' && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('apiextensions.k8s.io/')));
  const findings: ObjectFinding[] = [];
  for (const o of objects) {
    const add = (ruleId: string, path: string, message: string) => findings.push({ ruleId, severity: ruleById(ruleId).severity, object: o, path, message });
    const { apiVersion, kind } = o as { apiVersion: unknown; kind: unknown };
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || apiVersion === '' || kind === '') {
      add('schema/missing-field', '', 'apiVersion and kind must be set: this is not a Kubernetes object');
      continue;
    }
    let validate = kubernetes.validator(apiVersion, kind);
    if (!validate) {
      const lookup = crds.lookup(kubernetes, apiVersion, kind);
      if (lookup.found === 'validator') {
        validate = lookup.validate;
      } else if (lookup.found === 'not-served') {
        add('schema/unknown-kind', '/apiVersion', lookup.reason);
        continue;
      } else {
        const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
        if (kubernetes.builtinGroups.has(group) || !group.includes('.')) {
          const served = kubernetes.apiVersionsOf(kind);
          add('schema/unknown-kind', '/apiVersion', `${apiVersion} ${kind} is not a kind of Kubernetes ${K8S_VERSION}${served.length > 0 ? ` (${kind} is served as ${served.join(', ')})` : ''}`);
        } else {
          add('schema/no-crd', '/apiVersion', `custom resource ${apiVersion} ${kind} not validated: no CustomResourceDefinition for it in the input or in --crds`);
        }
        continue;
      }
    }
    if (validate(o)) continue;
    const seen = new Set<string>();
    for (const e of withoutBranchErrors(validate.errors ?? [])) {
      const { ruleId, path, message } = describeError(e);
      const key = `${ruleId}|${path}|${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      add(ruleId, path, message);
    }
  }
  return findings;
}

/**
 * The errors worth reporting: a value that fails an `anyOf`/`oneOf` fails every branch, and Ajv
 * reports each branch's errors and the combination's; keep the combination's error alone, or
 * nothing of it when another error says what is wrong at the same place (int-or-string fields
 * carry both a `type` and an `anyOf`).
 */
function withoutBranchErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const combinations = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const kept = errors.filter((e) => !combinations.some((c) => e.schemaPath.startsWith(`${c.schemaPath}/`)));
  return kept.filter((e) => !((e.keyword === 'anyOf' || e.keyword === 'oneOf')
    && kept.some((o) => o.instancePath === e.instancePath && o.keyword !== 'anyOf' && o.keyword !== 'oneOf')));
}

/** Rule, path and message of one Ajv error. */
function describeError(e: ErrorObject): { ruleId: string; path: string; message: string } {
  const params = e.params as Json;
  const found = e.data === undefined ? '' : `, not ${describeValue(e.data)}`;
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      return { ruleId: 'schema/unknown-field', path: `${e.instancePath}/${escapePointer(field)}`, message: `unknown field '${field}'` };
    }
    case 'unevaluatedProperties': {
      const field = String(params.unevaluatedProperty);
      return { ruleId: 'schema/unknown-field', path: `${e.instancePath}/${escapePointer(field)}`, message: `unknown field '${field}'` };
    }
    case 'type': {
      const types = Array.isArray(params.type) ? params.type : String(params.type).split(',');
      return { ruleId: 'schema/wrong-type', path: e.instancePath, message: `must be ${types.filter((t) => t !== 'null').join(' or ')}${found}` };
    }
    case 'required':
      return { ruleId: 'schema/missing-field', path: e.instancePath, message: `missing required field '${String(params.missingProperty)}'` };
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      const shown = allowed.slice(0, 12).map((v) => JSON.stringify(v)).join(', ') + (allowed.length > 12 ? `, … (${allowed.length} values)` : '');
      return { ruleId: 'schema/invalid-value', path: e.instancePath, message: `must be one of ${shown}${found}` };
    }
    case 'const':
      return { ruleId: 'schema/invalid-value', path: e.instancePath, message: `must be ${JSON.stringify(params.allowedValue)}${found}` };
    case 'format':
      return { ruleId: 'schema/invalid-value', path: e.instancePath, message: `must be a valid ${String(params.format)}${found}` };
    case 'pattern':
      return { ruleId: 'schema/invalid-value', path: e.instancePath, message: `must match the pattern ${String(params.pattern)}${found}` };
    default:
      return { ruleId: 'schema/invalid-value', path: e.instancePath, message: `${e.message ?? e.keyword}${isRecord(e.data) || Array.isArray(e.data) ? '' : found}` };
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isRecord(value)) return 'an object';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : `${typeof value} ${text}`;
}
