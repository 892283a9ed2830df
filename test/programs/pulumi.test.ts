/**
 * The production example (examples/pulumi/production.ts) deployed for real: the Pulumi CLI and the
 * Kubernetes provider (scripts/programs/pulumi.sh) run `up`, `up` again, `up` with a changed prop
 * and `destroy` of an Automation API inline program against the suite's kube-apiserver
 * (test/_support/kube-apiserver.ts), and the test reads every object back through the API.
 *
 * The test API server has no controllers, so in this test only: `skipAwait` (nothing would become
 * ready) and the annotation `pulumi.com/deletionPropagationPolicy: background` (a foreground
 * deletion waits for a garbage collector that does not run) are set, and the test finalizes a
 * deleted Namespace as the namespace controller would once it is empty.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { join } from 'path';
import { productionChart, productionTracing, ProductionTracingOptions } from '../../examples/pulumi/production';
import { planDeployment, TRACING_DEPLOYMENT_TYPE } from '../../constructs/pulumi';
import { crdDir } from '../_support/crd-schema';
import { describeWithKubeApiServer, KubeApiServer } from '../_support/kube-apiserver';
import { findPulumi, Operation, PULUMI_KUBERNETES_VERSION, PULUMI_VERSION, PulumiStack } from '../_support/pulumi';

const NAMESPACE = 'tracing';
const PROJECT = 'tracing-production';

const [describeKubeApiServer, kubePrograms] = describeWithKubeApiServer();
const pulumiPrograms = describeKubeApiServer === describe ? findPulumi() : undefined;
const describeReal = pulumiPrograms ? describe : describe.skip;

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [key: string]: unknown };

/** The objects `cdk8s synth` writes for the example with `options`. */
function manifests(options: ProductionTracingOptions = {}): Manifest[] {
  return productionChart(NAMESPACE, options).toJson() as Manifest[];
}

/** The Pulumi type token and name of an object's resource, as in its URN (`<type>::<name>`). */
function urnSuffix(o: Manifest): string {
  const type = `kubernetes:${o.apiVersion.includes('/') ? o.apiVersion : `core/${o.apiVersion}`}:${o.kind}`;
  return `${type}::tracing:${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

/** The URN's `<type>::<name>` (its last type and its name). */
function suffixOf(urn: string): string {
  const parts = urn.split('::');
  const types = parts[parts.length - 2];
  return `${types.slice(types.lastIndexOf('$') + 1)}::${parts[parts.length - 1]}`;
}

/** Leaves of `expected` that `actual` lacks or holds another value for (`path: expected != actual`). */
function missingLeaves(expected: unknown, actual: unknown, path = ''): string[] {
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object') return [`${path}: ${JSON.stringify(expected)} != ${JSON.stringify(actual)}`];
    if (Array.isArray(expected) && (!Array.isArray(actual) || actual.length !== expected.length)) {
      return [`${path}: ${expected.length} items != ${JSON.stringify(actual)}`];
    }
    return Object.entries(expected).flatMap(([k, v]) => missingLeaves(v, (actual as Record<string, unknown>)[k], `${path}.${k}`));
  }
  return expected === actual ? [] : [`${path}: ${JSON.stringify(expected)} != ${JSON.stringify(actual)}`];
}

/** The inline program: the example, with what a cluster without controllers needs. */
function program(kubeconfig: string, options: ProductionTracingOptions = {}): () => Promise<Record<string, unknown>> {
  return async () => {
    // As examples/pulumi/index.ts, with the test server's kubeconfig.
    const provider = new k8s.Provider('cluster', { kubeconfig, enableConfigMapMutable: true });
    const background: pulumi.ResourceTransformation = t => {
      const metadata = (t.props as { metadata?: { annotations?: Record<string, string> } }).metadata;
      if (!t.type.startsWith('kubernetes:') || !metadata || t.opts.id) return undefined;
      return { props: { ...t.props, metadata: { ...metadata, annotations: { ...metadata.annotations, 'pulumi.com/deletionPropagationPolicy': 'background' } } }, opts: t.opts };
    };
    const tracing = productionTracing('tracing', { skipAwait: true, ...options }, { provider, transformations: [background] });
    return {
      namespace: tracing.namespace,
      uiUrl: tracing.uiUrl,
      otlpGrpcEndpoint: tracing.otlpGrpcEndpoint,
      otlpHttpEndpoint: tracing.otlpHttpEndpoint,
      prerequisites: tracing.prerequisites,
    };
  };
}

/** Steps of `op` on the example's objects, as `<type>::<name>`. */
function stepsOf(operation: Operation, op: string): string[] {
  return [...operation.steps.entries()].filter(([urn, o]) => o === op && urn.includes(`${TRACING_DEPLOYMENT_TYPE}$kubernetes:`)).map(([urn]) => suffixOf(urn)).sort();
}

describeReal(`Pulumi ${PULUMI_VERSION} with the Kubernetes provider ${PULUMI_KUBERNETES_VERSION}: the production example against kube-apiserver`, () => {
  let server: KubeApiServer | undefined;
  let stack: PulumiStack | undefined;
  let kubeconfig = '';

  beforeAll(async () => {
    server = await KubeApiServer.start(kubePrograms);
    kubeconfig = server.adminKubeconfig();
    stack = await PulumiStack.create(pulumiPrograms!, PROJECT, program(kubeconfig));
  }, 180_000);

  afterAll(async () => {
    stack?.remove();
    await server?.stop();
  }, 60_000);

  /** Every object of `objects` as stored, or undefined for each the server does not have. */
  async function stored(objects: readonly Manifest[]): Promise<Array<Record<string, any> | undefined>> {
    const s = server!;
    return Promise.all(objects.map(async o => ((await s.resource(o.apiVersion, o.kind))
      ? s.get(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace)
      : undefined)));
  }

  test('refuses to deploy to a cluster without the Strimzi CRDs, naming each and the operator, and creates nothing', async () => {
    const error = await stack!.up().then(() => undefined, (e: Error) => e);
    expect(error).toBeDefined();
    const message = String(error?.message);
    for (const crd of ['kafkas.kafka.strimzi.io', 'kafkanodepools.kafka.strimzi.io', 'kafkatopics.kafka.strimzi.io']) {
      expect(message).toContain(`the cluster must serve CRD ${crd}: install the Strimzi operator first, or set allowMissingCrds`);
    }
    expect(message).toMatch(/does not exist|not found/i);
    expect((await stored(manifests())).filter(o => o !== undefined)).toEqual([]);
  }, 300_000);

  test('up creates every object as synthesized, in dependency order, with the outputs', async () => {
    const s = server!;
    const crds = await s.createCrds(['kafka.strimzi.io_kafkas.yaml', 'kafka.strimzi.io_kafkanodepools.yaml', 'kafka.strimzi.io_kafkatopics.yaml'].map(f => join(crdDir(), f)));
    expect(crds).toHaveLength(3);

    const started = Date.now();
    const up = await stack!.up();
    const seconds = (Date.now() - started) / 1000;
    const expected = manifests();
    expect(stepsOf(up, 'create')).toEqual(expected.map(urnSuffix).sort());
    expect(up.result.summary.result).toBe('succeeded');

    // Read back: every synthesized leaf is what the server stores, names and namespaces unchanged.
    const objects = await stored(expected);
    const problems = expected.flatMap((o, i) => {
      const got = objects[i];
      if (!got) return [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}: not found`];
      return missingLeaves(o, got).map(d => `${o.kind} ${o.metadata.name}${d}`);
    });
    expect(problems).toEqual([]);
    // Pulumi's own annotations are the only additions to the metadata it sent.
    for (const got of objects) {
      const extra = Object.keys(got!.metadata.annotations ?? {}).filter(a => a.startsWith('pulumi.com/'));
      expect(extra.sort()).toEqual(['pulumi.com/deletionPropagationPolicy', 'pulumi.com/skipAwait']);
    }

    // Order: each object's step started after the steps of what it depends on had finished.
    const position = (kind: 'pre' | 'done', suffix: string) => up.events.findIndex(e => {
      const m = kind === 'pre' ? e.resourcePreEvent?.metadata : e.resOutputsEvent?.metadata;
      return m !== undefined && suffixOf(m.urn) === suffix;
    });
    const plan = planDeployment(expected);
    const byKey = new Map(plan.map(p => [p.key, p.object as Manifest]));
    let checked = 0;
    for (const p of plan) {
      for (const dep of p.dependsOn) {
        expect(position('done', urnSuffix(byKey.get(dep)!))).toBeLessThan(position('pre', urnSuffix(p.object as Manifest)));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(expected.length);

    expect(up.outputs?.namespace.value).toBe(NAMESPACE);
    expect(up.outputs?.uiUrl.value).toBe('https://jaeger.example.com/');
    expect(up.outputs?.otlpGrpcEndpoint.value).toBe(`http://otel-sampling-lb.${NAMESPACE}.svc:4317`);
    expect(up.outputs?.otlpHttpEndpoint.value).toBe(`http://otel-sampling-lb.${NAMESPACE}.svc:4318`);
    expect(up.outputs?.prerequisites.value).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'Secret', name: 'jaeger-es-credentials', namespace: NAMESPACE }),
      expect.objectContaining({ kind: 'Secret', name: 'jaeger-tls', namespace: NAMESPACE }),
      expect.objectContaining({ kind: 'Endpoint', name: 'elasticsearch-es-http.elastic-system.svc:9200' }),
    ]));
    process.stdout.write(`pulumi up: ${expected.length} objects created in ${seconds.toFixed(1)} s, ${checked} ordering dependencies held\n`);
  }, 600_000);

  test('a second up changes nothing', async () => {
    const started = Date.now();
    const again = await stack!.up();
    const changes = again.result.summary.resourceChanges ?? {};
    // The three Strimzi CRDs are read again (each up checks the cluster); nothing else but 'same'.
    expect(changes).toEqual({ same: expect.any(Number), read: 3 });
    expect(stepsOf(again, 'same')).toEqual(manifests().map(urnSuffix).sort());
    process.stdout.write(`pulumi up, unchanged: ${changes.same} resources the same in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }, 600_000);

  test('a changed prop updates exactly the objects whose synthesized manifest changed, in place', async () => {
    const before = manifests();
    const after = manifests({ samplingRatio: 0.25 });
    const changed = after.filter((o, i) => JSON.stringify(o) !== JSON.stringify(before[i])).map(urnSuffix).sort();
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThan(after.length / 2);

    const update = await stack!.up(program(kubeconfig, { samplingRatio: 0.25 }));
    // In place: the sampling tier's ConfigMap and its Deployment (the config checksum rolls the
    // pods). With the provider's default (enableConfigMapMutable off) the ConfigMap would be
    // replaced instead: deleted, then created under the same name.
    expect(stepsOf(update, 'update')).toEqual(changed);
    expect([...update.steps.values()].filter(op => !['same', 'update', 'read'].includes(op))).toEqual([]);
    // The server holds the new manifests.
    const objects = await stored(after);
    expect(after.flatMap((o, i) => missingLeaves(o, objects[i]).map(d => `${o.kind} ${o.metadata.name}${d}`))).toEqual([]);
    process.stdout.write(`pulumi up, samplingRatio 0.05 -> 0.25: updated ${changed.join(', ')}\n`);
  }, 600_000);

  test('destroy removes every object', async () => {
    const s = server!;
    // The namespace controller's part: finalize the Namespace once Pulumi has deleted it.
    let finalizing = true;
    const finalizer = (async () => {
      while (finalizing) {
        const ns = await s.get('v1', 'Namespace', NAMESPACE);
        if (ns?.metadata.deletionTimestamp && (ns.spec?.finalizers ?? []).length > 0) {
          await s.request('PUT', `/api/v1/namespaces/${NAMESPACE}/finalize`, JSON.stringify({ ...ns, spec: { ...ns.spec, finalizers: [] } }), 'application/json');
        }
        await new Promise(r => setTimeout(r, 200));
      }
    })();
    try {
      const destroy = await stack!.destroy();
      expect(stepsOf(destroy, 'delete')).toEqual(manifests({ samplingRatio: 0.25 }).map(urnSuffix).sort());
    } finally {
      finalizing = false;
      await finalizer;
    }
    expect((await stored(manifests({ samplingRatio: 0.25 }))).filter(o => o !== undefined)).toEqual([]);
  }, 600_000);

  test("up adopts the objects that applying the synthesized manifests made (as `kubectl apply -f dist/` on a fresh cluster), renaming nothing", async () => {
    const s = server!;
    // As `kubectl apply -f dist/` would: the Namespace first, then every object as synthesized.
    const expected = manifests();
    for (const o of [...expected.filter(m => m.kind === 'Namespace'), ...expected.filter(m => m.kind !== 'Namespace')]) {
      await s.create(JSON.stringify(o));
    }
    const up = await stack!.up(program(kubeconfig));
    expect(up.result.summary.result).toBe('succeeded');
    expect(stepsOf(up, 'create')).toEqual(expected.map(urnSuffix).sort());
    const objects = await stored(expected);
    expect(expected.flatMap((o, i) => missingLeaves(o, objects[i]).map(d => `${o.kind} ${o.metadata.name}${d}`))).toEqual([]);
    // Still one object of each: nothing renamed, nothing created beside the applied ones.
    const deployments = JSON.parse((await s.request('GET', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`)).body) as { items: unknown[] };
    expect(deployments.items).toHaveLength(expected.filter(o => o.kind === 'Deployment').length);
  }, 600_000);
});
