import { IConstruct } from 'constructs';

/** Where an error happened: a construct (its path is used) or a plain label such as a factory name. */
export type ErrorScope = IConstruct | string;

function where(scope: ErrorScope): string {
  if (typeof scope === 'string') return scope;
  return scope.node.path || scope.node.id || '<root>';
}

/** Renders a bad value for an error message: strings quoted, objects as JSON. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * One word of a message (up to whitespace: a quoted or JSON value is one word, so that a quote in
 * a password does not end it) with the user info of a URL or of a
 * `user:password@host` address replaced by `***`. An image digest (`name:tag@sha256:...`) is kept.
 */
function redactWord(word: string): string {
  const at = word.lastIndexOf('@');
  if (at < 0) return word;
  const scheme = word.indexOf('://');
  if (scheme >= 0 && scheme < at) {
    const userInfo = word.slice(scheme + 3, at);
    // Before the path, or with a ':' (a password, even one holding '/'): user info, not a path's '@'.
    return !/[/?#]/.test(userInfo) || userInfo.includes(':') ? `${word.slice(0, scheme + 3)}***${word.slice(at)}` : word;
  }
  const userInfo = word.slice(0, at);
  if (userInfo.includes(':') && !userInfo.includes('/') && !/^@sha(256|384|512):/.test(word.slice(at))) return `${/^["'([{]*/.exec(word)![0]}***${word.slice(at)}`;
  return word;
}

/**
 * `text` with the credentials of every URL (`https://elastic:s3cret@es:9200` becomes
 * `https://***@es:9200`, a user name alone too, as tokens are passed as one) and of every
 * `user:password@host:port` address replaced by `***`. Error messages end up in CI logs: a secret
 * typed into a URL must not be repeated there.
 */
export function redactCredentials(text: string): string {
  return text.replace(/\S+/g, redactWord);
}

/**
 * The house error: `<path>: '<field>' must be <allowed>, got <value>`, with any credentials in a
 * URL redacted ({@link redactCredentials}).
 * @param scope construct (or factory label) the value was given to
 * @param field prop name, dotted for nested props (`tls.caSecret`)
 * @param value the bad value
 * @param allowed what would have been accepted
 */
export function propError(scope: ErrorScope, field: string, value: unknown, allowed: string): Error {
  return new Error(redactCredentials(`${where(scope)}: '${field}' must be ${allowed}, got ${show(value)}`));
}

/** Throws unless `value` is an integer in [min, max]. */
export function requireInteger(scope: ErrorScope, field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw propError(scope, field, value, range);
  }
}

/** Throws unless `value` is a finite number in [min, max]. */
export function requireNumberInRange(scope: ErrorScope, field: string, value: number, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw propError(scope, field, value, `a number from ${min} to ${max}`);
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Throws unless `value` is an RFC 1123 DNS label (Service, Namespace names): at most `maxLength` characters. */
export function requireDnsLabel(scope: ErrorScope, field: string, value: string, maxLength = 63): void {
  if (typeof value !== 'string' || value.length > maxLength || !DNS_LABEL.test(value)) {
    throw propError(scope, field, value, `a DNS label of at most ${maxLength} characters (lower-case letters, digits and '-', starting and ending alphanumeric)`);
  }
}

/** Throws unless `value` is an RFC 1123 DNS subdomain (Secret, ConfigMap names, host names). */
export function requireDnsSubdomain(scope: ErrorScope, field: string, value: string): void {
  if (typeof value !== 'string' || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    throw propError(scope, field, value, 'a DNS subdomain of at most 253 characters (lower-case letters, digits, \'-\' and \'.\')');
  }
}

/** Throws unless `value` is one of `allowed`. */
export function requireOneOf<T>(scope: ErrorScope, field: string, value: T, allowed: readonly T[]): void {
  if (!allowed.includes(value)) {
    throw propError(scope, field, value, `one of ${allowed.map(show).join(', ')}`);
  }
}
