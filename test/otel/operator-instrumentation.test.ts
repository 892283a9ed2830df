import { Chart, Testing } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import {
  CollectorMode, HeadSampler, InstrumentationLanguage, JaegerAllInOne, OperatorInstrumentation, OperatorInstrumentationProps, OtelCollector,
  Propagator, SamplingPolicy, SpanProtocol, TailSamplingGateway,
} from '../../constructs';
import { find, synth, testChart } from '../_support/synth';
import { describeWithSchemas, schemaErrors, wiringErrors } from '../_support/validate-manifests';

function stack(namespace = 'tracing') {
  const chart = testChart(namespace);
  const jaeger = new JaegerAllInOne(chart, 'jaeger');
  const agent = new OtelCollector(chart, 'agent', { mode: CollectorMode.AGENT, exportTo: [jaeger] });
  return { chart, jaeger, agent };
}

function build(props: Partial<OperatorInstrumentationProps> = {}) {
  const { chart, jaeger, agent } = stack();
  const instrumentation = new OperatorInstrumentation(chart, 'instrumentation', { exportTo: agent, ...props });
  const objects = synth(chart);
  return { chart, jaeger, agent, instrumentation, objects, cr: find(objects, 'Instrumentation', instrumentation.name) };
}

const rawDeployment = (chart: Chart, template: k8s.PodTemplateSpec) =>
  new k8s.KubeDeployment(chart, 'shop', { metadata: { name: 'shop' }, spec: { selector: { matchLabels: { app: 'shop' } }, template } });

describe('OperatorInstrumentation', () => {
  test('defaults', () => {
    expect(build().cr).toMatchSnapshot();
  });

  test('defaults: exporter endpoint, propagators, sampler typed, the rest in env', () => {
    const { cr } = build();
    expect(cr.apiVersion).toBe('opentelemetry.io/v1alpha1');
    expect(cr.metadata).toMatchObject({ name: 'tracing', namespace: 'tracing' });
    expect(cr.spec).toStrictEqual({
      exporter: { endpoint: 'http://otel-agent.tracing.svc:4318' },
      propagators: ['tracecontext', 'baggage'],
      sampler: { type: 'parentbased_always_on' },
      resource: { addK8sUIDAttributes: true },
      env: [
        { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' },
        { name: 'OTEL_TRACES_EXPORTER', value: 'otlp' },
        { name: 'OTEL_METRICS_EXPORTER', value: 'none' },
        { name: 'OTEL_LOGS_EXPORTER', value: 'none' },
      ],
    });
  });

  test('sampler typed for parentbased_traceidratio, with its argument', () => {
    const { cr } = build({ sampling: new SamplingPolicy({ ratio: 0.05 }) });
    expect(cr.spec.sampler).toStrictEqual({ type: 'parentbased_traceidratio', argument: '0.05' });
    expect(cr.spec.env.map((v: { name: string }) => v.name)).not.toContain('OTEL_TRACES_SAMPLER');
  });

  test('parentbased_jaeger_remote: no spec.sampler, the sampler in spec.env', () => {
    const { chart, jaeger, agent } = stack();
    new OperatorInstrumentation(chart, 'i', { exportTo: agent, sampling: HeadSampler.parentBasedJaegerRemote({ source: jaeger }) });
    const cr = find(synth(chart), 'Instrumentation', 'tracing');
    expect(cr.spec.sampler).toBeUndefined();
    expect(cr.spec.env.slice(-2)).toStrictEqual([
      { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_jaeger_remote' },
      { name: 'OTEL_TRACES_SAMPLER_ARG', value: 'endpoint=http://jaeger.tracing.svc:5778/sampling,pollingIntervalMs=60000,initialSamplingRate=0.001' },
    ]);
  });

  test('jaeger_remote (in the CRD enum) is typed', () => {
    const { chart, jaeger, agent } = stack();
    new OperatorInstrumentation(chart, 'i', { exportTo: agent, sampling: HeadSampler.jaegerRemote({ source: jaeger }) });
    const cr = find(synth(chart), 'Instrumentation', 'tracing');
    expect(cr.spec.sampler).toStrictEqual({
      type: 'jaeger_remote',
      argument: 'endpoint=http://jaeger.tracing.svc:5778/sampling,pollingIntervalMs=60000,initialSamplingRate=0.001',
    });
  });

  test('gRPC, propagators, resource attributes, metrics and logs, name', () => {
    const { cr } = build({
      name: 'java-apps',
      protocol: SpanProtocol.OTLP_GRPC,
      propagators: [Propagator.TRACE_CONTEXT, Propagator.B3_MULTI],
      resourceAttributes: { 'deployment.environment.name': 'prod' },
      exportMetricsAndLogs: true,
    });
    expect(cr.metadata.name).toBe('java-apps');
    expect(cr.spec).toMatchObject({
      exporter: { endpoint: 'http://otel-agent.tracing.svc:4317' },
      propagators: ['tracecontext', 'b3multi'],
      resource: { addK8sUIDAttributes: true, resourceAttributes: { 'deployment.environment.name': 'prod' } },
      env: [{ name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' }, { name: 'OTEL_TRACES_EXPORTER', value: 'otlp' }],
    });
    expect(cr.spec.env).toHaveLength(2);
  });

  test('inject() on a cdk8s-plus workload annotates its pod template', () => {
    const { chart, agent } = stack();
    const instrumentation = new OperatorInstrumentation(chart, 'i', { exportTo: agent });
    const deployment = new plus.Deployment(chart, 'shop', { metadata: { name: 'shop' }, containers: [{ name: 'web', image: 'shop/web:1.4.2' }] });
    instrumentation.inject(deployment, InstrumentationLanguage.JAVA);
    expect(find(synth(chart), 'Deployment', 'shop').spec.template.metadata.annotations)
      .toStrictEqual({ 'instrumentation.opentelemetry.io/inject-java': 'tracing/tracing' });
  });

  test('inject() on a raw workload without template metadata, without annotations, and with annotations', () => {
    const { chart, agent } = stack();
    const instrumentation = new OperatorInstrumentation(chart, 'i', { exportTo: agent });
    const containers = [{ name: 'web', image: 'shop/web:1.4.2' }];
    const noMeta = new k8s.KubeJob(chart, 'job', { metadata: { name: 'migrate' }, spec: { template: { spec: { restartPolicy: 'Never', containers } } } });
    const noAnnotations = rawDeployment(chart, { metadata: { labels: { app: 'shop' } }, spec: { containers } });
    const withAnnotations = new k8s.KubeDaemonSet(chart, 'ds', {
      metadata: { name: 'node-app' },
      spec: { selector: { matchLabels: { app: 'node-app' } }, template: { metadata: { labels: { app: 'node-app' }, annotations: { team: 'shop' } }, spec: { containers } } },
    });
    instrumentation.inject(noMeta, InstrumentationLanguage.PYTHON);
    instrumentation.inject(noAnnotations, InstrumentationLanguage.JAVA);
    instrumentation.inject(withAnnotations, InstrumentationLanguage.NODEJS);
    instrumentation.inject(withAnnotations, InstrumentationLanguage.GO);
    const objects = synth(chart);
    expect(find(objects, 'Job', 'migrate').spec.template.metadata).toStrictEqual({ annotations: { 'instrumentation.opentelemetry.io/inject-python': 'tracing/tracing' } });
    expect(find(objects, 'Deployment', 'shop').spec.template.metadata.annotations).toStrictEqual({ 'instrumentation.opentelemetry.io/inject-java': 'tracing/tracing' });
    expect(find(objects, 'DaemonSet', 'node-app').spec.template.metadata.annotations).toStrictEqual({
      team: 'shop',
      'instrumentation.opentelemetry.io/inject-nodejs': 'tracing/tracing',
      'instrumentation.opentelemetry.io/inject-go': 'tracing/tracing',
    });
  });

  test('inject() on a KubeCronJob annotates the job template\'s pod template', () => {
    const { chart, agent } = stack();
    const instrumentation = new OperatorInstrumentation(chart, 'i', { exportTo: agent, name: 'dotnet' });
    const cron = new k8s.KubeCronJob(chart, 'cron', {
      metadata: { name: 'report' },
      spec: { schedule: '@hourly', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'r', image: 'shop/report:1.4.2' }] } } } } },
    });
    instrumentation.inject(cron, InstrumentationLanguage.DOTNET);
    expect(find(synth(chart), 'CronJob', 'report').spec.jobTemplate.spec.template.metadata)
      .toStrictEqual({ annotations: { 'instrumentation.opentelemetry.io/inject-dotnet': 'tracing/dotnet' } });
  });

  test('inject() in a chart without namespace names the resource alone', () => {
    const chart = new Chart(Testing.app(), 'test');
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    const instrumentation = new OperatorInstrumentation(chart, 'i', { exportTo: jaeger });
    const deployment = new plus.Deployment(chart, 'shop', { metadata: { name: 'shop' }, containers: [{ name: 'web', image: 'shop/web:1.4.2' }] });
    instrumentation.inject(deployment, InstrumentationLanguage.JAVA);
    expect(find(synth(chart), 'Deployment', 'shop').spec.template.metadata.annotations).toStrictEqual({ 'instrumentation.opentelemetry.io/inject-java': 'tracing' });
  });

  test('fails if the language is unknown', () => {
    const { chart, instrumentation } = build();
    const deployment = new plus.Deployment(chart, 'shop', { containers: [{ name: 'web', image: 'shop/web:1.4.2' }] });
    expect(() => instrumentation.inject(deployment, 'php' as InstrumentationLanguage))
      .toThrow("test/instrumentation: 'language' must be one of java, nodejs, python, dotnet, go, got \"php\"");
  });

  test('fails if the name is not a DNS subdomain', () => {
    expect(() => build({ name: 'Tracing_Java' }))
      .toThrow("test/instrumentation: 'name' must be a DNS subdomain of at most 253 characters (lower-case letters, digits, '-' and '.'), got \"Tracing_Java\"");
  });

  test('fails if it exports to the sampling tier of a TailSamplingGateway', () => {
    const chart = testChart();
    const gateway = new TailSamplingGateway(chart, 'sampling', { policy: new SamplingPolicy({ tail: {} }), exportTo: [new JaegerAllInOne(chart, 'jaeger')] });
    expect(() => new OperatorInstrumentation(chart, 'instrumentation', { exportTo: gateway.sampler }))
      .toThrow("test/instrumentation: 'exportTo' must be the TailSamplingGateway test/sampling itself or its load-balancing tier test/sampling/LoadBalancer (test/sampling/Sampler is a sampling tier: sent to directly, the spans of one trace are spread over its instances and each decides on a fragment), got \"test/sampling/Sampler\"");
  });

  test('fails if propagators repeat', () => {
    expect(() => build({ propagators: [Propagator.B3, Propagator.B3] }))
      .toThrow(/^test\/instrumentation: 'propagators' must be a non-empty list of distinct propagators from .*, got \["b3","b3"\]$/);
  });
});

describeWithSchemas()('OperatorInstrumentation schemas and wiring', () => {
  test.each<[string, (s: ReturnType<typeof stack>) => Partial<OperatorInstrumentationProps>]>([
    ['defaults', () => ({})],
    ['parentbased_traceidratio, gRPC, resource attributes', () => ({ sampling: new SamplingPolicy({ ratio: 0.1 }), protocol: SpanProtocol.OTLP_GRPC, resourceAttributes: { team: 'shop' } })],
    ['parentbased_jaeger_remote in env', s => ({ sampling: HeadSampler.parentBasedJaegerRemote({ source: s.jaeger }) })],
    ['jaeger_remote typed', s => ({ sampling: HeadSampler.jaegerRemote({ source: s.jaeger }) })],
  ])('%s: the CR validates against the CRD; the chart is wired', (_, props) => {
    const s = stack();
    const instrumentation = new OperatorInstrumentation(s.chart, 'i', { exportTo: s.agent, ...props(s) });
    instrumentation.inject(new plus.Deployment(s.chart, 'shop', { metadata: { name: 'shop' }, containers: [{ name: 'web', image: 'shop/web:1.4.2' }] }), InstrumentationLanguage.JAVA);
    const objects = synth(s.chart);
    expect(schemaErrors(objects)).toStrictEqual([]);
    expect(wiringErrors(objects)).toStrictEqual([]);
  });
});
