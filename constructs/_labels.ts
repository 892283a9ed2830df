import { ErrorScope, propError } from './_errors';

/** Standard `app.kubernetes.io/*` labels of one component. */
export interface ComponentLabels {
  /** `app.kubernetes.io/name`, the application (`jaeger`). */
  readonly name: string;
  /** `app.kubernetes.io/instance`, this installation (the construct's resource name). */
  readonly instance: string;
  /** `app.kubernetes.io/component` (`collector`, `query`, `all-in-one`). */
  readonly component: string;
  /** `app.kubernetes.io/version`, the application version. */
  readonly version?: string;
}

export const PART_OF = 'cdk8s-tracing';

/** Labels that select the pods of one component: stable across upgrades (no version). */
export function selectorLabels(l: ComponentLabels): Record<string, string> {
  return {
    'app.kubernetes.io/name': l.name,
    'app.kubernetes.io/instance': l.instance,
    'app.kubernetes.io/component': l.component,
  };
}

/** The full label set for every object of one component. */
export function standardLabels(l: ComponentLabels): Record<string, string> {
  return {
    ...selectorLabels(l),
    ...(l.version ? { 'app.kubernetes.io/version': l.version } : {}),
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (!LABEL_NAME.test(name)) return false;
  return prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
}

function requireStringMap(scope: ErrorScope, field: string, map: unknown): asserts map is Record<string, string> {
  if (typeof map !== 'object' || map === null || Array.isArray(map) || Object.values(map).some(v => typeof v !== 'string')) {
    throw propError(scope, field, map, 'a map of strings to strings');
  }
}

/** Label keys and values as Kubernetes accepts them. */
export function validateLabels(scope: ErrorScope, field: string, labels: Record<string, string> | undefined): void {
  if (labels === undefined) return;
  requireStringMap(scope, field, labels);
  for (const [k, v] of Object.entries(labels)) {
    if (!validKey(k)) throw propError(scope, `${field} key`, k, 'a label key: an optional DNS subdomain prefix and \'/\', then a name of at most 63 characters (letters, digits, \'-\', \'_\', \'.\', starting and ending alphanumeric)');
    if (!LABEL_VALUE.test(v)) throw propError(scope, `${field}.${k}`, v, 'a label value: at most 63 characters (letters, digits, \'-\', \'_\', \'.\', starting and ending alphanumeric), or empty');
  }
}

/** Annotation keys as Kubernetes accepts them (values are free text). */
export function validateAnnotations(scope: ErrorScope, field: string, annotations: Record<string, string> | undefined): void {
  if (annotations === undefined) return;
  requireStringMap(scope, field, annotations);
  for (const k of Object.keys(annotations)) {
    if (!validKey(k)) throw propError(scope, `${field} key`, k, 'an annotation key: an optional DNS subdomain prefix and \'/\', then a name of at most 63 characters (letters, digits, \'-\', \'_\', \'.\', starting and ending alphanumeric)');
  }
}
