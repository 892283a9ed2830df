import { Duration } from 'cdk8s';
import {
  CollectorMode, CollectorPipelineOptions, JaegerAllInOne, OtelCollector, OtelCollectorOperatorInstance, OtelCollectorOperatorInstanceProps, SamplingPolicy, SpanProtocol,
  TailSamplingGateway, TempoMonolithic, validationErrors,
} from '../../constructs';
import { configFile, find, synth, testChart } from '../_support/synth';
import { describeWithSchemas, schemaErrors, wiringErrors } from '../_support/validate-manifests';

function build(props: Partial<OtelCollectorOperatorInstanceProps> = {}) {
  const chart = testChart();
  const jaeger = new JaegerAllInOne(chart, 'jaeger');
  const instance = new OtelCollectorOperatorInstance(chart, 'collector', { exportTo: [jaeger], ...props });
  const objects = synth(chart);
  return { chart, jaeger, instance, objects, cr: find(objects, 'OpenTelemetryCollector', props.name ?? (props.mode === CollectorMode.AGENT ? 'otel-agent' : 'otel-gateway')) };
}

/** Props that both constructs take: a name and the pipeline. */
type SharedProps = Partial<CollectorPipelineOptions> & { readonly name?: string; readonly replicas?: number };

/** What OtelCollector renders as config.yaml for the same name and pipeline options. */
function otelCollectorConfig(props: SharedProps) {
  const chart = testChart();
  const jaeger = new JaegerAllInOne(chart, 'jaeger');
  const collector = new OtelCollector(chart, 'collector', { exportTo: [jaeger], ...props });
  return configFile(synth(chart), `${collector.serviceName}-config`, 'config.yaml');
}

const restrictedPod = { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } };
const restrictedContainer = {
  runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, allowPrivilegeEscalation: false, privileged: false,
  readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
};

describe('OtelCollectorOperatorInstance', () => {
  test('defaults', () => {
    expect(build().cr).toMatchSnapshot();
  });

  test('defaults: v1beta1 deployment of 2, pinned image, no upgrades, restricted security contexts, PDB', () => {
    const { cr } = build();
    expect(cr.apiVersion).toBe('opentelemetry.io/v1beta1');
    expect(cr.metadata).toMatchObject({ name: 'otel-gateway', namespace: 'tracing', labels: { 'app.kubernetes.io/component': 'gateway', 'app.kubernetes.io/version': '0.140.1' } });
    expect(cr.spec).toMatchObject({
      mode: 'deployment',
      image: 'otel/opentelemetry-collector-contrib:0.140.1',
      replicas: 2,
      upgradeStrategy: 'none',
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
      env: [{ name: 'GOMEMLIMIT', value: '819MiB' }],
      podDisruptionBudget: { maxUnavailable: 1 },
    });
    expect(cr.spec.podSecurityContext).toStrictEqual(restrictedPod);
    expect(cr.spec.securityContext).toStrictEqual(restrictedContainer);
  });

  test('spec.config is the document OtelCollector renders', () => {
    expect(build().cr.spec.config).toStrictEqual(otelCollectorConfig({}));
  });

  test('spec.config is the document OtelCollector renders, with tail sampling, queue and HTTP export', () => {
    const props: SharedProps = {
      name: 'sampler',
      replicas: 1,
      tailSampling: new SamplingPolicy({ ratio: 0.1, tail: { keepSlowerThan: Duration.seconds(1) } }),
      queue: { queueSize: 5000 },
      logLevel: 'warn',
    };
    const { cr } = build(props);
    expect(cr.spec.config).toStrictEqual(otelCollectorConfig(props));
    expect(cr.spec.config.service.pipelines.traces.processors).toStrictEqual(['memory_limiter', 'tail_sampling', 'batch']);
  });

  test('fails if tail sampling runs on more than one replica (the operator\'s Service spreads a trace over them)', () => {
    expect(() => build({ tailSampling: new SamplingPolicy({ tail: {} }) }))
      .toThrow("'tailSampling' must be on one replica (replicas: 1): the operator's Service spreads a trace's spans over the replicas; replicas is 2, got \"set\"");
  });

  test('agent: daemonset mode, no replicas, no PDB, agent resources', () => {
    const { cr } = build({ mode: CollectorMode.AGENT });
    expect(cr.spec.mode).toBe('daemonset');
    expect(cr.spec.replicas).toBeUndefined();
    expect(cr.spec.podDisruptionBudget).toBeUndefined();
    expect(cr.spec.resources).toStrictEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    expect(cr.spec.config.service.telemetry.resource).toStrictEqual({ 'service.name': 'otel-agent' });
  });

  test('name, replicas, image and resources', () => {
    const { cr } = build({
      name: 'edge', replicas: 3, image: 'registry.example.com/otelcol:0.140.1',
      resources: { cpuRequest: '1', cpuLimit: '2', memoryRequest: '1Gi', memoryLimit: '2Gi' },
    });
    expect(cr.spec).toMatchObject({
      replicas: 3,
      image: 'registry.example.com/otelcol:0.140.1',
      resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
      env: [{ name: 'GOMEMLIMIT', value: '1638MiB' }],
    });
  });

  test('spanEndpoint is the Service the operator creates, <name>-collector', () => {
    const { instance } = build();
    expect(instance.serviceName).toBe('otel-gateway-collector');
    expect(instance.spanEndpoint().url()).toBe('http://otel-gateway-collector.tracing.svc:4318');
    expect(instance.spanEndpoint(SpanProtocol.OTLP_GRPC).hostPort).toBe('otel-gateway-collector.tracing.svc:4317');
  });

  test('an agent instance exports to a gateway instance by its operator Service', () => {
    const chart = testChart();
    const tempo = new TempoMonolithic(chart, 'tempo');
    const gateway = new OtelCollectorOperatorInstance(chart, 'gateway', { exportTo: [tempo] });
    new OtelCollectorOperatorInstance(chart, 'agent', { mode: CollectorMode.AGENT, exportTo: [gateway] });
    const agent = find(synth(chart), 'OpenTelemetryCollector', 'otel-agent');
    expect(agent.spec.config.exporters['otlp/otel-gateway-collector'].endpoint).toBe('otel-gateway-collector.tracing.svc:4317');
  });

  test('components added to config before synthesis are rendered and checked', () => {
    const chart = testChart();
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    const instance = new OtelCollectorOperatorInstance(chart, 'c', { exportTo: [jaeger] });
    instance.config.addExporter('debug', { verbosity: 'basic' });
    expect(validationErrors(chart)).toStrictEqual(["test/c: test/c: exporter 'debug' is defined but no pipeline uses it"]);
    instance.config.addPipeline('traces/debug', { receivers: ['otlp'], processors: ['memory_limiter'], exporters: ['debug'] });
    const config = find(synth(chart), 'OpenTelemetryCollector', 'otel-gateway').spec.config;
    expect(config.exporters.debug).toStrictEqual({ verbosity: 'basic' });
    expect(config.service.pipelines['traces/debug']).toStrictEqual({ receivers: ['otlp'], processors: ['memory_limiter'], exporters: ['debug'] });
  });

  test('fails if an agent has replicas', () => {
    expect(() => build({ mode: CollectorMode.AGENT, replicas: 2 })).toThrow("test/collector: 'replicas' must be unset for an agent (one pod per node), got 2");
  });

  test('fails if an agent does tail sampling', () => {
    expect(() => build({ mode: CollectorMode.AGENT, tailSampling: new SamplingPolicy({ tail: {} }) }))
      .toThrow("test/collector: 'tailSampling' must be unset for an agent (use TailSamplingGateway), got \"set\"");
  });

  test('fails if the queue is persistent', () => {
    expect(() => build({ queue: { persistent: true } }))
      .toThrow("test/collector: 'queue.persistent' must be false for the operator rendering (use OtelCollector for a persistent queue), got true");
  });

  test('fails if it exports to the sampling tier of a TailSamplingGateway', () => {
    const chart = testChart();
    const gateway = new TailSamplingGateway(chart, 'sampling', { policy: new SamplingPolicy({ tail: {} }), exportTo: [new JaegerAllInOne(chart, 'jaeger')] });
    expect(() => new OtelCollectorOperatorInstance(chart, 'c', { exportTo: [gateway.sampler] }))
      .toThrow("test/c: 'exportTo[0]' must be the TailSamplingGateway test/sampling itself or its load-balancing tier test/sampling/LoadBalancer (test/sampling/Sampler is a sampling tier: sent to directly, the spans of one trace are spread over its instances and each decides on a fragment), got \"test/sampling/Sampler\"");
  });

  test('fails if there is no exportTo', () => {
    expect(() => new OtelCollectorOperatorInstance(testChart(), 'c', {}))
      .toThrow("test/c: 'exportTo' must be at least one receiver to export to (a Jaeger, Tempo or collector construct), got 0");
  });

  test('fails if the name is too long for <name>-collector', () => {
    expect(() => build({ name: 'a'.repeat(43) })).toThrow(/test\/collector: 'name' must be a DNS label of at most 42 characters .*, got "a{43}"/);
  });

  test('fails if the mode is unknown', () => {
    expect(() => build({ mode: 'sidecar' as CollectorMode })).toThrow("test/collector: 'mode' must be one of agent, gateway, got \"sidecar\"");
  });
});

describeWithSchemas()('OtelCollectorOperatorInstance schemas', () => {
  test.each<[string, Partial<OtelCollectorOperatorInstanceProps>]>([
    ['gateway defaults', {}],
    ['agent', { mode: CollectorMode.AGENT }],
    ['gateway with tail sampling and limits', { replicas: 1, tailSampling: new SamplingPolicy({ tail: {} }), resources: { cpuRequest: '1', cpuLimit: '2', memoryRequest: '1Gi', memoryLimit: '2Gi' } }],
  ])('%s: every object validates against the Kubernetes and CRD schemas', (_, props) => {
    const { objects } = build(props);
    expect(schemaErrors(objects)).toStrictEqual([]);
  });

  test('wiring of the rest of the chart (the operator creates the collector\'s own objects)', () => {
    const { objects } = build();
    expect(wiringErrors(objects.filter(o => o.kind !== 'OpenTelemetryCollector'))).toStrictEqual([]);
  });
});
