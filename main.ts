import { App, AppProps, Chart, Duration, Size, YamlOutputType } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import {
  CollectorMode,
  HeadSampler,
  InstrumentationLanguage,
  OperatorInstrumentation,
  OtelCollector,
  OtelCollectorOperatorInstance,
  RemoteSamplingProtocol,
  SamplingPolicy,
  TailSamplingGateway,
  TailSamplingPolicy,
  instrumentWorkload,
  GrafanaDatasources,
  JaegerOperatorInstance,
  S3Bucket,
  SpanProtocol,
  StrimziKafka,
  TempoDistributed,
  TempoMonolithic,
  TraceDashboard,
  TraceSearch,
  TracingIngress,
  JaegerOperatorStorageType,
  JaegerOperatorStrategy,
  SamplingStrategies,
  SamplingStrategy,
  SearchEngine,
  TracingPreset,
  TracingNamespace,
  TracingStack,
  TracingDefaults,
  TracingDefaultsProps,
  TracingMonitoring,
  TracingMonitoringProps,
  synthesizeApp,
} from './constructs';

/** Variations of the example app, for tests. */
export interface ExampleOptions {
  /** Chart-wide defaults set in every chart, before its components. @default - none */
  readonly defaults?: TracingDefaultsProps;
}

/**
 * The example stacks, one Chart (and one file in dist/) each:
 * - `jaeger-dev`: Jaeger v2 all-in-one with in-memory storage, for development.
 * - `jaeger-production`: Jaeger v2 collector and query over Elasticsearch, ingress, remote sampling,
 *   Grafana datasource.
 * - `jaeger-operator`: the Jaeger Operator `Jaeger` resource of the seed (v1 compatibility), and an
 *   OpenTelemetry Operator `OpenTelemetryCollector` gateway exporting to it.
 * - `tempo-monolithic`: Tempo 3 in one process on a persistent volume, Grafana datasource.
 * - `tempo-production`: Tempo 3 microservices on S3 with an in-cluster Kafka (Strimzi), live-stores
 *   in two zones, metrics-generator, ingress, Grafana datasources and the seed's searches.
 * - `trace-pipeline`: the OpenTelemetry Collector pipeline in front of both: a node agent, a two-tier
 *   tail-sampling gateway (load balancing by trace id, then sampling) exporting to the production
 *   Jaeger and Tempo, and two sample applications, one wired by `instrumentWorkload`, one by the
 *   OpenTelemetry Operator's `Instrumentation` with Jaeger remote sampling.
 */
export function buildApp(props: AppProps = {}, options: ExampleOptions = {}): App {
  const app = new App({ yamlOutputType: YamlOutputType.FILE_PER_CHART, ...props });
  const newChart = (id: string, namespace: string): Chart => {
    const chart = new Chart(app, id, { namespace, disableResourceNameHashes: true });
    if (options.defaults) new TracingDefaults(chart, 'defaults', options.defaults);
    return chart;
  };

  const dev = newChart('jaeger-dev', 'tracing-dev');
  new TracingStack(dev, 'tracing', { preset: TracingPreset.DEV });
  new TracingMonitoring(dev, 'monitoring', { dashboard: false });

  const prod = newChart('jaeger-production', 'tracing');
  const jaegerProduction = new TracingStack(prod, 'tracing', {
    preset: TracingPreset.PRODUCTION,
    elasticsearch: {
      engine: SearchEngine.ELASTICSEARCH,
      serverUrls: ['https://elasticsearch-es-http.elastic-system.svc:9200'],
      indexPrefix: 'prod',
      shards: 3,
      replicas: 1,
      credentials: { secretName: 'jaeger-es-credentials' },
      tls: { ca: { secretName: 'jaeger-es-ca', key: 'ca.crt' } },
      indexCleaner: { retentionDays: 14 },
      rollover: { enabled: true, conditions: '{"max_age": "1d", "max_primary_shard_size": "50gb"}' },
    },
    sampling: new SamplingStrategies({
      defaultStrategy: SamplingStrategy.probabilistic(0.01),
      services: [
        {
          service: 'checkout',
          strategy: SamplingStrategy.probabilistic(0.1),
          operations: [{ operation: 'GET /healthz', strategy: SamplingStrategy.probabilistic(0) }],
        },
        { service: 'frontend', strategy: SamplingStrategy.rateLimiting(100) },
      ],
    }),
    ingress: {
      host: 'jaeger.example.com',
      ingressClassName: 'nginx',
      tlsSecretName: 'jaeger-tls',
      annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' },
      otlp: { host: 'otlp.example.com' },
    },
  });

  new GrafanaDatasources(prod, 'grafana', {
    jaeger: { endpoint: jaegerProduction.uiEndpoint },
    logs: { datasourceUid: 'loki' },
  });
  new TracingMonitoring(prod, 'monitoring', PRODUCTION_MONITORING);

  const operator = newChart('jaeger-operator', 'observability');
  new TracingNamespace(operator, 'namespace');
  const operatorJaeger = new JaegerOperatorInstance(operator, 'jaeger', {
    name: 'jaeger-production',
    strategy: JaegerOperatorStrategy.PRODUCTION,
    storage: { type: JaegerOperatorStorageType.ELASTICSEARCH, elasticsearch: { serverUrls: ['http://elasticsearch:9200'] } },
    ingress: { enabled: true },
  });
  // For clusters that run the OpenTelemetry Operator too: a gateway as an OpenTelemetryCollector.
  new OtelCollectorOperatorInstance(operator, 'collector', { exportTo: [operatorJaeger] });
  new TracingMonitoring(operator, 'monitoring', PRODUCTION_MONITORING);

  const tempoDev = newChart('tempo-monolithic', 'tempo-dev');
  new TracingNamespace(tempoDev, 'namespace');
  const monolithic = new TempoMonolithic(tempoDev, 'tempo', {
    protocols: [SpanProtocol.OTLP_GRPC, SpanProtocol.OTLP_HTTP, SpanProtocol.ZIPKIN],
    retention: Duration.days(3),
  });
  new GrafanaDatasources(tempoDev, 'grafana', { tempo: { endpoint: monolithic.queryEndpoint, uid: 'tempo-dev', name: 'Tempo (dev)' } });
  new TracingMonitoring(tempoDev, 'monitoring', { dashboard: false });

  const tempoProd = newChart('tempo-production', 'tempo');
  new TracingNamespace(tempoProd, 'namespace');
  const bucket = new S3Bucket(tempoProd, 'bucket', {
    bucket: 'example-tempo-traces',
    region: 'eu-west-1',
    serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/tempo-traces' },
  });
  const kafka = new StrimziKafka(tempoProd, 'kafka', { partitions: 3, topic: 'tempo-ingest' });
  const tempo = new TempoDistributed(tempoProd, 'tempo', {
    storage: bucket,
    kafka,
    retention: Duration.days(14),
    protocols: [SpanProtocol.OTLP_GRPC, SpanProtocol.OTLP_HTTP, SpanProtocol.JAEGER_THRIFT_HTTP, SpanProtocol.ZIPKIN],
    liveStore: { replicas: 3, zones: ['eu-west-1a', 'eu-west-1b'] },
    metricsGenerator: { remoteWrite: [{ url: 'http://prometheus.monitoring.svc:9090/api/v1/write' }], externalLabels: { cluster: 'production' } },
    overrides: {
      defaults: { ingestionRateLimitBytes: 20_000_000, ingestionBurstSizeBytes: 30_000_000, maxBytesPerTrace: 10_000_000 },
    },
  });
  new TracingIngress(tempoProd, 'ingress', {
    host: 'tempo.example.com',
    ui: tempo,
    otlp: { receiver: tempo, host: 'otlp.tempo.example.com' },
    ingressClassName: 'nginx',
    tlsSecretName: 'tempo-tls',
  });
  const datasources = new GrafanaDatasources(tempoProd, 'grafana', {
    tempo: { endpoint: tempo.queryEndpoint },
    logs: { datasourceUid: 'loki' },
    metrics: { datasourceUid: 'prometheus' },
  });
  new TraceDashboard(tempoProd, 'dashboard', {
    datasources,
    searches: [
      TraceSearch.slowRequests({ service: 'checkout', minDuration: Duration.seconds(1) }),
      TraceSearch.errors({ service: 'checkout' }),
      TraceSearch.errors({ httpStatusAtLeast: 500 }),
    ],
  });

  // Alerts on the applications too: Tempo's metrics-generator writes their span metrics.
  new TracingMonitoring(tempoProd, 'monitoring', {
    ...PRODUCTION_MONITORING,
    objectives: [{ service: 'checkout', availability: 0.999, latency: { threshold: Duration.millis(512), target: 0.99 } }],
  });

  buildTracePipeline(newChart('trace-pipeline', 'telemetry'), { jaeger: jaegerProduction, tempo });
  return app;
}

/**
 * Monitors and alerts of the production stacks, for a kube-prometheus-stack release named
 * `kube-prometheus-stack` (its Prometheus selects monitors and rules by `release`), routed to the
 * platform team.
 */
const PRODUCTION_MONITORING: TracingMonitoringProps = {
  labels: { release: 'kube-prometheus-stack' },
  alertLabels: { team: 'platform' },
};

/**
 * Why the sample applications keep choices that manifest scanners flag, as Checkov's suppression
 * annotations (the library writes the same kind of note on its own workloads).
 */
const SAMPLE_APP_SCANNER_NOTES = {
  'checkov.io/skip1': 'CKV_K8S_11=no CPU limit: the request reserves the CPU and a limit would throttle bursts',
  'checkov.io/skip2': 'CKV_K8S_15=the demo image is pinned to its release tag, so IfNotPresent spares a pull per pod start',
  'checkov.io/skip3': 'CKV_K8S_43=the demo image is pinned to the OpenTelemetry demo release tag 2.1.3',
  'checkov.io/skip4': 'CKV2_K8S_6=a sample application stands for the user\'s own, whose NetworkPolicy is the user\'s to write (the library\'s workloads have theirs)',
};

/** The `trace-pipeline` example stack: agent, tail-sampling gateway, instrumented applications. */
function buildTracePipeline(chart: Chart, backends: { jaeger: TracingStack; tempo: TempoDistributed }): void {
  new TracingNamespace(chart, 'namespace');

  // One policy: SDKs send every trace; the gateway keeps errors, slow traces and 5% of the rest, and
  // never health checks.
  const policy = new SamplingPolicy({
    ratio: 0.05,
    tail: {
      decisionWait: Duration.seconds(10),
      numTraces: 100_000,
      expectedNewTracesPerSec: 2_000,
      keepSlowerThan: Duration.millis(500),
      drop: { 'health-checks': TailSamplingPolicy.stringAttribute('url.path', ['/healthz', '/readyz', '/livez']) },
    },
  });
  const gateway = new TailSamplingGateway(chart, 'sampling', {
    policy,
    exportTo: [backends.jaeger, backends.tempo],
    queue: { queueSize: 5_000 },
  });
  const agent = new OtelCollector(chart, 'agent', { mode: CollectorMode.AGENT, exportTo: [gateway] });

  // A cdk8s-plus Deployment wired to the node agent in one call.
  const checkout = sampleApp(chart, 'checkout', 'ghcr.io/open-telemetry/demo:2.1.3-checkout');
  instrumentWorkload(checkout, {
    exportTo: agent,
    sampling: policy,
    resourceAttributes: { 'service.version': '2.1.3', 'deployment.environment.name': 'production' },
  });

  // A raw Deployment instrumented by the OpenTelemetry Operator's Java agent, head-sampled by the
  // strategies that the production Jaeger serves (the Java sampler speaks gRPC).
  const instrumentation = new OperatorInstrumentation(chart, 'instrumentation', {
    exportTo: agent,
    sampling: HeadSampler.parentBasedJaegerRemote({ source: backends.jaeger, protocol: RemoteSamplingProtocol.GRPC, pollingInterval: Duration.seconds(30) }),
    resourceAttributes: { 'deployment.environment.name': 'production' },
  });
  const labels = { 'app.kubernetes.io/name': 'payments', 'app.kubernetes.io/instance': 'payments', 'app.kubernetes.io/component': 'api',
    'app.kubernetes.io/version': '2.1.3', 'app.kubernetes.io/part-of': 'shop', 'app.kubernetes.io/managed-by': 'cdk8s' };
  const payments = new k8s.KubeDeployment(chart, 'payments', {
    metadata: { name: 'payments', labels, annotations: SAMPLE_APP_SCANNER_NOTES },
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'payments', 'app.kubernetes.io/instance': 'payments' } },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'payments',
            image: 'ghcr.io/open-telemetry/demo:2.1.3-fraud-detection',
            ports: [{ name: 'http', containerPort: 8080 }],
            resources: { requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('256Mi') }, limits: { memory: k8s.Quantity.fromString('512Mi') } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
            readinessProbe: { httpGet: { path: '/readyz', port: k8s.IntOrString.fromString('http') } },
            livenessProbe: { httpGet: { path: '/livez', port: k8s.IntOrString.fromString('http') } },
          }],
        },
      },
    },
  });
  instrumentation.inject(payments, InstrumentationLanguage.JAVA);

  new TracingMonitoring(chart, 'monitoring', PRODUCTION_MONITORING);
}

/** A sample application: a restricted cdk8s-plus Deployment with probes and resources. */
function sampleApp(chart: Chart, name: string, image: string): plus.Deployment {
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name, 'app.kubernetes.io/component': 'api',
    'app.kubernetes.io/version': '2.1.3', 'app.kubernetes.io/part-of': 'shop', 'app.kubernetes.io/managed-by': 'cdk8s' };
  const deployment = new plus.Deployment(chart, name, {
    metadata: { name, labels, annotations: SAMPLE_APP_SCANNER_NOTES },
    podMetadata: { labels },
    replicas: 2,
    automountServiceAccountToken: false,
    securityContext: { ensureNonRoot: true, user: 10001, group: 10001 },
  });
  deployment.addContainer({
    name,
    image,
    portNumber: 8080,
    imagePullPolicy: plus.ImagePullPolicy.IF_NOT_PRESENT,
    securityContext: {
      ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, user: 10001, group: 10001,
      capabilities: { drop: [plus.Capability.ALL] }, seccompProfile: { type: plus.SeccompProfileType.RUNTIME_DEFAULT },
    },
    resources: { cpu: { request: plus.Cpu.millis(100) }, memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) } },
    readiness: plus.Probe.fromHttpGet('/readyz', { port: 8080 }),
    liveness: plus.Probe.fromHttpGet('/livez', { port: 8080 }),
  });
  return deployment;
}

if (require.main === module) {
  try {
    synthesizeApp(buildApp());
  } catch (e) {
    process.stderr.write(`cdk8s-tracing: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
