import { mkdtempSync, readdirSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { buildApp } from '../../main';
import {
  ElasticsearchStorage, JaegerAllInOne, Prerequisites, TempoMonolithic, TracingDefaults, TracingDefaultsProps, synthesizeApp,
} from '../../constructs';
import { find, Manifest, synth, testChart } from '../_support/synth';
import { describeWithSchemas, schemaErrors, wiringErrors } from '../_support/validate-manifests';

const DEFAULTS: TracingDefaultsProps = {
  imageRegistry: 'registry.internal:5000',
  imagePullPolicy: 'Always',
  imagePullSecrets: ['mirror-credentials'],
  nodeSelector: { 'node-role.example.com/observability': 'true' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'observability', effect: 'NoSchedule' }],
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }] } } },
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', matchLabelKeys: ['pod-template-hash'] }],
  priorityClassName: 'observability-critical',
  podLabels: { 'example.com/pod': 'tracing' },
  podAnnotations: { 'example.com/scrape': 'true' },
  labels: { 'example.com/team': 'platform' },
  annotations: { 'example.com/owner': 'platform@example.com' },
};

/** JSON with sorted keys: the synthesized key order is the schema's, not the input's. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
}

const LIBRARY = (o: Manifest) => o.metadata.labels?.['app.kubernetes.io/part-of'] === 'cdk8s-tracing';

/** The pod templates of a workload object, with where they are. */
function podTemplates(o: Manifest & Record<string, any>): Array<{ where: string; template: any }> {
  switch (o.kind) {
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'Job':
      return [{ where: `${o.kind}/${o.metadata.name}`, template: o.spec.template }];
    case 'CronJob':
      return [{ where: `${o.kind}/${o.metadata.name}`, template: o.spec.jobTemplate.spec.template }];
    default:
      return [];
  }
}

/** Every way in which a pod template misses one of the defaults. */
function missedDefaults(where: string, t: any): string[] {
  const misses: string[] = [];
  const spec = t.spec;
  const miss = (what: string) => misses.push(`${where}: ${what}`);
  for (const c of spec.containers) {
    if (!c.image.startsWith('registry.internal:5000/')) miss(`image ${c.image} not through the registry`);
    if (c.imagePullPolicy !== 'Always') miss(`imagePullPolicy ${c.imagePullPolicy}`);
  }
  if (!spec.imagePullSecrets?.some((s: any) => s.name === 'mirror-credentials')) miss('imagePullSecrets');
  if (spec.nodeSelector?.['node-role.example.com/observability'] !== 'true') miss('nodeSelector');
  if (canonical(spec.tolerations) !== canonical(DEFAULTS.tolerations)) miss('tolerations');
  if (canonical(spec.affinity) !== canonical(DEFAULTS.affinity)) miss('affinity');
  if (canonical(spec.topologySpreadConstraints) !== canonical(DEFAULTS.topologySpreadConstraints)) miss('topologySpreadConstraints');
  if (spec.priorityClassName !== 'observability-critical') miss('priorityClassName');
  if (t.metadata.labels?.['example.com/pod'] !== 'tracing') miss('podLabels');
  if (t.metadata.labels?.['example.com/team'] !== 'platform') miss('labels on the pod');
  if (t.metadata.annotations?.['example.com/scrape'] !== 'true') miss('podAnnotations');
  if (t.metadata.annotations?.['example.com/owner'] !== 'platform@example.com') miss('annotations on the pod');
  return misses;
}

describe('every example stack with TracingDefaults set in each chart', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'defaults-'));
  const app = buildApp({ outdir }, { defaults: DEFAULTS });
  synthesizeApp(app);
  const stacks = readdirSync(outdir).filter(file => file.endsWith('.k8s.yaml')).sort().map(file => ({
    file,
    chart: app.charts.find(c => `${c.node.id}.k8s.yaml` === file)!,
    objects: parseAllDocuments(readFileSync(join(outdir, file), 'utf8')).map(d => d.toJS() as Manifest & Record<string, any>),
  }));

  test('covers all six stacks', () => {
    expect(stacks).toHaveLength(6);
  });

  test.each(stacks)('$file: every pod template the library makes has every default', ({ objects }) => {
    const templates = objects.filter(LIBRARY).flatMap(podTemplates);
    expect(templates.flatMap(t => missedDefaults(t.where, t.template))).toStrictEqual([]);
  });

  test.each(stacks)('$file: every object the library makes has the labels and annotations', ({ objects }) => {
    const missing = objects.filter(LIBRARY)
      .filter(o => o.metadata.labels?.['example.com/team'] !== 'platform' || o.metadata.annotations?.['example.com/owner'] !== 'platform@example.com')
      .map(o => `${o.kind}/${o.metadata.name}`);
    expect(missing).toStrictEqual([]);
  });

  test('the counts: every library workload of the six stacks was checked', () => {
    const workloads = stacks.flatMap(s => s.objects.filter(LIBRARY).flatMap(podTemplates));
    const objects = stacks.flatMap(s => s.objects.filter(LIBRARY));
    process.stdout.write(`TracingDefaults reached ${workloads.length} pod templates and ${objects.length} objects of 6 stacks\n`);
    // Jaeger (3), ES jobs (4), Tempo monolithic (1) and microservices (9), collectors (3 + 1 operator).
    expect(workloads.length).toBeGreaterThanOrEqual(20);
  });

  test('the user\'s own workloads are left alone', () => {
    const pipeline = stacks.find(s => s.file === 'trace-pipeline.k8s.yaml')!.objects;
    const payments = find(pipeline, 'Deployment', 'payments');
    expect(payments.metadata.labels?.['example.com/team']).toBeUndefined();
    expect(payments.spec.template.spec.nodeSelector).toBeUndefined();
  });

  test('the operator-managed collector gets every default its resource has a field for', () => {
    const operator = stacks.find(s => s.file === 'jaeger-operator.k8s.yaml')!.objects;
    const spec = operator.find(o => o.kind === 'OpenTelemetryCollector')!.spec;
    expect(spec.image).toBe('registry.internal:5000/otel/opentelemetry-collector-contrib:0.140.1');
    expect(spec).toMatchObject({ imagePullPolicy: 'Always', nodeSelector: DEFAULTS.nodeSelector, priorityClassName: 'observability-critical' });
    expect(canonical(spec.tolerations)).toBe(canonical(DEFAULTS.tolerations));
    expect(canonical(spec.affinity)).toBe(canonical(DEFAULTS.affinity));
    expect(canonical(spec.topologySpreadConstraints)).toBe(canonical(DEFAULTS.topologySpreadConstraints));
    expect(spec.podAnnotations).toStrictEqual({ 'example.com/owner': 'platform@example.com', 'example.com/scrape': 'true' });
  });

  test.each(stacks)('$file: wiring still resolves, the pull Secret declared as a prerequisite where pods use it', ({ chart, objects }) => {
    const p = Prerequisites.of(chart);
    const pods = objects.filter(LIBRARY).flatMap(podTemplates).length;
    expect(p.secrets.some(s => s.name === 'mirror-credentials')).toBe(pods > 0);
    expect(wiringErrors(objects, {
      userProvidedSecrets: p.secrets.map(s => s.name),
      userProvidedConfigMaps: p.configMaps.map(c => c.name),
      externalEndpoints: p.endpoints.map(e => e.name),
    })).toStrictEqual([]);
  });

  describeWithSchemas()('schemas', () => {
    test.each(stacks)('$file validates with the defaults set', ({ objects }) => {
      expect(schemaErrors(objects)).toStrictEqual([]);
    });
  });
});

describe('TracingDefaults', () => {
  test('a component\'s own value wins over the default; maps merge, pull Secrets add up', () => {
    const chart = testChart();
    new TracingDefaults(chart, 'defaults', { nodeSelector: { pool: 'shared' }, podLabels: { a: '1', b: '1' }, imagePullSecrets: ['mirror'], priorityClassName: 'low' });
    new JaegerAllInOne(chart, 'jaeger', { nodeSelector: { pool: 'jaeger' }, podLabels: { b: '2' }, imagePullSecrets: ['own'] });
    const pod = find(synth(chart), 'Deployment', 'jaeger').spec.template;
    expect(pod.spec.nodeSelector).toStrictEqual({ pool: 'jaeger' });
    expect(pod.spec.priorityClassName).toBe('low');
    expect(pod.spec.imagePullSecrets).toStrictEqual([{ name: 'mirror' }, { name: 'own' }]);
    expect(pod.metadata.labels).toMatchObject({ a: '1', b: '2' });
  });

  test('an object\'s own label wins over a chart-wide label of the same key', () => {
    const chart = testChart();
    new TracingDefaults(chart, 'defaults', { labels: { 'app.kubernetes.io/component': 'overridden', team: 'platform' } });
    new JaegerAllInOne(chart, 'jaeger');
    const deployment = find(synth(chart), 'Deployment', 'jaeger');
    expect(deployment.metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'all-in-one', 'team': 'platform' });
    expect(deployment.spec.template.metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'all-in-one', 'team': 'platform' });
  });

  test.each([
    ['jaegertracing/jaeger:2.13.0', 'mirror.example.com:5000/jaegertracing/jaeger:2.13.0'],
    ['docker.io/jaegertracing/jaeger:2.13.0', 'mirror.example.com:5000/jaegertracing/jaeger:2.13.0'],
    [`jaegertracing/jaeger@sha256:${'a'.repeat(64)}`, `mirror.example.com:5000/jaegertracing/jaeger@sha256:${'a'.repeat(64)}`],
    ['ghcr.io/acme/jaeger:2.13.0', 'ghcr.io/acme/jaeger:2.13.0'],
    ['localhost:5000/jaeger:2.13.0', 'localhost:5000/jaeger:2.13.0'],
  ])('imageRegistry rewrites %s to %s (tags and digests kept, other registries left alone)', (image, expected) => {
    const chart = testChart();
    new TracingDefaults(chart, 'defaults', { imageRegistry: 'mirror.example.com:5000' });
    new JaegerAllInOne(chart, 'jaeger', { image });
    expect(find(synth(chart), 'Deployment', 'jaeger').spec.template.spec.containers[0].image).toBe(expected);
  });

  test('imageRegistry with a path', () => {
    const chart = testChart();
    new TracingDefaults(chart, 'defaults', { imageRegistry: 'registry.internal/mirror/docker-hub' });
    new TempoMonolithic(chart, 'tempo');
    expect(find(synth(chart), 'StatefulSet', 'tempo').spec.template.spec.containers[0].image).toBe('registry.internal/mirror/docker-hub/grafana/tempo:3.0.3');
  });

  test('defaults of another chart do not apply', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a', { namespace: 'a' });
    const b = new Chart(app, 'b', { namespace: 'b' });
    new TracingDefaults(a, 'defaults', { priorityClassName: 'high' });
    new JaegerAllInOne(b, 'jaeger');
    expect(find(Testing.synth(b) as Manifest[], 'Deployment', 'jaeger').spec.template.spec.priorityClassName).toBeUndefined();
  });

  describe('fails if', () => {
    test('it is created after a component of its chart', () => {
      const chart = testChart();
      new JaegerAllInOne(chart, 'jaeger');
      expect(() => new TracingDefaults(chart, 'defaults', {})).toThrow(/^test\/defaults: 'TracingDefaults' must be created before the components it applies to; already built: test\/jaeger, got "test\/defaults"$/);
    });

    test('a chart gets two', () => {
      const chart = testChart();
      new TracingDefaults(chart, 'one');
      expect(() => new TracingDefaults(chart, 'two')).toThrow(/test\/two: 'TracingDefaults' must be created once per chart: test\/one already sets them/);
    });

    test.each([
      ['imageRegistry', { imageRegistry: 'https://registry.internal' }, /'imageRegistry' must be a registry host .*got "https:\/\/registry.internal"/],
      ['imageRegistry', { imageRegistry: 'registry.internal/' }, /'imageRegistry' must be a registry host/],
      ['imagePullPolicy', { imagePullPolicy: 'Sometimes' as never }, /'imagePullPolicy' must be one of "Always", "IfNotPresent", "Never", got "Sometimes"/],
      ['imagePullSecrets', { imagePullSecrets: ['Bad_Name'] }, /'imagePullSecrets\[0\]' must be a DNS subdomain .*got "Bad_Name"/],
      ['nodeSelector', { nodeSelector: { 'bad key!': 'x' } }, /'nodeSelector key' must be a label key.*got "bad key!"/],
      ['podLabels', { podLabels: { team: 'not a label value' } }, /'podLabels.team' must be a label value.*got "not a label value"/],
      ['podAnnotations', { podAnnotations: { '-bad': 'x' } }, /'podAnnotations key' must be an annotation key.*got "-bad"/],
      ['labels', { labels: { team: 'x'.repeat(64) } }, /'labels.team' must be a label value/],
      ['annotations', { annotations: { 'a/b/c': 'x' } }, /'annotations key' must be an annotation key/],
      ['priorityClassName', { priorityClassName: 'High' }, /'priorityClassName' must be a DNS subdomain/],
      ['tolerations', { tolerations: {} as never }, /'tolerations' must be a list/],
    ])('%s is wrong', (_field, props, message) => {
      expect(() => new TracingDefaults(testChart(), 'defaults', props as TracingDefaultsProps)).toThrow(message);
    });
  });
});

describe('ElasticsearchStorage jobs', () => {
  test('jobs options reach every maintenance Job; a tool\'s own options win', () => {
    const chart = testChart();
    new ElasticsearchStorage(chart, 'storage', {
      serverUrls: ['http://es:9200'],
      jobs: { nodeSelector: { pool: 'jobs' }, resources: { cpuRequest: '10m', memoryRequest: '32Mi', memoryLimit: '64Mi' } },
      indexCleaner: { image: 'registry.example.com/jaeger-es-index-cleaner:1.76.0', nodeSelector: { pool: 'cleaner' } },
      rollover: { enabled: true, priorityClassName: 'batch-low' },
    });
    const objects = synth(chart);
    const cleaner = find(objects, 'CronJob', 'jaeger-es-index-cleaner').spec.jobTemplate.spec.template.spec;
    expect(cleaner.nodeSelector).toStrictEqual({ pool: 'cleaner' });
    expect(cleaner.containers[0].image).toBe('registry.example.com/jaeger-es-index-cleaner:1.76.0');
    expect(cleaner.containers[0].resources.requests).toStrictEqual({ cpu: '10m', memory: '32Mi' });
    for (const pod of [find(objects, 'Job', 'jaeger-es-rollover-init').spec.template.spec, find(objects, 'CronJob', 'jaeger-es-lookback').spec.jobTemplate.spec.template.spec]) {
      expect(pod.nodeSelector).toStrictEqual({ pool: 'jobs' });
      expect(pod.priorityClassName).toBe('batch-low');
      expect(pod.containers[0].image).toBe('jaegertracing/jaeger-es-rollover:1.76.0');
    }
  });

  test('fails if jobs.image is set (two tools, two images)', () => {
    expect(() => new ElasticsearchStorage(testChart(), 'storage', { serverUrls: ['http://es:9200'], jobs: { image: 'x/y:1' } as never }))
      .toThrow(/test\/storage: 'jobs.image' must be unset: the index cleaner and rollover are different images/);
  });

  test('fails if a tool\'s option is wrong, naming the tool', () => {
    expect(() => new ElasticsearchStorage(testChart(), 'storage', { serverUrls: ['http://es:9200'], indexCleaner: { image: 'jaeger-es-index-cleaner:latest' } }))
      .toThrow(/test\/storage: 'indexCleaner.image' must be an image reference pinned by tag or digest/);
  });
});
