/**
 * Finds network addresses (`host:port`, URLs) in configuration text, for the flow graph
 * (flow-graph.ts) and the test suite's wiring check.
 *
 * The detector is deliberately conservative: it would rather miss an address than report
 * something that is not one. What it recognizes:
 *
 * - URLs `scheme://[user@]host[:port][/...]`. Without a port, http/ws/grpc/h2c mean 80 and
 *   https/wss/grpcs mean 443; a URL of another scheme without a port is ignored. gRPC targets
 *   `dns:///host:port` are read too. Other URLs with an empty host (`file:///`, `unix:///`) are
 *   ignored. The path and query of a URL are not scanned for further addresses.
 * - Bare `host:port` tokens, where host is a DNS name whose last label has a letter or a dotted
 *   IPv4 address, and port is 1-65535 written without a leading zero. A prefix such as `dns+` or
 *   `--flag=` is fine.
 *
 * Not reported (each guarded by a test in test/support/addresses.test.ts):
 * - bind and loopback addresses: `0.0.0.0`, `::`, `[::]`, `localhost`, `127.x.x.x`, `::1`, `:port`;
 * - hosts that are placeholders: `${env:HOST}:4317`, `$(POD_IP):4317`, `http://${HOST}:80`,
 *   and URLs whose port is a placeholder;
 * - times and dates: `10:30`, `12:30:45`, `2006-01-02T15:04`, Go layouts `15:04:05Z07:00`;
 * - tokens inside a longer colon chain (IPv6 `fe80::1:2`, MACs, `a:b:1`), image references
 *   `repo/name:tag` and `name:1.2.3` (preceded by `/` or followed by `.`), `user@host:port`;
 * - PromQL/LogQL label matchers: a value in `metric{label="host:port"}`;
 * - recording-rule names (`job:rate:5m`) and `key: value` YAML text (a space after the colon).
 *
 * Known gaps: a host without a port (`endpoint: tempo`) is not checked; an image reference with
 * a numeric tag (`busybox:1`) inside a scanned string looks like an address; hosts in URL paths
 * and in non-`dns` URLs with an empty authority are not read.
 */

export interface FoundAddress {
  /** Lower-case host without a trailing dot; IPv6 literals keep their brackets. */
  readonly host: string;
  readonly port: number;
  /** The text as found (`http://tempo:3200`, `tempo:3200`). */
  readonly text: string;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  http: 80, https: 443, ws: 80, wss: 443, grpc: 80, grpcs: 443, h2c: 80,
};

// scheme :// authority (an IPv6 literal in brackets, or up to the path) then path/query/fragment
const URL_RE = /(?<![\w+.-])([a-zA-Z][a-zA-Z0-9+.-]*):\/\/((?:[^\s/?#"'`<>,;|\\()[\]{}]*@)?(?:\[[0-9a-fA-F:.]+\](?::[^\s/?#"'`<>,;|\\()[\]{}]*)?|[^\s/?#"'`<>,;|\\)[\]}]*))([^\s"'`<>,;|\\)\]}]*)/g;

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
// Start: not inside a word, a dotted name, a path, a colon chain, a user@host or a placeholder.
// End: not followed by more of a word, a version (`.2`), a colon chain or a hyphenated word.
const BARE_RE = new RegExp(`(?<![\\w.:/@$%{}-])(${LABEL}(?:\\.${LABEL})*)\\.?:([1-9]\\d{0,4})(?![\\w.:-])`, 'g');

const IPV4_RE = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;
const ISO_DATE_HOUR_RE = /^\d{4}-\d{2}-\d{2}t\d{1,2}$/;
const PLACEHOLDER_RE = /[${}()%]/;

/** True for addresses a process listens on or reaches inside its own pod. */
export function isBindOrLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === '' || h === '0.0.0.0' || h === '::' || h === '[::]' || h === '::1' || h === '[::1]'
    || h === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Every address in `text`, bind/loopback addresses included (callers decide). */
export function findAddresses(text: string): FoundAddress[] {
  const found: FoundAddress[] = [];
  // Both forms have a colon (`scheme://`, `host:port`): most strings (names, flags, values) have none.
  if (!text.includes(':')) return found;
  let rest = text;

  for (const m of text.matchAll(URL_RE)) {
    const [whole, scheme, authority, tail] = m;
    // blank the URL out so that its parts are not read again as bare tokens
    rest = rest.slice(0, m.index) + ' '.repeat(whole.length) + rest.slice((m.index ?? 0) + whole.length);
    const lowerScheme = scheme.toLowerCase();
    const target = authority === '' && lowerScheme === 'dns' ? tail.replace(/^\//, '').split('/')[0] : authority;
    const parsed = parseAuthority(target);
    if (!parsed) continue;
    const port = parsed.port ?? DEFAULT_PORTS[lowerScheme];
    if (port === undefined) continue;
    found.push({ host: normalizeHost(parsed.host), port, text: whole });
  }

  for (const m of rest.matchAll(BARE_RE)) {
    const [whole, host, portText] = m;
    const port = Number(portText);
    const lowerHost = host.toLowerCase();
    if (port > 65535) continue;
    const lastLabel = lowerHost.slice(lowerHost.lastIndexOf('.') + 1);
    if (!/[a-z]/.test(lastLabel) && !IPV4_RE.test(lowerHost)) continue;
    if (ISO_DATE_HOUR_RE.test(lowerHost)) continue;
    if (isPromLabelMatcherValue(rest, m.index ?? 0)) continue;
    found.push({ host: normalizeHost(host), port, text: whole });
  }
  return found;
}

/** `host[:port]` of a URL authority; undefined when there is no usable host or the port is not a number. */
function parseAuthority(authority: string): { host: string; port?: number } | undefined {
  // a trailing dot ends a sentence, not the URL
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1).replace(/\.+$/, '');
  if (hostPort === '' || PLACEHOLDER_RE.test(hostPort)) return undefined;
  let host: string;
  let portText: string | undefined;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0) return undefined;
    host = hostPort.slice(0, close + 1);
    const after = hostPort.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return undefined;
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const colon = hostPort.lastIndexOf(':');
    host = colon < 0 ? hostPort : hostPort.slice(0, colon);
    portText = colon < 0 ? undefined : hostPort.slice(colon + 1);
  }
  if (host === '' && portText === undefined) return undefined;
  if (portText === undefined || portText === '') return { host };
  if (!/^[1-9]\d{0,4}$/.test(portText) || Number(portText) > 65535) return undefined;
  return { host, port: Number(portText) };
}

function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/**
 * True when the token at `index` is the quoted value of a PromQL/LogQL label matcher:
 * inside `{...}` that directly follows a metric name, `(`, or starts the text, and right after
 * `label="`, `label=~"`, `label!="` or `label!~"` (no spaces, unlike `key = "value"` in HCL/River).
 */
function isPromLabelMatcherValue(text: string, index: number): boolean {
  const before = text.slice(0, index);
  if (!/[A-Za-z_][A-Za-z0-9_]*(?:=|!=|=~|!~)["'`]$/.test(before)) return false;
  const open = before.lastIndexOf('{');
  if (open < 0 || before.lastIndexOf('}') > open) return false;
  return open === 0 || /[\w:(]/.test(before[open - 1]);
}
