/**
 * A real Google Cloud Storage emulator on loopback for tests: fake-gcs-server
 * (github.com/fsouza/fake-gcs-server, built by scripts/programs/gcs.sh), on a free port of
 * 127.0.0.1, over plain HTTP or over HTTPS with a certificate made here (openssl, for 127.0.0.1),
 * with its in-memory backend. Buckets are made and listed through its JSON API, which, like any
 * GCS emulator, takes requests without checking credentials.
 *
 * For clients that authenticate as they would against Google ({@link startGcsTokenServer},
 * {@link serviceAccountKey}): a service-account key file of a fresh RSA key whose `token_uri` is a
 * token endpoint on loopback. Google's client libraries sign a JWT with the key, exchange it there
 * for an access token and send that token with every request; the token endpoint counts the
 * exchanges, so a test can tell that the key file was read and used.
 */
import { spawnSync } from 'child_process';
import { generateKeyPairSync, randomBytes } from 'crypto';
import { readFileSync } from 'fs';
import { createServer, request as httpRequest } from 'http';
import { request as httpsRequest } from 'https';
import { join } from 'path';
import { freePort, ProgramSpec, RunningProgram, tempDir, waitFor } from './programs';

export const FAKE_GCS_SERVER_VERSION = '1.56.1';

/** The GCS emulator the suite builds. */
export const GCS_SERVER: ProgramSpec = { binary: 'fake-gcs-server', folder: `fake-gcs-server-${FAKE_GCS_SERVER_VERSION}`, envVar: 'GCS_SERVER_BIN', script: 'scripts/programs/gcs.sh' };

/** A running GCS emulator. */
export interface GcsServer {
  /** `http(s)://127.0.0.1:<port>`. */
  readonly url: string;
  /** The PEM certificate it serves (HTTPS only): trust it to reach the server. */
  readonly certificateFile?: string;
  /** Makes a bucket (`POST /storage/v1/b`). */
  createBucket(name: string): Promise<void>;
  /** Names of the objects in a bucket, every page (`GET /storage/v1/b/<bucket>/o`). */
  listObjects(bucket: string, prefix?: string): Promise<string[]>;
  stop(): Promise<void>;
  readonly log: string;
}

/** Starts fake-gcs-server (memory backend) on loopback; resolves once its JSON API answers. */
export async function startGcsServer(bin: string, opts: { https?: boolean } = {}): Promise<GcsServer> {
  const dir = tempDir('gcs');
  const port = await freePort();
  const scheme = opts.https ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${port}`;
  const tls: string[] = [];
  let certificateFile: string | undefined;
  if (opts.https) {
    certificateFile = join(dir, 'server.crt');
    const r = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=fake-gcs-server-test',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'server.key'), '-out', certificateFile,
    ], { encoding: 'utf8' });
    if (r.error || r.status !== 0) throw new Error(`openssl failed: ${r.error ?? r.stderr}`);
    tls.push('-cert-location', certificateFile, '-private-key-location', join(dir, 'server.key'));
  }
  const program = RunningProgram.start(bin, [
    '-backend', 'memory', '-scheme', scheme, '-host', '127.0.0.1', '-port', String(port), '-external-url', url, '-log-level', 'warn', ...tls,
  ]);
  const get = (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) => request(`${url}${path}`, init, certificateFile);
  await waitFor('fake-gcs-server to answer', async () => {
    if (!program.running) throw new Error(`fake-gcs-server exited:\n${program.log}`);
    const r = await get('/storage/v1/b');
    return r.status === 200 ? true : undefined;
  }, 20_000);

  return {
    url,
    certificateFile,
    async createBucket(name: string) {
      const r = await get('/storage/v1/b?project=test', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
      if (r.status !== 200) throw new Error(`fake-gcs-server: creating bucket ${name}: ${r.status} ${r.body}`);
    },
    async listObjects(bucket: string, prefix?: string) {
      const names: string[] = [];
      let pageToken = '';
      do {
        const query = new URLSearchParams({ ...(prefix ? { prefix } : {}), ...(pageToken ? { pageToken } : {}) });
        const r = await get(`/storage/v1/b/${bucket}/o?${query}`);
        if (r.status !== 200) throw new Error(`fake-gcs-server: listing ${bucket}: ${r.status} ${r.body}`);
        const page = JSON.parse(r.body) as { items?: Array<{ name: string }>; nextPageToken?: string };
        names.push(...(page.items ?? []).map(i => i.name));
        pageToken = page.nextPageToken ?? '';
      } while (pageToken);
      return names;
    },
    stop: () => program.stop(5000),
    get log() { return program.log; },
  };
}

/** One HTTP(S) request, trusting only `ca` when given; the status and body. */
function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }, ca?: string): Promise<{ status: number; body: string }> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: init.method ?? 'GET', headers: init.headers, ...(ca ? { ca: readFileSync(ca) } : {}), timeout: 10_000 }, res => {
      let body = '';
      res.on('data', d => { body += String(d); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`timed out: ${url}`)));
    req.end(init.body);
  });
}

/** An OAuth 2.0 token endpoint on loopback that grants every JWT-bearer request a token. */
export interface GcsTokenServer {
  /** `http://127.0.0.1:<port>/token`: the `token_uri` of {@link serviceAccountKey}. */
  readonly tokenUri: string;
  /** JWT-bearer exchanges answered so far. */
  readonly exchanges: number;
  stop(): Promise<void>;
}

/** Starts the token endpoint. */
export async function startGcsTokenServer(): Promise<GcsTokenServer> {
  let exchanges = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', d => { body += String(d); });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      if (req.method !== 'POST' || form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || !form.get('assertion')) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_request' }));
        return;
      }
      exchanges++;
      res.writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ access_token: `test-${randomBytes(12).toString('hex')}`, token_type: 'Bearer', expires_in: 3600 }));
    });
  });
  const port = await freePort();
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
  return {
    tokenUri: `http://127.0.0.1:${port}/token`,
    get exchanges() { return exchanges; },
    stop: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

/** A service-account key file (JSON) of a fresh RSA key, exchanged for tokens at `tokenUri`. */
export function serviceAccountKey(tokenUri: string): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  return JSON.stringify({
    type: 'service_account',
    project_id: 'tempo-test',
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKey,
    client_email: 'tempo@tempo-test.iam.gserviceaccount.com',
    client_id: '100000000000000000001',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenUri,
  }, null, 2);
}
