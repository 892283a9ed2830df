import { App, Chart, Duration, Testing } from 'cdk8s';
import {
  JaegerAllInOne, LoadBalancerResolver, SamplingPolicy, SpanProtocol, TailSamplingGateway, TailSamplingGatewayProps, TempoMonolithic,
} from '../../constructs';
import { configFile, find, ofKind, synth, testChart } from '../_support/synth';
import { describeWithSchemas, schemaErrors, wiringErrors } from '../_support/validate-manifests';

const policy = new SamplingPolicy({ ratio: 0.01, tail: { keepSlowerThan: Duration.millis(500) } });

/** A gateway in a chart with the Jaeger it exports to (self-contained, so wiring can be checked). */
function build(props: Partial<TailSamplingGatewayProps> = {}) {
  const chart = testChart();
  const jaeger = new JaegerAllInOne(chart, 'jaeger');
  const gateway = new TailSamplingGateway(chart, 'sampling', { policy, exportTo: [jaeger], ...props });
  const objects = synth(chart);
  const name = props.name ?? 'otel-sampling';
  return {
    chart, gateway, objects,
    lbConfig: configFile(objects, `${name}-lb-config`, 'config.yaml'),
    samplerConfig: configFile(objects, `${name}-config`, 'config.yaml'),
  };
}

/** Only the gateway's objects (not Jaeger's). */
function own(objects: ReturnType<typeof synth>) {
  return objects.filter(o => o.metadata.labels?.['app.kubernetes.io/name'] === 'opentelemetry-collector');
}

describe('TailSamplingGateway', () => {
  test('defaults', () => {
    expect(own(build().objects)).toMatchSnapshot();
  });

  test('objects: the sampling tier, its headless Service, the load-balancing tier, Role and RoleBinding', () => {
    expect(own(build().objects).map(o => `${o.kind}/${o.metadata.name}`)).toStrictEqual([
      'ConfigMap/otel-sampling-config', 'ServiceAccount/otel-sampling', 'Deployment/otel-sampling', 'NetworkPolicy/otel-sampling', 'Service/otel-sampling', 'Service/otel-sampling-headless',
      'PodDisruptionBudget/otel-sampling',
      'ConfigMap/otel-sampling-lb-config', 'ServiceAccount/otel-sampling-lb', 'Deployment/otel-sampling-lb', 'NetworkPolicy/otel-sampling-lb', 'Service/otel-sampling-lb', 'Service/otel-sampling-lb-headless',
      'PodDisruptionBudget/otel-sampling-lb',
      'Role/otel-sampling-lb-endpointslices', 'RoleBinding/otel-sampling-lb-endpointslices',
    ]);
  });

  test('load-balancing tier: loadbalancing exporter by traceID, k8s resolver on the headless Service, port 4317', () => {
    const { lbConfig } = build();
    expect(lbConfig.exporters).toStrictEqual({
      loadbalancing: {
        routing_key: 'traceID',
        protocol: { otlp: { tls: { insecure: true }, timeout: '10s', sending_queue: { enabled: false } } },
        resolver: { k8s: { service: 'otel-sampling-headless.tracing', ports: [4317], timeout: '60s' } },
        sending_queue: { enabled: true, num_consumers: 10, queue_size: 1000 },
        retry_on_failure: { enabled: true, initial_interval: '5s', max_interval: '30s', max_elapsed_time: '300s' },
      },
    });
    expect(lbConfig.service.pipelines.traces).toStrictEqual({ receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['loadbalancing'] });
    expect(lbConfig.processors.tail_sampling).toBeUndefined();
  });

  test('sampling tier: the policy\'s tail_sampling between memory_limiter and batch, exporting to the backends', () => {
    const { samplerConfig } = build();
    expect(samplerConfig.processors.tail_sampling).toStrictEqual(policy.tailSamplingConfig());
    expect(samplerConfig.service.pipelines.traces).toStrictEqual({ receivers: ['otlp'], processors: ['memory_limiter', 'tail_sampling', 'batch'], exporters: ['otlp/jaeger'] });
    expect(samplerConfig.exporters['otlp/jaeger'].endpoint).toBe('jaeger.tracing.svc:4317');
  });

  test('headless Service: clusterIP None, selecting the sampler pods on OTLP gRPC', () => {
    const { objects } = build();
    const headless = find(objects, 'Service', 'otel-sampling-headless');
    expect(headless.spec).toStrictEqual({
      clusterIP: 'None',
      selector: find(objects, 'Deployment', 'otel-sampling').spec.selector.matchLabels,
      ports: [{ name: 'otlp-grpc', port: 4317, targetPort: 'otlp-grpc', protocol: 'TCP', appProtocol: 'grpc' }],
    });
    expect(find(objects, 'Deployment', 'otel-sampling').spec.template.metadata.labels).toMatchObject(headless.spec.selector);
    expect(find(objects, 'Deployment', 'otel-sampling-lb').spec.template.metadata.labels).not.toMatchObject(headless.spec.selector);
  });

  test('Role: exactly list and watch on discovery.k8s.io endpointslices, bound to the load balancer\'s ServiceAccount', () => {
    const { objects } = build();
    expect(find(objects, 'Role', 'otel-sampling-lb-endpointslices').rules)
      .toStrictEqual([{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] }]);
    const binding = find(objects, 'RoleBinding', 'otel-sampling-lb-endpointslices');
    expect(binding.roleRef).toStrictEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'otel-sampling-lb-endpointslices' });
    expect(binding.subjects).toStrictEqual([{ kind: 'ServiceAccount', name: 'otel-sampling-lb', namespace: 'tracing' }]);
  });

  test('the load balancer\'s pods mount the API token; the sampler\'s do not', () => {
    const { objects } = build();
    expect(find(objects, 'ServiceAccount', 'otel-sampling-lb').automountServiceAccountToken).toBe(true);
    expect(find(objects, 'Deployment', 'otel-sampling-lb').spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(find(objects, 'ServiceAccount', 'otel-sampling').automountServiceAccountToken).toBe(false);
    expect(find(objects, 'Deployment', 'otel-sampling').spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  test('DNS resolver: dns.hostname of the headless Service, no Role, no token', () => {
    const { objects, lbConfig, gateway } = build({ resolver: LoadBalancerResolver.DNS });
    expect(lbConfig.exporters.loadbalancing.resolver).toStrictEqual({
      dns: { hostname: 'otel-sampling-headless.tracing.svc', port: '4317', interval: '5s', timeout: '1s' },
    });
    expect(ofKind(objects, 'Role')).toHaveLength(0);
    expect(ofKind(objects, 'RoleBinding')).toHaveLength(0);
    expect(gateway.role).toBeUndefined();
    expect(find(objects, 'Deployment', 'otel-sampling-lb').spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  test('spanEndpoint is the load-balancing tier', () => {
    const { gateway } = build();
    expect(gateway.spanEndpoint().url()).toBe('http://otel-sampling-lb.tracing.svc:4318');
    expect(gateway.spanEndpoint(SpanProtocol.OTLP_GRPC).hostPort).toBe('otel-sampling-lb.tracing.svc:4317');
  });

  test('name, tier settings, queue, image and log level', () => {
    const { objects, lbConfig, samplerConfig } = build({
      name: 'tail',
      loadBalancer: { replicas: 3, resources: { cpuRequest: '500m', memoryRequest: '256Mi', memoryLimit: '512Mi' } },
      sampler: { replicas: 4, maxUnavailable: 2 },
      queue: { queueSize: 2000 },
      image: 'registry.example.com/otelcol:0.140.1',
      logLevel: 'warn',
    });
    expect(find(objects, 'Deployment', 'tail-lb').spec.replicas).toBe(3);
    expect(find(objects, 'Deployment', 'tail-lb').spec.template.spec.containers[0].resources)
      .toStrictEqual({ requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '512Mi' } });
    expect(find(objects, 'Deployment', 'tail').spec.replicas).toBe(4);
    expect(find(objects, 'PodDisruptionBudget', 'tail').spec.maxUnavailable).toBe(2);
    expect(find(objects, 'Deployment', 'tail').spec.template.spec.containers[0].image).toBe('registry.example.com/otelcol:0.140.1');
    expect(lbConfig.exporters.loadbalancing.resolver.k8s.service).toBe('tail-headless.tracing');
    expect(lbConfig.exporters.loadbalancing.sending_queue.queue_size).toBe(2000);
    expect(samplerConfig.exporters['otlp/jaeger'].sending_queue.queue_size).toBe(2000);
    expect(samplerConfig.service.telemetry.logs.level).toBe('warn');
    expect(find(objects, 'Role', 'tail-lb-endpointslices')).toBeTruthy();
  });

  test('exports to several backends', () => {
    const chart = testChart();
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    const tempo = new TempoMonolithic(chart, 'tempo');
    new TailSamplingGateway(chart, 'sampling', { policy, exportTo: [jaeger, tempo] });
    const objects = synth(chart);
    expect(Object.keys(configFile(objects, 'otel-sampling-config', 'config.yaml').exporters)).toStrictEqual(['otlp/jaeger', 'otlp/tempo']);
    expect(wiringErrors(objects)).toStrictEqual([]);
  });

  test('fails if the policy has no tail settings', () => {
    expect(() => build({ policy: new SamplingPolicy({ ratio: 0.1 }) }))
      .toThrow(/^test\/sampling: 'policy' must be a SamplingPolicy with tail settings \(new SamplingPolicy\(\{ tail: \{\.\.\.\} \}\)\), got /);
  });

  test('fails if the k8s resolver is used in a chart without a namespace', () => {
    const chart = new Chart(Testing.app(), 'test');
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    expect(() => new TailSamplingGateway(chart, 'sampling', { policy, exportTo: [jaeger] }))
      .toThrow("test/sampling/LoadBalancer: 'resolver' must be dns, or k8s in a chart with a namespace (the k8s resolver names the Service as <name>.<namespace>), got \"k8s\"");
  });

  test('the DNS resolver works in a chart without a namespace', () => {
    const chart = new Chart(new App(), 'test');
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    new TailSamplingGateway(chart, 'sampling', { policy, exportTo: [jaeger], resolver: LoadBalancerResolver.DNS });
    expect(configFile(synth(chart), 'otel-sampling-lb-config', 'config.yaml').exporters.loadbalancing.resolver.dns.hostname).toBe('otel-sampling-headless');
  });

  test('fails if the resolver is unknown', () => {
    expect(() => build({ resolver: 'static' as LoadBalancerResolver })).toThrow("test/sampling: 'resolver' must be one of k8s, dns, got \"static\"");
  });

  test('fails if there is nothing to export to', () => {
    expect(() => build({ exportTo: [] }))
      .toThrow("test/sampling/Sampler: 'exportTo' must be at least one receiver to export to (a Jaeger, Tempo or collector construct), got 0");
  });

  test('fails if the name is too long for the derived object names', () => {
    expect(() => build({ name: 'a'.repeat(39) })).toThrow(/test\/sampling: 'name' must be a DNS label of at most 38 characters .*, got "a{39}"/);
  });
});

describeWithSchemas()('TailSamplingGateway schemas and wiring', () => {
  test.each<[string, Partial<TailSamplingGatewayProps>]>([
    ['k8s resolver (default)', {}],
    ['DNS resolver, tiers autoscaled, persistent queue', { resolver: LoadBalancerResolver.DNS, loadBalancer: { autoscaling: {} }, sampler: { replicas: 3 }, queue: { persistent: true } }],
  ])('%s: every object validates and the chart is wired', (_, props) => {
    const { objects } = build(props);
    expect(schemaErrors(objects)).toStrictEqual([]);
    expect(wiringErrors(objects)).toStrictEqual([]);
  });
});
