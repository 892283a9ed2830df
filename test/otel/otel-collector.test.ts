import { App, Chart, Duration, Testing } from 'cdk8s';
import {
  CollectorMode, ElasticsearchStorage, JaegerAllInOne, JaegerCollector, LoadBalancerResolver, OtelCollector, OtelCollectorProps, Prerequisites, S3Bucket, SamplingPolicy,
  SpanProtocol, StrimziKafka, TailSamplingGateway, TempoDistributed, TempoMonolithic, TracingPreset, TracingStack,
  synthesizeApp, validationErrors,
} from '../../constructs';
import { configFile, find, ofKind, synth, testChart } from '../_support/synth';
import { describeWithSchemas, schemaErrors, wiringErrors } from '../_support/validate-manifests';

/** A collector in a chart with the Jaeger it exports to (self-contained, so wiring can be checked). */
function build(props: Partial<OtelCollectorProps> = {}) {
  const chart = testChart();
  const jaeger = new JaegerAllInOne(chart, 'jaeger');
  const collector = new OtelCollector(chart, 'collector', { exportTo: [jaeger], ...props });
  const objects = synth(chart);
  const name = collector.serviceName;
  return { chart, jaeger, collector, objects, name, config: configFile(objects, `${name}-config`, 'config.yaml') };
}

/** Only the collector's objects (not Jaeger's). */
function own(objects: ReturnType<typeof synth>) {
  return objects.filter(o => o.metadata.labels?.['app.kubernetes.io/name'] === 'opentelemetry-collector');
}

const agentProps: Partial<OtelCollectorProps> = { mode: CollectorMode.AGENT };

describe('OtelCollector gateway (default)', () => {
  test('defaults', () => {
    expect(own(build().objects)).toMatchSnapshot();
  });

  test('objects: ConfigMap, ServiceAccount, Deployment of 2, Service, headless Service, PodDisruptionBudget; no HPA', () => {
    const { objects } = build();
    expect(own(objects).map(o => `${o.kind}/${o.metadata.name}`)).toStrictEqual([
      'ConfigMap/otel-gateway-config', 'ServiceAccount/otel-gateway', 'Deployment/otel-gateway', 'NetworkPolicy/otel-gateway', 'Service/otel-gateway', 'Service/otel-gateway-headless',
      'PodDisruptionBudget/otel-gateway',
    ]);
    expect(find(objects, 'Deployment', 'otel-gateway').spec.replicas).toBe(2);
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toHaveLength(0);
    expect(ofKind(objects, 'DaemonSet')).toHaveLength(0);
  });

  test('the whole configuration: OTLP in, memory_limiter first, batch, one otlp exporter, health_check', () => {
    expect(build().config).toStrictEqual({
      receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317', keepalive: { server_parameters: { max_connection_age: '60s', max_connection_age_grace: '15s' } } }, http: { endpoint: '0.0.0.0:4318' } } } },
      processors: {
        memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 },
        batch: { timeout: '200ms', send_batch_size: 8192 },
      },
      exporters: {
        'otlp/jaeger': {
          endpoint: 'jaeger.tracing.svc:4317',
          tls: { insecure: true },
          compression: 'gzip',
          timeout: '10s',
          sending_queue: { enabled: true, num_consumers: 10, queue_size: 1000 },
          retry_on_failure: { enabled: true, initial_interval: '5s', max_interval: '30s', max_elapsed_time: '300s' },
        },
      },
      extensions: { health_check: { endpoint: '0.0.0.0:13133', path: '/' } },
      service: {
        extensions: ['health_check'],
        pipelines: { traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp/jaeger'] } },
        telemetry: {
          resource: { 'service.name': 'otel-gateway' },
          metrics: { level: 'normal', readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: 8888 } } } }] },
          logs: { level: 'info' },
        },
      },
    });
  });

  test('the container: default image, config file argument, four ports, GOMEMLIMIT', () => {
    const container = find(build().objects, 'Deployment', 'otel-gateway').spec.template.spec.containers[0];
    expect(container).toMatchObject({
      name: 'otel-collector',
      image: 'otel/opentelemetry-collector-contrib:0.140.1',
      imagePullPolicy: 'IfNotPresent',
      args: ['--config=file:/etc/otelcol/config.yaml'],
      env: [{ name: 'GOMEMLIMIT', value: '819MiB' }],
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
    });
    expect(container.ports).toStrictEqual([
      { name: 'otlp-grpc', containerPort: 4317, protocol: 'TCP' },
      { name: 'otlp-http', containerPort: 4318, protocol: 'TCP' },
      { name: 'health', containerPort: 13133, protocol: 'TCP' },
      { name: 'metrics', containerPort: 8888, protocol: 'TCP' },
    ]);
  });

  test('probes hit the health_check extension: port health (13133), path /', () => {
    const { objects, config } = build();
    const container = find(objects, 'Deployment', 'otel-gateway').spec.template.spec.containers[0];
    expect(container.readinessProbe.httpGet).toStrictEqual({ path: '/', port: 'health' });
    expect(container.livenessProbe.httpGet).toStrictEqual({ path: '/', port: 'health' });
    expect(container.ports.find((p: { name: string }) => p.name === 'health').containerPort).toBe(13133);
    expect(config.extensions.health_check).toStrictEqual({ endpoint: '0.0.0.0:13133', path: '/' });
  });

  test('Service: OTLP gRPC (appProtocol grpc), OTLP HTTP and metrics; no traffic policy', () => {
    const service = find(build().objects, 'Service', 'otel-gateway');
    expect(service.spec.internalTrafficPolicy).toBeUndefined();
    expect(service.spec.ports).toStrictEqual([
      { name: 'otlp-grpc', port: 4317, targetPort: 'otlp-grpc', protocol: 'TCP', appProtocol: 'grpc' },
      { name: 'otlp-http', port: 4318, targetPort: 'otlp-http', protocol: 'TCP' },
      { name: 'metrics', port: 8888, targetPort: 'metrics', protocol: 'TCP' },
    ]);
  });

  test('ServiceAccount token not mounted by default', () => {
    const { objects } = build();
    expect(find(objects, 'ServiceAccount', 'otel-gateway').automountServiceAccountToken).toBe(false);
    expect(find(objects, 'Deployment', 'otel-gateway').spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  test('automountServiceAccountToken mounts it', () => {
    const { objects } = build({ automountServiceAccountToken: true });
    expect(find(objects, 'ServiceAccount', 'otel-gateway').automountServiceAccountToken).toBe(true);
    expect(find(objects, 'Deployment', 'otel-gateway').spec.template.spec.automountServiceAccountToken).toBe(true);
  });

  test('pod annotations keep the configuration checksum, which follows the configuration', () => {
    const a = find(build().objects, 'Deployment', 'otel-gateway').spec.template.metadata.annotations;
    const b = find(build({ logLevel: 'debug', podAnnotations: { team: 'obs' } }).objects, 'Deployment', 'otel-gateway').spec.template.metadata.annotations;
    expect(a['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    expect(b.team).toBe('obs');
    expect(b['checksum/config']).not.toBe(a['checksum/config']);
  });

  test('PodDisruptionBudget: maxUnavailable selects the gateway pods', () => {
    const { objects } = build({ maxUnavailable: 2 });
    const pdb = find(objects, 'PodDisruptionBudget', 'otel-gateway');
    expect(pdb.spec.maxUnavailable).toBe(2);
    expect(find(objects, 'Deployment', 'otel-gateway').spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
  });

  test('replicas', () => {
    expect(find(build({ replicas: 5 }).objects, 'Deployment', 'otel-gateway').spec.replicas).toBe(5);
  });

  test('autoscaling: an HPA over the Deployment, which then has no fixed replicas', () => {
    const { objects } = build({ autoscaling: { minReplicas: 3, maxReplicas: 8, targetCpuUtilization: 60, targetMemoryUtilization: 75 } });
    expect(find(objects, 'Deployment', 'otel-gateway').spec.replicas).toBeUndefined();
    expect(find(objects, 'HorizontalPodAutoscaler', 'otel-gateway').spec).toStrictEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'otel-gateway' },
      minReplicas: 3,
      maxReplicas: 8,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 75 } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
    });
  });

  test('topology spread over zones and nodes', () => {
    const spread = find(build().objects, 'Deployment', 'otel-gateway').spec.template.spec.topologySpreadConstraints;
    expect(spread.map((s: { topologyKey: string }) => s.topologyKey)).toStrictEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
  });

  test('name, image, pull policy, resources and scheduling', () => {
    const { objects } = build({
      name: 'edge',
      image: 'registry.example.com/otelcol-custom:0.140.1',
      imagePullPolicy: 'Always',
      resources: { cpuRequest: '1', cpuLimit: '2', memoryRequest: '2Gi', memoryLimit: '2Gi' },
      nodeSelector: { pool: 'observability' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'observability', effect: 'NoSchedule' }],
      priorityClassName: 'high',
      imagePullSecrets: ['regcred'],
      serviceAnnotations: { 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true' },
    });
    const pod = find(objects, 'Deployment', 'edge').spec.template.spec;
    expect(pod.containers[0]).toMatchObject({
      image: 'registry.example.com/otelcol-custom:0.140.1',
      imagePullPolicy: 'Always',
      resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } },
      env: [{ name: 'GOMEMLIMIT', value: '1638MiB' }],
    });
    expect(pod).toMatchObject({ nodeSelector: { pool: 'observability' }, priorityClassName: 'high', imagePullSecrets: [{ name: 'regcred' }] });
    expect(pod.tolerations).toStrictEqual([{ key: 'dedicated', operator: 'Equal', value: 'observability', effect: 'NoSchedule' }]);
    expect(find(objects, 'Service', 'edge').metadata.annotations).toStrictEqual({ 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true' });
    expect(find(objects, 'ConfigMap', 'edge-config').data['config.yaml']).toContain('service.name: edge');
  });

  test('spanEndpoint: HTTP by default, gRPC on request', () => {
    const { collector } = build();
    expect(collector.spanEndpoint().url()).toBe('http://otel-gateway.tracing.svc:4318');
    expect(collector.spanEndpoint(SpanProtocol.OTLP_GRPC).hostPort).toBe('otel-gateway.tracing.svc:4317');
  });
});

describe('OtelCollector agent', () => {
  test('defaults', () => {
    expect(own(build(agentProps).objects)).toMatchSnapshot();
  });

  test('a DaemonSet and a Service with internalTrafficPolicy Local; no PDB, no HPA', () => {
    const { objects } = build(agentProps);
    expect(own(objects).map(o => `${o.kind}/${o.metadata.name}`)).toStrictEqual([
      'ConfigMap/otel-agent-config', 'ServiceAccount/otel-agent', 'DaemonSet/otel-agent', 'NetworkPolicy/otel-agent', 'Service/otel-agent',
    ]);
    expect(find(objects, 'Service', 'otel-agent').spec.internalTrafficPolicy).toBe('Local');
    expect(find(objects, 'DaemonSet', 'otel-agent').spec.updateStrategy).toStrictEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
  });

  test('agent resources and no topology spread', () => {
    const pod = find(build(agentProps).objects, 'DaemonSet', 'otel-agent').spec.template.spec;
    expect(pod.containers[0].resources).toStrictEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    expect(pod.topologySpreadConstraints).toBeUndefined();
  });

  test('an agent exports to a gateway over its headless Service, round-robin over its replicas', () => {
    const chart = testChart();
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    const gateway = new OtelCollector(chart, 'gateway', { exportTo: [jaeger] });
    new OtelCollector(chart, 'agent', { mode: CollectorMode.AGENT, exportTo: [gateway] });
    const objects = synth(chart);
    const config = configFile(objects, 'otel-agent-config', 'config.yaml');
    expect(Object.keys(config.exporters)).toStrictEqual(['otlp/otel-gateway']);
    // A gateway runs several replicas: over its headless Service, balanced round-robin.
    expect(config.exporters['otlp/otel-gateway'].endpoint).toBe('dns:///otel-gateway-headless.tracing.svc:4317');
    expect(config.exporters['otlp/otel-gateway'].balancer_name).toBe('round_robin');
    expect(find(objects, 'Service', 'otel-gateway-headless').spec).toStrictEqual({
      clusterIP: 'None',
      selector: find(objects, 'Deployment', 'otel-gateway').spec.selector.matchLabels,
      ports: [{ name: 'otlp-grpc', port: 4317, targetPort: 'otlp-grpc', protocol: 'TCP', appProtocol: 'grpc' }],
    });
    expect(wiringErrors(objects)).toStrictEqual([]);
  });
});

describe('OtelCollector exporters', () => {
  test('one exporter per target, named otlp/<service>, at <svc>.<ns>.svc:4317', () => {
    const chart = testChart();
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    const tempo = new TempoMonolithic(chart, 'tempo');
    new OtelCollector(chart, 'c', { exportTo: [jaeger, tempo] });
    const config = configFile(synth(chart), 'otel-gateway-config', 'config.yaml');
    expect(Object.keys(config.exporters)).toStrictEqual(['otlp/jaeger', 'otlp/tempo']);
    expect(config.exporters['otlp/jaeger'].endpoint).toBe('jaeger.tracing.svc:4317');
    expect(config.exporters['otlp/tempo'].endpoint).toBe('tempo.tracing.svc:4317');
    expect(config.service.pipelines.traces.exporters).toStrictEqual(['otlp/jaeger', 'otlp/tempo']);
  });

  test('over gRPC to receivers of several replicas: their headless Service, round-robin; single-replica receivers and HTTP as before', () => {
    const chart = testChart();
    const storage = new ElasticsearchStorage(chart, 'es', { serverUrls: ['https://es.example.com:9200'] });
    const collector = new JaegerCollector(chart, 'collector', { storage });
    const distributed = new TempoDistributed(chart, 'tempo', { storage: new S3Bucket(chart, 'bucket', { bucket: 'traces', region: 'eu-west-1' }), kafka: new StrimziKafka(chart, 'kafka', {}) });
    const monolithic = new TempoMonolithic(chart, 'mono', { name: 'tempo-mono' });
    new OtelCollector(chart, 'c', {
      exportTo: [collector, distributed, monolithic, { receiver: collector, protocol: SpanProtocol.OTLP_HTTP, name: 'jaeger-http' }],
    });
    const objects = synth(chart);
    const exporters = configFile(objects, 'otel-gateway-config', 'config.yaml').exporters;
    expect(exporters['otlp/jaeger-collector']).toMatchObject({ endpoint: 'dns:///jaeger-collector-headless.tracing.svc:4317', balancer_name: 'round_robin' });
    expect(exporters['otlp/tempo-distributor']).toMatchObject({ endpoint: 'dns:///tempo-distributor-headless.tracing.svc:4317', balancer_name: 'round_robin' });
    expect(exporters['otlp/tempo-mono']).toMatchObject({ endpoint: 'tempo-mono.tracing.svc:4317' });
    expect(exporters['otlp/tempo-mono'].balancer_name).toBeUndefined();
    expect(exporters['otlphttp/jaeger-http'].endpoint).toBe('http://jaeger-collector.tracing.svc:4318');
    // The headless Services select exactly the receivers' pods and serve OTLP gRPC only.
    for (const [service, workload] of [['jaeger-collector-headless', 'jaeger-collector'], ['tempo-distributor-headless', 'tempo-distributor']]) {
      const spec = find(objects, 'Service', service).spec;
      expect(spec.clusterIP).toBe('None');
      expect(spec.selector).toStrictEqual(find(objects, 'Deployment', workload).spec.selector.matchLabels);
      expect(spec.ports).toStrictEqual([{ name: 'otlp-grpc', port: 4317, targetPort: 'otlp-grpc', protocol: 'TCP', appProtocol: 'grpc' }]);
    }
    // The wiring check resolves each dns:/// endpoint to its headless Service and port (the
    // Elasticsearch cluster and the operator's Kafka bootstrap Service are outside this chart).
    expect(wiringErrors(objects, { externalEndpoints: ['es.example.com:9200', 'kafka-kafka-bootstrap.tracing.svc:9092'] })).toStrictEqual([]);
  });

  test('no headless Service where no OTLP gRPC is received; the all-in-one and the dev stack have none', () => {
    const chart = testChart();
    const storage = new ElasticsearchStorage(chart, 'es', { serverUrls: ['https://es.example.com:9200'] });
    const httpOnly = new JaegerCollector(chart, 'collector', { storage, protocols: [SpanProtocol.OTLP_HTTP] });
    expect(httpOnly.headlessService).toBeUndefined();
    expect(httpOnly.grpcReplicasEndpoint).toBeUndefined();
    const dev = new TracingStack(chart, 'dev', { preset: TracingPreset.DEV });
    expect(dev.grpcReplicasEndpoint).toBeUndefined();
    const agent = new OtelCollector(chart, 'agent', { mode: CollectorMode.AGENT, exportTo: [dev] });
    expect(agent.headlessService).toBeUndefined();
    expect(ofKind(synth(chart), 'Service').filter(o => o.spec.clusterIP === 'None')).toStrictEqual([]);
  });

  test('otlphttp with headers and an explicit name', () => {
    const chart = testChart();
    const tempo = new TempoMonolithic(chart, 'tempo');
    new OtelCollector(chart, 'c', { exportTo: [{ receiver: tempo, protocol: SpanProtocol.OTLP_HTTP, headers: { 'X-Scope-OrgID': 'team-a' }, name: 'tenant-a' }] });
    const config = configFile(synth(chart), 'otel-gateway-config', 'config.yaml');
    expect(config.exporters).toStrictEqual({
      'otlphttp/tenant-a': {
        endpoint: 'http://tempo.tracing.svc:4318',
        tls: { insecure: true },
        headers: { 'X-Scope-OrgID': 'team-a' },
        compression: 'gzip',
        timeout: '10s',
        sending_queue: { enabled: true, num_consumers: 10, queue_size: 1000 },
        retry_on_failure: { enabled: true, initial_interval: '5s', max_interval: '30s', max_elapsed_time: '300s' },
      },
    });
  });

  test('queue settings: size, consumers and retries', () => {
    const { config } = build({ queue: { queueSize: 5000, numConsumers: 4, initialInterval: Duration.seconds(1), maxInterval: Duration.seconds(10), maxElapsedTime: Duration.seconds(0) } });
    expect(config.exporters['otlp/jaeger'].sending_queue).toStrictEqual({ enabled: true, num_consumers: 4, queue_size: 5000 });
    expect(config.exporters['otlp/jaeger'].retry_on_failure).toStrictEqual({ enabled: true, initial_interval: '1s', max_interval: '10s', max_elapsed_time: '0s' });
  });

  test('persistent queue: file_storage extension and an emptyDir mounted where it writes', () => {
    const { objects, config } = build({ queue: { persistent: true } });
    expect(config.extensions['file_storage/queue']).toStrictEqual({
      directory: '/var/lib/otelcol/queue', timeout: '1s', fsync: false, compaction: { on_start: true, on_rebound: true, directory: '/var/lib/otelcol/queue' },
    });
    expect(config.service.extensions).toStrictEqual(['health_check', 'file_storage/queue']);
    // Batching moves after the disk: no batch processor holds acknowledged spans in memory.
    expect(config.exporters['otlp/jaeger'].sending_queue).toStrictEqual({
      enabled: true, num_consumers: 10, queue_size: 1000, storage: 'file_storage/queue',
      batch: { flush_timeout: '200ms', sizer: 'items', min_size: 8192 },
    });
    expect(config.service.pipelines.traces.processors).toStrictEqual(['memory_limiter']);
    expect(config.processors.batch).toBeUndefined();
    const pod = find(objects, 'Deployment', 'otel-gateway').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'queue', emptyDir: { sizeLimit: '1Gi' } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'queue', mountPath: '/var/lib/otelcol/queue' });
  });

  test('persistent queue: the batch settings become the queue\'s batching', () => {
    const { config } = build({ queue: { persistent: true }, batch: { timeout: '1s', send_batch_size: 1024, send_batch_max_size: 2048 } });
    expect(config.exporters['otlp/jaeger'].sending_queue.batch).toStrictEqual({ flush_timeout: '1s', sizer: 'items', min_size: 1024, max_size: 2048 });
  });

  test('memoryLimiter and batch settings', () => {
    const { config } = build({ memoryLimiter: { check_interval: '2s', limit_percentage: 70, spike_limit_percentage: 20 }, batch: { timeout: '1s', send_batch_size: 1024 } });
    expect(config.processors).toStrictEqual({
      memory_limiter: { check_interval: '2s', limit_percentage: 70, spike_limit_percentage: 20 },
      batch: { timeout: '1s', send_batch_size: 1024 },
    });
  });

  test('tailSampling on a gateway: memory_limiter, tail_sampling, batch', () => {
    const { config } = build({ replicas: 1, tailSampling: new SamplingPolicy({ ratio: 0.1, tail: {} }) });
    expect(config.service.pipelines.traces.processors).toStrictEqual(['memory_limiter', 'tail_sampling', 'batch']);
    expect(config.processors.tail_sampling).toStrictEqual(new SamplingPolicy({ ratio: 0.1, tail: {} }).tailSamplingConfig());
  });

  test('a target in another chart is declared as a prerequisite endpoint', () => {
    const app = Testing.app();
    const backends = new Chart(app, 'backends', { namespace: 'tracing' });
    const jaeger = new JaegerAllInOne(backends, 'jaeger');
    const edge = new Chart(app, 'edge', { namespace: 'edge' });
    new OtelCollector(edge, 'c', { exportTo: [jaeger] });
    expect(Prerequisites.of(edge).endpoints).toStrictEqual([
      { name: 'jaeger.tracing.svc:4317', purpose: "collector exports spans to: backends/jaeger, from chart 'backends'" },
    ]);
    expect(Prerequisites.of(backends).endpoints).toStrictEqual([]);
  });

  test('components added to config before synthesis are rendered', () => {
    const chart = testChart();
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    const collector = new OtelCollector(chart, 'c', { exportTo: [jaeger] });
    collector.config.addExporter('debug', { verbosity: 'basic' });
    collector.config.addPipeline('traces/debug', { receivers: ['otlp'], processors: ['memory_limiter'], exporters: ['debug'] });
    const config = configFile(synth(chart), 'otel-gateway-config', 'config.yaml');
    expect(config.exporters.debug).toStrictEqual({ verbosity: 'basic' });
    expect(validationErrors(chart)).toStrictEqual([]);
  });
});

describe('OtelCollector refuses to synthesize an unsound configuration', () => {
  function withUndefinedExporter(): { app: App; collector: OtelCollector } {
    const app = Testing.app();
    const chart = new Chart(app, 'test', { namespace: 'tracing' });
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    const collector = new OtelCollector(chart, 'c', { exportTo: [jaeger] });
    collector.config.addPipeline('traces/extra', { receivers: ['otlp'], processors: [], exporters: ['otlp/nowhere'] });
    return { app, collector };
  }

  test('fails if a pipeline names an undefined exporter: CollectorConfig.validate reports it', () => {
    expect(withUndefinedExporter().collector.config.validate())
      .toStrictEqual(["test/c: pipeline traces/extra names exporter 'otlp/nowhere', which is not defined"]);
  });

  test('fails if a pipeline names an undefined exporter: validationErrors and synthesizeApp refuse', () => {
    const { app } = withUndefinedExporter();
    expect(validationErrors(app)).toStrictEqual(["test/c: test/c: pipeline traces/extra names exporter 'otlp/nowhere', which is not defined"]);
    expect(() => synthesizeApp(app)).toThrow(/synthesis refused, 1 error\(s\):\n {2}test\/c: test\/c: pipeline traces\/extra names exporter 'otlp\/nowhere', which is not defined/);
  });

  test('fails if an added receiver listens on a port the collector already serves (at validation)', () => {
    const chart = testChart();
    const collector = new OtelCollector(chart, 'c', { exportTo: [new JaegerAllInOne(chart, 'jaeger')] });
    collector.config.addReceiver('otlp/legacy', { protocols: { http: { endpoint: '0.0.0.0:13133' } } });
    collector.config.addPipeline('traces/legacy', { receivers: ['otlp/legacy'], processors: ['memory_limiter'], exporters: collector.config.exporterIds });
    expect(validationErrors(chart)).toStrictEqual([
      "test/c: test/c: 'extensions.health_check.endpoint' must be an address on a port no other server of the collector listens on at an overlapping address "
        + '(0.0.0.0 overlaps every address): receivers.otlp/legacy protocols.http.endpoint listens on "0.0.0.0:13133", port 13133, got "0.0.0.0:13133"',
    ]);
  });
});

describe('OtelCollector validation', () => {
  const chart = () => testChart();

  test('fails if tail sampling runs on several replicas that no load balancer by trace id feeds', () => {
    expect(() => build({ tailSampling: new SamplingPolicy({ tail: {} }) }))
      .toThrow("test/collector: 'tailSampling' must be on one replica (replicas: 1), or on instances behind a load balancer by trace id (TailSamplingGateway); replicas is 2, got \"set\"");
    expect(() => build({ autoscaling: {}, tailSampling: new SamplingPolicy({ tail: {} }) })).toThrow(/replicas is autoscaled/);
    expect(() => build({ replicas: 3, tailSampling: new SamplingPolicy({ tail: {} }), loadBalancedByTraceId: true })).not.toThrow();
  });

  test('fails if it exports to a multitenant Tempo without the tenant header', () => {
    const c = chart();
    const tempo = new TempoMonolithic(c, 'tempo', { multitenancy: true });
    expect(() => new OtelCollector(c, 'c', { exportTo: [tempo] }))
      .toThrow("test/c: 'exportTo[0].headers' must be a 'X-Scope-OrgID' header: the receiver is multitenant and refuses spans without a tenant, got {}");
  });

  test('a multitenant Tempo gets its tenant header (any case)', () => {
    const c = chart();
    const tempo = new TempoMonolithic(c, 'tempo', { multitenancy: true });
    const collector = new OtelCollector(c, 'c', { exportTo: [{ receiver: tempo, headers: { 'x-scope-orgid': 'team-a' } }] });
    expect(collector.config.document.exporters['otlp/tempo']).toMatchObject({ headers: { 'x-scope-orgid': 'team-a' } });
  });

  test('fails if it exports to the sampling tier of a TailSamplingGateway (not through its load-balancing tier)', () => {
    const c = chart();
    const gateway = new TailSamplingGateway(c, 'sampling', { policy: new SamplingPolicy({ tail: {} }), exportTo: [new JaegerAllInOne(c, 'jaeger')] });
    expect(() => new OtelCollector(c, 'agent', { mode: CollectorMode.AGENT, exportTo: [gateway.sampler] }))
      .toThrow("test/agent: 'exportTo[0]' must be the TailSamplingGateway test/sampling itself or its load-balancing tier test/sampling/LoadBalancer (test/sampling/Sampler is a sampling tier: sent to directly, the spans of one trace are spread over its instances and each decides on a fragment), got \"test/sampling/Sampler\"");
    expect(() => new OtelCollector(c, 'agent2', { name: 'agent2', mode: CollectorMode.AGENT, exportTo: [{ receiver: gateway.sampler, protocol: SpanProtocol.OTLP_HTTP }] }))
      .toThrow(/^test\/agent2: 'exportTo\[0\]' must be the TailSamplingGateway test\/sampling itself/);
    expect(new OtelCollector(c, 'agent3', { name: 'agent3', mode: CollectorMode.AGENT, exportTo: [gateway] }).config.exporterIds).toStrictEqual(['otlp/otel-sampling-lb']);
    expect(new OtelCollector(c, 'agent4', { name: 'agent4', mode: CollectorMode.AGENT, exportTo: [gateway.loadBalancer] }).config.exporterIds).toStrictEqual(['otlp/otel-sampling-lb']);
  });

  test('fails if it exports to a collector that sits behind a load balancer by trace id', () => {
    const c = chart();
    const tier = new OtelCollector(c, 'tier', { name: 'tier', exportTo: [new JaegerAllInOne(c, 'jaeger')], tailSampling: new SamplingPolicy({ tail: {} }), loadBalancedByTraceId: true });
    expect(tier.loadBalancedByTraceId).toBe(true);
    expect(() => new OtelCollector(c, 'c', { exportTo: [tier] }))
      .toThrow("test/c: 'exportTo[0]' must be the load balancer by trace id in front of test/tier (a collector whose loadBalanceTo is its headless Service) "
        + "(test/tier is a sampling tier: sent to directly, the spans of one trace are spread over its instances and each decides on a fragment), got \"test/tier\"");
  });

  test('fails if there is no exportTo', () => {
    expect(() => new OtelCollector(chart(), 'c', {}))
      .toThrow("test/c: 'exportTo' must be at least one receiver to export to (a Jaeger, Tempo or collector construct), got 0");
  });

  test('fails if both exportTo and loadBalanceTo are set', () => {
    const c = chart();
    const jaeger = new JaegerAllInOne(c, 'jaeger');
    const loadBalanceTo = { endpoint: jaeger.spanEndpoint(SpanProtocol.OTLP_GRPC), resolver: LoadBalancerResolver.DNS };
    expect(() => new OtelCollector(c, 'c', { exportTo: [jaeger], loadBalanceTo }))
      .toThrow("test/c: 'loadBalanceTo' must be unset when exportTo is set (a collector either exports or load-balances), got \"jaeger.tracing.svc:4317\"");
  });

  test('fails if asked for a Zipkin endpoint', () => {
    expect(() => build().collector.spanEndpoint(SpanProtocol.ZIPKIN))
      .toThrow("test/collector: 'protocol' must be otlp-grpc or otlp-http (a collector receives OTLP only), got \"zipkin\"");
  });

  test('fails if two collectors in a chart share a name (at validation)', () => {
    const c = chart();
    const jaeger = new JaegerAllInOne(c, 'jaeger');
    new OtelCollector(c, 'a', { exportTo: [jaeger] });
    new OtelCollector(c, 'b', { exportTo: [jaeger] });
    expect(validationErrors(c)).toContain(
      "test: 'name' must be unique per kind and namespace: ConfigMap 'otel-gateway-config' is defined by both test/a/Config and test/b/Config (give one of them another name)");
  });

  test('fails if an agent does tail sampling', () => {
    expect(() => build({ mode: CollectorMode.AGENT, tailSampling: new SamplingPolicy({ tail: {} }) }))
      .toThrow(/^test\/collector: 'tailSampling' must be unset for an agent: tail sampling needs every span of a trace, .*\(TailSamplingGateway\), got "set"$/);
  });

  test('fails if an agent has replicas', () => {
    expect(() => build({ mode: CollectorMode.AGENT, replicas: 3 }))
      .toThrow("test/collector: 'replicas' must be unset for an agent (one pod per node), got 3");
  });

  test('fails if an agent has autoscaling', () => {
    expect(() => build({ mode: CollectorMode.AGENT, autoscaling: {} }))
      .toThrow("test/collector: 'autoscaling' must be unset for an agent (one pod per node), got {}");
  });

  test('fails if tailSampling has no tail settings', () => {
    expect(() => build({ tailSampling: new SamplingPolicy({ ratio: 0.1 }) }))
      .toThrow(/test\/collector: 'tailSampling' must be a SamplingPolicy with tail settings \(new SamplingPolicy\(\{ tail: \{\.\.\.\} \}\)\), got /);
  });

  test('fails if exporting with protocol ZIPKIN', () => {
    const c = chart();
    const jaeger = new JaegerAllInOne(c, 'jaeger');
    expect(() => new OtelCollector(c, 'c', { exportTo: [{ receiver: jaeger, protocol: SpanProtocol.ZIPKIN as SpanProtocol.OTLP_GRPC }] }))
      .toThrow("test/c: 'exportTo[0].protocol' must be otlp-grpc or otlp-http, got \"zipkin\"");
  });

  test('fails if two targets would get the same exporter name', () => {
    const c = chart();
    const jaeger = new JaegerAllInOne(c, 'jaeger');
    expect(() => new OtelCollector(c, 'c', { exportTo: [jaeger, { receiver: jaeger, protocol: SpanProtocol.OTLP_HTTP }] }))
      .toThrow("test/c: 'exportTo[1].name' must be a name no other target uses (set name on one of them), got \"jaeger\"");
  });

  test('fails if a target does not receive spans', () => {
    expect(() => new OtelCollector(chart(), 'c', { exportTo: [{} as JaegerAllInOne] }))
      .toThrow(/test\/c: 'exportTo\[0\]' must be a construct that receives spans \(JaegerCollector, .*\), got \{\}/);
  });

  test('fails if replicas are set while autoscaling', () => {
    expect(() => build({ replicas: 3, autoscaling: {} })).toThrow("test/collector: 'replicas' must be unset while autoscaling is on (set autoscaling.minReplicas), got 3");
  });

  test('fails if the image is :latest', () => {
    expect(() => build({ image: 'otel/opentelemetry-collector-contrib:latest' }))
      .toThrow(/test\/collector: 'image' must be an image reference pinned by tag or digest \(not :latest\).*, got "otel\/opentelemetry-collector-contrib:latest"/);
  });

  test('fails if maxElapsedTime is shorter than maxInterval', () => {
    expect(() => build({ queue: { maxElapsedTime: Duration.seconds(10) } }))
      .toThrow("test/collector: 'queue.maxElapsedTime' must be 0 (retry forever) or at least maxInterval (30s), got \"10s\"");
  });

  test('fails if a retry interval is not whole seconds', () => {
    expect(() => build({ queue: { initialInterval: Duration.millis(1500) } }))
      .toThrow("test/collector: 'queue.initialInterval (seconds)' must be an integer from 1 to 86400, got 1.5");
  });

  test('fails if the name is not a DNS label', () => {
    expect(() => build({ name: 'Otel_Gateway' })).toThrow(/test\/collector: 'name' must be a DNS label of at most 47 characters .*, got "Otel_Gateway"/);
  });
});

describeWithSchemas()('OtelCollector schemas and wiring', () => {
  test.each<[string, Partial<OtelCollectorProps>]>([
    ['gateway defaults', {}],
    ['agent defaults', agentProps],
    ['gateway with autoscaling, persistent queue and tail sampling', {
      autoscaling: { maxReplicas: 4 }, queue: { persistent: true }, tailSampling: new SamplingPolicy({ tail: {} }), loadBalancedByTraceId: true,
      tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
    }],
  ])('%s: every object validates and the chart is wired', (_, props) => {
    const { objects } = build(props);
    expect(schemaErrors(objects)).toStrictEqual([]);
    expect(wiringErrors(objects)).toStrictEqual([]);
  });
});
