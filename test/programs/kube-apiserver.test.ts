/**
 * Server-side dry run of every object of every example stack by a real kube-apiserver v1.37 over
 * a fresh etcd: the stacks are synthesized to files as `npm run synth` writes them, split into
 * documents, and each document is sent as its own YAML text with
 * `POST <collection>?dryRun=All&fieldValidation=Strict`. The server's admission, defaulting,
 * validation and strict decoding (unknown and duplicate fields) must accept every one.
 *
 * Namespaces: the stack's Namespace is dry-run first, then created for real from the same text
 * (a dry-run Namespace does not make one), with its `default` ServiceAccount, before the other
 * objects. Every CRD in `$CRD_DIR` is created for real first.
 */
import { readdirSync, readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { buildApp } from '../../main';
import { synthesizeApp } from '../../constructs';
import { crdDir } from '../_support/crd-schema';
import {
  describeWithKubeApiServer, KUBE_APISERVER_VERSION, KubeApiServer, splitYamlDocuments, statusMessage,
} from '../_support/kube-apiserver';
import { tempDir } from '../_support/programs';

interface Doc {
  readonly text: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

interface Stack { readonly file: string; readonly docs: Doc[] }

/** The example stacks exactly as `npm run synth` writes them, one entry per file. */
function exampleStacks(): Stack[] {
  const outdir = tempDir('kube-apiserver-examples');
  synthesizeApp(buildApp({ outdir }), { diagrams: false });
  const stacks = readdirSync(outdir).sort().map(file => ({
    file,
    docs: splitYamlDocuments(readFileSync(join(outdir, file), 'utf8')).map(text => {
      const o = parse(text, { uniqueKeys: false }) as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
      return { text, apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace };
    }),
  }));
  rmSync(outdir, { recursive: true, force: true });
  return stacks;
}

const [describeKubeApiServer, programs] = describeWithKubeApiServer();

describeKubeApiServer(`kube-apiserver v${KUBE_APISERVER_VERSION}: server-side dry run`, () => {
  let server: KubeApiServer | undefined;
  /** A Deployment and a KafkaTopic of the example stacks, moved to the namespace `dry-run-checks`, to break on purpose. */
  let deployment: Record<string, any>;
  let kafkaTopic: Record<string, any>;

  beforeAll(async () => {
    server = await KubeApiServer.start(programs);
    const dir = crdDir();
    const crds = await server.createCrds(readdirSync(dir).filter(f => /\.ya?ml$/.test(f)).sort().map(f => join(dir, f)));
    process.stdout.write(`kube-apiserver ${await server.version()} on 127.0.0.1:${server.port}, ${crds.length} CRDs created: ${crds.join(', ')}\n`);
    await server.createNamespace('dry-run-checks');
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  }, 30_000);

  test('accepts every object of every example stack', async () => {
    const s = server!;
    const stacks = exampleStacks();
    const rejected: string[] = [];
    const warnings: string[] = [];
    let count = 0;
    for (const { file, docs } of stacks) {
      const shipsDefaultServiceAccount = docs.some(d => d.kind === 'ServiceAccount' && d.name === 'default');
      const ordered = [...docs.filter(d => d.kind === 'Namespace'), ...docs.filter(d => d.kind !== 'Namespace')];
      for (const doc of ordered) {
        const where = `${file}: ${doc.kind}/${doc.namespace ? `${doc.namespace}/` : ''}${doc.name}`;
        const r = await s.dryRunCreate(doc.text);
        count++;
        warnings.push(...r.warnings.map(w => `${where}: ${w}`));
        if (r.status !== 200 && r.status !== 201) {
          rejected.push(`${where}: ${r.status} ${statusMessage(r.body)}`);
          continue;
        }
        if (doc.kind === 'Namespace') await s.createNamespace(doc.name, doc.text, !shipsDefaultServiceAccount);
      }
    }
    process.stdout.write(`objects dry-run by kube-apiserver ${await s.version()}: ${count} (files ${stacks.map(st => `${st.file}: ${st.docs.length}`).join(', ')})\n`);
    if (warnings.length > 0) process.stdout.write(`kube-apiserver warnings (not failures):\n  ${warnings.join('\n  ')}\n`);
    if (rejected.length > 0) process.stdout.write(`kube-apiserver rejected ${rejected.length} object(s):\n  ${rejected.join('\n  ')}\n`);
    expect(rejected).toStrictEqual([]);
    expect(count).toBe(stacks.reduce((n, st) => n + st.docs.length, 0));
    expect(count).toBeGreaterThan(20);
  }, 180_000);

  describe('the dry run can fail', () => {
    beforeAll(() => {
      const docs = exampleStacks().flatMap(st => st.docs);
      deployment = parse(docs.find(d => d.kind === 'Deployment')!.text);
      deployment.metadata.namespace = 'dry-run-checks';
      kafkaTopic = parse(docs.find(d => d.kind === 'KafkaTopic')!.text);
      kafkaTopic.metadata.namespace = 'dry-run-checks';
    });

    test('the unchanged example Deployment and KafkaTopic are accepted (the control)', async () => {
      for (const o of [deployment, kafkaTopic]) {
        const r = await server!.dryRunCreate(stringify(o));
        expect([o.kind, r.status, statusMessage(r.body)]).toStrictEqual([o.kind, 201, expect.anything()]);
      }
    });

    test('fails if a Deployment has an unknown field (400, strict decoding error)', async () => {
      const broken = structuredClone(deployment);
      broken.spec.template.spec.containers[0].imagePullPolice = 'IfNotPresent';
      const r = await server!.dryRunCreate(stringify(broken));
      expect(r.status).toBe(400);
      expect(statusMessage(r.body)).toMatch(/strict decoding error: unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolice"/);
    });

    test('fails if a Deployment has a duplicate key (400, strict decoding error)', async () => {
      const text = stringify(deployment).replace(/^spec:\n/m, 'spec:\n  replicas: 1\n  replicas: 2\n');
      const r = await server!.dryRunCreate(text);
      expect(r.status).toBe(400);
      expect(statusMessage(r.body)).toMatch(/strict decoding error:[\s\S]*"replicas" already set/);
    });

    test('fails if a custom resource (KafkaTopic) has a field its CRD does not declare (400, strict decoding error)', async () => {
      const broken = structuredClone(kafkaTopic);
      broken.spec.partitionCount = 3;
      const r = await server!.dryRunCreate(stringify(broken));
      expect(r.status).toBe(400);
      expect(statusMessage(r.body)).toMatch(/strict decoding error: unknown field "spec\.partitionCount"/);
    });

    test('fails if a Deployment selector does not match its template labels (422)', async () => {
      const broken = structuredClone(deployment);
      broken.spec.selector = { matchLabels: { 'app.kubernetes.io/name': 'something-else' } };
      const r = await server!.dryRunCreate(stringify(broken));
      expect(r.status).toBe(422);
      expect(statusMessage(r.body)).toMatch(/spec\.template\.metadata\.labels: Invalid value: [\s\S]*`selector` does not match template `labels`/);
    });
  });
});
