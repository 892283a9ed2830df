/**
 * Strict JSON Schemas of the Kubernetes 1.37 built-in kinds, compiled with Ajv (draft 2020-12).
 *
 * Where they come from: `_definitions.json` of the folder `v1.37.0-local-strict` in the PyPI wheel
 * `kubernetes-validate==1.37.0` (generated from the Kubernetes OpenAPI, Apache-2.0), in which every
 * object sets `additionalProperties: false`, so a field Kubernetes does not know fails.
 * `scripts/k8s-schemas.sh` caches the folder; the build gzips that one file into the package as
 * `lib/schemas/kubernetes-1.37.0-strict.json.gz` (see scripts/ship-k8s-schemas.ts), which the
 * command reads offline. `--schemas` names another folder of that layout, or the file itself.
 *
 * A kind's schema is its definition (found by its `x-kubernetes-group-version-kind`) with `type`
 * narrowed to `object`. Validators are compiled on first use per kind and cached in memory, and,
 * given a `validatorCache` folder, kept there as JavaScript between processes: compiling the
 * validator of a Deployment (PodSpec and all it holds) takes Ajv about half a second, loading the
 * code it made a few milliseconds.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import type { Format, ValidateFunction } from 'ajv';
import type Ajv2020 from 'ajv/dist/2020';
import { isRecord, type Json } from '../wiring/_json';

export const K8S_VERSION = '1.37.0';

/** File name of the definitions shipped in the package (under `lib/schemas/`). */
export const SHIPPED_SCHEMA_FILE = `kubernetes-${K8S_VERSION}-strict.json.gz`;

/** The name of the definitions in a kubernetes-validate schema folder. */
export const DEFINITIONS_FILE = '_definitions.json';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** Where the package keeps its schemas: `lib/schemas/` (this file is `lib/constructs/check/k8s-schemas.js`). */
export function shippedSchemaFile(): string {
  return path.join(__dirname, '..', '..', 'schemas', SHIPPED_SCHEMA_FILE);
}

// ---------------------------------------------------------------------------------------------
// Ajv

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

let checkedFormats: Record<string, Format> | undefined;

/** The formats that carry a check: AJV_FORMATS from ajv-formats, and `duration`. */
function formatChecks(): Record<string, Format> {
  return checkedFormats ??= (() => {
    const { fullFormats } = require('ajv-formats/dist/formats') as { fullFormats: Record<string, Format> };
    return Object.fromEntries([...AJV_FORMATS.map((name) => [name, fullFormats[name]]), ['duration', K8S_DURATION]]);
  })();
}

/**
 * Formats Kubernetes schemas name that carry no check here: type hints (`int-or-string`,
 * `quantity`, `password`) or formats ajv does not ship. They must be known to Ajv in strict mode.
 */
const NO_OP_FORMATS = ['int-or-string', 'quantity', 'password', 'binary', 'cidr', 'mac', 'hostname', 'bsonobjectid', 'uuid3', 'uuid4', 'uuid5', 'isbn', 'isbn10', 'isbn13', 'creditcard', 'ssn', 'hexcolor', 'rgbcolor', 'datetime'];

/** Ajv as the checks use it; loaded only when a validator is compiled, not when one is read from a cache. */
function newAjv(keepSource: boolean): Ajv2020 {
  const Ajv = (require('ajv/dist/2020') as { default: typeof Ajv2020 }).default;
  const { _ } = require('ajv/dist/compile/codegen') as typeof import('ajv/dist/compile/codegen');
  const ajv = new Ajv({
    allErrors: true, // report every problem of an object at once
    verbose: true, // errors carry the value, for messages that say what was found
    // Unknown keywords fail compilation, so a gap in the CRD conversion cannot go unnoticed.
    // (Unknown formats are registered as no-ops on purpose: registerUnknownFormats.)
    strict: true,
    // Upstream schemas use `["string", "null"]` unions and put `required` in `oneOf` branches
    // without a `type`; both are valid JSON Schema that strictTypes would only log about.
    strictTypes: false,
    allowUnionTypes: true,
    // The upstream files are data we trust to be valid schemas; meta-validating 1.8 MB of
    // definitions on every run costs more than it could find.
    validateSchema: false,
    // Inline only small referenced schemas; a large shared one (PodSpec, or a subtree that
    // crd-schemas.ts hoisted into $defs) is compiled once and called.
    inlineRefs: 20,
    // With a validator cache, Ajv keeps each validator's source, which the cache writes out; the
    // source names the pattern engine and the format checks by the parameters loadValidator gives it.
    code: { regExp: goRegExp, ...(keepSource ? { source: true, formats: _`formats` } : {}) },
  });
  for (const [name, format] of Object.entries(formatChecks())) ajv.addFormat(name, format);
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
// The schemas of one source

/** The Kubernetes schemas of one source, with their Ajv instance (which CRD validators share). */
export class KubernetesSchemas {
  /**
   * The schemas in `source` (a kubernetes-validate schema folder, a folder holding the shipped
   * file, or a `_definitions.json` / `.json.gz` file), or the package's own when omitted.
   * Loaded once per source (and cache) and kept. Throws an Error that says what is missing.
   */
  public static load(source?: string, options: KubernetesSchemasOptions = {}): KubernetesSchemas {
    const file = definitionsFile(source);
    const key = `${file}\n${options.validatorCache === undefined ? '' : path.resolve(options.validatorCache)}`;
    let found = loaded.get(key);
    if (!found) {
      found = new KubernetesSchemas(file, options.validatorCache);
      loaded.set(key, found);
    }
    return found;
  }

  /** `$ref` of ObjectMeta in the registered definitions (custom resources use it for `metadata`). */
  public readonly objectMetaRef: string;
  /** API groups that have built-in kinds ('' for the core group). */
  public readonly builtinGroups: ReadonlySet<string>;
  private readonly definitionsId: string;
  /** `apiVersion/kind` -> definition name. */
  private readonly kinds = new Map<string, string>();
  /** kind -> its apiVersions, for messages. */
  private readonly versionsOfKind = new Map<string, string[]>();
  private readonly validators = new Map<string, ValidateFunction>();
  /** What, besides its schema, the code of a validator depends on (see compile). */
  private readonly codeKey: string;
  private readonly validatorCache?: string;
  private readonly definitions: Json;
  private compiler?: Ajv2020;

  private constructor(public readonly file: string, validatorCache?: string) {
    const { definitions, digest } = readDefinitions(file);
    this.definitions = definitions;
    this.validatorCache = validatorCache === undefined ? undefined : path.resolve(validatorCache);
    this.codeKey = [AJV_VERSION, ownSourceDigest(), digest].join('\n');
    this.definitionsId = definitions.$id as string;
    this.objectMetaRef = `${this.definitionsId}#/$defs/${OBJECT_META}`;
    const groups = new Set<string>();
    for (const [name, def] of Object.entries(definitions.$defs as Json)) {
      const gvks = isRecord(def) ? def['x-kubernetes-group-version-kind'] : undefined;
      // Only definitions that name exactly one group-version-kind are creatable objects.
      if (!Array.isArray(gvks) || gvks.length !== 1 || !isRecord(gvks[0])) continue;
      const { group, version, kind } = gvks[0];
      if (typeof group !== 'string' || typeof version !== 'string' || typeof kind !== 'string') continue;
      const apiVersion = group ? `${group}/${version}` : version;
      this.kinds.set(`${apiVersion}/${kind}`, name);
      this.versionsOfKind.set(kind, [...(this.versionsOfKind.get(kind) ?? []), apiVersion]);
      groups.add(group);
    }
    this.builtinGroups = groups;
  }

  /** The Ajv instance, with the definitions registered under their `$id`; made on first use. */
  public get ajv(): Ajv2020 {
    if (!this.compiler) {
      const ajv = newAjv(this.validatorCache !== undefined);
      registerUnknownFormats(ajv, this.definitions);
      registerVendorKeywords(ajv, this.definitions);
      ajv.addSchema(this.definitions);
      this.compiler = ajv;
    }
    return this.compiler;
  }

  /** Whether apiVersion/kind is a built-in kind. */
  public isBuiltin(apiVersion: string, kind: string): boolean {
    return this.kinds.has(`${apiVersion}/${kind}`);
  }

  /** The apiVersions that serve a built-in `kind` (none for a kind Kubernetes does not have). */
  public apiVersionsOf(kind: string): readonly string[] {
    return this.versionsOfKind.get(kind) ?? [];
  }

  /** The compiled validator of a built-in kind, or undefined; compiled on first use and cached. */
  public validator(apiVersion: string, kind: string): ValidateFunction | undefined {
    const key = `${apiVersion}/${kind}`;
    const cached = this.validators.get(key);
    if (cached) return cached;
    const name = this.kinds.get(key);
    if (name === undefined) return undefined;
    const validate = this.compile({ $ref: `${this.definitionsId}#/$defs/${name}`, type: 'object' });
    this.validators.set(key, validate);
    return validate;
  }

  /**
   * The validator of `schema` (which may refer to the definitions), compiled by Ajv, or, with a
   * validator cache, loaded from the code a previous compilation left there. A cache file is named
   * by the SHA-256 of the schema, the definitions, the Ajv version and this module's own code, so
   * a change to any of them compiles anew; a file that cannot be read or run is compiled and
   * written again, and a cache that cannot be written is only slower. A `format` Ajv does not know
   * is registered as a no-op first (registerUnknownFormats).
   */
  public compile(schema: Json): ValidateFunction {
    const cache = this.validatorCache;
    if (cache === undefined) return this.compileNow(schema);
    const file = path.join(cache, `${sha256(`${this.codeKey}\n${JSON.stringify(schema)}`).slice(0, 40)}.js`);
    let code: string | undefined;
    try {
      code = fs.readFileSync(file, 'utf8');
    } catch {
      code = undefined;
    }
    if (code !== undefined) {
      try {
        return loadValidator(code);
      } catch {
        // Not a validator this version wrote whole: compiled again below.
      }
    }
    const validate = this.compileNow(schema);
    try {
      const standaloneCode = (require('ajv/dist/standalone') as typeof import('ajv/dist/standalone')).default;
      fs.mkdirSync(cache, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, standaloneCode(this.ajv, validate));
      fs.renameSync(tmp, file);
    } catch {
      // A cache that cannot be written is only a slower next run.
    }
    return validate;
  }

  private compileNow(schema: Json): ValidateFunction {
    registerUnknownFormats(this.ajv, schema);
    return this.ajv.compile(schema);
  }
}

/** Options of {@link KubernetesSchemas.load}. */
export interface KubernetesSchemasOptions {
  /**
   * A folder that keeps compiled validators, as JavaScript, between processes (made when missing).
   * Its files are run as code: it must be a folder only the user writes to.
   * @default - none: validators are compiled in every process
   */
  readonly validatorCache?: string;
}

const AJV_VERSION: string = (require('ajv/package.json') as { version: string }).version;

/** The validator that `code` (Ajv's standalone code for this module's options) defines. */
function loadValidator(code: string): ValidateFunction {
  const module = { exports: {} as unknown };
  // The code requires Ajv's runtime helpers, found from this module as Ajv itself is.
  new Function('require', 'module', 'exports', 'goRegExp', 'formats', code)(require, module, module.exports, goRegExp, formatChecks());
  if (typeof module.exports !== 'function') throw new Error('not a validator');
  return module.exports as ValidateFunction;
}

function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The digest of this module's own code, whose options and pattern engine shape what Ajv writes. */
function ownSourceDigest(): string {
  try {
    return sha256(fs.readFileSync(__filename));
  } catch {
    return 'unknown';
  }
}

const loaded = new Map<string, KubernetesSchemas>();

/** The definitions file `source` names (see KubernetesSchemas.load). */
function definitionsFile(source: string | undefined): string {
  if (source === undefined) {
    const shipped = shippedSchemaFile();
    if (!fs.existsSync(shipped)) throw new Error(`the Kubernetes ${K8S_VERSION} schemas of this package are missing (${shipped}): build it with npm run build, or pass --schemas <folder>`);
    return shipped;
  }
  const resolved = path.resolve(source);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(resolved);
  } catch {
    throw new Error(`${source}: no such file or folder (--schemas takes a kubernetes-validate schema folder, or its ${DEFINITIONS_FILE})`);
  }
  if (!stat.isDirectory()) return resolved;
  for (const name of [DEFINITIONS_FILE, SHIPPED_SCHEMA_FILE]) {
    if (fs.existsSync(path.join(resolved, name))) return path.join(resolved, name);
  }
  throw new Error(`${source}: holds neither ${DEFINITIONS_FILE} nor ${SHIPPED_SCHEMA_FILE}`);
}

function readDefinitions(file: string): { definitions: Json; digest: string } {
  let value: unknown;
  let digest: string;
  try {
    const bytes = fs.readFileSync(file);
    digest = sha256(bytes);
    value = JSON.parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read the Kubernetes schemas: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isRecord(value) || typeof value.$id !== 'string' || !isRecord(value.$defs)) {
    throw new Error(`${file}: expected JSON Schema definitions (an object with a string $id and $defs)`);
  }
  return { definitions: value, digest };
}
