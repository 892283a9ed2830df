/**
 * Validators for custom resources, built from the CustomResourceDefinitions in `$CRD_DIR`
 * (default `<repo>/../shared/crds`, see its SOURCES.md; the files are never copied into the project).
 *
 * A CRD's `openAPIV3Schema` is a Kubernetes *structural* schema. The API server silently prunes
 * fields it does not declare; a test should report them instead, so the conversion to JSON Schema
 * closes every object the server would prune (see `convertNode`).
 *
 * Cost: the Jaeger CRD is 700 KB of YAML. Files are indexed by reading only their header; a file
 * is parsed, converted and compiled the first time one of its kinds is validated, then cached.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ValidateFunction } from 'ajv';
import * as YAML from 'yaml';
import { isRecord } from './k8s-object';
import { k8sAjv, objectMetaRef, registerUnknownFormats, type SchemaSourceStatus } from './k8s-schema';

/** `<repo>/test/_support` -> `<repo>/../shared/crds`, unless `$CRD_DIR` says otherwise. */
export function crdDir(): string {
  return process.env.CRD_DIR ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'crds');
}

export function crdStatus(): SchemaSourceStatus {
  const dir = crdDir();
  const available = fs.existsSync(dir) && crdFiles(dir).length > 0;
  return {
    available,
    dir,
    hint: available ? '' : `no CustomResourceDefinitions (*.yaml) in ${dir}: set CRD_DIR to the folder that holds them`,
  };
}

function crdFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
}

// ---------------------------------------------------------------------------------------------
// Index: group/kind -> file, without parsing whole files

interface CrdVersion {
  readonly name: string;
  readonly served: boolean;
  readonly schema: Record<string, unknown>;
}

interface LoadedCrd {
  readonly file: string;
  readonly group: string;
  readonly kind: string;
  readonly versions: ReadonlyMap<string, CrdVersion>;
}

let fileIndex: Map<string, string> | undefined;
const loaded = new Map<string, LoadedCrd>();
const validators = new Map<string, ValidateFunction>();

function groupKindKey(group: string, kind: string): string {
  return `${group}/${kind}`;
}

/**
 * controller-gen and Strimzi both write `spec.group` and `spec.names` before `spec.versions`, so
 * the text up to the first `  versions:` line is a small YAML document with what the index needs.
 * If that shortcut finds nothing, the whole file is parsed.
 */
function indexFiles(): Map<string, string> {
  if (fileIndex) return fileIndex;
  const status = crdStatus();
  if (!status.available) throw new Error(status.hint);
  const index = new Map<string, string>();
  for (const file of crdFiles(status.dir)) {
    const text = fs.readFileSync(file, 'utf8');
    const cut = text.search(/^ {2}versions:/m);
    let heads = cut > 0 ? crdHeads(text.slice(0, cut)) : [];
    if (heads.length === 0) heads = crdHeads(text);
    for (const head of heads) index.set(groupKindKey(head.group, head.kind), file);
  }
  fileIndex = index;
  return index;
}

function crdHeads(text: string): Array<{ group: string; kind: string }> {
  const heads: Array<{ group: string; kind: string }> = [];
  for (const doc of parseCrdDocuments(text)) {
    const spec = doc.spec;
    if (isRecord(spec) && typeof spec.group === 'string' && isRecord(spec.names) && typeof spec.names.kind === 'string') {
      heads.push({ group: spec.group, kind: spec.names.kind });
    }
  }
  return heads;
}

function parseCrdDocuments(text: string): Array<Record<string, unknown>> {
  const docs: Array<Record<string, unknown>> = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length > 0) continue;
    const value: unknown = doc.toJS();
    if (isRecord(value) && value.kind === 'CustomResourceDefinition') docs.push(value);
  }
  return docs;
}

function loadCrd(group: string, kind: string): LoadedCrd | undefined {
  const key = groupKindKey(group, kind);
  const cached = loaded.get(key);
  if (cached) return cached;
  const file = indexFiles().get(key);
  if (!file) return undefined;
  for (const doc of parseCrdDocuments(fs.readFileSync(file, 'utf8'))) {
    const spec = doc.spec;
    if (!isRecord(spec) || spec.group !== group || !isRecord(spec.names) || spec.names.kind !== kind) continue;
    const versions = new Map<string, CrdVersion>();
    for (const v of Array.isArray(spec.versions) ? spec.versions : []) {
      if (!isRecord(v) || typeof v.name !== 'string') continue;
      const schema = isRecord(v.schema) && isRecord(v.schema.openAPIV3Schema) ? v.schema.openAPIV3Schema : {};
      versions.set(v.name, { name: v.name, served: v.served === true, schema });
    }
    const crd: LoadedCrd = { file, group, kind, versions };
    loaded.set(key, crd);
    return crd;
  }
  throw new Error(`${file}: indexed as ${group} ${kind} but holds no such CustomResourceDefinition`);
}

// ---------------------------------------------------------------------------------------------
// Public lookups

export type CrdLookup =
  | { readonly found: true; readonly validate: ValidateFunction }
  | { readonly found: false; readonly reason: string };

/** True when some CRD in the folder defines `kind` in the group of `apiVersion`. */
export function isCrdKind(apiVersion: string, kind: string): boolean {
  const [group] = splitApiVersion(apiVersion);
  return group !== '' && indexFiles().has(groupKindKey(group, kind));
}

/**
 * The validator of a custom resource kind, compiled on first use. Not found when no CRD defines
 * the group and kind, or when the CRD does not serve that version.
 */
export function crdValidator(apiVersion: string, kind: string): CrdLookup {
  const cached = validators.get(`${apiVersion}/${kind}`);
  if (cached) return { found: true, validate: cached };
  const [group, version] = splitApiVersion(apiVersion);
  const crd = group ? loadCrd(group, kind) : undefined;
  if (!crd) return { found: false, reason: `no CustomResourceDefinition for ${kind} in group '${group}'` };
  const v = crd.versions.get(version);
  if (!v || !v.served) {
    const served = [...crd.versions.values()].filter((x) => x.served).map((x) => x.name).join(', ');
    return { found: false, reason: `CRD ${path.basename(crd.file)} does not serve ${apiVersion} (served: ${served})` };
  }
  const ajv = k8sAjv();
  const schema = shareRepeatedSubschemas(crdToJsonSchema(v.schema, group, version, kind, objectMetaRef()));
  registerUnknownFormats(ajv, schema);
  const validate = ajv.compile(schema);
  validators.set(`${apiVersion}/${kind}`, validate);
  return { found: true, validate };
}

function splitApiVersion(apiVersion: string): [group: string, version: string] {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

// ---------------------------------------------------------------------------------------------
// Structural schema (OpenAPI v3 subset) -> JSON Schema 2020-12

/** Annotations with no effect on validity. `default` is applied by the server, not checked. */
const DROPPED_KEYWORDS = new Set(['description', 'example', 'externalDocs', 'default', 'title']);

/** Keywords whose value is a map of name -> schema. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties']);

/** Keywords whose value is a list of schemas (value validations only, never closed). */
const SCHEMA_LISTS = new Set(['anyOf', 'oneOf', 'allOf']);

/**
 * Converts one CRD version's `openAPIV3Schema` into a JSON Schema for the whole custom resource:
 * `apiVersion` and `kind` pinned, `metadata` checked as the built-in ObjectMeta, the rest by
 * `convertNode`.
 */
export function crdToJsonSchema(
  openApi: Record<string, unknown>,
  group: string,
  version: string,
  kind: string,
  objectMeta: string,
): Record<string, unknown> {
  const root = convertNode(openApi, { structural: true, open: false });
  const properties = isRecord(root.properties) ? { ...root.properties } : {};
  properties.apiVersion = { const: `${group}/${version}` };
  properties.kind = { const: kind };
  properties.metadata = { $ref: objectMeta };
  const required = new Set(Array.isArray(root.required) ? root.required.filter((r): r is string => typeof r === 'string') : []);
  for (const r of ['apiVersion', 'kind', 'metadata']) required.add(r);
  return { ...root, type: 'object', properties, required: [...required] };
}

interface NodeContext {
  /** On the path the API server prunes along (properties, items, additionalProperties), not inside anyOf/oneOf/allOf/not. */
  readonly structural: boolean;
  /** Unknown fields of this node are kept: it is the items schema of an array marked x-kubernetes-preserve-unknown-fields. */
  readonly open: boolean;
}

/**
 * Converts one schema node:
 * - `nullable: true` adds `null` to `type` (and to `enum`);
 * - `x-kubernetes-int-or-string: true` becomes `type: [integer, string]` (its `anyOf` is kept);
 * - `exclusiveMinimum/Maximum: true` (OpenAPI booleans) become JSON Schema numbers;
 * - an object the server would prune is closed with `additionalProperties: false`: it is on the
 *   structural path, has no `additionalProperties`, and neither it nor (for array items) its
 *   array has `x-kubernetes-preserve-unknown-fields: true`. That covers objects with `properties`
 *   and also bare `type: object` nodes, whose every field the server drops.
 *   An `x-kubernetes-embedded-resource` keeps `apiVersion`, `kind` and `metadata` in any case.
 * - other `x-kubernetes-*` keywords (CEL validations, list and map types) and annotations are dropped.
 */
function convertNode(node: Record<string, unknown>, ctx: NodeContext): Record<string, unknown> {
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-') || DROPPED_KEYWORDS.has(key) || key === 'nullable') continue;
    if (SCHEMA_MAPS.has(key) && isRecord(value)) {
      out[key] = mapValues(value, (s) => convertNode(s, { structural: ctx.structural, open: false }));
    } else if (key === 'items' && isRecord(value)) {
      out[key] = convertNode(value, { structural: ctx.structural, open: ctx.structural && (preserve || ctx.open) });
    } else if (key === 'additionalProperties' && isRecord(value)) {
      out[key] = convertNode(value, { structural: ctx.structural, open: false });
    } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) {
      out[key] = value.map((s: unknown) => (isRecord(s) ? convertNode(s, { structural: false, open: false }) : s));
    } else if (key === 'not' && isRecord(value)) {
      out[key] = convertNode(value, { structural: false, open: false });
    } else if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value === 'boolean') {
      const bound = node[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'];
      if (value && typeof bound === 'number') out[key] = bound;
    } else {
      out[key] = value;
    }
  }
  // exclusive bounds replace the inclusive ones they were attached to
  if (typeof out.exclusiveMinimum === 'number') delete out.minimum;
  if (typeof out.exclusiveMaximum === 'number') delete out.maximum;

  if (node['x-kubernetes-int-or-string'] === true) out.type = ['integer', 'string'];
  if (node.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type) && !out.type.includes('null')) out.type = [...out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }

  const isObject = out.type === 'object' || (Array.isArray(out.type) && out.type.includes('object')) || isRecord(out.properties);
  if (ctx.structural && isObject && !preserve && !ctx.open && out.additionalProperties === undefined) {
    if (node['x-kubernetes-embedded-resource'] === true) {
      const properties = isRecord(out.properties) ? out.properties : {};
      out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...properties };
    }
    out.additionalProperties = false;
  }
  return out;
}

function mapValues(
  map: Record<string, unknown>,
  f: (schema: Record<string, unknown>) => Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(map)) out[name] = isRecord(schema) ? f(schema) : schema;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Compile cost

/** Subschemas smaller than this (serialized) are left in place. */
const SHARE_MIN_CHARS = 400;

/**
 * Operator CRDs repeat large subtrees (affinity, volumes, probes, resources for each component):
 * the Jaeger CRD's 270 KB of converted schema holds about 40 KB of distinct subtrees. Ajv compiles
 * each occurrence separately, so every subschema of at least SHARE_MIN_CHARS that occurs more than
 * once is moved to `$defs` and replaced by a `$ref`, and is compiled once (Jaeger: ~0.9 s -> ~0.15 s).
 * Validation results and instance paths are unchanged.
 */
export function shareRepeatedSubschemas(root: Record<string, unknown>): Record<string, unknown> {
  const serialized = new Map<Record<string, unknown>, string>();
  const occurrences = new Map<string, number>();
  forEachSubschema(root, (node) => {
    const text = JSON.stringify(node);
    serialized.set(node, text);
    if (text.length >= SHARE_MIN_CHARS) occurrences.set(text, (occurrences.get(text) ?? 0) + 1);
  });

  const defs: Record<string, unknown> = {};
  const names = new Map<string, string>();
  const rewrite = (node: Record<string, unknown>): Record<string, unknown> => {
    const text = serialized.get(node) ?? '';
    const shared = (occurrences.get(text) ?? 0) > 1;
    let name = shared ? names.get(text) : undefined;
    if (shared && name === undefined) {
      name = `shared${names.size}`;
      names.set(text, name);
      defs[name] = mapSubschemas(node, rewrite);
    }
    return name === undefined ? mapSubschemas(node, rewrite) : { $ref: `#/$defs/${name}` };
  };
  const out = mapSubschemas(root, rewrite);
  if (names.size > 0) out.$defs = defs;
  return out;
}

/** Calls `f` on every subschema below `node` (not on `node` itself). */
function forEachSubschema(node: Record<string, unknown>, f: (schema: Record<string, unknown>) => void): void {
  mapSubschemas(node, (child) => {
    f(child);
    forEachSubschema(child, f);
    return child;
  });
}

/** A copy of `node` with each direct subschema replaced by `f(subschema)`. */
function mapSubschemas(
  node: Record<string, unknown>,
  f: (schema: Record<string, unknown>) => Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (SCHEMA_MAPS.has(key) && isRecord(value)) out[key] = mapValues(value, f);
    else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) out[key] = value.map((s: unknown) => (isRecord(s) ? f(s) : s));
    else if ((key === 'items' || key === 'additionalProperties' || key === 'not') && isRecord(value)) out[key] = f(value);
    else out[key] = value;
  }
  return out;
}
