import { ErrorScope, propError } from './_errors';

/** Parses an absolute http(s) URL with a host and no user info (credentials belong in Secrets). */
export function parseHttpUrl(scope: ErrorScope, field: string, value: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || url.username || url.password) {
    throw propError(scope, field, value, 'an http:// or https:// URL with a host and no user info (credentials go in a Secret), such as "http://elasticsearch:9200"');
  }
  return url;
}

/** `host:port` of a URL, with the scheme's default port when none is given. */
export function hostPort(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}
