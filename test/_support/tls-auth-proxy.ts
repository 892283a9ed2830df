/**
 * HTTPS with basic authentication in front of a plain-HTTP test server, for clients whose TLS and
 * credential settings are under test while the server itself has no security plugin: a
 * certificate authority and a server certificate for 127.0.0.1 made with openssl, and a proxy that
 * answers 401 to any request without the expected `Authorization: Basic` header and forwards the
 * others unchanged (method, path, headers but `authorization` and `host`, body, and the answer).
 */
import { spawnSync } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import { request as httpRequest } from 'http';
import { createServer, Server } from 'https';
import { join } from 'path';
import { freePort, tempDir } from './programs';

/** A running proxy. */
export interface TlsAuthProxy {
  /** `https://127.0.0.1:<port>`. */
  readonly url: string;
  /** PEM file of the certificate authority that signed the proxy's certificate. */
  readonly caFile: string;
  /** The CA certificate, PEM. */
  readonly ca: string;
  /** Requests forwarded (credentials right). */
  readonly authorized: number;
  /** Requests answered 401 (no or wrong credentials). */
  readonly unauthorized: number;
  close(): Promise<void>;
}

function openssl(args: string[]): void {
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${run.stderr}`);
}

/** Starts the proxy on a free loopback port, forwarding to `target` (`http://127.0.0.1:<port>`). */
export async function startTlsAuthProxy(target: string, username: string, password: string): Promise<TlsAuthProxy> {
  const dir = tempDir('tls-proxy');
  const f = (name: string) => join(dir, name);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test search CA', '-keyout', f('ca.key'), '-out', f('ca.crt')]);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', f('server.key'), '-out', f('server.csr')]);
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', f('san.ext'), '-out', f('server.crt')]);

  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const upstream = new URL(target);
  let authorized = 0;
  let unauthorized = 0;
  const server: Server = createServer({ key: readFileSync(f('server.key')), cert: readFileSync(f('server.crt')) }, (req, res) => {
    if (req.headers.authorization !== expected) {
      unauthorized++;
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Basic realm="search"', 'content-type': 'application/json' });
      res.end('{"error":"unauthorized"}');
      return;
    }
    authorized++;
    const headers = { ...req.headers };
    delete headers.authorization;
    delete headers.host;
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, answer => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', e => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(forward);
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `https://127.0.0.1:${port}`,
    caFile: f('ca.crt'),
    ca: readFileSync(f('ca.crt'), 'utf8'),
    get authorized() { return authorized; },
    get unauthorized() { return unauthorized; },
    close: () => new Promise(resolve => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
