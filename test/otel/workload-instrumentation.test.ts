import { Chart, Duration, Testing } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import {
  CollectorMode, HeadSampler, JaegerAllInOne, OtelCollector, Prerequisites, Propagator, RemoteSamplingProtocol, SamplingPolicy, SpanProtocol, TailSamplingGateway,
  TempoMonolithic,
  instrumentWorkload,
} from '../../constructs';
import { find, synth, testChart } from '../_support/synth';
import { describeWithSchemas, schemaErrors, wiringErrors } from '../_support/validate-manifests';

/** A chart with a Jaeger and an agent exporting to it: what workloads are wired to. */
function stack(namespace = 'tracing') {
  const chart = testChart(namespace);
  const jaeger = new JaegerAllInOne(chart, 'jaeger');
  const agent = new OtelCollector(chart, 'agent', { mode: CollectorMode.AGENT, exportTo: [jaeger] });
  return { chart, jaeger, agent };
}

const podTemplate = (containers: k8s.Container[]): k8s.PodTemplateSpec => ({ metadata: { labels: { app: 'shop' } }, spec: { containers } });

function rawDeployment(chart: Chart, containers: k8s.Container[]) {
  return new k8s.KubeDeployment(chart, 'shop', {
    metadata: { name: 'shop' },
    spec: { selector: { matchLabels: { app: 'shop' } }, template: podTemplate(containers) },
  });
}

/** The downward-API variables and OTEL_RESOURCE_ATTRIBUTES for a container, in order. */
function resourceVars(container: string, extra = '') {
  return [
    { name: 'OTEL_RESOURCE_ATTRIBUTES_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'OTEL_RESOURCE_ATTRIBUTES_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'OTEL_RESOURCE_ATTRIBUTES_POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
    { name: 'OTEL_RESOURCE_ATTRIBUTES_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    { name: 'OTEL_SERVICE_NAME', value: 'shop' },
    {
      name: 'OTEL_RESOURCE_ATTRIBUTES',
      value: 'k8s.namespace.name=$(OTEL_RESOURCE_ATTRIBUTES_NAMESPACE),k8s.pod.name=$(OTEL_RESOURCE_ATTRIBUTES_POD_NAME),'
        + `k8s.pod.uid=$(OTEL_RESOURCE_ATTRIBUTES_POD_UID),k8s.node.name=$(OTEL_RESOURCE_ATTRIBUTES_NODE_NAME)${extra},k8s.container.name=${container}`,
    },
  ];
}

/** Everything after the resource attributes, with the defaults. */
const exportVars = [
  { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-agent.tracing.svc:4318' },
  { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' },
  { name: 'OTEL_TRACES_EXPORTER', value: 'otlp' },
  { name: 'OTEL_METRICS_EXPORTER', value: 'none' },
  { name: 'OTEL_LOGS_EXPORTER', value: 'none' },
  { name: 'OTEL_PROPAGATORS', value: 'tracecontext,baggage' },
  { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_always_on' },
];

const envOf = (c: { env?: unknown[] }) => c.env;
const byName = (vars: Array<{ name: string; value?: string }>, name: string) => vars.find(v => v.name === name)?.value;

describe('instrumentWorkload on a cdk8s-plus Deployment', () => {
  function build(options: Partial<Parameters<typeof instrumentWorkload>[1]> = {}) {
    const { chart, agent, jaeger } = stack();
    const deployment = new plus.Deployment(chart, 'shop', {
      metadata: { name: 'shop' },
      containers: [{ name: 'web', image: 'shop/web:1.4.2', portNumber: 8080 }],
    });
    const returned = instrumentWorkload(deployment, { exportTo: agent, ...options });
    const objects = synth(chart);
    return { chart, jaeger, returned, objects, container: find(objects, 'Deployment', 'shop').spec.template.spec.containers[0] };
  }

  test('defaults', () => {
    expect(build().container.env).toMatchSnapshot();
  });

  test('the exact variables, in order: downward API before OTEL_RESOURCE_ATTRIBUTES, then export, propagators, sampler', () => {
    expect(build().container.env).toStrictEqual([...resourceVars('web'), ...exportVars]);
  });

  test('returns the variables without the container attribute', () => {
    const { returned } = build();
    expect(byName(returned as Array<{ name: string; value?: string }>, 'OTEL_RESOURCE_ATTRIBUTES')).not.toContain('k8s.container.name');
    expect(returned.map(v => v.name)).toStrictEqual([...resourceVars('web'), ...exportVars].map(v => v.name));
  });

  test('gRPC: port 4317 and protocol grpc', () => {
    const env = build({ protocol: SpanProtocol.OTLP_GRPC }).container.env;
    expect(byName(env, 'OTEL_EXPORTER_OTLP_ENDPOINT')).toBe('http://otel-agent.tracing.svc:4317');
    expect(byName(env, 'OTEL_EXPORTER_OTLP_PROTOCOL')).toBe('grpc');
  });

  test('serviceName, propagators and extra resource attributes', () => {
    const env = build({
      serviceName: 'shop-frontend',
      propagators: [Propagator.TRACE_CONTEXT, Propagator.BAGGAGE, Propagator.B3],
      resourceAttributes: { 'service.version': '1.4.2', 'deployment.environment.name': 'prod' },
    }).container.env;
    expect(byName(env, 'OTEL_SERVICE_NAME')).toBe('shop-frontend');
    expect(byName(env, 'OTEL_PROPAGATORS')).toBe('tracecontext,baggage,b3');
    expect(byName(env, 'OTEL_RESOURCE_ATTRIBUTES')).toBe(
      'k8s.namespace.name=$(OTEL_RESOURCE_ATTRIBUTES_NAMESPACE),k8s.pod.name=$(OTEL_RESOURCE_ATTRIBUTES_POD_NAME),'
      + 'k8s.pod.uid=$(OTEL_RESOURCE_ATTRIBUTES_POD_UID),k8s.node.name=$(OTEL_RESOURCE_ATTRIBUTES_NODE_NAME),'
      + 'service.version=1.4.2,deployment.environment.name=prod,k8s.container.name=web');
  });

  test('sampler from a SamplingPolicy without tail: parentbased_traceidratio', () => {
    const env = build({ sampling: new SamplingPolicy({ ratio: 0.05 }) }).container.env;
    expect(env.slice(-2)).toStrictEqual([
      { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' },
      { name: 'OTEL_TRACES_SAMPLER_ARG', value: '0.05' },
    ]);
  });

  test('sampler from a SamplingPolicy with tail: parentbased_always_on, no argument', () => {
    const env = build({ sampling: new SamplingPolicy({ tail: {} }) }).container.env;
    expect(env.slice(-1)).toStrictEqual([{ name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_always_on' }]);
    expect(byName(env, 'OTEL_TRACES_SAMPLER_ARG')).toBeUndefined();
  });

  test('sampler from a HeadSampler: Jaeger remote sampling of the stack\'s Jaeger', () => {
    const { chart, agent, jaeger } = stack();
    const deployment = new plus.Deployment(chart, 'shop', { metadata: { name: 'shop' }, containers: [{ name: 'web', image: 'shop/web:1.4.2' }] });
    instrumentWorkload(deployment, { exportTo: agent, sampling: HeadSampler.parentBasedJaegerRemote({ source: jaeger, pollingInterval: Duration.seconds(30) }) });
    const env = find(synth(chart), 'Deployment', 'shop').spec.template.spec.containers[0].env;
    expect(env.slice(-2)).toStrictEqual([
      { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_jaeger_remote' },
      { name: 'OTEL_TRACES_SAMPLER_ARG', value: 'endpoint=http://jaeger.tracing.svc:5778/sampling,pollingIntervalMs=30000,initialSamplingRate=0.001' },
    ]);
  });

  test('exportMetricsAndLogs leaves the SDK\'s metrics and logs exporters alone', () => {
    const env = build({ exportMetricsAndLogs: true }).container.env;
    expect(env.map((v: { name: string }) => v.name)).not.toContain('OTEL_METRICS_EXPORTER');
    expect(env.map((v: { name: string }) => v.name)).not.toContain('OTEL_LOGS_EXPORTER');
  });

  test('containers: only the named ones, each with its own k8s.container.name', () => {
    const { chart, agent } = stack();
    const deployment = new plus.Deployment(chart, 'shop', {
      metadata: { name: 'shop' },
      containers: [{ name: 'web', image: 'shop/web:1.4.2' }, { name: 'worker', image: 'shop/worker:1.4.2' }, { name: 'proxy', image: 'envoyproxy/envoy:v1.31.0' }],
    });
    instrumentWorkload(deployment, { exportTo: agent, containers: ['web', 'worker'] });
    const containers = find(synth(chart), 'Deployment', 'shop').spec.template.spec.containers;
    expect(containers[0].env).toStrictEqual([...resourceVars('web'), ...exportVars]);
    expect(containers[1].env).toStrictEqual([...resourceVars('worker'), ...exportVars]);
    expect(containers[2].env).toBeUndefined();
  });

  test('every container by default', () => {
    const { chart, agent } = stack();
    const deployment = new plus.Deployment(chart, 'shop', {
      metadata: { name: 'shop' },
      containers: [{ name: 'web', image: 'shop/web:1.4.2' }, { name: 'worker', image: 'shop/worker:1.4.2' }],
    });
    instrumentWorkload(deployment, { exportTo: agent });
    const containers = find(synth(chart), 'Deployment', 'shop').spec.template.spec.containers;
    expect(containers.map((c: { env: unknown[] }) => byName(c.env as Array<{ name: string; value?: string }>, 'OTEL_RESOURCE_ATTRIBUTES')?.split(',').pop()))
      .toStrictEqual(['k8s.container.name=web', 'k8s.container.name=worker']);
  });

  describe.each([false, true])('the default service name, disableResourceNameHashes: %s', disableResourceNameHashes => {
    /** The service name of a Deployment built in a fresh chart `shop`, and the object's name. */
    function serviceName(id: string, metadata?: { name: string }) {
      const chart = new Chart(Testing.app(), 'shop', { namespace: 'tracing', disableResourceNameHashes });
      const agent = new OtelCollector(chart, 'agent', { mode: CollectorMode.AGENT, exportTo: [new JaegerAllInOne(chart, 'jaeger')] });
      const deployment = new plus.Deployment(chart, id, { ...(metadata ? { metadata } : {}), containers: [{ name: 'web', image: 'shop/web:1.4.2' }] });
      instrumentWorkload(deployment, { exportTo: agent });
      const object = find(synth(chart), 'Deployment', deployment.name);
      return { objectName: deployment.name, value: byName(object.spec.template.spec.containers[0].env, 'OTEL_SERVICE_NAME') };
    }

    test('is the construct id, not the generated object name', () => {
      const { objectName, value } = serviceName('orders');
      expect(objectName).toBe(disableResourceNameHashes ? 'shop-orders' : `shop-orders-${objectName.split('-').pop()}`);
      expect(value).toBe('orders');
    });

    test('is the explicit metadata.name when given', () => {
      expect(serviceName('orders', { name: 'order-service' })).toStrictEqual({ objectName: 'order-service', value: 'order-service' });
    });

    test('is the construct id lower-cased, other characters replaced by "-"', () => {
      expect(serviceName('Orders API').value).toBe('orders-api');
    });
  });
});

describe('instrumentWorkload on raw Kubernetes objects', () => {
  test('KubeDeployment without env: the list is added', () => {
    const { chart, agent } = stack();
    instrumentWorkload(rawDeployment(chart, [{ name: 'web', image: 'shop/web:1.4.2' }]), { exportTo: agent });
    expect(envOf(find(synth(chart), 'Deployment', 'shop').spec.template.spec.containers[0])).toStrictEqual([...resourceVars('web'), ...exportVars]);
  });

  test('KubeDeployment with env: the variables are appended after the existing ones', () => {
    const { chart, agent } = stack();
    instrumentWorkload(rawDeployment(chart, [{ name: 'web', image: 'shop/web:1.4.2', env: [{ name: 'LOG_LEVEL', value: 'info' }] }]), { exportTo: agent });
    expect(envOf(find(synth(chart), 'Deployment', 'shop').spec.template.spec.containers[0]))
      .toStrictEqual([{ name: 'LOG_LEVEL', value: 'info' }, ...resourceVars('web'), ...exportVars]);
  });

  test('the default service name of a raw object is its metadata.name, generated or not', () => {
    const { chart, agent } = stack();
    const raw = new k8s.KubeDeployment(chart, 'orders', {
      spec: { selector: { matchLabels: { app: 'orders' } }, template: podTemplate([{ name: 'web', image: 'shop/web:1.4.2' }]) },
    });
    instrumentWorkload(raw, { exportTo: agent });
    expect(byName(find(synth(chart), 'Deployment', 'test-orders').spec.template.spec.containers[0].env, 'OTEL_SERVICE_NAME')).toBe('test-orders');
  });

  test('KubeDeployment with two containers, one with env: each gets its own list', () => {
    const { chart, agent } = stack();
    instrumentWorkload(rawDeployment(chart, [
      { name: 'web', image: 'shop/web:1.4.2', env: [{ name: 'A', value: '1' }] },
      { name: 'worker', image: 'shop/worker:1.4.2' },
    ]), { exportTo: agent });
    const containers = find(synth(chart), 'Deployment', 'shop').spec.template.spec.containers;
    expect(containers[0].env).toStrictEqual([{ name: 'A', value: '1' }, ...resourceVars('web'), ...exportVars]);
    expect(containers[1].env).toStrictEqual([...resourceVars('worker'), ...exportVars]);
  });

  test('KubeCronJob: the job template\'s containers', () => {
    const { chart, agent } = stack();
    const cron = new k8s.KubeCronJob(chart, 'report', {
      metadata: { name: 'shop' },
      spec: {
        schedule: '0 * * * *',
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'report', image: 'shop/report:1.4.2' }] } } } },
      },
    });
    instrumentWorkload(cron, { exportTo: agent, sampling: new SamplingPolicy({ ratio: 1 }) });
    const env = find(synth(chart), 'CronJob', 'shop').spec.jobTemplate.spec.template.spec.containers[0].env;
    expect(env).toStrictEqual([
      ...resourceVars('report'),
      ...exportVars.slice(0, -1),
      { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' },
      { name: 'OTEL_TRACES_SAMPLER_ARG', value: '1' },
    ]);
  });

  test('KubeStatefulSet, KubeDaemonSet and KubeJob are instrumented too', () => {
    const { chart, agent } = stack();
    const containers = [{ name: 'app', image: 'shop/app:1.4.2' }];
    const sts = new k8s.KubeStatefulSet(chart, 'sts', { metadata: { name: 'shop' }, spec: { serviceName: 'shop', selector: { matchLabels: { app: 'shop' } }, template: podTemplate(containers) } });
    const ds = new k8s.KubeDaemonSet(chart, 'ds', { metadata: { name: 'shop' }, spec: { selector: { matchLabels: { app: 'shop' } }, template: podTemplate(containers) } });
    const job = new k8s.KubeJob(chart, 'job', { metadata: { name: 'shop' }, spec: { template: { spec: { restartPolicy: 'Never', containers } } } });
    [sts, ds, job].forEach(w => instrumentWorkload(w, { exportTo: agent }));
    const objects = synth(chart);
    for (const kind of ['StatefulSet', 'DaemonSet', 'Job']) {
      expect(find(objects, kind, 'shop').spec.template.spec.containers[0].env).toStrictEqual([...resourceVars('app'), ...exportVars]);
    }
  });
});

describe('instrumentWorkload across charts', () => {
  test('exportTo in another chart declares a Prerequisites endpoint', () => {
    const app = Testing.app();
    const tracing = new Chart(app, 'tracing', { namespace: 'tracing' });
    const jaeger = new JaegerAllInOne(tracing, 'jaeger');
    const agent = new OtelCollector(tracing, 'agent', { mode: CollectorMode.AGENT, exportTo: [jaeger] });
    const shop = new Chart(app, 'shop', { namespace: 'shop' });
    const deployment = new plus.Deployment(shop, 'shop', { metadata: { name: 'shop' }, containers: [{ name: 'web', image: 'shop/web:1.4.2' }] });
    instrumentWorkload(deployment, { exportTo: agent, sampling: HeadSampler.parentBasedJaegerRemote({ source: jaeger, protocol: RemoteSamplingProtocol.GRPC }) });
    expect(Prerequisites.of(shop).endpoints).toStrictEqual([
      { name: 'otel-agent.tracing.svc:4318', purpose: "SDK exports spans to: tracing/agent, from chart 'tracing'" },
      { name: 'jaeger.tracing.svc:5779', purpose: "SDK polls sampling strategies from: tracing/jaeger, from chart 'tracing'" },
    ]);
    expect(Prerequisites.of(tracing).endpoints).toStrictEqual([]);
  });

  test('exportTo in the same chart declares nothing', () => {
    const { chart, agent } = stack();
    instrumentWorkload(rawDeployment(chart, [{ name: 'web', image: 'shop/web:1.4.2' }]), { exportTo: agent });
    expect(Prerequisites.of(chart).endpoints).toStrictEqual([]);
  });
});

describe('instrumentWorkload validation', () => {
  function plusDeployment(env: Record<string, plus.EnvValue> = {}) {
    const { chart, agent } = stack();
    const deployment = new plus.Deployment(chart, 'shop', {
      metadata: { name: 'shop' },
      containers: [{ name: 'web', image: 'shop/web:1.4.2', envVariables: env }, { name: 'worker', image: 'shop/worker:1.4.2' }],
    });
    return { chart, deployment, agent };
  }

  test('headers become OTEL_EXPORTER_OTLP_HEADERS, right after the protocol', () => {
    const { deployment, agent } = plusDeployment();
    const env = instrumentWorkload(deployment, { exportTo: agent, headers: { 'X-Scope-OrgID': 'team-a', 'x-team': 'shop' } });
    const names = env.map(v => v.name);
    expect(names.indexOf('OTEL_EXPORTER_OTLP_HEADERS')).toBe(names.indexOf('OTEL_EXPORTER_OTLP_PROTOCOL') + 1);
    expect(byName(env, 'OTEL_EXPORTER_OTLP_HEADERS')).toBe('X-Scope-OrgID=team-a,x-team=shop');
  });

  test('fails if a header value has a comma', () => {
    const { deployment, agent } = plusDeployment();
    expect(() => instrumentWorkload(deployment, { exportTo: agent, headers: { 'X-Scope-OrgID': 'a,b' } }))
      .toThrow(/'headers.X-Scope-OrgID' must be a header name and value of letters, digits and ._-:\/@\+ .*got "a,b"/);
  });

  test('fails if it exports straight to a multitenant Tempo without the tenant header', () => {
    const { chart, deployment } = plusDeployment();
    const tempo = new TempoMonolithic(chart, 'tempo', { multitenancy: true });
    expect(() => instrumentWorkload(deployment, { exportTo: tempo }))
      .toThrow("'headers' must be a 'X-Scope-OrgID' header: the receiver is multitenant and refuses spans without a tenant, got {}");
    expect(byName(instrumentWorkload(deployment, { exportTo: tempo, headers: { 'X-Scope-OrgID': 'shop' } }), 'OTEL_EXPORTER_OTLP_HEADERS')).toBe('X-Scope-OrgID=shop');
  });

  test('fails if it exports straight to the sampling tier of a TailSamplingGateway', () => {
    const { chart, deployment } = plusDeployment();
    const gateway = new TailSamplingGateway(chart, 'sampling', { policy: new SamplingPolicy({ tail: {} }), exportTo: [chart.node.findChild('jaeger') as JaegerAllInOne] });
    expect(() => instrumentWorkload(deployment, { exportTo: gateway.sampler }))
      .toThrow("test/shop: 'exportTo' must be the TailSamplingGateway test/sampling itself or its load-balancing tier test/sampling/LoadBalancer (test/sampling/Sampler is a sampling tier: sent to directly, the spans of one trace are spread over its instances and each decides on a fragment), got \"test/sampling/Sampler\"");
    expect(byName(instrumentWorkload(deployment, { exportTo: gateway }), 'OTEL_EXPORTER_OTLP_ENDPOINT')).toBe('http://otel-sampling-lb.tracing.svc:4318');
  });

  test('fails if a container already sets OTEL_SERVICE_NAME', () => {
    const { deployment, agent } = plusDeployment({ OTEL_SERVICE_NAME: plus.EnvValue.fromValue('mine') });
    expect(() => instrumentWorkload(deployment, { exportTo: agent }))
      .toThrow("test/shop: 'containers.web.env.OTEL_SERVICE_NAME' must be unset: instrumentWorkload sets it (remove it, or pass the value through options), got \"already set\"");
  });

  test('fails if a raw container already sets OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    const { chart, agent } = stack();
    const raw = rawDeployment(chart, [{ name: 'web', image: 'shop/web:1.4.2', env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://elsewhere:4318' }] }]);
    expect(() => instrumentWorkload(raw, { exportTo: agent })).toThrow(/^test\/shop: 'containers.web.env.OTEL_EXPORTER_OTLP_ENDPOINT' must be unset: .*, got "already set"$/);
  });

  test('fails if a resourceAttributes value has a comma', () => {
    const { deployment, agent } = plusDeployment();
    expect(() => instrumentWorkload(deployment, { exportTo: agent, resourceAttributes: { team: 'a,b' } }))
      .toThrow("test/shop: 'resourceAttributes.team' must be a key and value of letters, digits and ._-:/@+ (OTEL_RESOURCE_ATTRIBUTES is a comma-separated key=value list), got \"a,b\"");
  });

  test('fails if resourceAttributes sets a Kubernetes attribute the pod provides', () => {
    const { deployment, agent } = plusDeployment();
    expect(() => instrumentWorkload(deployment, { exportTo: agent, resourceAttributes: { 'k8s.pod.name': 'fixed' } }))
      .toThrow("test/shop: 'resourceAttributes.k8s.pod.name' must be an attribute other than service.name and the Kubernetes ones that are set from the pod, got \"fixed\"");
  });

  test('fails if propagators repeat', () => {
    const { deployment, agent } = plusDeployment();
    expect(() => instrumentWorkload(deployment, { exportTo: agent, propagators: [Propagator.TRACE_CONTEXT, Propagator.TRACE_CONTEXT] }))
      .toThrow("test/shop: 'propagators' must be a non-empty list of distinct propagators from tracecontext, baggage, b3, b3multi, jaeger, xray, got [\"tracecontext\",\"tracecontext\"]");
  });

  test('fails if propagators is empty', () => {
    const { deployment, agent } = plusDeployment();
    expect(() => instrumentWorkload(deployment, { exportTo: agent, propagators: [] })).toThrow(/'propagators' must be a non-empty list of distinct propagators .*, got \[\]/);
  });

  test('fails if a containers name does not exist', () => {
    const { deployment, agent } = plusDeployment();
    expect(() => instrumentWorkload(deployment, { exportTo: agent, containers: ['web', 'sidecar'] }))
      .toThrow("test/shop: 'containers[1]' must be the name of one of the workload's containers: web, worker, got \"sidecar\"");
  });

  test('fails if containers is empty', () => {
    const { deployment, agent } = plusDeployment();
    expect(() => instrumentWorkload(deployment, { exportTo: agent, containers: [] }))
      .toThrow("test/shop: 'containers' must be a non-empty list of container names (omit it to instrument every container), got []");
  });

  test('fails if instrumented twice', () => {
    const { chart, agent } = stack();
    const raw = rawDeployment(chart, [{ name: 'web', image: 'shop/web:1.4.2' }]);
    instrumentWorkload(raw, { exportTo: agent });
    expect(() => instrumentWorkload(raw, { exportTo: agent })).toThrow(/^test\/shop: 'containers.web.env.OTEL_RESOURCE_ATTRIBUTES_NAMESPACE' must be unset: .*, got "already set"$/);
  });

  test('fails if the protocol is Zipkin', () => {
    const { deployment, agent } = plusDeployment();
    expect(() => instrumentWorkload(deployment, { exportTo: agent, protocol: SpanProtocol.ZIPKIN as SpanProtocol.OTLP_HTTP }))
      .toThrow("test/shop: 'protocol' must be one of \"otlp-http\", \"otlp-grpc\", got \"zipkin\"");
  });

  test('fails if the serviceName has a space', () => {
    const { deployment, agent } = plusDeployment();
    expect(() => instrumentWorkload(deployment, { exportTo: agent, serviceName: 'my shop' }))
      .toThrow("test/shop: 'serviceName' must be a service name of letters, digits and ._-:/@+ (no spaces, commas or \"=\"), got \"my shop\"");
  });

  test('fails if sampling is neither a SamplingPolicy nor a HeadSampler', () => {
    const { deployment, agent } = plusDeployment();
    expect(() => instrumentWorkload(deployment, { exportTo: agent, sampling: { ratio: 0.1 } as unknown as SamplingPolicy }))
      .toThrow("test/shop: 'sampling' must be a SamplingPolicy or a HeadSampler, got {\"ratio\":0.1}");
  });

  test('fails if exportTo does not receive spans', () => {
    const { deployment } = plusDeployment();
    // @ts-expect-error exportTo is required
    expect(() => instrumentWorkload(deployment, {}))
      .toThrow("test/shop: 'exportTo' must be a construct that receives spans (OtelCollector, TailSamplingGateway, JaegerCollector, TempoMonolithic, ...), got undefined");
  });

  test('fails if the raw object is not a workload', () => {
    const { chart, agent } = stack();
    const service = new k8s.KubeService(chart, 'svc', { metadata: { name: 'shop' }, spec: { ports: [{ port: 80 }] } });
    expect(() => instrumentWorkload(service as unknown as k8s.KubeDeployment, { exportTo: agent }))
      .toThrow("test/svc: 'workload' must be one of Deployment, StatefulSet, DaemonSet, Job, CronJob, got \"Service\"");
  });
});

describeWithSchemas()('instrumented workloads: schemas and wiring', () => {
  test('a plus Deployment and raw workloads next to the stack validate and are wired', () => {
    const { chart, agent, jaeger } = stack();
    const deployment = new plus.Deployment(chart, 'front', {
      metadata: { name: 'front' },
      containers: [{ name: 'web', image: 'shop/web:1.4.2', portNumber: 8080, securityContext: { user: 1000 } }],
    });
    instrumentWorkload(deployment, { exportTo: agent, sampling: HeadSampler.parentBasedJaegerRemote({ source: jaeger }) });
    instrumentWorkload(rawDeployment(chart, [{ name: 'web', image: 'shop/web:1.4.2', env: [{ name: 'A', value: '1' }] }]), { exportTo: agent, protocol: SpanProtocol.OTLP_GRPC });
    const cron = new k8s.KubeCronJob(chart, 'report', {
      metadata: { name: 'report' },
      spec: { schedule: '0 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'report', image: 'shop/report:1.4.2' }] } } } } },
    });
    instrumentWorkload(cron, { exportTo: agent });
    const objects = synth(chart);
    expect(schemaErrors(objects)).toStrictEqual([]);
    expect(wiringErrors(objects)).toStrictEqual([]);
  });
});
