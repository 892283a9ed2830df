import { Chart, Duration, Size } from 'cdk8s';
import {
  ALL_SPAN_PROTOCOLS, AzureBlobContainer, ExternalKafka, GcsBucket, IKafka, KafkaSaslMechanism, MetricsGeneratorProcessor, Prerequisites, S3Bucket,
  SpanProtocol, StrimziKafka, TempoBase, TempoDistributed, TempoMonolithic, TempoMonolithicProps, TempoVersion,
} from '../../constructs';
import { configFile, Manifest, synth, testChart } from '../_support/synth';

/** One rendered Tempo deployment, as the config-key, schema, policy and wiring checks read it. */
export interface TempoVariant {
  readonly name: string;
  readonly chart: Chart;
  readonly tempo: TempoBase;
  readonly objects: Manifest[];
}

/** What the wiring check is told exists outside the chart: the chart's declared prerequisites. */
export function declared(chart: Chart) {
  const p = Prerequisites.of(chart);
  return {
    userProvidedSecrets: p.secrets.map(s => s.name),
    userProvidedConfigMaps: p.configMaps.map(c => c.name),
    externalEndpoints: p.endpoints.map(e => e.name),
  };
}

/**
 * A Kafka-compatible queue with SASL PLAIN and no TLS, as a user's own `IKafka` (an in-cluster
 * Redpanda, say). Neither ExternalKafka (PLAIN needs TLS) nor StrimziKafka (no SASL) produces one,
 * and Tempo 3.0 speaks only PLAIN and no TLS: this is the only way to reach Tempo's SASL wiring.
 * Declares its brokers and Secret like ExternalKafka does.
 */
export function saslKafka(chart: Chart): IKafka {
  // Tempo 3.0 speaks SASL PLAIN without TLS only: the private-network opt-in of ExternalKafka.
  return new ExternalKafka(chart, 'redpanda', {
    bootstrapServers: ['redpanda.streaming.svc:9092'],
    topic: 'tempo-ingest',
    partitions: 4,
    sasl: {
      mechanism: KafkaSaslMechanism.PLAIN,
      username: { secretName: 'redpanda-tempo', key: 'username' },
      password: { secretName: 'redpanda-tempo', key: 'password' },
    },
    allowPlaintextSasl: true,
  });
}

const metricsGenerator = {
  remoteWrite: [
    { url: 'http://prometheus.monitoring.svc:9090/api/v1/write', headers: { 'X-Scope-OrgID': 'tracing' } },
    { url: 'https://mimir.example.com/api/v1/push', sendExemplars: false },
  ],
  externalLabels: { cluster: 'prod-eu', source: 'tempo' },
  processors: [MetricsGeneratorProcessor.SERVICE_GRAPHS, MetricsGeneratorProcessor.SPAN_METRICS, MetricsGeneratorProcessor.HOST_INFO],
};

const everyOverride = {
  ingestionRateLimitBytes: 20_000_000,
  ingestionBurstSizeBytes: 30_000_000,
  maxTracesPerUser: 50_000,
  maxBytesPerTrace: 10_000_000,
  retention: Duration.days(30),
  maxSearchDuration: Duration.hours(72),
  metricsGeneratorProcessors: [MetricsGeneratorProcessor.SPAN_METRICS_COUNT, MetricsGeneratorProcessor.SPAN_METRICS_LATENCY, MetricsGeneratorProcessor.SPAN_METRICS_SIZE],
};

/** A variant's tempo.yaml, parsed. */
export function tempoYaml(v: Pick<TempoVariant, 'objects' | 'tempo'>): any {
  return configFile(v.objects, v.tempo.configMap.name, 'tempo.yaml');
}

/** Monolithic props with every setting on: S3 with CA and credentials, every protocol, generator, tenants. */
function everythingOnS3(chart: Chart): TempoMonolithicProps {
  return {
    storage: new S3Bucket(chart, 's3', {
      bucket: 'tempo-traces',
      endpoint: 'minio.storage.svc:9000',
      prefix: 'prod/',
      credentials: { secretName: 'tempo-s3' },
      ca: { secretName: 'minio-ca', key: 'ca.crt' },
    }),
    protocols: [...ALL_SPAN_PROTOCOLS],
    metricsGenerator,
    multitenancy: true,
    retention: Duration.days(7),
    maxSearchDuration: Duration.hours(24),
    overrides: {
      defaults: { ingestionRateLimitBytes: 15_000_000, ingestionBurstSizeBytes: 20_000_000, maxBytesPerTrace: 5_000_000 },
      tenants: { 'team-a': everyOverride, 'team.b': { retention: Duration.hours(2) } },
    },
    logLevel: 'debug',
  };
}

function variant(name: string, build: (chart: Chart) => TempoBase): () => TempoVariant {
  return () => {
    const chart = testChart();
    const tempo = build(chart);
    return { name, chart, tempo, objects: synth(chart) };
  };
}

/** Every variant: each object store, both modes, metrics generator, tenants, zones, SASL, every protocol. */
export const VARIANTS: ReadonlyArray<() => TempoVariant> = [
  variant('monolithic: defaults (local storage)', chart => new TempoMonolithic(chart, 'tempo')),
  variant('monolithic: S3 with CA and credentials, every protocol, metrics generator, multitenancy with tenants', chart => new TempoMonolithic(chart, 'tempo', everythingOnS3(chart))),
  variant('monolithic: local storage, single-tenant overrides', chart => new TempoMonolithic(chart, 'tempo', {
    name: 'traces',
    volume: { size: Size.gibibytes(50), storageClassName: 'fast-ssd' },
    overrides: { tenants: { 'single-tenant': { maxTracesPerUser: 20_000, retention: Duration.days(3) } } },
  })),
  variant('distributed: AWS S3 (region, workload identity), StrimziKafka', chart => new TempoDistributed(chart, 'tempo', {
    kafka: new StrimziKafka(chart, 'kafka', { partitions: 3 }),
    storage: new S3Bucket(chart, 's3', { bucket: 'tempo-traces', region: 'eu-west-1', serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/tempo' } }),
  })),
  variant('distributed: GCS with a key, zones, 3 live-stores per zone, 2 block-builders', chart => new TempoDistributed(chart, 'tempo', {
    kafka: new StrimziKafka(chart, 'kafka', { partitions: 6 }),
    storage: new GcsBucket(chart, 'gcs', { bucket: 'tempo-traces', prefix: 'eu', credentials: { secretName: 'tempo-gcs', key: 'key.json' } }),
    liveStore: { zones: ['zone-a', 'zone-b', 'zone-c'], replicas: 3, volume: { size: Size.gibibytes(40), storageClassName: 'regional-ssd' } },
    blockBuilder: { replicas: 2 },
  })),
  variant('distributed: Azure account key, external plaintext Kafka, backend workers sharded', chart => new TempoDistributed(chart, 'tempo', {
    kafka: new ExternalKafka(chart, 'kafka', { bootstrapServers: ['kafka-0.kafka.streaming.svc:9092', 'kafka-1.kafka.streaming.svc:9092'], topic: 'traces', partitions: 12 }),
    storage: new AzureBlobContainer(chart, 'azure', { storageAccount: 'tracesprod', container: 'tempo', accountKey: { secretName: 'tempo-azure', key: 'account-key' } }),
    backendWorker: { replicas: 3 },
  })),
  variant('distributed: Azure workload identity, metrics generator, multitenancy with tenants', chart => new TempoDistributed(chart, 'tempo', {
    kafka: new StrimziKafka(chart, 'kafka'),
    storage: new AzureBlobContainer(chart, 'azure', { storageAccount: 'tracesprod', container: 'tempo', prefix: 'blocks', workloadIdentityClientId: '00000000-0000-0000-0000-000000000000' }),
    metricsGenerator,
    generator: { replicas: 2 },
    multitenancy: true,
    overrides: { defaults: { maxSearchDuration: Duration.hours(48), maxTracesPerUser: 20_000, retention: Duration.days(10) }, tenants: { 'team-a': everyOverride, 'team-b': { metricsGeneratorProcessors: [] } } },
  })),
  variant('distributed: GCS through a Private Service Connect endpoint, workload identity', chart => new TempoDistributed(chart, 'tempo', {
    kafka: new StrimziKafka(chart, 'kafka'),
    storage: new GcsBucket(chart, 'gcs', { bucket: 'tempo-traces', endpoint: 'https://storage-tempo.p.googleapis.com', serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': 'tempo@project.iam.gserviceaccount.com' } }),
  })),
  variant('monolithic: Azure emulator (endpoint suffix host:port) with an account key', chart => new TempoMonolithic(chart, 'tempo', {
    storage: new AzureBlobContainer(chart, 'azure', { storageAccount: 'devstoreaccount1', container: 'tempo', accountKey: { secretName: 'azurite', key: 'account-key' }, endpointSuffix: 'azurite.storage.svc:10000' }),
  })),
  variant('distributed: SASL PLAIN Kafka, every protocol, named "traces"', chart => new TempoDistributed(chart, 'tempo', {
    name: 'traces',
    kafka: saslKafka(chart),
    storage: new S3Bucket(chart, 's3', { bucket: 'tempo-traces', endpoint: 'minio.storage.svc:9000', insecure: true, credentials: { secretName: 'tempo-s3', accessKeyIdKey: 'user', secretAccessKeyKey: 'password' } }),
    protocols: [...ALL_SPAN_PROTOCOLS],
    liveStore: { replicas: 4 },
    blockBuilder: { replicas: 3 },
  })),
];

/**
 * The Tempo 2 renderings (monolithic mode only): each object store, the metrics generator,
 * tenants and every protocol, as `TempoVersion.TEMPO_2` renders them.
 */
export const TEMPO2_VARIANTS: ReadonlyArray<() => TempoVariant> = [
  variant('tempo 2 monolithic: defaults (local storage)', chart => new TempoMonolithic(chart, 'tempo', { version: TempoVersion.TEMPO_2 })),
  variant('tempo 2 monolithic: S3 with CA and credentials, every protocol, metrics generator, multitenancy with tenants', chart => new TempoMonolithic(chart, 'tempo', {
    version: TempoVersion.TEMPO_2,
    ...everythingOnS3(chart),
  })),
  variant('tempo 2 monolithic: local storage, single-tenant overrides, named "traces"', chart => new TempoMonolithic(chart, 'tempo', {
    version: TempoVersion.TEMPO_2,
    name: 'traces',
    overrides: { tenants: { 'single-tenant': { maxTracesPerUser: 20_000, retention: Duration.days(3), maxSearchDuration: Duration.hours(12) } } },
  })),
  variant('tempo 2 monolithic: GCS with a key', chart => new TempoMonolithic(chart, 'tempo', {
    version: TempoVersion.TEMPO_2,
    storage: new GcsBucket(chart, 'gcs', { bucket: 'tempo-traces', prefix: 'eu', credentials: { secretName: 'tempo-gcs', key: 'key.json' } }),
  })),
  variant('tempo 2 monolithic: Azure workload identity', chart => new TempoMonolithic(chart, 'tempo', {
    version: TempoVersion.TEMPO_2,
    storage: new AzureBlobContainer(chart, 'azure', { storageAccount: 'tracesprod', container: 'tempo', prefix: 'blocks', workloadIdentityClientId: '00000000-0000-0000-0000-000000000000' }),
  })),
  variant('tempo 2 monolithic: GCS emulator (plain HTTP endpoint, insecure)', chart => new TempoMonolithic(chart, 'tempo', {
    version: TempoVersion.TEMPO_2,
    storage: new GcsBucket(chart, 'gcs', { bucket: 'tempo-traces', endpoint: 'http://fake-gcs.storage.svc:4443', insecure: true }),
  })),
  variant('tempo 2 monolithic: Azure emulator (endpoint suffix host:port) with an account key', chart => new TempoMonolithic(chart, 'tempo', {
    version: TempoVersion.TEMPO_2,
    storage: new AzureBlobContainer(chart, 'azure', { storageAccount: 'devstoreaccount1', container: 'tempo', accountKey: { secretName: 'azurite', key: 'account-key' }, endpointSuffix: 'azurite.storage.svc:10000' }),
  })),
  variant('tempo 2 monolithic: AWS S3 with a region and workload identity', chart => new TempoMonolithic(chart, 'tempo', {
    version: TempoVersion.TEMPO_2,
    storage: new S3Bucket(chart, 's3', { bucket: 'tempo-traces', region: 'eu-west-1', serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/tempo' } }),
  })),
];

/** The Tempo 2 variants, built. */
export function buildTempo2Variants(): TempoVariant[] {
  return TEMPO2_VARIANTS.map(v => v());
}

/** The variants, built. */
export function buildVariants(): TempoVariant[] {
  return VARIANTS.map(v => v());
}

/** Protocols in the order the enum lists them. */
export const PROTOCOLS: readonly SpanProtocol[] = ALL_SPAN_PROTOCOLS;
