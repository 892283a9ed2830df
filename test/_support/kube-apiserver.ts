/**
 * A real Kubernetes API server for tests: kube-apiserver (built by `scripts/programs/kube-apiserver.sh`)
 * over its own etcd (`scripts/programs/etcd.sh`), both on 127.0.0.1 with free ports and a fresh
 * temporary directory per run. No controller manager runs: namespaces and the `default`
 * ServiceAccount (and, where a test needs them, EndpointSlices) are created by the test itself, and
 * nothing is deleted unless a test does so on purpose (a fresh etcd per run).
 *
 * Authentication is a `system:masters` bearer token (`--token-auth-file`) with RBAC authorization;
 * the serving certificate and the service-account keys are made with openssl. Requests go over
 * HTTPS with the generated certificate as the only trusted CA.
 */
import { spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { request as httpsRequest } from 'https';
import { delimiter, join } from 'path';
import { parse, stringify } from 'yaml';
import { crdStatus } from './crd-schema';
import { findProgram, freePort, ProgramSpec, RunningProgram, tempDir, waitFor } from './programs';

export const KUBE_APISERVER_VERSION = '1.37.2';

export const PROGRAMS = {
  kubeApiserver: {
    binary: 'kube-apiserver',
    folder: `kube-apiserver-${KUBE_APISERVER_VERSION}`,
    envVar: 'KUBE_APISERVER_BIN',
    script: 'scripts/programs/kube-apiserver.sh',
  },
} as const satisfies Record<string, ProgramSpec>;

/** The binaries a {@link KubeApiServer} runs. */
export interface KubeApiServerPrograms {
  readonly kubeApiserver: string;
  readonly etcd: string;
}

/** `$ETCD_BIN`, else `etcd` on PATH; undefined when neither is there (throws in CI). */
export function findEtcd(): string | undefined {
  const fromEnv = process.env.ETCD_BIN;
  const found = fromEnv || (process.env.PATH ?? '').split(delimiter).map(d => join(d, 'etcd')).find(p => existsSync(p));
  if (found && existsSync(found)) return found;
  const hint = fromEnv
    ? `ETCD_BIN=${fromEnv} does not exist`
    : 'etcd is not on PATH: run `bash scripts/programs/etcd.sh` (or set ETCD_BIN)';
  if (process.env.CI === 'true') throw new Error(`real-program tests are required in CI: ${hint}`);
  process.stdout.write(`skipping kube-apiserver tests: ${hint}\n`);
  return undefined;
}

/**
 * `describe` with the binaries when kube-apiserver, etcd and the CRD files are all there;
 * otherwise `describe.skip` after one printed line (each missing one fails in CI).
 */
export function describeWithKubeApiServer(): [jest.Describe, KubeApiServerPrograms] {
  const kubeApiserver = findProgram(PROGRAMS.kubeApiserver);
  const etcd = kubeApiserver ? findEtcd() : undefined;
  const crds = crdStatus();
  if (kubeApiserver && etcd && !crds.available) {
    if (process.env.CI === 'true') throw new Error(`real-program tests are required in CI: ${crds.hint}`);
    process.stdout.write(`skipping kube-apiserver tests: ${crds.hint}\n`);
  }
  return kubeApiserver && etcd && crds.available
    ? [describe, { kubeApiserver, etcd }]
    : [describe.skip, { kubeApiserver: '', etcd: '' }];
}

/** An answer of the API server. */
export interface ApiResponse {
  readonly status: number;
  readonly body: string;
  /** `Warning` headers (deprecations, ignored fields, ...). */
  readonly warnings: string[];
}

/** Where the objects of one kind live, from the server's discovery. */
export interface ApiResource {
  /** The collection path for `namespace` (ignored for cluster-scoped kinds). */
  collectionPath(namespace?: string): string;
  readonly plural: string;
  readonly namespaced: boolean;
}

interface DiscoveryList { resources: Array<{ name: string; kind: string; namespaced: boolean }> }

/** kube-apiserver and its etcd, started together and stopped together. */
export class KubeApiServer {
  /** Starts etcd and kube-apiserver; resolves once `/readyz` answers 200 (stops both on failure). */
  public static async start(programs: KubeApiServerPrograms, readyDeadlineMs = 60_000): Promise<KubeApiServer> {
    const dir = tempDir('kube-apiserver');
    const token = randomBytes(24).toString('hex');
    makeCredentials(dir, token);
    const [clientPort, peerPort, securePort] = [await freePort(), await freePort(), await freePort()];
    const etcd = RunningProgram.start(programs.etcd, [
      '--name=test',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${clientPort}`,
      `--advertise-client-urls=http://127.0.0.1:${clientPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=test=http://127.0.0.1:${peerPort}`,
    ]);
    let apiserver: RunningProgram | undefined;
    try {
      await waitFor('etcd /health', async () => {
        if (!etcd.running) throw new Error(`etcd exited:\n${etcd.log}`);
        const r = await fetch(`http://127.0.0.1:${clientPort}/health`);
        return r.ok ? true : undefined;
      }, 20_000);
      apiserver = RunningProgram.start(programs.kubeApiserver, [
        `--etcd-servers=http://127.0.0.1:${clientPort}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${securePort}`,
        '--advertise-address=127.0.0.1',
        '--endpoint-reconciler-type=none', // --advertise-address=127.0.0.1 is fatal without it
        `--cert-dir=${join(dir, 'certs')}`,
        `--tls-cert-file=${join(dir, 'serving.crt')}`,
        `--tls-private-key-file=${join(dir, 'serving.key')}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--anonymous-auth=false',
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        '--service-cluster-ip-range=10.96.0.0/16',
      ]);
      const server = new KubeApiServer(dir, securePort, token, readFileSync(join(dir, 'serving.crt')), etcd, apiserver);
      await waitFor('kube-apiserver /readyz', async () => {
        if (!apiserver!.running) throw new Error('kube-apiserver exited');
        const r = await server.request('GET', '/readyz');
        return r.status === 200 ? true : undefined;
      }, readyDeadlineMs, 250);
      return server;
    } catch (e) {
      const logs = `${apiserver ? `kube-apiserver:\n${apiserver.log}\n` : ''}etcd:\n${etcd.log}`;
      await apiserver?.stop();
      await etcd.stop();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`${e}\n${logs}`);
    }
  }

  private readonly discovery = new Map<string, Promise<DiscoveryList>>();

  private constructor(
    /** The temporary directory (etcd data, certificates, token file). */
    public readonly dir: string,
    public readonly port: number,
    private readonly token: string,
    private readonly ca: Buffer,
    private readonly etcd: RunningProgram,
    private readonly apiserver: RunningProgram,
  ) {}

  /** The last output of both programs, for failure messages. */
  public get log(): string {
    return `kube-apiserver:\n${this.apiserver.log}\netcd:\n${this.etcd.log}`;
  }

  /** Stops kube-apiserver, then etcd (SIGTERM, then SIGKILL), then removes the temporary directory. */
  public async stop(): Promise<void> {
    await this.apiserver.stop();
    await this.etcd.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** One HTTPS request with the token; never throws on an HTTP error status. */
  public request(method: string, path: string, body?: string, contentType = 'application/yaml'): Promise<ApiResponse> {
    return this.requestAs(this.token, method, path, body, contentType);
  }

  /**
   * One HTTPS request authenticated by another bearer token (a ServiceAccount's, from
   * {@link serviceAccountToken}) instead of the `system:masters` one; never throws on an HTTP error status.
   */
  public requestAs(token: string, method: string, path: string, body?: string, contentType = 'application/yaml'): Promise<ApiResponse> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest({
        host: '127.0.0.1',
        port: this.port,
        method,
        path,
        ca: this.ca,
        servername: 'localhost',
        headers: {
          'Authorization': `Bearer ${token}`,
          'Accept': 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) }),
        },
        timeout: 30_000,
      }, res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', d => { text += d; });
        res.on('end', () => {
          const w = res.headers.warning;
          resolve({ status: res.statusCode ?? 0, body: text, warnings: w === undefined ? [] : Array.isArray(w) ? w : [w] });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** `/version` `gitVersion`. */
  public async version(): Promise<string> {
    const r = await this.request('GET', '/version');
    return (JSON.parse(r.body) as { gitVersion: string }).gitVersion;
  }

  /** The resource of `apiVersion`/`kind` from discovery (`/api/v1`, `/apis/<group>/<version>`); undefined if not served. */
  public async resource(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let list = this.discovery.get(base);
    if (!list) {
      list = this.request('GET', base).then(r => {
        if (r.status !== 200) throw new Error(`discovery ${base} answered ${r.status}: ${r.body}`);
        return JSON.parse(r.body) as DiscoveryList;
      });
      list.catch(() => this.discovery.delete(base));
      this.discovery.set(base, list);
    }
    const found = (await list.catch(() => ({ resources: [] } as DiscoveryList))).resources
      .find(r => r.kind === kind && !r.name.includes('/'));
    if (!found) return undefined;
    return {
      plural: found.name,
      namespaced: found.namespaced,
      collectionPath: (namespace?: string) => found.namespaced
        ? `${base}/namespaces/${namespace ?? 'default'}/${found.name}`
        : `${base}/${found.name}`,
    };
  }

  /**
   * Creates each CustomResourceDefinition in the YAML files for real, then polls until every
   * served version's list endpoint answers. Returns the CRD names.
   */
  public async createCrds(files: readonly string[], deadlineMs = 60_000): Promise<string[]> {
    const crds = files.flatMap(f => splitYamlDocuments(readFileSync(f, 'utf8')).map(text => ({ file: f, text })));
    const created: Array<{ name: string; group: string; plural: string; versions: string[] }> = [];
    for (const { file, text } of crds) {
      const crd = parse(text) as { metadata: { name: string }; spec: { group: string; names: { plural: string }; versions: Array<{ name: string; served: boolean }> } };
      const r = await this.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', text);
      if (r.status !== 201) throw new Error(`creating CRD ${crd.metadata.name} from ${file} answered ${r.status}: ${r.body}`);
      created.push({ name: crd.metadata.name, group: crd.spec.group, plural: crd.spec.names.plural, versions: crd.spec.versions.filter(v => v.served).map(v => v.name) });
    }
    for (const crd of created) {
      for (const version of crd.versions) {
        await waitFor(`CRD ${crd.name} ${version} endpoint`, async () => {
          const r = await this.request('GET', `/apis/${crd.group}/${version}/${crd.plural}`);
          return r.status === 200 ? true : undefined;
        }, deadlineMs, 200);
      }
    }
    this.discovery.clear();
    return created.map(c => c.name);
  }

  /** Creates (for real) a Namespace and, as the controller manager would, its `default` ServiceAccount. */
  public async createNamespace(name: string, namespaceYaml?: string, withDefaultServiceAccount = true): Promise<void> {
    const body = namespaceYaml ?? `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
    const ns = await this.request('POST', '/api/v1/namespaces', body);
    if (ns.status !== 201) throw new Error(`creating Namespace ${name} answered ${ns.status}: ${ns.body}`);
    if (!withDefaultServiceAccount) return;
    const sa = await this.request('POST', `/api/v1/namespaces/${name}/serviceaccounts`, `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n  namespace: ${name}\n`);
    if (sa.status !== 201) throw new Error(`creating ServiceAccount ${name}/default answered ${sa.status}: ${sa.body}`);
  }

  /**
   * Creates one object for real (`POST <collection>?fieldValidation=Strict`), sent as its own YAML
   * (or JSON) text; throws unless the server answers 201. Returns the object as stored.
   */
  public async create(yamlText: string): Promise<Record<string, any>> {
    const obj = parse(yamlText, { uniqueKeys: false }) as { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string } };
    const resource = await this.resource(obj.apiVersion, obj.kind);
    if (!resource) throw new Error(`the server serves no kind ${obj.kind} in ${obj.apiVersion} (discovery)`);
    const r = await this.request('POST', `${resource.collectionPath(obj.metadata.namespace)}?fieldValidation=Strict`, yamlText);
    if (r.status !== 201) throw new Error(`creating ${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name} answered ${r.status}: ${statusMessage(r.body)}`);
    return JSON.parse(r.body) as Record<string, any>;
  }

  /** Deletes one object for real; throws unless the server answers 200 or 202. */
  public async delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<void> {
    const resource = await this.resource(apiVersion, kind);
    if (!resource) throw new Error(`the server serves no kind ${kind} in ${apiVersion} (discovery)`);
    const r = await this.request('DELETE', `${resource.collectionPath(namespace)}/${name}`);
    if (r.status !== 200 && r.status !== 202) throw new Error(`deleting ${kind} ${namespace ?? ''}/${name} answered ${r.status}: ${statusMessage(r.body)}`);
  }

  /**
   * A bearer token for a ServiceAccount from the TokenRequest API
   * (`POST /api/v1/namespaces/<namespace>/serviceaccounts/<name>/token`), as the kubelet gets the
   * projected token it mounts into a pod. Its audience is the server's default (the issuer,
   * `https://kubernetes.default.svc`); it is signed with the run's service-account key.
   */
  public async serviceAccountToken(namespace: string, name: string, expirationSeconds = 3600): Promise<string> {
    const r = await this.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
      JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds } }), 'application/json');
    if (r.status !== 201) throw new Error(`TokenRequest for ServiceAccount ${namespace}/${name} answered ${r.status}: ${statusMessage(r.body)}`);
    return (JSON.parse(r.body) as { status: { token: string } }).status.token;
  }

  /**
   * Whether the holder of `token` may do `verb` on `resource` (a SelfSubjectAccessReview sent with
   * that token: the server's RBAC authorizer answers for that user).
   */
  public async allowed(token: string, attributes: { verb: string; group?: string; resource: string; namespace?: string }): Promise<boolean> {
    const r = await this.requestAs(token, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { group: '', ...attributes } } }), 'application/json');
    if (r.status !== 201) throw new Error(`SelfSubjectAccessReview answered ${r.status}: ${statusMessage(r.body)}`);
    return (JSON.parse(r.body) as { status: { allowed: boolean } }).status.allowed === true;
  }

  /**
   * A kubeconfig (YAML text) for this server: `https://127.0.0.1:<port>`, the serving certificate
   * as `certificate-authority-data`, and `token` as the user's bearer token. What a client such as
   * client-go loads from `$KUBECONFIG`.
   */
  public kubeconfig(token: string): string {
    return stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { 'server': `https://127.0.0.1:${this.port}`, 'certificate-authority-data': this.ca.toString('base64') } }],
      users: [{ name: 'test', user: { token } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'test' } }],
      'current-context': 'test',
    });
  }

  /** A kubeconfig of this server for the `system:masters` user that the tests use. */
  public adminKubeconfig(): string {
    return this.kubeconfig(this.token);
  }

  /** The object as stored (`GET`), or undefined when the server answers 404. */
  public async get(apiVersion: string, kind: string, name: string, namespace?: string): Promise<Record<string, any> | undefined> {
    const resource = await this.resource(apiVersion, kind);
    if (!resource) throw new Error(`the server serves no kind ${kind} in ${apiVersion} (discovery)`);
    const r = await this.request('GET', `${resource.collectionPath(namespace)}/${name}`);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`reading ${kind} ${namespace ?? ''}/${name} answered ${r.status}: ${statusMessage(r.body)}`);
    return JSON.parse(r.body) as Record<string, any>;
  }

  /** `POST <collection>?dryRun=All&fieldValidation=Strict` of one object, sent as its own YAML text. */
  public async dryRunCreate(yamlText: string): Promise<ApiResponse> {
    const obj = parse(yamlText, { uniqueKeys: false }) as { apiVersion: string; kind: string; metadata?: { namespace?: string } };
    const resource = await this.resource(obj.apiVersion, obj.kind);
    if (!resource) return { status: 0, body: `the server serves no kind ${obj.kind} in ${obj.apiVersion} (discovery)`, warnings: [] };
    return this.request('POST', `${resource.collectionPath(obj.metadata?.namespace)}?dryRun=All&fieldValidation=Strict`, yamlText);
  }
}

/**
 * The documents of a multi-document YAML file as their own text, unchanged (so that the server
 * sees exactly what `kubectl apply -f` would send, duplicate keys included). Empty ones are dropped.
 */
export function splitYamlDocuments(text: string): string[] {
  return text.split(/^---[ \t]*(?:#.*)?$/m)
    .filter(doc => doc.split('\n').some(line => line.trim() !== '' && !line.trim().startsWith('#')))
    .map(doc => doc.replace(/^\n/, ''));
}

/** The message of a Kubernetes `Status` answer, else the raw body. */
export function statusMessage(body: string): string {
  try {
    const status = JSON.parse(body) as { kind?: string; message?: string };
    return status.kind === 'Status' && status.message ? status.message : body;
  } catch {
    return body;
  }
}

function openssl(args: string[]): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.error ?? r.stderr}`);
}

/** Serving certificate (self-signed, for 127.0.0.1 and localhost), service-account keys, token file. */
function makeCredentials(dir: string, token: string): void {
  openssl([
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=kube-apiserver-test',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', join(dir, 'serving.key'), '-out', join(dir, 'serving.crt'),
  ]);
  openssl(['genrsa', '-out', join(dir, 'sa.key'), '2048']);
  openssl(['rsa', '-in', join(dir, 'sa.key'), '-pubout', '-out', join(dir, 'sa.pub')]);
  writeFileSync(join(dir, 'tokens.csv'), `${token},test-admin,test-admin,"system:masters"\n`, { mode: 0o600 });
}
