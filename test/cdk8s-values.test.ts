import { Duration } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import {
  CollectorMode, HeadSampler, InstrumentationLanguage, JaegerAllInOne, OperatorInstrumentation, OtelCollector, SamplingPolicy, TailSamplingPolicy, TraceSearch,
  instrumentWorkload,
} from '../constructs';
import { isDuration, isPlusWorkload } from '../constructs/_cdk8s-values';
import { Manifest, configFile, find, synth, testChart } from './_support/synth';

// An application that installs this library from a path (npm links it, so the library resolves its
// own node_modules) or beside another cdk8s version hands it values of classes from another copy
// of cdk8s and cdk8s-plus-28. A second copy is loaded here in an isolated module registry.
let other: { cdk8s: typeof import('cdk8s'); plus: typeof import('cdk8s-plus-28') };
jest.isolateModules(() => {
  other = { cdk8s: require('cdk8s'), plus: require('cdk8s-plus-28') };
});

/** What a Duration becomes once it went through JSON: its fields, none of its methods. */
const durationAsJson = (d: Duration) => JSON.parse(JSON.stringify(d));

describe('values from another copy of cdk8s', () => {
  test('the second copy is another copy: instanceof is false across them', () => {
    expect(other.cdk8s.Duration).not.toBe(Duration);
    expect(other.cdk8s.Duration.millis(1) instanceof Duration).toBe(false);
    expect(other.plus.Deployment).not.toBe(plus.Deployment);
  });

  test('isDuration: a Duration of either copy, nothing else', () => {
    expect(isDuration(Duration.millis(1))).toBe(true);
    expect(isDuration(other.cdk8s.Duration.millis(1))).toBe(true);
    expect([undefined, null, 500, '500ms', {}, durationAsJson(Duration.millis(500))].map(isDuration)).toStrictEqual([false, false, false, false, false, false]);
  });

  test('isPlusWorkload: a cdk8s-plus workload of either copy, not a raw object or a plain construct', () => {
    const chart = testChart();
    const ours = new plus.Deployment(chart, 'ours', { containers: [{ image: 'shop:1' }] });
    const theirs = new other.plus.Deployment(chart, 'theirs', { containers: [{ image: 'shop:1' }] });
    expect([isPlusWorkload(ours), isPlusWorkload(theirs)]).toStrictEqual([true, true]);
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    expect([isPlusWorkload(jaeger), isPlusWorkload(jaeger.node.defaultChild), isPlusWorkload({ containers: [] }), isPlusWorkload(undefined)])
      .toStrictEqual([false, false, false, false]);
  });

  test("another copy's Duration is accepted by every Duration prop that is checked", () => {
    const { Duration: D } = other.cdk8s;
    expect(TailSamplingPolicy.latency(D.millis(500), D.seconds(2)).toConfig('slow')).toStrictEqual({
      name: 'slow', type: 'latency', latency: { threshold_ms: 500, upper_threshold_ms: 2000 },
    });
    const policy = new SamplingPolicy({ tail: { keepSlowerThan: D.millis(500), decisionWait: D.seconds(5) } });
    expect(policy.tailSamplingConfig()).toMatchObject({
      decision_wait: '5s',
      policies: expect.arrayContaining([{ name: 'keep-slow', type: 'latency', latency: { threshold_ms: 500 } }]),
    });
    expect(TraceSearch.slowRequests({ service: 'checkout', minDuration: D.millis(250) }).toTraceQL()).toBe('{ resource.service.name = "checkout" && duration >= 250ms }');

    const chart = testChart();
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    expect(HeadSampler.jaegerRemote({ source: jaeger, pollingInterval: D.seconds(30) }).sdkArgument)
      .toBe('endpoint=http://jaeger.tracing.svc:5778/sampling,pollingIntervalMs=30000,initialSamplingRate=0.001');
    new OtelCollector(chart, 'gateway', { exportTo: [jaeger], queue: { initialInterval: D.seconds(1), maxInterval: D.seconds(10), maxElapsedTime: D.minutes(1) } });
    expect(configFile(synth(chart), 'otel-gateway-config', 'config.yaml').exporters['otlp/jaeger'].retry_on_failure)
      .toStrictEqual({ enabled: true, initial_interval: '1s', max_interval: '10s', max_elapsed_time: '60s' });
  });

  test("another copy's cdk8s-plus Deployment is instrumented and annotated like ours", () => {
    const chart = testChart();
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    const agent = new OtelCollector(chart, 'agent', { mode: CollectorMode.AGENT, exportTo: [jaeger] });
    // The workload lives in a chart of its own copy: a copy of cdk8s renders only its own Lazy values.
    const apps = new other.cdk8s.Chart(other.cdk8s.Testing.app(), 'apps', { namespace: 'shop', disableResourceNameHashes: true });
    const shop = new other.plus.Deployment(apps, 'shop', { metadata: { name: 'shop' }, containers: [{ name: 'app', image: 'shop:1' }] });
    instrumentWorkload(shop, { exportTo: agent });
    new OperatorInstrumentation(chart, 'instrumentation', { exportTo: agent }).inject(shop, InstrumentationLanguage.JAVA);
    const template = find(other.cdk8s.Testing.synth(apps) as Manifest[], 'Deployment', 'shop').spec.template;
    expect(template.metadata.annotations).toStrictEqual({ 'instrumentation.opentelemetry.io/inject-java': 'tracing/tracing' });
    expect(template.spec.containers[0].env).toEqual(expect.arrayContaining([
      { name: 'OTEL_SERVICE_NAME', value: 'shop' },
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-agent.tracing.svc:4318' },
      { name: 'OTEL_RESOURCE_ATTRIBUTES_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ]));
  });

  test('fails if a Duration prop is given a Duration turned into JSON (no methods)', () => {
    expect(() => TailSamplingPolicy.latency(durationAsJson(Duration.millis(500))))
      .toThrow(/^TailSamplingPolicy\.latency: 'threshold' must be a Duration of whole milliseconds, at least 1 ms, got \{"amount":500,/);
    expect(() => new SamplingPolicy({ tail: { decisionWait: durationAsJson(Duration.seconds(5)) } }))
      .toThrow(/^SamplingPolicy\.tail: 'decisionWait' must be a Duration from 1 s to 10 min, in whole milliseconds, got \{"amount":5,/);
    expect(() => TraceSearch.slowRequests({ service: 'checkout', minDuration: durationAsJson(Duration.seconds(1)) }))
      .toThrow(/^TraceSearch\.slowRequests: 'minDuration' must be a cdk8s Duration, such as Duration\.seconds\(1\), got \{"amount":1,/);
  });

  test('fails if a Duration prop is given a number or a string', () => {
    expect(() => TailSamplingPolicy.latency(500 as unknown as Duration))
      .toThrow("TailSamplingPolicy.latency: 'threshold' must be a Duration of whole milliseconds, at least 1 ms, got 500");
    expect(() => TraceSearch.slowRequests({ service: 'checkout', minDuration: '1s' as unknown as Duration }))
      .toThrow("TraceSearch.slowRequests: 'minDuration' must be a cdk8s Duration, such as Duration.seconds(1), got \"1s\"");
    const chart = testChart();
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    expect(() => HeadSampler.jaegerRemote({ source: jaeger, pollingInterval: 30_000 as unknown as Duration })).toThrow(/'pollingInterval' must be/);
    expect(() => new OtelCollector(chart, 'gateway', { exportTo: [jaeger], queue: { initialInterval: 5 as unknown as Duration } }))
      .toThrow(/'queue\.initialInterval \(seconds\)' must be/);
  });

  test("fails if the workload is neither a cdk8s-plus workload nor an ApiObject, from either copy's point of view", () => {
    const chart = testChart();
    const agent = new OtelCollector(chart, 'agent', { mode: CollectorMode.AGENT, exportTo: [new JaegerAllInOne(chart, 'jaeger')] });
    const notAWorkload = new other.cdk8s.Chart(chart, 'nested');
    expect(() => instrumentWorkload(notAWorkload as never, { exportTo: agent }))
      .toThrow("instrumentWorkload: 'workload' must be a cdk8s-plus workload or a KubeDeployment, KubeStatefulSet, KubeDaemonSet, KubeJob or KubeCronJob, got \"test/nested\"");
    const instrumentation = new OperatorInstrumentation(chart, 'instrumentation', { exportTo: agent });
    expect(() => instrumentation.inject({ containers: [] } as never, InstrumentationLanguage.JAVA))
      .toThrow(/^test\/instrumentation: 'workload' must be a cdk8s-plus workload or a raw Kubernetes workload object, got/);
  });
});

describe('an app of another copy of cdk8s synthesizes the library', () => {
  test('values computed at synthesis (collector configuration, sampling strategies, checksums) are rendered, not written as objects', () => {
    const app = new other.cdk8s.App();
    const chart = new other.cdk8s.Chart(app, 'tracing', { namespace: 'tracing', disableResourceNameHashes: true });
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    new OtelCollector(chart, 'gateway', { exportTo: [jaeger] });
    const objects = other.cdk8s.Testing.synth(chart) as Manifest[];
    const text = JSON.stringify(objects);
    expect(text).not.toMatch(/"producer"|"resolve"/);
    expect(configFile(objects, 'otel-gateway-config', 'config.yaml').exporters).toHaveProperty(['otlp/jaeger']);
    expect(JSON.parse(find(objects, 'ConfigMap', 'jaeger-sampling').data['strategies.json']).default_strategy).toStrictEqual({ type: 'probabilistic', param: 1 });
    expect(find(objects, 'Deployment', 'otel-gateway').spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
  });
});
