import { ErrorScope, propError } from '../_errors';

/**
 * Escapes every `$` of every string as `$$`. Grafana expands environment variables (`$VAR`,
 * `${VAR}`) in every string value of a datasource provisioning file, jsonData included, and
 * reads `$$` as a literal `$` (pkg/services/provisioning/values/values.go, interpolateValue).
 * Without this, the link template `${__trace.traceId}` would be expanded to an empty string.
 */
export function escapeProvisioningValues<T>(value: T): T {
  return escape(value) as T;
}

function escape(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\$/g, '$$$$');
  if (Array.isArray(value)) return value.map(escape);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = escape(v);
    }
    return out;
  }
  return value;
}

const UID = /^[a-zA-Z0-9_-]{1,40}$/;

/** Throws unless `value` is a Grafana uid: 1 to 40 characters of `[a-zA-Z0-9_-]`. */
export function requireGrafanaUid(scope: ErrorScope, field: string, value: string): void {
  if (typeof value !== 'string' || !UID.test(value)) {
    throw propError(scope, field, value, 'a Grafana uid: 1 to 40 characters of letters, digits, \'-\' and \'_\'');
  }
}

/** Throws unless `value` is a non-empty name without control characters. */
export function requireDisplayName(scope: ErrorScope, field: string, value: string): void {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 190 || /[\u0000-\u001f\u007f]/.test(value)) {
    throw propError(scope, field, value, 'a non-empty name of at most 190 characters without control characters');
  }
}

/** Throws unless `key`/`value` form a valid Kubernetes label. */
export function requireLabel(scope: ErrorScope, field: string, key: string, value: string): void {
  const name = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
  const prefix = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
  const parts = typeof key === 'string' ? key.split('/') : [];
  const keyOk = (parts.length === 1 && name.test(parts[0]))
    || (parts.length === 2 && parts[0].length <= 253 && prefix.test(parts[0]) && name.test(parts[1]));
  if (!keyOk) throw propError(scope, `${field}Key`, key, 'a Kubernetes label key such as "grafana_datasource"');
  if (typeof value !== 'string' || (value !== '' && !name.test(value))) {
    throw propError(scope, `${field}Value`, value, 'a Kubernetes label value (at most 63 characters of letters, digits, \'-\', \'_\' and \'.\')');
  }
}
