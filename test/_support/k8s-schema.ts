/**
 * Strict JSON Schemas of the Kubernetes 1.37 built-in kinds, compiled with Ajv (draft 2020-12).
 *
 * The schemas come from the `kubernetes-validate==1.37.0` wheel, fetched by `scripts/k8s-schemas.sh`
 * into `$K8S_SCHEMA_DIR` (default `~/.cache/cdk8s-tracing/kubernetes-json-schema-v1.37.0`). Every
 * object schema there sets `additionalProperties: false`, so a field Kubernetes does not know fails.
 *
 * One Ajv instance is shared with `crd-schema.ts` (custom resources reference `ObjectMeta` from the
 * definitions registered here). Validators are compiled on first use per kind and cached for the
 * test file (Jest gives every test file its own module registry).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { isRecord } from './k8s-object';

export const K8S_VERSION = '1.37.0';
const DEFINITIONS_FILE = '_definitions.json';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** Folder holding `_definitions.json` and one `<kind>[-<package>]-<version>.json` per kind. */
export function k8sSchemaDir(): string {
  return process.env.K8S_SCHEMA_DIR
    ?? path.join(os.homedir(), '.cache', 'cdk8s-tracing', `kubernetes-json-schema-v${K8S_VERSION}`);
}

export const K8S_SCHEMA_HINT = 'run `bash scripts/k8s-schemas.sh` (or `npm test`, whose pretest hook runs it)';

export interface SchemaSourceStatus {
  readonly available: boolean;
  readonly dir: string;
  /** Why it is unavailable and how to fix it; empty when available. */
  readonly hint: string;
}

export function k8sSchemaStatus(): SchemaSourceStatus {
  const dir = k8sSchemaDir();
  const available = fs.existsSync(path.join(dir, DEFINITIONS_FILE));
  return {
    available,
    dir,
    hint: available ? '' : `Kubernetes ${K8S_VERSION} JSON Schemas not found in ${dir}: ${K8S_SCHEMA_HINT}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Ajv instance

/**
 * Pattern engine for `pattern` keywords. Kubernetes validates patterns with Go's RE2, whose syntax
 * allows a flag group such as `(?i)`; JavaScript has no inline flags, so a flag group at the start
 * (or right after a leading `^`) becomes a RegExp flag. A flag group elsewhere still fails to compile.
 * A pattern that is not valid under the `u` flag is retried without it.
 */
function goRegExp(pattern: string, u: string): RegExp {
  let source = pattern;
  let flags = u;
  const inline = /^(\^?)\(\?([ims]+)\)/.exec(source);
  if (inline) {
    source = inline[1] + source.slice(inline[0].length);
    flags += inline[2];
  }
  try {
    return new RegExp(source, flags);
  } catch {
    return new RegExp(source, flags.replace('u', ''));
  }
}
goRegExp.code = 'goRegExp';

/**
 * Duration as the API server's `duration` format accepts it: Go `time.ParseDuration` syntax
 * (`90s`, `1h30m`, `1.5h`) plus days and weeks. Not ISO 8601 (`PT1H`), which ajv-formats would check.
 */
const K8S_DURATION = /^[-+]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)\s*(?:ns|us|µs|μs|ms|s|m|h|d|w))+)$/;

/** Formats whose checks we take from ajv-formats: their meaning matches the Kubernetes one. */
const AJV_FORMATS = ['date-time', 'date', 'int32', 'int64', 'float', 'double', 'byte', 'uuid', 'ipv4', 'ipv6', 'email', 'uri'] as const;

/**
 * Formats Kubernetes schemas name that carry no check here: type hints (`int-or-string`,
 * `quantity`, `password`) or formats ajv does not ship. They must be known to Ajv in strict mode.
 */
const NO_OP_FORMATS = ['int-or-string', 'quantity', 'password', 'binary', 'cidr', 'mac', 'hostname', 'bsonobjectid', 'uuid3', 'uuid4', 'uuid5', 'isbn', 'isbn10', 'isbn13', 'creditcard', 'ssn', 'hexcolor', 'rgbcolor', 'datetime'];

let ajvInstance: Ajv2020 | undefined;
let definitionsId: string | undefined;

function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true, // report every problem of an object at once
    // Unknown keywords fail compilation, so a gap in the CRD conversion cannot go unnoticed.
    // (Unknown formats are registered as no-ops on purpose: registerUnknownFormats.)
    strict: true,
    // Upstream schemas use `["string", "null"]` unions and put `required` in `oneOf` branches
    // without a `type`; both are valid JSON Schema that strictTypes would only log about.
    strictTypes: false,
    allowUnionTypes: true,
    // The upstream files are data we trust to be valid schemas; meta-validating 1.8 MB of
    // definitions on every test file costs more than it could find.
    validateSchema: false,
    // Inline only small referenced schemas; a large shared one (PodSpec, or a subtree that
    // crd-schema.ts hoisted into $defs) is compiled once and called.
    inlineRefs: 20,
    code: { regExp: goRegExp },
  });
  addFormats(ajv, [...AJV_FORMATS]);
  ajv.addFormat('duration', K8S_DURATION);
  for (const name of NO_OP_FORMATS) ajv.addFormat(name, true);
  return ajv;
}

/** Registers a no-op format for every `format` value in `schema` that Ajv does not know yet. */
export function registerUnknownFormats(ajv: Ajv2020, schema: unknown): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (isRecord(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'format' && typeof value === 'string' && ajv.formats[value] === undefined) {
          ajv.addFormat(value, true);
        }
        if (key !== 'enum' && key !== 'const') visit(value);
      }
    }
  };
  visit(schema);
}

/**
 * The shared Ajv instance with `_definitions.json` registered under its own `$id`
 * (`https://kubernetes.io/api/_definitions.json`, which the per-kind `$ref`s resolve to).
 * Throws when the schema folder is missing.
 */
export function k8sAjv(): Ajv2020 {
  if (ajvInstance) return ajvInstance;
  const status = k8sSchemaStatus();
  if (!status.available) throw new Error(status.hint);
  const definitions = readJson(path.join(status.dir, DEFINITIONS_FILE));
  if (!isRecord(definitions) || typeof definitions.$id !== 'string') {
    throw new Error(`${path.join(status.dir, DEFINITIONS_FILE)}: expected an object with a string $id`);
  }
  const ajv = newAjv();
  registerUnknownFormats(ajv, definitions);
  registerVendorKeywords(ajv, definitions);
  ajv.addSchema(definitions);
  definitionsId = definitions.$id;
  ajvInstance = ajv;
  kindIndex = indexKinds(definitions, status.dir);
  return ajv;
}

/** Absolute `$ref` to ObjectMeta in the registered definitions. */
export function objectMetaRef(): string {
  k8sAjv();
  return `${definitionsId}#/$defs/${OBJECT_META}`;
}

/**
 * The built-in schemas annotate with `x-kubernetes-*` keywords (list types, merge keys, unions...).
 * They carry no validation here; declare each one found so that strict mode accepts it.
 */
function registerVendorKeywords(ajv: Ajv2020, schema: unknown): void {
  const found = new Set<string>();
  const visit = (node: unknown, inNameMap: boolean): void => {
    if (Array.isArray(node)) {
      node.forEach((n) => visit(n, false));
    } else if (isRecord(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (inNameMap) {
          visit(value, false);
        } else if (key.startsWith('x-')) {
          found.add(key);
        } else if (key !== 'enum' && key !== 'const' && key !== 'default') {
          visit(value, key === 'properties' || key === '$defs' || key === 'patternProperties');
        }
      }
    }
  };
  visit(schema, false);
  for (const keyword of found) {
    if (!ajv.getKeyword(keyword)) ajv.addKeyword({ keyword, schemaType: ['string', 'boolean', 'array', 'object'] });
  }
}

// ---------------------------------------------------------------------------------------------
// Kinds

interface BuiltinKind {
  readonly file: string;
}

let kindIndex: Map<string, BuiltinKind> | undefined;
const validators = new Map<string, ValidateFunction>();

function gvkKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

/**
 * apiVersion/kind -> schema file, from the `x-kubernetes-group-version-kind` of each definition.
 * A definition `io.k8s.api.<package>.<version>.<Kind>` is in `<kind>-<package>-<version>.json`,
 * or `<kind>-<version>.json` for package `core` (so `ingress-networking-v1.json`,
 * `storageversion-apiserverinternal-v1alpha1.json`: the package, not the API group).
 * Only definitions that name exactly one group-version-kind are creatable objects.
 */
function indexKinds(definitions: Record<string, unknown>, dir: string): Map<string, BuiltinKind> {
  const index = new Map<string, BuiltinKind>();
  const defs = definitions.$defs;
  if (!isRecord(defs)) return index;
  for (const [name, def] of Object.entries(defs)) {
    if (!isRecord(def)) continue;
    const gvks = def['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks) || gvks.length !== 1 || !isRecord(gvks[0])) continue;
    const { group, version, kind } = gvks[0];
    if (typeof group !== 'string' || typeof version !== 'string' || typeof kind !== 'string') continue;
    const parts = name.split('.');
    const pkg = parts[parts.length - 3];
    const base = pkg === 'core' ? `${kind}-${version}` : `${kind}-${pkg}-${version}`;
    const file = path.join(dir, `${base.toLowerCase()}.json`);
    if (!fs.existsSync(file)) continue;
    index.set(gvkKey(group ? `${group}/${version}` : version, kind), { file });
  }
  return index;
}

/** True when apiVersion/kind is a Kubernetes 1.37 built-in kind. Throws if the schemas are missing. */
export function isBuiltinKind(apiVersion: string, kind: string): boolean {
  k8sAjv();
  return kindIndex?.has(gvkKey(apiVersion, kind)) ?? false;
}

/**
 * The compiled validator of a built-in kind, or `undefined` if apiVersion/kind is not one.
 * Compiled on first use and cached.
 */
export function builtinValidator(apiVersion: string, kind: string): ValidateFunction | undefined {
  const ajv = k8sAjv();
  const key = gvkKey(apiVersion, kind);
  const cached = validators.get(key);
  if (cached) return cached;
  const entry = kindIndex?.get(key);
  if (!entry) return undefined;
  const schema = readJson(entry.file);
  if (!isRecord(schema)) throw new Error(`${entry.file}: expected a JSON object`);
  assertKindMatches(schema, apiVersion, kind, entry.file);
  // The per-kind files have an `$id` each; compile without registering to keep the instance small.
  const validate = ajv.compile(schema);
  validators.set(key, validate);
  return validate;
}

function assertKindMatches(schema: Record<string, unknown>, apiVersion: string, kind: string, file: string): void {
  const gvks = schema['x-kubernetes-group-version-kind'];
  const ok = Array.isArray(gvks) && gvks.some((g) => isRecord(g)
    && g.kind === kind
    && (g.group ? `${String(g.group)}/${String(g.version)}` : g.version) === apiVersion);
  if (!ok) throw new Error(`${file}: does not describe ${apiVersion} ${kind}`);
}

// ---------------------------------------------------------------------------------------------

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}
