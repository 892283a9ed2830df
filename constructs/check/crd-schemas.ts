/**
 * Validators for custom resources, from CustomResourceDefinitions: those given with `--crds`
 * (folders or files of CRD YAML) and those in the input itself (a Helm chart's `crds/`).
 *
 * A CRD's `openAPIV3Schema` is a Kubernetes *structural* schema. The API server silently prunes
 * fields it does not declare; the check reports them instead, so the conversion to JSON Schema
 * closes every object the server would prune (see `convertNode`).
 *
 * Cost: the Jaeger CRD is 700 KB of YAML. Files are indexed by reading only the head of each
 * document; a CRD is parsed, converted and compiled the first time one of its kinds is validated,
 * then cached.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ValidateFunction } from 'ajv';
import { isRecord, type Json } from '../wiring/_json';
import type { KubernetesSchemas } from './k8s-schemas';
import { InputError, parseManifests, splitDocuments } from './manifest-files';

/** What a registry knows of a custom resource kind. */
export type CrdLookup =
  | { readonly found: 'validator'; readonly validate: ValidateFunction }
  /** A CRD defines the kind but does not serve this version: the API server refuses the object. */
  | { readonly found: 'not-served'; readonly reason: string }
  | { readonly found: 'none' };

interface CrdVersion {
  readonly name: string;
  readonly served: boolean;
  readonly schema: Json;
}

interface CrdSource {
  /** Where the CRD is: its file, or `the input`. */
  readonly origin: string;
  readonly load: () => Json;
}

/** CustomResourceDefinitions by API group and kind. */
export class CrdRegistry {
  /** No CRDs. */
  public static readonly EMPTY = new CrdRegistry(new Map());

  /**
   * The CRDs in `paths` (folders, read recursively for `*.yaml`, `*.yml`, `*.json`, and files),
   * indexed once per list of paths and kept. Throws InputError for a path that does not exist
   * or a file that cannot be parsed.
   */
  public static fromPaths(paths: readonly string[]): CrdRegistry {
    if (paths.length === 0) return CrdRegistry.EMPTY;
    const key = paths.map((p) => path.resolve(p)).join('\n');
    let found = fromPathsCache.get(key);
    if (!found) {
      found = new CrdRegistry(indexPaths(paths));
      fromPathsCache.set(key, found);
    }
    return found;
  }

  private readonly validators = new Map<string, ValidateFunction>();

  private constructor(private readonly sources: ReadonlyMap<string, CrdSource>, private readonly base?: CrdRegistry) {}

  /** This registry with the CustomResourceDefinition objects `crds` added (they win over the registry's own). */
  public withObjects(crds: readonly Json[]): CrdRegistry {
    if (crds.length === 0) return this;
    const sources = new Map<string, CrdSource>();
    for (const crd of crds) {
      const head = crdHead(crd);
      if (head) sources.set(groupKindKey(head.group, head.kind), { origin: 'the input', load: () => crd });
    }
    return new CrdRegistry(sources, this);
  }

  /** Whether a CRD defines `kind` in the group of `apiVersion`. */
  public has(apiVersion: string, kind: string): boolean {
    const [group] = splitApiVersion(apiVersion);
    return this.sources.has(groupKindKey(group, kind)) || (this.base?.has(apiVersion, kind) ?? false);
  }

  /** The validator of a custom resource kind, compiled on first use with the Ajv of `schemas`. */
  public lookup(schemas: KubernetesSchemas, apiVersion: string, kind: string): CrdLookup {
    const [group, version] = splitApiVersion(apiVersion);
    const source = group ? this.sources.get(groupKindKey(group, kind)) : undefined;
    if (!source) return this.base ? this.base.lookup(schemas, apiVersion, kind) : { found: 'none' };
    const cacheKey = `${schemas.file}|${apiVersion}/${kind}`;
    const cached = this.validators.get(cacheKey);
    if (cached) return { found: 'validator', validate: cached };
    const versions = crdVersions(source.load());
    const v = versions.get(version);
    if (!v || !v.served) {
      const served = [...versions.values()].filter((x) => x.served).map((x) => `${group}/${x.name}`).join(', ');
      return { found: 'not-served', reason: `the CustomResourceDefinition of ${kind} in ${source.origin} does not serve ${apiVersion} (served: ${served || 'none'})` };
    }
    const schema = shareRepeatedSubschemas(crdToJsonSchema(v.schema, group, version, kind, schemas.objectMetaRef));
    const validate = schemas.compile(schema);
    this.validators.set(cacheKey, validate);
    return { found: 'validator', validate };
  }
}

const fromPathsCache = new Map<string, CrdRegistry>();

function groupKindKey(group: string, kind: string): string {
  return `${group}/${kind}`;
}

function splitApiVersion(apiVersion: string): [group: string, version: string] {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

/** `spec.group` and `spec.names.kind` of a CustomResourceDefinition. */
function crdHead(o: Json): { group: string; kind: string } | undefined {
  const spec = o.spec;
  if (o.kind !== 'CustomResourceDefinition' || !isRecord(spec) || typeof spec.group !== 'string' || !isRecord(spec.names) || typeof spec.names.kind !== 'string') return undefined;
  return { group: spec.group, kind: spec.names.kind };
}

function crdVersions(crd: Json): Map<string, CrdVersion> {
  const versions = new Map<string, CrdVersion>();
  const spec = isRecord(crd.spec) ? crd.spec : {};
  for (const v of Array.isArray(spec.versions) ? spec.versions : []) {
    if (!isRecord(v) || typeof v.name !== 'string') continue;
    const schema = isRecord(v.schema) && isRecord(v.schema.openAPIV3Schema) ? v.schema.openAPIV3Schema : {};
    versions.set(v.name, { name: v.name, served: v.served === true, schema });
  }
  return versions;
}

/**
 * group/kind -> source, for every CRD document in `paths`. controller-gen and Strimzi write
 * `spec.group` and `spec.names` before `spec.versions`, so the text of a document up to its first
 * `  versions:` line is a small YAML document with what the index needs; when that shortcut finds
 * nothing, the whole document is parsed.
 */
function indexPaths(paths: readonly string[]): Map<string, CrdSource> {
  const index = new Map<string, CrdSource>();
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      throw new InputError(`${p}: no such file or folder (--crds)`);
    }
    for (const file of stat.isDirectory() ? filesUnder(p) : [p]) {
      const text = readCrdFile(file);
      const documents = /\.json$/i.test(file) ? [{ text, firstLine: 0 }] : splitDocuments(text);
      documents.forEach((doc, i) => {
        let heads: Array<{ group: string; kind: string }> = [];
        const cut = doc.text.search(/^ {2}versions:/m);
        if (cut > 0) {
          try {
            heads = parseManifests(doc.text.slice(0, cut), file).map((s) => crdHead(s.object)).filter((h) => h !== undefined);
          } catch {
            heads = [];
          }
        }
        // Other documents (a kustomization, a Namespace) are skipped.
        const parse = once(() => parseManifests(documents[i].text, file).map((s) => s.object as Json).filter((o) => crdHead(o) !== undefined));
        if (heads.length === 0) heads = parse().map((o) => crdHead(o)!);
        for (const head of heads) {
          index.set(groupKindKey(head.group, head.kind), {
            origin: path.basename(file),
            load: () => {
              const crd = parse().find((o) => crdHead(o)?.group === head.group && crdHead(o)?.kind === head.kind);
              if (!crd) throw new InputError(`${file}: the CustomResourceDefinition of ${head.kind} (${head.group}) cannot be read`);
              return crd;
            },
          });
        }
      });
    }
  }
  return index;
}

function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (/\.(ya?ml|json)$/i.test(entry.name)) out.push(full);
  }
  return out;
}

function readCrdFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
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
