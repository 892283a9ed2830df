import { App, Chart, Testing } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  ElasticsearchStorage, GrafanaDatasources, JaegerAllInOne, JaegerCollector, JaegerOperatorInstance, JaegerQuery, OperatorInstrumentation, OtelCollector,
  OtelCollectorOperatorInstance, S3Bucket, SamplingPolicy, StrimziKafka, TailSamplingGateway, TempoDistributed, TempoMonolithic, TraceDashboard,
  TracingIngress, TracingNamespace, TracingPreset, TracingStack, instrumentWorkload,
} from '../../constructs';
import { synth } from '../_support/synth';

const ALLOWED = "a DNS label of at most 63 characters (lower-case letters, digits and '-', starting and ending alphanumeric)";

/**
 * Every construct that renders into the chart's namespace or names it in an address, built alone
 * in `chart` (its dependencies come from a sound chart of another app, so that only the construct
 * under test reads the bad namespace).
 */
const constructs: Array<[string, (chart: Chart, sound: Chart) => unknown]> = [
  ['TempoMonolithic', chart => new TempoMonolithic(chart, 'tempo')],
  ['TempoDistributed', (chart, sound) => new TempoDistributed(chart, 'tempo', {
    kafka: new StrimziKafka(sound, 'kafka'), storage: new S3Bucket(sound, 's3', { bucket: 'traces', region: 'eu-west-1' }),
  })],
  ['JaegerAllInOne', chart => new JaegerAllInOne(chart, 'jaeger')],
  ['JaegerCollector', (chart, sound) => new JaegerCollector(chart, 'collector', { storage: elasticsearch(sound) })],
  ['JaegerQuery', (chart, sound) => new JaegerQuery(chart, 'query', { storage: elasticsearch(sound) })],
  ['JaegerOperatorInstance', chart => new JaegerOperatorInstance(chart, 'jaeger')],
  ['OtelCollector', (chart, sound) => new OtelCollector(chart, 'collector', { exportTo: [new JaegerAllInOne(sound, 'jaeger')] })],
  ['OtelCollectorOperatorInstance', (chart, sound) => new OtelCollectorOperatorInstance(chart, 'collector', { exportTo: [new JaegerAllInOne(sound, 'jaeger')] })],
  ['TailSamplingGateway', (chart, sound) => new TailSamplingGateway(chart, 'sampling', {
    policy: new SamplingPolicy({ tail: {} }), exportTo: [new JaegerAllInOne(sound, 'jaeger')],
  })],
  ['OperatorInstrumentation', (chart, sound) => new OperatorInstrumentation(chart, 'instrumentation', { exportTo: new JaegerAllInOne(sound, 'jaeger') })],
  ['StrimziKafka', chart => new StrimziKafka(chart, 'kafka')],
  ['TracingIngress', (chart, sound) => {
    const jaeger = new JaegerAllInOne(sound, 'jaeger');
    return new TracingIngress(chart, 'ingress', { host: 'jaeger.example.com', ui: jaeger });
  }],
  ['GrafanaDatasources', (chart, sound) => new GrafanaDatasources(chart, 'grafana', { jaeger: { endpoint: new JaegerAllInOne(sound, 'jaeger').uiEndpoint } })],
  ['TraceDashboard', chart => new TraceDashboard(chart, 'dashboard', { datasources: { tempoUid: 'tempo', metricsUid: 'prometheus' } })],
  ['TracingNamespace', chart => new TracingNamespace(chart, 'namespace')],
  ['TracingStack', chart => new TracingStack(chart, 'tracing', { preset: TracingPreset.DEV })],
];

function elasticsearch(scope: Construct) {
  return new ElasticsearchStorage(scope, 'es', { serverUrls: ['http://es:9200'], indexCleaner: { enabled: false } });
}

/** A chart `shop` in a fresh app with `namespace`, and a sound chart in another app for the dependencies. */
function charts(namespace: string | undefined, soundNamespace = 'tracing') {
  return { chart: new Chart(Testing.app(), 'shop', { namespace }), sound: new Chart(new App(), 'sound', { namespace: soundNamespace }) };
}

describe('the chart namespace', () => {
  test.each(constructs)('%s: fails if the chart namespace is not a DNS label, naming the chart', (_, build) => {
    for (const bad of ['Bad_NS', 'tracing.prod', '-tracing', 'a'.repeat(64)]) {
      const { chart, sound } = charts(bad);
      expect(() => build(chart, sound)).toThrow(`shop: 'namespace' must be ${ALLOWED}, got ${JSON.stringify(bad)}`);
    }
  });

  test.each(constructs)('%s: a DNS label of 63 characters is a namespace', (_, build) => {
    const namespace = `t${'a'.repeat(61)}t`;
    const { chart, sound } = charts(namespace, namespace);
    build(chart, sound);
    expect(synth(chart).every(o => o.kind === 'Namespace' || o.metadata.namespace === namespace)).toBe(true);
  });

  test('TempoMonolithic in a chart without namespace renders none', () => {
    const { chart } = charts(undefined);
    new TempoMonolithic(chart, 'tempo');
    expect(synth(chart).map(o => o.metadata.namespace)).toStrictEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  test('instrumentWorkload fails if the receiver\'s chart namespace is not a DNS label', () => {
    const { chart } = charts('Bad_NS');
    const deployment = new plus.Deployment(chart, 'shop', { containers: [{ image: 'shop/web:1.4.2' }] });
    expect(() => instrumentWorkload(deployment, { exportTo: new TempoMonolithic(chart, 'tempo') }))
      .toThrow(`shop: 'namespace' must be ${ALLOWED}, got "Bad_NS"`);
  });
});
