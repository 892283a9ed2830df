/**
 * Reading plain manifest JSON (what `chart.toJson()` returns, or a YAML file parsed) without
 * trusting its shape: every accessor answers undefined or empty for a value of another type.
 */
import { CORE_SCHEMA, loadAll } from 'js-yaml';

/** A JSON object. */
export type Json = Record<string, unknown>;

/** A Kubernetes object as synthesized: `apiVersion`, `kind` and `metadata.name` at least. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

/** `Kind/name`, how messages name an object. */
export function objectRef(o: Manifest): string {
  return `${o.kind}/${o.metadata?.name ?? '<no name>'}`;
}

/** Whether `value` is a JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` when it is a JSON object. */
export function rec(value: unknown): Json | undefined {
  return isRecord(value) ? value : undefined;
}

/** `value` when it is an array, else []. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `value` when it is a string. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Type guard for strings. */
export function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** Type guard for numbers. */
export function isNumber(value: unknown): value is number {
  return typeof value === 'number';
}

/** The string entries of a JSON object (labels, selectors). */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(value) ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

/** A JSON pointer segment (`~` and `/` escaped). */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Calls `f` with every string in `value` (those `keep` accepts, when given) and its JSON pointer
 * under `path`. A pointer is written out only for a string passed to `f`: a large configuration
 * has many strings, and a caller looking for addresses keeps few of them.
 */
export function walkStrings(value: unknown, path: string, f: (text: string, path: string) => void, keep?: (text: string) => boolean): void {
  const segments: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      if (!keep || keep(v)) f(v, path + segments.join(''));
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => { segments.push(`/${i}`); visit(x); segments.pop(); });
    } else if (isRecord(v)) {
      for (const [k, x] of Object.entries(v)) { segments.push(`/${escapePointer(k)}`); visit(x); segments.pop(); }
    }
  };
  visit(value);
}

/**
 * YAML/JSON documents of a configuration value, or undefined when it is not a structured document.
 * Read with js-yaml's YAML 1.2 core schema (what the `yaml` library reads by default), which is
 * several times faster: `cdk8s-tracing check` reads every configuration of thousands of objects.
 * A JSON text (a dashboard, say) is read by `JSON.parse`, faster still and the same value (JSON is
 * YAML 1.2). The same text is read once: the network policies and the pictures of a synthesis read
 * the same configurations, so the values are shared and must not be modified.
 */
export function parseStructured(text: string): readonly unknown[] | undefined {
  if (PARSED.has(text)) return PARSED.get(text);
  if (PARSED.size >= PARSED_LIMIT) PARSED.clear();
  const values = parseDocuments(text);
  PARSED.set(text, values);
  return values;
}

/** Texts read by {@link parseStructured}, and what they hold. */
const PARSED = new Map<string, readonly unknown[] | undefined>();
/** Enough for every configuration of a large app; `check` of many files starts over when it is reached. */
const PARSED_LIMIT = 1024;

function parseDocuments(text: string): readonly unknown[] | undefined {
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') {
    try {
      return [JSON.parse(text)];
    } catch {
      // not JSON: read as YAML (flow style, or not structured at all)
    }
  }
  try {
    const values = loadAll(text, { schema: CORE_SCHEMA });
    if (values.length === 0) return undefined;
    return values.some((v) => isRecord(v) || Array.isArray(v)) ? values : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `labels` ends with `suffix` (and has more before it). */
export function endsWith(labels: readonly string[], suffix: readonly string[]): boolean {
  return labels.length > suffix.length && suffix.every((s, i) => labels[labels.length - suffix.length + i] === s);
}

/** `matchLabels` requirements that `labels` do not meet, as `key=value`. */
export function unmetMatchLabels(required: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): string[] {
  return Object.entries(required).filter(([k, v]) => labels[k] !== v).map(([k, v]) => `${k}=${v}`);
}

/** Requirements of a LabelSelector (`matchLabels`, `matchExpressions`) that `labels` do not meet. */
export function unmetLabelSelector(selector: Json, labels: Readonly<Record<string, string>>): string[] {
  const unmet = unmetMatchLabels(stringMap(selector.matchLabels), labels);
  for (const e of list(selector.matchExpressions)) {
    const expr = rec(e);
    const key = str(expr?.key);
    if (!expr || key === undefined) continue;
    const values = list(expr.values).filter(isString);
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    const ok = expr.operator === 'In' ? has && values.includes(labels[key])
      : expr.operator === 'NotIn' ? !has || !values.includes(labels[key])
        : expr.operator === 'Exists' ? has
          : expr.operator === 'DoesNotExist' ? !has
            : false;
    if (!ok) unmet.push(`${key} ${String(expr.operator)} (${values.join(', ')})`);
  }
  return unmet;
}
