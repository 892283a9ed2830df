import { Chart } from 'cdk8s';
import {
  CollectorMode, ElasticsearchStorage, ExternalKafka, JaegerAllInOne, JaegerCollector, JaegerIngester, JaegerQuery, OtelCollector, S3Bucket,
  SamplingPolicy, TailSamplingGateway, TempoDistributed, TempoMonolithic, WorkloadOptions,
} from '../../constructs';
import { Manifest, synth, testChart } from '../_support/synth';

/** Every workload option, set. */
const OPTIONS: WorkloadOptions = {
  image: 'registry.example.com/custom/image:1.2.3',
  imagePullPolicy: 'Always',
  imagePullSecrets: ['pull'],
  nodeSelector: { pool: 'tracing' },
  tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
  affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { x: 'y' } } } }] } },
  topologySpreadConstraints: [{ maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', matchLabelKeys: ['pod-template-hash'] }],
  priorityClassName: 'tracing',
  podLabels: { 'example.com/cost-center': 'obs' },
  podAnnotations: { 'example.com/note': 'hello' },
  resources: { cpuRequest: '123m', memoryRequest: '321Mi', memoryLimit: '654Mi' },
};

function pods(objects: Manifest[]): Array<{ name: string; pod: any }> {
  return (objects as Array<Manifest & Record<string, any>>).flatMap(o => {
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind)) return [{ name: `${o.kind}/${o.metadata.name}`, pod: o.spec.template }];
    if (o.kind === 'CronJob') return [{ name: `${o.kind}/${o.metadata.name}`, pod: o.spec.jobTemplate.spec.template }];
    return [];
  });
}

function expectOptions(pod: any, o: WorkloadOptions = OPTIONS): void {
  const c = pod.spec.containers[0];
  expect(c.image).toBe(o.image);
  expect(c.imagePullPolicy).toBe(o.imagePullPolicy);
  expect(c.resources).toStrictEqual({ requests: { cpu: '123m', memory: '321Mi' }, limits: { memory: '654Mi' } });
  expect(pod.spec).toMatchObject({
    imagePullSecrets: [{ name: 'pull' }],
    nodeSelector: { pool: 'tracing' },
    tolerations: o.tolerations,
    priorityClassName: 'tracing',
  });
  expect(pod.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
  expect(pod.spec.topologySpreadConstraints).toMatchObject([{ maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', matchLabelKeys: ['pod-template-hash'] }]);
  expect(pod.metadata.labels['example.com/cost-center']).toBe('obs');
  expect(pod.metadata.annotations['example.com/note']).toBe('hello');
}

const { image: _image, ...JOB_OPTIONS } = OPTIONS;
const es = (chart: Chart) => new ElasticsearchStorage(chart, 'es', { serverUrls: ['http://es:9200'], indexCleaner: { enabled: false } });
const kafka = (chart: Chart) => new ExternalKafka(chart, 'kafka', { bootstrapServers: ['kafka:9092'], topic: 'tempo', partitions: 4 });
const policy = () => new SamplingPolicy({ tail: {} });

/** One component of each kind, given every option under the same names. */
const COMPONENTS: Array<[string, (chart: Chart) => unknown]> = [
  ['JaegerAllInOne', c => new JaegerAllInOne(c, 'x', OPTIONS)],
  ['JaegerCollector', c => new JaegerCollector(c, 'x', { ...OPTIONS, storage: es(c) })],
  ['JaegerQuery', c => new JaegerQuery(c, 'x', { ...OPTIONS, storage: es(c) })],
  ['JaegerCollector writing to Kafka', c => new JaegerCollector(c, 'x', { ...OPTIONS, kafka: { kafka: kafka(c) } })],
  ['JaegerIngester', c => new JaegerIngester(c, 'x', { ...OPTIONS, storage: es(c), kafka: { kafka: kafka(c) } })],
  ['ElasticsearchStorage jobs', c => new ElasticsearchStorage(c, 'x', { serverUrls: ['http://es:9200'], jobs: JOB_OPTIONS, indexCleaner: { image: OPTIONS.image }, rollover: { enabled: true, image: OPTIONS.image } })],
  ['TempoMonolithic', c => new TempoMonolithic(c, 'x', OPTIONS)],
  ['TempoDistributed', c => new TempoDistributed(c, 'x', { ...OPTIONS, kafka: kafka(c), storage: new S3Bucket(c, 's3', { bucket: 'tempo-blocks', region: 'eu-west-1' }), metricsGenerator: { remoteWrite: [{ url: 'http://prometheus:9090/api/v1/write' }] } })],
  ['OtelCollector gateway', c => new OtelCollector(c, 'x', { ...OPTIONS, exportTo: [new JaegerAllInOne(c, 'j', { name: 'backend' })] })],
  ['OtelCollector agent', c => new OtelCollector(c, 'x', { ...OPTIONS, mode: CollectorMode.AGENT, exportTo: [new JaegerAllInOne(c, 'j', { name: 'backend' })] })],
  ['TailSamplingGateway', c => new TailSamplingGateway(c, 'x', { ...OPTIONS, policy: policy(), exportTo: [new JaegerAllInOne(c, 'j', { name: 'backend' })] })],
];

describe('the same workload options, spelled the same, on every component', () => {
  test.each(COMPONENTS)('%s: every option reaches every pod it makes', (_name, make) => {
    const chart = testChart();
    make(chart);
    const made = pods(synth(chart)).filter(p => p.name !== 'Deployment/backend');
    expect(made.length).toBeGreaterThan(0);
    for (const { pod } of made) expectOptions(pod);
  });
});

describe('per-role options win over the component\'s', () => {
  test('TempoDistributed: a component\'s own options win, maps merge, and live-stores keep their zone', () => {
    const chart = testChart();
    new TempoDistributed(chart, 'tempo', {
      kafka: kafka(chart),
      storage: new S3Bucket(chart, 's3', { bucket: 'tempo-blocks', region: 'eu-west-1' }),
      nodeSelector: { pool: 'tempo' },
      podLabels: { all: 'yes' },
      priorityClassName: 'tempo',
      liveStore: { zones: ['a', 'b'], replicas: 2, nodeSelector: { pool: 'stateful' }, podLabels: { role: 'live-store' }, resources: { cpuRequest: '1', memoryRequest: '4Gi', memoryLimit: '8Gi' } },
      querier: { priorityClassName: 'queries', image: 'grafana/tempo:3.0.3' },
    });
    const byName = Object.fromEntries(pods(synth(chart)).map(p => [p.name, p.pod]));
    expect(byName['StatefulSet/tempo-live-store-a'].spec.nodeSelector).toStrictEqual({ 'pool': 'stateful', 'topology.kubernetes.io/zone': 'a' });
    expect(byName['StatefulSet/tempo-live-store-a'].metadata.labels).toMatchObject({ all: 'yes', role: 'live-store' });
    expect(byName['StatefulSet/tempo-live-store-a'].spec.containers[0].resources.limits).toStrictEqual({ memory: '8Gi' });
    expect(byName['Deployment/tempo-distributor'].spec.nodeSelector).toStrictEqual({ pool: 'tempo' });
    expect(byName['Deployment/tempo-distributor'].spec.containers[0].resources.limits).toStrictEqual({ memory: '1Gi' });
    expect(byName['Deployment/tempo-querier'].spec.priorityClassName).toBe('queries');
    expect(byName['Deployment/tempo-distributor'].spec.priorityClassName).toBe('tempo');
  });

  test('TailSamplingGateway: a tier\'s options win over the gateway\'s', () => {
    const chart = testChart();
    new TailSamplingGateway(chart, 'sampling', {
      policy: policy(),
      exportTo: [new JaegerAllInOne(chart, 'jaeger')],
      tolerations: [{ key: 'all', operator: 'Exists' }],
      podAnnotations: { both: 'tiers' },
      sampler: { tolerations: [{ key: 'memory-heavy', operator: 'Exists' }], podAnnotations: { tier: 'sampler' }, imagePullSecrets: ['sampler-pull'] },
      imagePullSecrets: ['pull'],
    });
    const byName = Object.fromEntries(pods(synth(chart)).map(p => [p.name, p.pod]));
    const sampler = byName['Deployment/otel-sampling'];
    const lb = byName['Deployment/otel-sampling-lb'];
    expect(sampler.spec.tolerations).toStrictEqual([{ key: 'memory-heavy', operator: 'Exists' }]);
    expect(lb.spec.tolerations).toStrictEqual([{ key: 'all', operator: 'Exists' }]);
    expect(sampler.metadata.annotations).toMatchObject({ both: 'tiers', tier: 'sampler' });
    expect(lb.metadata.annotations.tier).toBeUndefined();
    expect(sampler.spec.imagePullSecrets).toStrictEqual([{ name: 'pull' }, { name: 'sampler-pull' }]);
    expect(lb.spec.imagePullSecrets).toStrictEqual([{ name: 'pull' }]);
  });

  test('without options, each component keeps its own topology spread and resources', () => {
    const chart = testChart();
    new JaegerQuery(chart, 'query', { storage: es(chart) });
    const pod = pods(synth(chart)).find(p => p.name === 'Deployment/jaeger-query')!.pod;
    expect(pod.spec.topologySpreadConstraints.map((t: any) => t.topologyKey)).toStrictEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    expect(pod.spec.containers[0].resources.requests).toStrictEqual({ cpu: '100m', memory: '256Mi' });
  });
});

describe('fails if', () => {
  test('podLabels would override a label the selectors use', () => {
    expect(() => new JaegerAllInOne(testChart(), 'jaeger', { podLabels: { 'app.kubernetes.io/instance': 'other' } }))
      .toThrow(/^test\/jaeger: 'podLabels' must be a label other than the component's own \(app\.kubernetes\.io\/name, .*\), which its selectors use, got "app\.kubernetes\.io\/instance"$/);
  });

  test('a role\'s option is wrong, naming the role', () => {
    const chart = testChart();
    expect(() => new TempoDistributed(chart, 'tempo', {
      kafka: kafka(chart), storage: new S3Bucket(chart, 's3', { bucket: 'tempo-blocks', region: 'eu-west-1' }),
      liveStore: { imagePullPolicy: 'Sometimes' as never },
    })).toThrow(/test\/tempo\/LiveStore: 'liveStore.imagePullPolicy' must be one of "Always", "IfNotPresent", "Never", got "Sometimes"/);
  });

  test('a tier\'s option is wrong, naming the tier', () => {
    const chart = testChart();
    expect(() => new TailSamplingGateway(chart, 'sampling', { policy: policy(), exportTo: [new JaegerAllInOne(chart, 'jaeger')], loadBalancer: { priorityClassName: 'Not Valid' } }))
      .toThrow(/test\/sampling: 'loadBalancer.priorityClassName' must be a DNS subdomain/);
  });

  test('the image is not pinned', () => {
    expect(() => new OtelCollector(testChart(), 'gateway', { image: 'otel/opentelemetry-collector-contrib:latest', exportTo: [] }))
      .toThrow(/test\/gateway: 'image' must be an image reference pinned by tag or digest/);
  });
});

test('fails if the chart\'s namespace is invalid, for the Elasticsearch jobs too', () => {
  expect(() => new ElasticsearchStorage(testChart('Bad_NS'), 'storage', { serverUrls: ['http://es:9200'] }))
    .toThrow(/^test: 'namespace' must be a DNS label of at most 63 characters .*got "Bad_NS"$/);
});
