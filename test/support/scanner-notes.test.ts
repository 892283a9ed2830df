/**
 * The notes the library writes on its workloads for the deliberate choices that manifest scanners
 * flag (Checkov's `checkov.io/skip<n>: <check>=<reason>`): present exactly where the object makes
 * the choice. test/programs/checkov.test.ts runs the scanner itself.
 */
import { Chart } from 'cdk8s';
import { ElasticsearchStorage, JaegerAllInOne, JaegerCollector, SamplingPolicy, TailSamplingGateway, TracingDefaults } from '../../constructs';
import { find, synth, testChart } from '../_support/synth';

const storage = (chart: Chart) => new ElasticsearchStorage(chart, 'es', { serverUrls: ['https://es.example.com:9200'] });

/** The Checkov notes of an object, by check id. */
function notes(o: { metadata: { annotations?: Record<string, string> } }): Record<string, string> {
  return Object.fromEntries(Object.entries(o.metadata.annotations ?? {})
    .filter(([k]) => k.startsWith('checkov.io/skip'))
    .map(([, v]) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]));
}

test('a default workload carries a reason for its CPU request without limit, its pull policy and its tag', () => {
  const chart = testChart();
  new JaegerCollector(chart, 'collector', { storage: storage(chart) });
  const deployment = find(synth(chart), 'Deployment', 'jaeger-collector');
  expect(Object.keys(notes(deployment)).sort()).toEqual(['CKV_K8S_11', 'CKV_K8S_15', 'CKV_K8S_43']);
  expect(notes(deployment).CKV_K8S_11).toMatch(/^no CPU limit by design: .*set resources.cpuLimit to cap it$/);
  expect(notes(deployment).CKV_K8S_43).toMatch(/pinned to a release tag that the test suite runs/);
  // Numbered from 1, one key each.
  expect(Object.keys(deployment.metadata.annotations ?? {}).filter(k => k.startsWith('checkov.io/')).sort())
    .toEqual(['checkov.io/skip1', 'checkov.io/skip2', 'checkov.io/skip3']);
});

test('no note where the object does not make the choice: a CPU limit, a digest, imagePullPolicy Always', () => {
  const chart = testChart();
  new JaegerCollector(chart, 'collector', {
    storage: storage(chart),
    image: 'jaegertracing/jaeger:2.13.0@sha256:0000000000000000000000000000000000000000000000000000000000000000',
    imagePullPolicy: 'Always',
    resources: { cpuRequest: '500m', cpuLimit: '2', memoryRequest: '512Mi', memoryLimit: '1Gi' },
  });
  expect(notes(find(synth(chart), 'Deployment', 'jaeger-collector'))).toEqual({});
});

test('Secret values in the environment are named with the reason', () => {
  const chart = testChart();
  new JaegerCollector(chart, 'collector', {
    storage: new ElasticsearchStorage(chart, 'es', { serverUrls: ['https://es.example.com:9200'], credentials: { secretName: 'es' }, indexCleaner: { retentionDays: 7 } }),
  });
  const objects = synth(chart);
  expect(notes(find(objects, 'Deployment', 'jaeger-collector')).CKV_K8S_35)
    .toBe("ES_USERNAME from the user's Secret: Jaeger's configuration reads the user name from the environment (the password is mounted as a file)");
  expect(notes(find(objects, 'CronJob', 'jaeger-es-index-cleaner')).CKV_K8S_35)
    .toBe("ES_USERNAME, ES_PASSWORD from the user's Secret: the Elasticsearch index tools read credentials only from these variables");
});

test('a mounted service-account token is explained only where it is mounted', () => {
  const chart = testChart();
  const jaeger = new JaegerAllInOne(chart, 'jaeger', {});
  new TailSamplingGateway(chart, 'sampling', { exportTo: [jaeger], policy: new SamplingPolicy({ ratio: 0.1, tail: {} }) });
  const objects = synth(chart);
  expect(notes(find(objects, 'Deployment', 'otel-sampling-lb')).CKV_K8S_38).toMatch(/^automountServiceAccountToken is true on purpose/);
  expect(notes(find(objects, 'Deployment', 'otel-sampling')).CKV_K8S_38).toBeUndefined();
  expect(notes(find(objects, 'Deployment', 'jaeger')).CKV_K8S_38).toBeUndefined();
});

test("numbering continues after the user's own Checkov annotations, which are kept", () => {
  const chart = testChart();
  new TracingDefaults(chart, 'defaults', { annotations: { 'checkov.io/skip1': 'CKV_K8S_21=the chart namespace is set by the platform' } });
  new JaegerCollector(chart, 'collector', { storage: storage(chart) });
  const annotations = find(synth(chart), 'Deployment', 'jaeger-collector').metadata.annotations ?? {};
  expect(annotations['checkov.io/skip1']).toBe('CKV_K8S_21=the chart namespace is set by the platform');
  expect(Object.keys(annotations).filter(k => k.startsWith('checkov.io/')).sort())
    .toEqual(['checkov.io/skip1', 'checkov.io/skip2', 'checkov.io/skip3', 'checkov.io/skip4']);
});
