/**
 * Checks a Tempo 3.0.3 configuration document, or a per-tenant overrides file, against the list
 * of every key Tempo 3.0.3 knows (test/fixtures/tempo-3.0.3-config-keys.txt, generated from the
 * Go structs by reflection). Tempo parses both files with `yaml.UnmarshalStrict`: a key it does
 * not know stops it from starting, so a key that is not on the list is an error here.
 *
 * - A struct key, `(T)` in the list, must hold a mapping, whose keys are checked in turn.
 * - Keys of map type (`distributor.receivers`, `metrics_generator.registry.external_labels`)
 *   have free-form children; only the shape of their values is checked.
 * - `metrics_generator.storage.remote_write` is a list of Prometheus `RemoteWriteConfig`, which
 *   the reflection walk does not enter: its entries are checked against the yaml tags of that
 *   struct in Tempo v3.0.3's vendor tree (github.com/prometheus/prometheus/config/config.go:1457-1478,
 *   with the inlined github.com/prometheus/common/config/http_config.go:334-359 and 1556-1566).
 * - List items are checked with the path of the list.
 * - Scalars are checked against the Go type: integers, booleans, strings, Go durations
 *   (`336h`: `time.Duration` rejects `14d`), Prometheus durations (`model.Duration`), log levels.
 */
import { readFileSync } from 'fs';
import { join } from 'path';

/** Key path → Go type, as the fixture lists them, and the release they are of (for messages). */
export type TempoKeyList = ReadonlyMap<string, string> & { readonly release?: string };

/** Reads a key list (by default the Tempo 3.0.3 one); `release` names it in error messages. */
export function loadTempoKeys(file = join(__dirname, '..', 'fixtures', 'tempo-3.0.3-config-keys.txt'), release = 'Tempo 3.0.3'): TempoKeyList {
  const keys: Map<string, string> & { release?: string } = new Map<string, string>();
  keys.release = release;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [path, type, ...rest] = line.split('\t');
    if (!path || !type || rest.length) throw new Error(`${file}: bad line ${JSON.stringify(line)}`);
    if (keys.has(path)) throw new Error(`${file}: ${path} listed twice`);
    keys.set(path, type);
  }
  return keys;
}

/** Go `time.Duration` text (`time.ParseDuration`). */
export const GO_DURATION = /^(0|-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+)$/;
/** Prometheus `model.Duration` text (`model.ParseDuration`). */
export const PROMETHEUS_DURATION = /^(0|(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?)$/;

/** Keys of one Prometheus RemoteWriteConfig (with the inlined HTTPClientConfig keys Tempo users set). */
const REMOTE_WRITE_KEYS: Readonly<Record<string, string>> = {
  url: 'string',
  remote_timeout: 'model.Duration',
  headers: 'map[string]string',
  write_relabel_configs: '[]*relabel.Config',
  name: 'string',
  send_exemplars: 'bool',
  send_native_histograms: 'bool',
  round_robin_dns: 'bool',
  protobuf_message: 'string',
  queue_config: 'config.QueueConfig',
  metadata_config: 'config.MetadataConfig',
  sigv4: '*sigv4.SigV4Config',
  azuread: '*azuread.AzureADConfig',
  google_iam: '*googleiam.Config',
  // config.HTTPClientConfig, inlined
  basic_auth: '*config.BasicAuth',
  authorization: '*config.Authorization',
  oauth2: '*config.OAuth2',
  bearer_token: 'config.Secret',
  bearer_token_file: 'string',
  tls_config: 'config.TLSConfig',
  follow_redirects: 'bool',
  enable_http2: 'bool',
  proxy_url: 'config.URL',
  no_proxy: 'string',
  proxy_from_environment: 'bool',
  proxy_connect_header: 'config.ProxyHeader',
  http_headers: '*config.Headers',
};

type Json = Record<string, unknown>;

function isMapping(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return JSON.stringify(v);
}

/** Why `value` cannot be decoded into Go type `type`, or undefined when it can (or is free-form). */
function valueProblem(type: string, value: unknown): string | undefined {
  const want = (ok: boolean, what: string) => (ok ? undefined : `must be ${what} (Go ${type}), got ${show(value)}`);
  const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
  const strings = (v: unknown) => Array.isArray(v) && v.every(s => typeof s === 'string');
  switch (type) {
    case 'string': case 'config.Secret': case 'flagext.Secret': case 'flagext.StringSliceCSV':
      return want(typeof value === 'string', 'a string');
    case 'bool': case '*bool':
      return want(typeof value === 'boolean', 'a boolean');
    case 'int': case 'int64':
      return want(isInt(value), 'an integer');
    case 'uint': case 'uint8': case 'uint32': case 'uint64':
      return want(isInt(value) && (value as number) >= 0, 'a non-negative integer');
    case 'float64':
      return want(typeof value === 'number' && Number.isFinite(value), 'a number');
    case 'time.Duration': case '*time.Duration':
      return want(typeof value === 'string' && GO_DURATION.test(value), 'a Go duration such as "336h" or "90s"');
    case 'model.Duration':
      return want(typeof value === 'string' && PROMETHEUS_DURATION.test(value) && value !== '', 'a Prometheus duration such as "336h" or "14d"');
    case 'log.Level':
      return want(['debug', 'info', 'warn', 'error'].includes(value as string), 'one of debug, info, warn, error');
    case '[]string': case 'flagext.StringSlice': case 'flagext.StringSliceCSVMulti': case 'listtomap.ListToMap':
      return want(strings(value), 'a list of strings');
    case '[]float64':
      return want(Array.isArray(value) && value.every(n => typeof n === 'number'), 'a list of numbers');
    case 'map[string]string': case 'overrides.RemoteWriteHeaders':
      return want(isMapping(value) && Object.values(value).every(s => typeof s === 'string'), 'a mapping of strings');
    case 'map[string]bool':
      return want(isMapping(value) && Object.values(value).every(s => typeof s === 'boolean'), 'a mapping of booleans');
    case 'map[string]interface {}':
      return want(isMapping(value), 'a mapping');
    default:
      return `has Go type ${type}, which this check cannot verify yet: teach test/tempo/_config-keys.ts its YAML form`;
  }
}

/**
 * Errors for every key of `doc` (at `path`, looked up as `keyPath`) that Tempo 3.0.3 does not
 * know or whose value does not fit its Go type. Each reads `<path>: <problem>`.
 */
function walk(keys: TempoKeyList, value: unknown, path: string, keyPath: string, errors: string[]): void {
  const type = keys.get(keyPath);
  if (type === undefined) {
    errors.push(`${path}: unknown key (${keys.release ?? 'Tempo 3.0.3'} has no ${keyPath})`);
    return;
  }
  if (type.startsWith('(')) {
    if (!isMapping(value)) {
      errors.push(`${path}: must be a mapping (Go ${type.slice(1, -1)}), got ${show(value)}`);
      return;
    }
    for (const [k, v] of Object.entries(value)) walk(keys, v, `${path}.${k}`, `${keyPath}.${k}`, errors);
    return;
  }
  if (type === '[]config.RemoteWriteConfig') {
    if (!Array.isArray(value)) {
      errors.push(`${path}: must be a list of remote-write targets, got ${show(value)}`);
      return;
    }
    value.forEach((entry, i) => {
      if (!isMapping(entry)) {
        errors.push(`${path}[${i}]: must be a mapping, got ${show(entry)}`);
        return;
      }
      if (typeof entry.url !== 'string') errors.push(`${path}[${i}].url: must be set (Prometheus refuses a remote_write without url)`);
      for (const [k, v] of Object.entries(entry)) {
        const t = REMOTE_WRITE_KEYS[k];
        if (t === undefined) errors.push(`${path}[${i}].${k}: unknown key (Prometheus RemoteWriteConfig has no ${k})`);
        else if (['string', 'bool', 'map[string]string', 'model.Duration'].includes(t)) {
          const problem = valueProblem(t, v);
          if (problem) errors.push(`${path}[${i}].${k}: ${problem}`);
        }
      }
    });
    return;
  }
  const problem = valueProblem(type, value);
  if (problem) errors.push(`${path}: ${problem}`);
}

/** Errors for a Tempo configuration file (`tempo.yaml`); [] when Tempo 3.0.3 knows every key. */
export function tempoConfigKeyErrors(keys: TempoKeyList, doc: unknown): string[] {
  const errors: string[] = [];
  if (!isMapping(doc)) return [`/: must be a mapping, got ${show(doc)}`];
  for (const [k, v] of Object.entries(doc)) walk(keys, v, k, k, errors);
  return errors;
}

/**
 * Errors for a per-tenant overrides file: `overrides.<tenant>` takes exactly the keys of
 * `overrides.defaults` (`runtime_config_overrides.go:33-37`, parsed strictly too).
 */
export function tempoOverridesFileKeyErrors(keys: TempoKeyList, doc: unknown): string[] {
  if (!isMapping(doc)) return [`/: must be a mapping, got ${show(doc)}`];
  const errors: string[] = [];
  for (const [k, v] of Object.entries(doc)) {
    if (k !== 'overrides') {
      errors.push(`${k}: unknown key (a per-tenant overrides file has only "overrides")`);
      continue;
    }
    if (!isMapping(v)) {
      errors.push(`overrides: must be a mapping of tenant IDs, got ${show(v)}`);
      continue;
    }
    for (const [tenant, limits] of Object.entries(v)) walk(keys, limits, `overrides.${tenant}`, 'overrides.defaults', errors);
  }
  return errors;
}

/** Every key path of a document, list items under the path of their list (for coverage reports). */
export function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap(v => keyPaths(v, prefix));
  if (!isMapping(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    return [p, ...keyPaths(v, p)];
  });
}
