import { Duration, Size } from 'cdk8s';
import {
  MetricsGeneratorProcessor, S3Bucket, SpanProtocol, TempoMonolithic, TempoMonolithicProps,
} from '../../constructs';
import { policyErrors } from '../_support/policy';
import { configFile, find, ofKind, synth, testChart } from '../_support/synth';
import { describeWithSchemas, schemaErrors, wiringErrors } from '../_support/validate-manifests';
import { buildVariants, declared } from './_variants';

function build(props: TempoMonolithicProps = {}) {
  const chart = testChart();
  const tempo = new TempoMonolithic(chart, 'tempo', props);
  const objects = synth(chart);
  const statefulSet = find(objects, 'StatefulSet', tempo.settings.name);
  return { chart, tempo, objects, statefulSet, pod: statefulSet.spec.template.spec, config: configFile(objects, tempo.configMap.name, 'tempo.yaml') };
}

const remoteWrite = { url: 'http://prometheus.monitoring.svc:9090/api/v1/write' };
const variants = buildVariants().filter(v => v.name.startsWith('monolithic'));

describe('TempoMonolithic', () => {
  test('defaults', () => {
    expect(build().objects).toMatchSnapshot();
  });

  test('defaults: a ConfigMap, a ServiceAccount, a headless Service and a StatefulSet of one', () => {
    const { objects, statefulSet } = build();
    expect(objects.map(o => `${o.kind}/${o.metadata.name}`)).toStrictEqual(['ConfigMap/tempo-config', 'ServiceAccount/tempo', 'Service/tempo', 'StatefulSet/tempo', 'NetworkPolicy/tempo']);
    expect(statefulSet.spec).toMatchObject({ replicas: 1, serviceName: 'tempo', podManagementPolicy: 'Parallel' });
    expect(statefulSet.spec.template.spec.terminationGracePeriodSeconds).toBe(60);
  });

  test('labels: the ConfigMaps are the config component; the ServiceAccount, which every pod runs as, has no component', () => {
    const { objects } = build({ overrides: { tenants: { 'single-tenant': { maxTracesPerUser: 1 } } } });
    const common = { 'app.kubernetes.io/name': 'tempo', 'app.kubernetes.io/instance': 'tempo', 'app.kubernetes.io/version': '3.0.3', 'app.kubernetes.io/part-of': 'cdk8s-tracing', 'app.kubernetes.io/managed-by': 'cdk8s' };
    expect(find(objects, 'ServiceAccount', 'tempo').metadata.labels).toStrictEqual(common);
    expect(find(objects, 'ConfigMap', 'tempo-config').metadata.labels).toStrictEqual({ ...common, 'app.kubernetes.io/component': 'config' });
    expect(find(objects, 'ConfigMap', 'tempo-overrides').metadata.labels).toStrictEqual({ ...common, 'app.kubernetes.io/component': 'config' });
  });

  test('defaults: the whole configuration (target all, local blocks on the volume, 14 days, OTLP)', () => {
    expect(build().config).toStrictEqual({
      target: 'all',
      multitenancy_enabled: false,
      stream_over_http_enabled: true,
      server: { http_listen_port: 3200, grpc_listen_port: 9095, log_level: 'info', log_format: 'logfmt' },
      usage_report: { reporting_enabled: false },
      distributor: { receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317', keepalive: { server_parameters: { max_connection_age: '60s', max_connection_age_grace: '15s' } } }, http: { endpoint: '0.0.0.0:4318' } } } } },
      live_store: { wal: { path: '/var/tempo/live-store/traces' }, shutdown_marker_dir: '/var/tempo/live-store/shutdown-marker' },
      query_frontend: { search: { max_duration: '168h' } },
      backend_scheduler: { local_work_path: '/var/tempo/backend-scheduler' },
      backend_worker: { compaction: { block_retention: '336h' } },
      storage: { trace: { backend: 'local', wal: { path: '/var/tempo/wal' }, local: { path: '/var/tempo/blocks' } } },
      overrides: { defaults: {} },
    });
  });

  test('the volume: a 10Gi claim template mounted writable at /var/tempo, kept when the set is deleted', () => {
    const { statefulSet, pod } = build();
    expect(statefulSet.spec.volumeClaimTemplates).toStrictEqual([{
      metadata: { name: 'data', labels: { 'app.kubernetes.io/component': 'monolithic', 'app.kubernetes.io/instance': 'tempo', 'app.kubernetes.io/name': 'tempo' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10240Mi' } } },
    }]);
    expect(statefulSet.spec.persistentVolumeClaimRetentionPolicy).toStrictEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/tempo' });
    expect(pod.volumes.map((v: any) => v.name)).not.toContain('data');
  });

  test('volume: size and StorageClass', () => {
    const { statefulSet } = build({ volume: { size: Size.gibibytes(50), storageClassName: 'fast-ssd' } });
    expect(statefulSet.spec.volumeClaimTemplates[0].spec).toStrictEqual({
      accessModes: ['ReadWriteOnce'], storageClassName: 'fast-ssd', resources: { requests: { storage: '51200Mi' } },
    });
  });

  test('container: the config file, no -target (the file says all), pinned image, default resources', () => {
    const { pod } = build();
    const c = pod.containers[0];
    expect(c.args).toStrictEqual(['-config.file=/etc/tempo/config/tempo.yaml']);
    expect(c.image).toBe('grafana/tempo:3.0.3');
    expect(c.resources).toStrictEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } });
    expect(c.readinessProbe.httpGet).toStrictEqual({ path: '/ready', port: 'http' });
    expect(c.livenessProbe.tcpSocket).toStrictEqual({ port: 'http' });
    expect(pod.volumes).toContainEqual({ name: 'config', configMap: { name: 'tempo-config', items: [{ key: 'tempo.yaml', path: 'tempo.yaml' }] } });
  });

  test('the pod rolls when the configuration changes', () => {
    const checksum = (p: TempoMonolithicProps) => build(p).statefulSet.spec.template.metadata.annotations['checksum/config'];
    expect(checksum({})).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum({})).toBe(checksum({}));
    expect(checksum({ retention: Duration.days(7) })).not.toBe(checksum({}));
    expect(checksum({ overrides: { tenants: { 'single-tenant': { maxTracesPerUser: 1 } } } }))
      .not.toBe(checksum({ overrides: { tenants: { 'single-tenant': { maxTracesPerUser: 2 } } } }));
  });

  test('no memberlist, no Kafka, no gossip label: one process needs none', () => {
    const { config, statefulSet } = build();
    expect(config.memberlist).toBeUndefined();
    expect(config.ingest).toBeUndefined();
    expect(config.distributor.ring).toBeUndefined();
    expect(statefulSet.spec.template.metadata.labels['tempo-gossip-member']).toBeUndefined();
  });

  test('retention renders as a Go duration, which Tempo\'s time.Duration needs (14 days → 336h)', () => {
    const retention = (d: Duration) => build({ retention: d }).config.backend_worker.compaction.block_retention;
    expect(retention(Duration.days(14))).toBe('336h');
    expect(retention(Duration.hours(36))).toBe('36h');
    expect(retention(Duration.minutes(90))).toBe('90m');
    expect(retention(Duration.seconds(3601))).toBe('3601s');
  });

  test('maxSearchDuration and logLevel', () => {
    const { config } = build({ maxSearchDuration: Duration.days(2), logLevel: 'warn' });
    expect(config.query_frontend).toStrictEqual({ search: { max_duration: '48h' } });
    expect(config.server.log_level).toBe('warn');
  });

  test('protocols: receivers on every interface, container and Service ports with their protocol', () => {
    const { config, objects, pod } = build({ protocols: [SpanProtocol.JAEGER_THRIFT_COMPACT, SpanProtocol.ZIPKIN] });
    expect(config.distributor.receivers).toStrictEqual({
      jaeger: { protocols: { thrift_compact: { endpoint: '0.0.0.0:6831' } } },
      zipkin: { endpoint: '0.0.0.0:9411' },
    });
    const ports = find(objects, 'Service', 'tempo').spec.ports.map((p: any) => `${p.name} ${p.port}/${p.protocol}`);
    expect(ports).toStrictEqual(['thrift-compact 6831/UDP', 'zipkin 9411/TCP', 'http 3200/TCP', 'grpc 9095/TCP']);
    expect(pod.containers[0].ports.map((p: any) => p.containerPort)).toStrictEqual([6831, 9411, 3200, 9095]);
  });

  test('spanEndpoint and queryEndpoint name the Service', () => {
    const { tempo } = build({ protocols: [SpanProtocol.OTLP_GRPC, SpanProtocol.OTLP_HTTP, SpanProtocol.ZIPKIN] });
    expect(tempo.spanEndpoint().url()).toBe('http://tempo.tracing.svc:4318');
    expect(tempo.spanEndpoint(SpanProtocol.OTLP_GRPC).hostPort).toBe('tempo.tracing.svc:4317');
    expect(tempo.spanEndpoint(SpanProtocol.ZIPKIN).hostPort).toBe('tempo.tracing.svc:9411');
    expect(tempo.queryEndpoint.url()).toBe('http://tempo.tracing.svc:3200');
    expect(tempo.uiEndpoint).toBe(tempo.queryEndpoint);
  });

  test('name: every object is named after it', () => {
    const { objects, tempo } = build({ name: 'traces' });
    expect(objects.map(o => o.metadata.name)).toStrictEqual(['traces-config', 'traces', 'traces', 'traces', 'traces']);
    expect(tempo.queryEndpoint.hostPort).toBe('traces.tracing.svc:3200');
  });

  test('S3 storage: the storage block, credentials from the Secret, the CA mounted', () => {
    const chart = testChart();
    const storage = new S3Bucket(chart, 's3', {
      bucket: 'tempo-traces', endpoint: 'minio.storage.svc:9000', prefix: 'prod', credentials: { secretName: 'tempo-s3' }, ca: { secretName: 'minio-ca', key: 'ca.crt' },
    });
    const tempo = new TempoMonolithic(chart, 'tempo', { storage });
    const objects = synth(chart);
    expect(configFile(objects, 'tempo-config', 'tempo.yaml').storage).toStrictEqual({
      trace: {
        backend: 's3',
        wal: { path: '/var/tempo/wal' },
        s3: { bucket: 'tempo-traces', prefix: 'prod', endpoint: 'minio.storage.svc:9000', insecure: false, forcepathstyle: true, tls_ca_path: '/etc/object-storage/ca/ca.crt' },
      },
    });
    const pod = find(objects, 'StatefulSet', 'tempo').spec.template.spec;
    expect(pod.containers[0].env.slice(0, 2)).toStrictEqual([
      { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'tempo-s3', key: 'AWS_ACCESS_KEY_ID' } } },
      { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'tempo-s3', key: 'AWS_SECRET_ACCESS_KEY' } } },
    ]);
    expect(pod.volumes).toContainEqual({ name: 'object-storage-ca', secret: { secretName: 'minio-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'object-storage-ca', mountPath: '/etc/object-storage/ca', readOnly: true });
    expect(tempo.storage).toBe(storage);
    expect(JSON.stringify(ofKind(objects, 'ConfigMap'))).not.toMatch(/secret_key|access_key/);
  });

  test('metrics generator: WAL on the volume, remote write, labels, processors in overrides.defaults', () => {
    const { config } = build({
      metricsGenerator: { remoteWrite: [{ ...remoteWrite, headers: { 'X-Scope-OrgID': 'ops' } }], externalLabels: { cluster: 'dev' } },
    });
    expect(config.metrics_generator).toStrictEqual({
      storage: { path: '/var/tempo/generator/wal', remote_write: [{ url: remoteWrite.url, send_exemplars: true, headers: { 'X-Scope-OrgID': 'ops' } }] },
      registry: { external_labels: { cluster: 'dev' } },
    });
    expect(config.overrides.defaults).toStrictEqual({ metrics_generator: { processors: ['service-graphs', 'span-metrics'] } });
  });

  test('metrics generator: explicit processors, and a tenant that turns them off', () => {
    const { config, objects } = build({
      multitenancy: true,
      metricsGenerator: { remoteWrite: [remoteWrite], processors: [MetricsGeneratorProcessor.HOST_INFO] },
      overrides: { tenants: { quiet: { metricsGeneratorProcessors: [] } } },
    });
    expect(config.overrides.defaults.metrics_generator).toStrictEqual({ processors: ['host-info'] });
    expect(configFile(objects, 'tempo-overrides', 'overrides.yaml')).toStrictEqual({ overrides: { quiet: { metrics_generator: { processors: [] } } } });
  });

  test('tenants: the overrides file in its own ConfigMap, mounted and named by per_tenant_override_config', () => {
    const { config, objects, pod } = build({
      multitenancy: true,
      overrides: {
        defaults: { ingestionRateLimitBytes: 15_000_000, ingestionBurstSizeBytes: 20_000_000 },
        tenants: { 'team-a': { retention: Duration.days(30), maxSearchDuration: Duration.hours(72), maxBytesPerTrace: 10_000_000 } },
      },
    });
    expect(config.multitenancy_enabled).toBe(true);
    expect(config.overrides).toStrictEqual({
      defaults: { ingestion: { rate_limit_bytes: 15_000_000, burst_size_bytes: 20_000_000 } },
      per_tenant_override_config: '/etc/tempo/overrides/overrides.yaml',
    });
    expect(configFile(objects, 'tempo-overrides', 'overrides.yaml')).toStrictEqual({
      overrides: { 'team-a': { read: { max_search_duration: '72h' }, compaction: { block_retention: '720h' }, global: { max_bytes_per_trace: 10_000_000 } } },
    });
    expect(pod.volumes).toContainEqual({ name: 'overrides', configMap: { name: 'tempo-overrides', items: [{ key: 'overrides.yaml', path: 'overrides.yaml' }] } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'overrides', mountPath: '/etc/tempo/overrides', readOnly: true });
  });

  test('without tenants: no overrides ConfigMap and no overrides volume', () => {
    const { objects, pod, tempo } = build({ overrides: { defaults: { maxTracesPerUser: 5000 } } });
    expect(tempo.overridesConfigMap).toBeUndefined();
    expect(ofKind(objects, 'ConfigMap')).toHaveLength(1);
    expect(pod.volumes.map((v: any) => v.name)).not.toContain('overrides');
  });

  test('fails if retention is shorter than 1h', () => {
    expect(() => build({ retention: Duration.minutes(30) }))
      .toThrow(/^test\/tempo: 'retention' must be at least 1h, longer than the time blocks take to be cut and flushed .*, got "1800s"$/);
  });

  test('fails if a tenant\'s retention is shorter than 1h', () => {
    expect(() => build({ multitenancy: true, overrides: { tenants: { 'team-a': { retention: Duration.minutes(10) } } } }))
      .toThrow(/^test\/tempo: 'overrides.tenants\["team-a"\].retention' must be at least 1h: .*, got "600s"$/);
  });

  test('fails if the image is not pinned', () => {
    expect(() => build({ image: 'grafana/tempo:latest' })).toThrow(/^test\/tempo: 'image' must be an image reference pinned by tag or digest \(not :latest\).*, got "grafana\/tempo:latest"$/);
    expect(() => build({ image: 'grafana/tempo' })).toThrow(/'image' must be an image reference pinned/);
  });

  test('fails if a protocol is listed twice', () => {
    expect(() => build({ protocols: [SpanProtocol.OTLP_GRPC, SpanProtocol.OTLP_GRPC] }))
      .toThrow(/^test\/tempo: 'protocols' must be a list without duplicates, got \["otlp-grpc","otlp-grpc"\]$/);
  });

  test('fails if no protocol is listed', () => {
    expect(() => build({ protocols: [] })).toThrow(/'protocols' must be at least one of otlp-grpc, otlp-http, .*, got \[\]/);
  });

  test('fails if a named tenant is given without multitenancy', () => {
    expect(() => build({ overrides: { tenants: { 'team-a': { maxTracesPerUser: 1 } } } }))
      .toThrow(/^test\/tempo: 'overrides.tenants' must be only "single-tenant" without multitenancy \(set multitenancy: true for named tenants\), got "team-a"$/);
  });

  test('fails if processors are set without a metrics generator', () => {
    expect(() => build({ overrides: { defaults: { metricsGeneratorProcessors: [MetricsGeneratorProcessor.SPAN_METRICS] } } }))
      .toThrow(/^test\/tempo: 'overrides.defaults.metricsGeneratorProcessors' must be empty unless metricsGenerator is configured .*, got \["span-metrics"\]$/);
  });

  test('fails if the metrics generator has no remote write target, or a bad URL', () => {
    expect(() => build({ metricsGenerator: { remoteWrite: [] } })).toThrow(/'metricsGenerator.remoteWrite' must be at least one Prometheus remote-write URL/);
    expect(() => build({ metricsGenerator: { remoteWrite: [{ url: 'http://user:s3cret@prometheus:9090/api/v1/write' }] } }))
      .toThrow(new Error('test/tempo: \'metricsGenerator.remoteWrite[0].url\' must be an http(s) URL without user info, '
        + 'such as "http://prometheus.monitoring.svc:9090/api/v1/write", got "http://***@prometheus:9090/api/v1/write"'));
  });

  test('fails if maxSearchDuration is under a minute', () => {
    expect(() => build({ maxSearchDuration: Duration.seconds(30) })).toThrow(/^test\/tempo: 'maxSearchDuration' must be at least 1 minute, got "30s"$/);
  });

  test('fails if the name is not a short DNS label', () => {
    expect(() => build({ name: 'Tempo' })).toThrow(/^test\/tempo: 'name' must be a DNS label of at most 30 characters .*, got "Tempo"$/);
  });

  test('fails if asked for the endpoint of a protocol it does not receive', () => {
    expect(() => build().tempo.spanEndpoint(SpanProtocol.ZIPKIN))
      .toThrow(/^test\/tempo: 'protocol' must be one the distributor receives \(otlp-grpc, otlp-http\), got "zipkin"$/);
  });
});

describe.each(variants)('$name', v => {
  test('production rules: restricted pods, pinned images, probes, labels', () => {
    expect(policyErrors(v.objects)).toStrictEqual([]);
  });

  test('wiring: selectors, ports, ConfigMaps, Secrets and addresses in tempo.yaml resolve', () => {
    expect(wiringErrors(v.objects, declared(v.chart))).toStrictEqual([]);
  });

  test('every pod has a writable /var/tempo', () => {
    for (const w of ofKind(v.objects, 'StatefulSet')) {
      const mounts = w.spec.template.spec.containers[0].volumeMounts;
      expect(mounts).toContainEqual({ name: 'data', mountPath: '/var/tempo' });
    }
  });
});

describeWithSchemas()('schemas', () => {
  test.each(variants)('$name validates against the Kubernetes schemas', v => {
    expect(schemaErrors(v.objects)).toStrictEqual([]);
  });
});
