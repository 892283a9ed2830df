/**
 * TracingDeployment under Pulumi's mocks (`pulumi.runtime.setMocks`): what it registers, compared
 * object by object with what `cdk8s synth` writes for the same charts; the order it asks for; the
 * names; the outputs; and the refusals. The real `pulumi up` is test/programs/pulumi.test.ts.
 */
import * as pulumi from '@pulumi/pulumi';
import { App, Chart } from 'cdk8s';
import { readdirSync, readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { buildApp } from '../../main';
import { SpanProtocol, StrimziKafka, synthesizeApp, TracingPreset, TracingStack } from '../../constructs';
import { TracingDeployment, TRACING_DEPLOYMENT_TYPE } from '../../constructs/pulumi';
import { tempDir } from '../_support/programs';

interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly provider?: string;
  readonly custom: boolean;
  /** Set for a read (`Resource.get`). */
  readonly id?: string;
}

const registered: Registered[] = [];

// The mocked cluster serves every CRD: a read answers with an empty object. (A missing one, and the
// engine's error for it, is test/programs/pulumi.test.ts's.)
pulumi.runtime.setMocks({
  newResource: args => {
    registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider, custom: args.custom ?? false, ...(args.id ? { id: args.id } : {}) });
    return { id: args.id || `${args.name}-id`, state: args.inputs };
  },
  call: args => args.inputs,
}, 'cdk8s-tracing', 'test', false);

/** The value of an output (mocks resolve them once registration is done). */
function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('output did not resolve')), 10_000);
    output.apply(v => { clearTimeout(timer); resolve(v); return v; });
  });
}

/** Resolves once every resource registered so far has reached the mocks. */
async function settled(deployment: TracingDeployment): Promise<void> {
  await valueOf(pulumi.all(deployment.objects.map(o => o.resource.urn)));
}

/** What TracingDeployment `name` registered (its objects, not itself or its CRD reads). */
function objectsOf(name: string): Registered[] {
  return registered.filter(r => r.name.startsWith(`${name}:`) && r.custom && r.id === undefined);
}

/** The Pulumi type token of an object, as @pulumi/kubernetes names it. */
function typeToken(o: { apiVersion: string; kind: string }): string {
  return `kubernetes:${o.apiVersion.includes('/') ? o.apiVersion : `core/${o.apiVersion}`}:${o.kind}`;
}

/** The example app's objects exactly as `npm run synth` writes them, in file order. */
function synthesizedExamples(): any[] {
  const outdir = tempDir('pulumi-examples');
  synthesizeApp(buildApp({ outdir }), { diagrams: false });
  const objects = readdirSync(outdir).sort().flatMap(f => parseAllDocuments(readFileSync(join(outdir, f), 'utf8')).map(d => d.toJS()).filter(Boolean));
  rmSync(outdir, { recursive: true, force: true });
  return objects;
}

/** A production Jaeger over Elasticsearch and an in-cluster Kafka (Strimzi custom resources), in `namespace`. */
function productionChart(namespace: string | undefined = 'tracing'): Chart {
  const chart = new Chart(new App(), 'tracing', { namespace, disableResourceNameHashes: true });
  const kafka = new StrimziKafka(chart, 'kafka', { partitions: 3 });
  new TracingStack(chart, 'jaeger', {
    preset: TracingPreset.PRODUCTION,
    createNamespace: true,
    elasticsearch: { serverUrls: ['https://es.example.com:9200'], credentials: { secretName: 'es-credentials' } },
    kafka,
    ingress: { host: 'jaeger.example.com', tlsSecretName: 'jaeger-tls' },
  });
  return chart;
}

describe('TracingDeployment registers what cdk8s synth writes', () => {
  test('every object of every example stack, in synth order, with the same content and a typed resource', async () => {
    const expected = synthesizedExamples();
    const deployment = new TracingDeployment('examples', { charts: buildApp() });
    await settled(deployment);
    const got = objectsOf('examples');

    expect(got.length).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(80);
    // Same set, object by object: type token, Pulumi name, and inputs equal to the manifest.
    const byKey = new Map(got.map(r => [`${r.type} ${r.inputs.metadata.namespace ?? ''}/${r.inputs.metadata.name}`, r]));
    for (const o of expected) {
      const r = byKey.get(`${typeToken(o)} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      expect(r).toBeDefined();
      expect(r!.name).toBe(o.metadata.namespace ? `examples:${o.metadata.namespace}/${o.metadata.name}` : `examples:${o.metadata.name}`);
      expect(r!.inputs).toEqual(o);
    }
    // `objects` keeps each manifest next to its resource, and equals the synthesized set.
    expect(deployment.objects.map(d => d.object)).toEqual(expect.arrayContaining(expected));
  });

  test('registers no Pulumi auto-name: every object carries its synthesized metadata.name', async () => {
    const deployment = new TracingDeployment('names', { charts: productionChart() });
    await settled(deployment);
    const got = objectsOf('names');
    expect(got.length).toBeGreaterThan(15);
    for (const r of got) {
      expect(typeof r.inputs.metadata.name).toBe('string');
      expect(r.inputs.metadata.annotations?.['pulumi.com/autonamed']).toBeUndefined();
    }
    expect(got.find(r => r.type === 'kubernetes:apps/v1:Deployment' && r.inputs.metadata.name === 'jaeger-collector')).toBeDefined();
  });

  test('refuses charts that do not validate, listing every error, and registers nothing', () => {
    const app = new App();
    const chart = new Chart(app, 'broken', { namespace: 'tracing' });
    new TracingStack(chart, 'a', { preset: TracingPreset.DEV, name: 'same' });
    new TracingStack(chart, 'b', { preset: TracingPreset.DEV, name: 'same' });
    const before = registered.length;
    expect(() => new TracingDeployment('broken', { charts: app })).toThrow(/TracingDeployment 'broken': the charts do not validate, \d+ error\(s\):\n.*broken\/b/s);
    expect(registered.slice(before).filter(r => r.name.startsWith('broken:'))).toEqual([]);
  });
});

describe('TracingDeployment orders objects as a cluster needs them', () => {
  /** The dependsOn of each child, by Pulumi name, seen through a transformation. */
  async function dependencies(name: string, args: ConstructorParameters<typeof TracingDeployment>[1]): Promise<Map<string, string[]>> {
    const deps = new Map<string, string[]>();
    const deployment = new TracingDeployment(name, args, {
      transformations: [t => {
        const on = t.opts.dependsOn;
        const list = (Array.isArray(on) ? on : on ? [on] : []) as pulumi.Resource[];
        deps.set(t.name, list.map(r => (r as unknown as { __name: string }).__name));
        return undefined;
      }],
    });
    await settled(deployment);
    return deps;
  }

  test('Namespace first; workloads after their ConfigMaps and ServiceAccounts; custom resources after their CRD; Ingress after its Service; autoscaler after its target', async () => {
    const deps = await dependencies('order', { charts: productionChart() });
    const crd = (name: string) => `order: the cluster must serve CRD ${name}: install the Strimzi operator first, or set allowMissingCrds`;
    // The CRD reads, then the Namespace, then the rest (the chart creates Kafka before the Namespace).
    const objects = [...deps.keys()].filter(n => n.startsWith('order:') && !n.startsWith('order: '));
    expect(objects[0]).toBe('order:tracing');
    expect([...deps.keys()].filter(n => n.startsWith('order: ')).sort())
      .toEqual([crd('kafkanodepools.kafka.strimzi.io'), crd('kafkas.kafka.strimzi.io'), crd('kafkatopics.kafka.strimzi.io')]);
    // Every object waits for every CRD read (a cluster without the operator gets nothing), and
    // everything in the namespace for the Namespace.
    const reads = [crd('kafkanodepools.kafka.strimzi.io'), crd('kafkas.kafka.strimzi.io'), crd('kafkatopics.kafka.strimzi.io')];
    expect(deps.get('order:tracing')!.sort()).toEqual(reads);
    for (const name of objects.slice(1)) expect(deps.get(name)).toEqual(expect.arrayContaining([...reads, 'order:tracing']));
    // (Names are unique per kind only: these are of one kind each.)
    const on = (name: string) => deps.get(`order:tracing/${name}`)!.filter(d => d !== 'order:tracing' && !reads.includes(d)).sort();
    expect(on('kafka')).toEqual([]);
    expect(on('jaeger-collector-config')).toEqual([]);
  });

  test('by kind: the Deployment after its ServiceAccount and ConfigMaps, the Ingress after its Service, the autoscaler after its Deployment', async () => {
    const deps = new Map<string, string[]>();
    const deployment = new TracingDeployment('kinds', { charts: productionChart(), allowMissingCrds: true }, {
      transformations: [t => {
        const on = t.opts.dependsOn;
        const list = (Array.isArray(on) ? on : on ? [on] : []) as pulumi.Resource[];
        deps.set(`${t.type} ${t.name}`, list.map(r => (r as unknown as { __name: string }).__name));
        return undefined;
      }],
    });
    await settled(deployment);
    const kinds = (type: string, name: string) => deps.get(`${type} kinds:tracing/${name}`)!;
    // Pulumi names are unique per kind only, and a component's objects share one name: compare
    // with the plan, which keys by kind, and check that Pulumi got as many dependencies.
    const { planDeployment } = await import('../../constructs/pulumi');
    const plan = planDeployment(deployment.objects.map(d => d.object));
    const planned = (kind: string, name: string) => plan.find(p => p.object.kind === kind && p.object.metadata.name === name)!.dependsOn.slice().sort();
    expect(planned('Deployment', 'jaeger-collector')).toEqual([
      'v1/ConfigMap/tracing/jaeger-collector-config',
      'v1/ConfigMap/tracing/jaeger-collector-sampling',
      'v1/Namespace//tracing',
      'v1/ServiceAccount/tracing/jaeger-collector',
    ]);
    expect(planned('Deployment', 'jaeger-query')).toEqual(['v1/ConfigMap/tracing/jaeger-query-config', 'v1/Namespace//tracing', 'v1/ServiceAccount/tracing/jaeger-query']);
    expect(planned('Ingress', 'jaeger-query')).toEqual(['v1/Namespace//tracing', 'v1/Service/tracing/jaeger-query']);
    expect(planned('HorizontalPodAutoscaler', 'jaeger-collector')).toEqual(['apps/v1/Deployment/tracing/jaeger-collector', 'v1/Namespace//tracing']);
    // And what the plan says is what reached Pulumi: the same number of dependencies per resource.
    expect(kinds('kubernetes:apps/v1:Deployment', 'jaeger-collector')).toHaveLength(4);
    expect(kinds('kubernetes:networking.k8s.io/v1:Ingress', 'jaeger-query')).toHaveLength(2);
    expect(kinds('kubernetes:autoscaling/v2:HorizontalPodAutoscaler', 'jaeger-collector')).toHaveLength(2);
  });
});

describe('TracingDeployment outputs', () => {
  test('namespace, UI URL, OTLP endpoints and prerequisites of a production Jaeger', async () => {
    const deployment = new TracingDeployment('outputs', { charts: productionChart() });
    expect(await valueOf(deployment.namespace)).toBe('tracing');
    expect(await valueOf(deployment.namespaces)).toEqual(['tracing']);
    expect(await valueOf(deployment.uiUrl)).toBe('https://jaeger.example.com/');
    expect(await valueOf(deployment.otlpGrpcEndpoint)).toBe('http://jaeger-collector.tracing.svc:4317');
    expect(await valueOf(deployment.otlpHttpEndpoint)).toBe('http://jaeger-collector.tracing.svc:4318');
    expect(await valueOf(deployment.tempoQueryEndpoint)).toBeUndefined();
    const prerequisites = await valueOf(deployment.prerequisites);
    expect(prerequisites).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'Secret', name: 'es-credentials', namespace: 'tracing' }),
      expect.objectContaining({ kind: 'Secret', name: 'jaeger-tls', namespace: 'tracing' }),
      expect.objectContaining({ kind: 'Endpoint', name: 'es.example.com:9200' }),
    ]));
  });

  test('a development Jaeger (the README example): the in-cluster UI and the all-in-one as OTLP endpoint', async () => {
    const deployment = new TracingDeployment('dev', {
      namespace: 'tracing-dev',
      charts: namespace => {
        const chart = new Chart(new App(), 'tracing', { namespace, disableResourceNameHashes: true });
        new TracingStack(chart, 'jaeger', { preset: TracingPreset.DEV, createNamespace: true });
        return chart;
      },
    });
    expect(await valueOf(deployment.uiUrl)).toBe('http://jaeger.tracing-dev.svc:16686/');
    expect(await valueOf(deployment.otlpHttpEndpoint)).toBe('http://jaeger.tracing-dev.svc:4318');
    expect(await valueOf(deployment.otlpGrpcEndpoint)).toBe('http://jaeger.tracing-dev.svc:4317');
    expect(await valueOf(deployment.prerequisites)).toEqual([]);
  });

  test('the front of the span path: the node agent of the pipeline; Tempo query endpoint of the Tempo stack', async () => {
    const app = buildApp();
    const pipeline = new TracingDeployment('pipeline', { charts: app.charts.find(c => c.node.id === 'trace-pipeline')! });
    expect(await valueOf(pipeline.otlpHttpEndpoint)).toBe('http://otel-agent.telemetry.svc:4318');
    expect(await valueOf(pipeline.uiUrl)).toBeUndefined();
    const tempo = new TracingDeployment('tempo', { charts: app.charts.find(c => c.node.id === 'tempo-production')! });
    expect(await valueOf(tempo.tempoQueryEndpoint)).toBe('http://tempo-query-frontend.tempo.svc:3200');
    expect(await valueOf(tempo.otlpGrpcEndpoint)).toBe(`http://tempo-distributor.tempo.svc:${4317}`);
    expect(await valueOf(tempo.uiUrl)).toBe('https://tempo.example.com/');
    expect(SpanProtocol.OTLP_GRPC).toBeDefined();
  });
});

describe('TracingDeployment options', () => {
  test('passes the provider to every object and to the CRD reads', async () => {
    const { Provider } = await import('@pulumi/kubernetes');
    const provider = new Provider('cluster-b', { kubeconfig: 'unused' });
    const deployment = new TracingDeployment('provided', { charts: productionChart() }, { provider });
    await settled(deployment);
    const got = registered.filter(r => r.name.startsWith('provided:') || r.name.startsWith('provided: '));
    expect(got.length).toBeGreaterThan(15);
    for (const r of got) expect(r.provider).toMatch(/::cluster-b::/);
  });

  test('skipAwait annotates what Pulumi sends, not the synthesized objects; off by default', async () => {
    const skipping = new TracingDeployment('skipping', { charts: productionChart(), skipAwait: true, allowMissingCrds: true });
    const waiting = new TracingDeployment('waiting', { charts: productionChart(), allowMissingCrds: true });
    await settled(skipping);
    await settled(waiting);
    for (const r of objectsOf('skipping')) expect(r.inputs.metadata.annotations?.['pulumi.com/skipAwait']).toBe('true');
    for (const r of objectsOf('waiting')) expect(r.inputs.metadata.annotations?.['pulumi.com/skipAwait']).toBeUndefined();
    for (const d of skipping.objects) expect((d.object.metadata as any).annotations?.['pulumi.com/skipAwait']).toBeUndefined();
  });

  test('allowMissingCrds reads no CRD from the cluster', async () => {
    const deployment = new TracingDeployment('unchecked', { charts: productionChart(), allowMissingCrds: true });
    await settled(deployment);
    expect(registered.filter(r => r.name.startsWith('unchecked') && r.id !== undefined)).toEqual([]);
    expect(objectsOf('unchecked').filter(r => r.type.startsWith('kubernetes:kafka.strimzi.io/v1:'))).toHaveLength(3);
  });

  test('a function builds the charts for the namespace override', async () => {
    const seen: Array<string | undefined> = [];
    const deployment = new TracingDeployment('moved', {
      namespace: 'tracing-eu',
      allowMissingCrds: true,
      charts: namespace => { seen.push(namespace); return productionChart(namespace); },
    });
    await settled(deployment);
    expect(seen).toEqual(['tracing-eu']);
    expect(await valueOf(deployment.namespace)).toBe('tracing-eu');
    expect(await valueOf(deployment.otlpHttpEndpoint)).toBe('http://jaeger-collector.tracing-eu.svc:4318');
    const got = objectsOf('moved');
    expect(got.find(r => r.type === 'kubernetes:core/v1:Namespace')?.inputs.metadata.name).toBe('tracing-eu');
    for (const r of got.filter(r => r.type !== 'kubernetes:core/v1:Namespace')) expect(r.inputs.metadata.namespace).toBe('tracing-eu');
  });

  test('the component has its fixed type token', async () => {
    const deployment = new TracingDeployment('typed', { charts: productionChart(), allowMissingCrds: true });
    await settled(deployment);
    expect(registered.find(r => r.name === 'typed')?.type).toBe(TRACING_DEPLOYMENT_TYPE);
    expect(TRACING_DEPLOYMENT_TYPE).toBe('cdk8s-tracing:index:TracingDeployment');
  });
});

describe('TracingDeployment refuses bad input', () => {
  test('fails if a built chart is in another namespace than the override', () => {
    expect(() => new TracingDeployment('elsewhere', { charts: productionChart('tracing'), namespace: 'tracing-eu' }))
      .toThrow(/^TracingDeployment 'elsewhere': 'namespace' must be the namespace of every namespaced object of the charts \(build them for it: pass a function as 'charts'\); \d+ are elsewhere: Kafka tracing\/kafka, .*, got "tracing-eu"$/);
  });

  test('fails if the namespace is not a DNS label', () => {
    expect(() => new TracingDeployment('badns', { charts: productionChart(), namespace: 'Tracing_EU' }))
      .toThrow(/^TracingDeployment 'badns': 'namespace' must be a DNS label .*, got "Tracing_EU"$/);
  });

  test('fails if charts is neither an App nor a Chart', () => {
    expect(() => new TracingDeployment('nothing', { charts: (() => ({})) as never }))
      .toThrow(/^TracingDeployment 'nothing': 'charts' must be a cdk8s App or Chart, or a function that returns one, got a function that returned \{\}$/);
    expect(() => new TracingDeployment('empty', { charts: new App() }))
      .toThrow(/^TracingDeployment 'empty': 'charts' must be an App with at least one Chart, or a Chart, got an App without charts$/);
  });
});
