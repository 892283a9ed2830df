import { Chart, Size, Testing } from 'cdk8s';
import {
  AzureBlobContainer, ExternalKafka, GcsBucket, IKafka, IObjectStorage, KafkaSaslMechanism, LocalObjectStorage, S3Bucket, SpanProtocol, StrimziKafka,
  TempoDistributed, TempoDistributedProps,
} from '../../constructs';
import { policyErrors } from '../_support/policy';
import { configFile, find, Manifest, ofKind, synth, testChart } from '../_support/synth';
import { describeWithSchemas, schemaErrors, wiringErrors } from '../_support/validate-manifests';
import { buildVariants, declared, saslKafka } from './_variants';

type Deps = { kafka?: IKafka; storage?: IObjectStorage };

/** A TempoDistributed on a StrimziKafka and an S3 bucket, unless `deps` gives others. */
function build(props: Partial<TempoDistributedProps> = {}, deps: (chart: Chart) => Deps = () => ({})) {
  const chart = testChart();
  const given = deps(chart);
  const kafka = 'kafka' in given ? given.kafka : new StrimziKafka(chart, 'kafka', { partitions: 6 });
  const storage = 'storage' in given ? given.storage : new S3Bucket(chart, 's3', { bucket: 'tempo-traces', endpoint: 'minio.storage.svc:9000', insecure: true });
  const tempo = new TempoDistributed(chart, 'tempo', { kafka, storage, ...props });
  const objects = synth(chart);
  return { chart, tempo, objects, config: configFile(objects, tempo.configMap.name, 'tempo.yaml') };
}

const workloads = (objects: Manifest[]) => [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'StatefulSet')];
const container = (w: Manifest & Record<string, any>) => w.spec.template.spec.containers[0];
const targetOf = (w: Manifest & Record<string, any>) => container(w).args.find((a: string) => a.startsWith('-target='))?.slice('-target='.length);
const remoteWrite = { url: 'http://prometheus.monitoring.svc:9090/api/v1/write' };
const variants = buildVariants().filter(v => v.name.startsWith('distributed'));

describe('TempoDistributed', () => {
  test('defaults', () => {
    expect(build().objects).toMatchSnapshot();
  });

  test('defaults: one workload per component, with its -target, kind and replicas', () => {
    const { objects } = build();
    expect(workloads(objects).map(w => `${w.kind}/${w.metadata.name} -target=${targetOf(w)} x${w.spec.replicas}`)).toStrictEqual([
      'Deployment/tempo-distributor -target=distributor x2',
      'Deployment/tempo-querier -target=querier x2',
      'Deployment/tempo-query-frontend -target=query-frontend x2',
      'Deployment/tempo-backend-scheduler -target=backend-scheduler x1',
      'Deployment/tempo-backend-worker -target=backend-worker x1',
      'StatefulSet/tempo-live-store -target=live-store x2',
      'StatefulSet/tempo-block-builder -target=block-builder x1',
    ]);
    expect(find(objects, 'Deployment', 'tempo-backend-scheduler').spec.strategy).toStrictEqual({ type: 'Recreate' });
  });

  test('labels: the ServiceAccount that every component runs as has no component label', () => {
    const { objects } = build();
    expect(find(objects, 'ServiceAccount', 'tempo').metadata.labels).toStrictEqual({
      'app.kubernetes.io/name': 'tempo', 'app.kubernetes.io/instance': 'tempo', 'app.kubernetes.io/version': '3.0.3',
      'app.kubernetes.io/part-of': 'cdk8s-tracing', 'app.kubernetes.io/managed-by': 'cdk8s',
    });
    expect(find(objects, 'ConfigMap', 'tempo-config').metadata.labels?.['app.kubernetes.io/component']).toBe('config');
  });

  test('defaults: the whole configuration, one file for every component', () => {
    expect(build().config).toStrictEqual({
      multitenancy_enabled: false,
      stream_over_http_enabled: true,
      server: { http_listen_port: 3200, grpc_listen_port: 9095, log_level: 'info', log_format: 'logfmt' },
      usage_report: { reporting_enabled: false },
      memberlist: { join_members: ['dns+tempo-gossip-ring.tracing.svc:7946'], bind_port: 7946, abort_if_cluster_join_fails: false },
      distributor: {
        receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317', keepalive: { server_parameters: { max_connection_age: '60s', max_connection_age_grace: '15s' } } }, http: { endpoint: '0.0.0.0:4318' } } } },
        ring: { kvstore: { store: 'memberlist' } },
      },
      ingest: {
        kafka: {
          address: 'kafka-kafka-bootstrap.tracing.svc:9092', topic: 'tempo-ingest', client_id: 'tempo', auto_create_topic_enabled: false, auto_create_topic_default_partitions: 0,
        },
      },
      live_store: { wal: { path: '/var/tempo/live-store/traces' }, shutdown_marker_dir: '/var/tempo/live-store/shutdown-marker' },
      block_builder: { partitions_per_instance: 2, wal: { path: '/var/tempo/block-builder/traces' } },
      querier: { frontend_worker: { frontend_address: 'tempo-query-frontend-discovery.tracing.svc:9095' } },
      query_frontend: { search: { max_duration: '168h' } },
      backend_scheduler: { local_work_path: '/var/tempo/backend-scheduler' },
      backend_worker: { backend_scheduler_addr: 'tempo-backend-scheduler.tracing.svc:9095', compaction: { block_retention: '336h' } },
      storage: {
        trace: {
          backend: 's3', wal: { path: '/var/tempo/wal' }, s3: { bucket: 'tempo-traces', endpoint: 'minio.storage.svc:9000', insecure: true, forcepathstyle: true },
        },
      },
      overrides: { defaults: {} },
    });
  });

  test('querier → query-frontend: frontend_address is the headless discovery Service on gRPC 9095, not-ready pods included', () => {
    const { config, objects, tempo } = build();
    const discovery = find(objects, 'Service', 'tempo-query-frontend-discovery');
    expect(config.querier.frontend_worker.frontend_address).toBe(`${discovery.metadata.name}.tracing.svc:9095`);
    expect(discovery.spec).toStrictEqual({
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: find(objects, 'Deployment', 'tempo-query-frontend').spec.selector.matchLabels,
      ports: [{ name: 'grpc', port: 9095, targetPort: 'grpc', protocol: 'TCP' }],
    });
    expect(tempo.queryFrontendDiscovery.name).toBe('tempo-query-frontend-discovery');
  });

  test('backend worker → scheduler: backend_scheduler_addr is the scheduler Service on gRPC 9095', () => {
    const { config, objects } = build();
    const scheduler = find(objects, 'Service', 'tempo-backend-scheduler');
    expect(config.backend_worker.backend_scheduler_addr).toBe('tempo-backend-scheduler.tracing.svc:9095');
    expect(scheduler.spec.ports).toContainEqual({ name: 'grpc', port: 9095, targetPort: 'grpc', protocol: 'TCP' });
    expect(scheduler.spec.selector).toStrictEqual(find(objects, 'Deployment', 'tempo-backend-scheduler').spec.selector.matchLabels);
  });

  test('memberlist: the ring members carry the gossip label and port, and the gossip Service selects exactly them', () => {
    const { config, objects } = build({ metricsGenerator: { remoteWrite: [remoteWrite] } });
    const gossip = find(objects, 'Service', 'tempo-gossip-ring');
    expect(config.memberlist.join_members).toStrictEqual([`dns+${gossip.metadata.name}.tracing.svc:7946`]);
    expect(gossip.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ name: 'gossip', port: 7946, targetPort: 'gossip', protocol: 'TCP' }] });
    const selected = workloads(objects).filter(w => Object.entries(gossip.spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v));
    expect(selected.map(w => w.metadata.name).sort()).toStrictEqual([
      'tempo-block-builder', 'tempo-distributor', 'tempo-live-store', 'tempo-metrics-generator', 'tempo-querier',
    ]);
    for (const w of workloads(objects)) {
      const member = selected.includes(w);
      expect([w.metadata.name, container(w).ports.some((p: any) => p.name === 'gossip' && p.containerPort === 7946)]).toStrictEqual([w.metadata.name, member]);
    }
  });

  test('backend workers: one runs unsharded; several share a memberlist ring and gossip', () => {
    const one = build();
    expect(one.config.backend_worker.ring).toBeUndefined();
    expect(find(one.objects, 'Deployment', 'tempo-backend-worker').spec.template.metadata.labels['tempo-gossip-member']).toBeUndefined();
    const three = build({ backendWorker: { replicas: 3 } });
    expect(three.config.backend_worker.ring).toStrictEqual({ kvstore: { store: 'memberlist' } });
    const worker = find(three.objects, 'Deployment', 'tempo-backend-worker');
    expect(worker.spec.replicas).toBe(3);
    expect(worker.spec.template.metadata.labels['tempo-gossip-member']).toBe('true');
  });

  test('live-store: a StatefulSet whose claim template is mounted at /var/tempo, 20Gi by default', () => {
    const { objects } = build({ liveStore: { replicas: 3, volume: { size: Size.gibibytes(40), storageClassName: 'fast-ssd' } } });
    const liveStore = find(objects, 'StatefulSet', 'tempo-live-store');
    expect(liveStore.spec.replicas).toBe(3);
    expect(liveStore.spec.volumeClaimTemplates.map((t: any) => ({ name: t.metadata.name, spec: t.spec }))).toStrictEqual([
      { name: 'data', spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast-ssd', resources: { requests: { storage: '40960Mi' } } } },
    ]);
    expect(container(liveStore).volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/tempo' });
    expect(liveStore.spec.template.spec.volumes.map((v: any) => v.name)).not.toContain('data');
    expect(liveStore.spec.template.spec.terminationGracePeriodSeconds).toBe(300);
    const defaults = find(build().objects, 'StatefulSet', 'tempo-live-store');
    expect(defaults.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20480Mi');
  });

  test('every pod has a writable /var/tempo (a claim for live-stores, an emptyDir elsewhere)', () => {
    const { objects } = build({ metricsGenerator: { remoteWrite: [remoteWrite] } });
    expect(workloads(objects)).toHaveLength(8);
    for (const w of workloads(objects)) {
      expect(container(w).volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/tempo' });
      const claim = (w.spec.volumeClaimTemplates ?? []).some((t: any) => t.metadata.name === 'data');
      const emptyDir = w.spec.template.spec.volumes.some((v: any) => v.name === 'data' && v.emptyDir);
      expect([w.metadata.name, claim || emptyDir, claim && emptyDir]).toStrictEqual([w.metadata.name, true, false]);
    }
  });

  test('zones: one live-store StatefulSet per zone, each pinned to its zone and named in the ring', () => {
    const { objects, tempo } = build({ liveStore: { zones: ['zone-a', 'zone-b'], replicas: 3 } });
    const sets = ofKind(objects, 'StatefulSet').filter(s => s.metadata.name.startsWith('tempo-live-store'));
    expect(sets.map(s => s.metadata.name)).toStrictEqual(['tempo-live-store-zone-a', 'tempo-live-store-zone-b']);
    expect(tempo.liveStores.map(l => l.workload.name)).toStrictEqual(['tempo-live-store-zone-a', 'tempo-live-store-zone-b']);
    for (const zone of ['zone-a', 'zone-b']) {
      const set = find(objects, 'StatefulSet', `tempo-live-store-${zone}`);
      expect(set.spec.replicas).toBe(3);
      expect(container(set).args).toStrictEqual(['-config.file=/etc/tempo/config/tempo.yaml', '-target=live-store', `-live-store.instance-availability-zone=${zone}`]);
      expect(set.spec.template.spec.nodeSelector).toStrictEqual({ 'topology.kubernetes.io/zone': zone });
      expect(set.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
      expect(find(objects, 'Service', `tempo-live-store-${zone}`).spec.selector).toStrictEqual(set.spec.selector.matchLabels);
    }
    // Each zone owns every partition once: the block-builders read the partitions of one zone.
    expect(configFile(objects, 'tempo-config', 'tempo.yaml').block_builder.partitions_per_instance).toBe(3);
  });

  test('zones without node pinning', () => {
    const { objects } = build({ liveStore: { zones: ['zone-a'], zoneNodeSelector: false } });
    expect(find(objects, 'StatefulSet', 'tempo-live-store-zone-a').spec.template.spec.nodeSelector).toBeUndefined();
  });

  test('partitions_per_instance: the live-stores\' partitions spread over the block-builders', () => {
    const ppi = (live: number, builders: number) => build({ liveStore: { replicas: live }, blockBuilder: { replicas: builders } }).config.block_builder.partitions_per_instance;
    expect(ppi(2, 1)).toBe(2);
    expect(ppi(2, 2)).toBe(1);
    expect(ppi(3, 2)).toBe(2);
    expect(ppi(6, 4)).toBe(2);
    expect(ppi(5, 5)).toBe(1);
  });

  test('Kafka with SASL: credentials from the Secret in env, expanded by -config.expand-env=true, only in Kafka clients', () => {
    const { objects, config } = build({ metricsGenerator: { remoteWrite: [remoteWrite] } }, chart => ({ kafka: saslKafka(chart) }));
    expect(config.ingest.kafka).toStrictEqual({
      address: 'redpanda.streaming.svc:9092', topic: 'tempo-ingest', client_id: 'tempo',
      sasl_username: '${KAFKA_SASL_USERNAME}', sasl_password: '${KAFKA_SASL_PASSWORD}',
      auto_create_topic_enabled: false, auto_create_topic_default_partitions: 0,
    });
    const saslEnv = [
      { name: 'KAFKA_SASL_USERNAME', valueFrom: { secretKeyRef: { name: 'redpanda-tempo', key: 'username' } } },
      { name: 'KAFKA_SASL_PASSWORD', valueFrom: { secretKeyRef: { name: 'redpanda-tempo', key: 'password' } } },
    ];
    const clients = ['distributor', 'live-store', 'block-builder', 'metrics-generator'];
    for (const w of workloads(objects)) {
      const c = container(w);
      // Every component reads the same file, so every one expands it (an unset variable expands to '').
      expect(c.args).toContain('-config.expand-env=true');
      const env = (c.env ?? []).filter((e: any) => e.name.startsWith('KAFKA_'));
      expect([targetOf(w), env]).toStrictEqual([targetOf(w), clients.includes(targetOf(w)) ? saslEnv : []]);
    }
    // The file holds placeholders only (checked above), never the Secret's name or content.
    expect(JSON.stringify(ofKind(objects, 'ConfigMap'))).not.toMatch(/redpanda-tempo/);
  });

  test('Kafka without SASL: no credentials and no env expansion', () => {
    const { objects, config } = build();
    expect(config.ingest.kafka.sasl_username).toBeUndefined();
    for (const w of workloads(objects)) expect(container(w).args).not.toContain('-config.expand-env=true');
  });

  test('ExternalKafka: the first bootstrap broker is the seed address, the topic is used as given', () => {
    const { config } = build({}, chart => ({
      kafka: new ExternalKafka(chart, 'kafka', { bootstrapServers: ['kafka-0.kafka.streaming.svc:9092', 'kafka-1.kafka.streaming.svc:9092'], topic: 'traces' }),
    }));
    expect(config.ingest.kafka).toMatchObject({ address: 'kafka-0.kafka.streaming.svc:9092', topic: 'traces' });
  });

  test('metrics generator: a Deployment that leaves its consumer group on shutdown, processors in overrides.defaults', () => {
    const { objects, config, tempo } = build({
      metricsGenerator: { remoteWrite: [{ ...remoteWrite, headers: { 'X-Scope-OrgID': 'ops' }, sendExemplars: false }], externalLabels: { cluster: 'prod' } },
      generator: { replicas: 3 },
    });
    expect(config.metrics_generator).toStrictEqual({
      storage: { path: '/var/tempo/generator/wal', remote_write: [{ url: remoteWrite.url, send_exemplars: false, headers: { 'X-Scope-OrgID': 'ops' } }] },
      registry: { external_labels: { cluster: 'prod' } },
      leave_consumer_group_on_shutdown: true,
    });
    expect(config.overrides.defaults).toStrictEqual({ metrics_generator: { processors: ['service-graphs', 'span-metrics'] } });
    const generator = find(objects, 'Deployment', 'tempo-metrics-generator');
    expect(generator.spec.replicas).toBe(3);
    expect(targetOf(generator)).toBe('metrics-generator');
    expect(tempo.metricsGeneratorWorkload?.workload.name).toBe('tempo-metrics-generator');
  });

  test('without a metrics generator: no Deployment and no metrics_generator block', () => {
    const { objects, config, tempo } = build();
    expect(ofKind(objects, 'Deployment').map(d => d.metadata.name)).not.toContain('tempo-metrics-generator');
    expect(config.metrics_generator).toBeUndefined();
    expect(tempo.metricsGeneratorWorkload).toBeUndefined();
  });

  test('multitenancy with tenants: per_tenant_override_config, the overrides file mounted in every component', () => {
    const { objects, config } = build({ multitenancy: true, overrides: { tenants: { 'team-a': { maxTracesPerUser: 50_000 } } } });
    expect(config.multitenancy_enabled).toBe(true);
    expect(config.overrides.per_tenant_override_config).toBe('/etc/tempo/overrides/overrides.yaml');
    expect(configFile(objects, 'tempo-overrides', 'overrides.yaml')).toStrictEqual({ overrides: { 'team-a': { ingestion: { max_traces_per_user: 50_000 } } } });
    for (const w of workloads(objects)) {
      expect(w.spec.template.spec.volumes).toContainEqual({ name: 'overrides', configMap: { name: 'tempo-overrides', items: [{ key: 'overrides.yaml', path: 'overrides.yaml' }] } });
      expect(container(w).volumeMounts).toContainEqual({ name: 'overrides', mountPath: '/etc/tempo/overrides', readOnly: true });
    }
  });

  test('object storage reaches every component: GCS key, Azure workload identity, AWS role', () => {
    const gcs = build({}, chart => ({ storage: new GcsBucket(chart, 'gcs', { bucket: 'tempo-traces', credentials: { secretName: 'tempo-gcs', key: 'key.json' } }) }));
    expect(gcs.config.storage.trace).toStrictEqual({ backend: 'gcs', wal: { path: '/var/tempo/wal' }, gcs: { bucket_name: 'tempo-traces' } });
    for (const w of workloads(gcs.objects)) {
      expect(container(w).env).toContainEqual({ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/etc/object-storage/gcs/key.json' });
      expect(container(w).volumeMounts).toContainEqual({ name: 'gcs-credentials', mountPath: '/etc/object-storage/gcs', readOnly: true });
    }

    const azure = build({}, chart => ({ storage: new AzureBlobContainer(chart, 'azure', { storageAccount: 'tracesprod', container: 'tempo', workloadIdentityClientId: 'client-id' }) }));
    expect(azure.config.storage.trace.azure).toStrictEqual({ storage_account_name: 'tracesprod', container_name: 'tempo', endpoint_suffix: 'blob.core.windows.net', use_federated_token: true });
    expect(find(azure.objects, 'ServiceAccount', 'tempo').metadata.annotations).toStrictEqual({ 'azure.workload.identity/client-id': 'client-id' });
    for (const w of workloads(azure.objects)) {
      expect(w.spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
      expect(w.spec.template.spec.serviceAccountName).toBe('tempo');
    }

    const aws = build({}, chart => ({ storage: new S3Bucket(chart, 's3', { bucket: 'tempo-traces', region: 'eu-west-1', serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/tempo' } }) }));
    expect(aws.config.storage.trace.s3).toStrictEqual({ bucket: 'tempo-traces', endpoint: 's3.eu-west-1.amazonaws.com', region: 'eu-west-1', insecure: false, forcepathstyle: false });
    expect(find(aws.objects, 'ServiceAccount', 'tempo').metadata.annotations).toStrictEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/tempo' });
  });

  test('spanEndpoint names the distributor Service; queryEndpoint the query-frontend on 3200', () => {
    const { tempo, objects } = build({ protocols: [SpanProtocol.OTLP_GRPC, SpanProtocol.JAEGER_THRIFT_HTTP] });
    expect(tempo.spanEndpoint(SpanProtocol.OTLP_GRPC).hostPort).toBe('tempo-distributor.tracing.svc:4317');
    expect(tempo.spanEndpoint(SpanProtocol.JAEGER_THRIFT_HTTP).url('http', '/api/traces')).toBe('http://tempo-distributor.tracing.svc:14268/api/traces');
    expect(tempo.queryEndpoint.url()).toBe('http://tempo-query-frontend.tracing.svc:3200');
    expect(find(objects, 'Service', 'tempo-distributor').spec.ports.map((p: any) => p.port)).toStrictEqual([4317, 14268, 3200, 9095]);
    expect(() => tempo.spanEndpoint()).toThrow(/^test\/tempo: 'protocol' must be one the distributor receives \(otlp-grpc, jaeger-thrift-http\), got "otlp-http"$/);
  });

  test('name: every object and every address in the file follows it', () => {
    const { objects, config } = build({ name: 'traces' });
    expect(objects.filter(o => o.apiVersion !== 'kafka.strimzi.io/v1').every(o => o.metadata.name.startsWith('traces'))).toBe(true);
    expect(config.memberlist.join_members).toStrictEqual(['dns+traces-gossip-ring.tracing.svc:7946']);
    expect(config.querier.frontend_worker.frontend_address).toBe('traces-query-frontend-discovery.tracing.svc:9095');
    expect(config.ingest.kafka.client_id).toBe('traces');
  });

  test('in a chart without a namespace, addresses are short Service names', () => {
    const chart = new Chart(Testing.app(), 'test', { disableResourceNameHashes: true });
    const tempo = new TempoDistributed(chart, 'tempo', { kafka: new StrimziKafka(chart, 'kafka'), storage: new S3Bucket(chart, 's3', { bucket: 'tempo-traces', region: 'eu-west-1' }) });
    const config = configFile(synth(chart), tempo.configMap.name, 'tempo.yaml');
    expect(config.memberlist.join_members).toStrictEqual(['dns+tempo-gossip-ring:7946']);
    expect(config.backend_worker.backend_scheduler_addr).toBe('tempo-backend-scheduler:9095');
  });

  test('PodDisruptionBudgets for every component with more than one pod, spread over nodes', () => {
    const { objects } = build();
    expect(ofKind(objects, 'PodDisruptionBudget').map(p => p.metadata.name)).toStrictEqual([
      'tempo-distributor', 'tempo-live-store', 'tempo-querier', 'tempo-query-frontend',
    ]);
    const distributor = find(objects, 'Deployment', 'tempo-distributor');
    expect(distributor.spec.template.spec.topologySpreadConstraints).toStrictEqual([
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: distributor.spec.selector.matchLabels } },
    ]);
  });

  test('fails if there is no Kafka', () => {
    expect(() => build({}, () => ({ kafka: undefined })))
      .toThrow(/^test\/tempo: 'kafka' must be a Kafka-compatible queue \(ExternalKafka or StrimziKafka\): in Tempo 3 microservices mode .*, got undefined$/);
  });

  test('fails if the topic has fewer partitions than live-stores', () => {
    expect(() => build({ liveStore: { replicas: 3 } }, chart => ({ kafka: new StrimziKafka(chart, 'kafka', { partitions: 2 }) })))
      .toThrow(/^test\/tempo: 'liveStore.replicas' must be at most 2, the partitions of Kafka topic "tempo-ingest" .*, got 3$/);
  });

  test('fails if there is no object storage', () => {
    expect(() => build({}, () => ({ storage: undefined })))
      .toThrow(/^test\/tempo: 'storage' must be an object store \(S3Bucket, GcsBucket, AzureBlobContainer\): in microservices mode .*, got undefined$/);
  });

  test('fails if the storage is local', () => {
    expect(() => build({}, () => ({ storage: new LocalObjectStorage() })))
      .toThrow(/^test\/tempo: 'storage' must be an object store \(S3Bucket, GcsBucket, AzureBlobContainer\): local storage only works in monolithic mode, got "local"$/);
  });

  test('fails if Kafka uses TLS, which Tempo 3.0 cannot speak', () => {
    expect(() => build({}, chart => ({ kafka: new ExternalKafka(chart, 'kafka', { bootstrapServers: ['kafka.example.com:9093'], topic: 'traces', tls: {} }) })))
      .toThrow(/^test\/tempo: 'kafka.tls' must be unset: Tempo 3.0 has no TLS settings for Kafka .*, got \{\}$/);
  });

  test('fails if Kafka uses SASL SCRAM', () => {
    const scram = (chart: Chart) => new ExternalKafka(chart, 'kafka', {
      bootstrapServers: ['kafka.streaming.svc:9092'],
      topic: 'traces',
      sasl: { mechanism: KafkaSaslMechanism.SCRAM_SHA_512, username: { secretName: 'kafka-user', key: 'username' }, password: { secretName: 'kafka-user', key: 'password' } },
    });
    expect(() => build({}, chart => ({ kafka: scram(chart) })))
      .toThrow(/^test\/tempo: 'kafka.sasl.mechanism' must be PLAIN: the only SASL mechanism Tempo 3.0 supports, got "SCRAM-SHA-512"$/);
  });

  test('fails if there are more block-builders than live-stores', () => {
    expect(() => build({ liveStore: { replicas: 2 }, blockBuilder: { replicas: 3 } }))
      .toThrow(/^test\/tempo: 'blockBuilder.replicas' must be at most liveStore.replicas \(2\): each block-builder consumes whole partitions, one more would idle, got 3$/);
  });

  test('fails if a zone is listed twice', () => {
    expect(() => build({ liveStore: { zones: ['zone-a', 'zone-a'] } }))
      .toThrow(/^test\/tempo: 'liveStore.zones' must be a list without duplicates, got \["zone-a","zone-a"\]$/);
  });

  test('fails if a zone is not a short DNS label', () => {
    expect(() => build({ liveStore: { zones: ['Zone_A'] } })).toThrow(/^test\/tempo: 'liveStore.zones\[0\]' must be a DNS label of at most 20 characters .*, got "Zone_A"$/);
  });

  test('fails if a zone would make a live-store StatefulSet name longer than 52 characters', () => {
    // `<name>-live-store-<zone>` plus a 10-character hash is the controller-revision-hash label (at most 63).
    const name = 'x'.repeat(30);
    expect(() => build({ name, liveStore: { zones: ['zone-0123456'] } }))
      .toThrow(/^test\/tempo: 'liveStore.zones\[0\]' must be a DNS label of at most 10 characters .*, got "zone-0123456"$/);
    const { objects } = build({ name, liveStore: { zones: ['zone-01234'] } });
    expect(ofKind(objects, 'StatefulSet').map(s => s.metadata.name.length)).toStrictEqual([52, 44]);
    expect(() => build({ liveStore: { zones: ['z'.repeat(21)] } })).toThrow(/'liveStore.zones\[0\]' must be a DNS label of at most 20 characters/);
  });

  test('fails if generator pods are configured without a metrics generator', () => {
    expect(() => build({ generator: { replicas: 2 } })).toThrow(/^test\/tempo: 'generator' must be unset unless metricsGenerator is configured, got \{"replicas":2\}$/);
  });

  test('fails if a component has no replicas', () => {
    expect(() => build({ querier: { replicas: 0 } })).toThrow(/^test\/tempo: 'querier.replicas' must be an integer from 1 to 1000, got 0$/);
    expect(() => build({ liveStore: { replicas: 1.5 } })).toThrow(/'liveStore.replicas' must be an integer from 1 to 1000, got 1.5/);
  });

  test('fails if the image is not pinned', () => {
    expect(() => build({ image: 'grafana/tempo:latest' })).toThrow(/^test\/tempo: 'image' must be an image reference pinned by tag or digest/);
  });
});

describe.each(variants)('$name', v => {
  test('production rules: restricted pods, pinned images, probes, labels', () => {
    expect(policyErrors(v.objects)).toStrictEqual([]);
  });

  test('wiring: selectors, ports, ConfigMaps, Secrets and every address in tempo.yaml resolve', () => {
    expect(wiringErrors(v.objects, declared(v.chart))).toStrictEqual([]);
  });
});

describeWithSchemas()('schemas', () => {
  test.each(variants)('$name validates against the Kubernetes and Strimzi schemas', v => {
    expect(schemaErrors(v.objects)).toStrictEqual([]);
  });
});

describe('the wiring check sees Tempo\'s addresses', () => {
  const v = variants[0];

  test('without the gossip, discovery and scheduler Services, the addresses in tempo.yaml are unresolved', () => {
    const gone = ['tempo-gossip-ring', 'tempo-query-frontend-discovery', 'tempo-backend-scheduler'];
    const broken = v.objects.filter(o => !(o.kind === 'Service' && gone.includes(o.metadata.name)));
    const errors = wiringErrors(broken, declared(v.chart));
    expect(errors.filter(e => e.startsWith('ConfigMap/tempo-config'))).toStrictEqual([
      expect.stringMatching(/^ConfigMap\/tempo-config: \/data\/tempo\.yaml#\/memberlist\/join_members\/0: address 'tempo-gossip-ring\.tracing\.svc:7946' names no Service of the input/),
      expect.stringMatching(/^ConfigMap\/tempo-config: \/data\/tempo\.yaml#\/querier\/frontend_worker\/frontend_address: address 'tempo-query-frontend-discovery\.tracing\.svc:9095'/),
      expect.stringMatching(/^ConfigMap\/tempo-config: \/data\/tempo\.yaml#\/backend_worker\/backend_scheduler_addr: address 'tempo-backend-scheduler\.tracing\.svc:9095'/),
    ]);
  });

  test('a gossip Service that selects no member is reported', () => {
    const broken = JSON.parse(JSON.stringify(v.objects)) as Manifest[];
    for (const w of workloads(broken)) delete w.spec.template.metadata.labels['tempo-gossip-member'];
    expect(wiringErrors(broken, declared(v.chart))).toStrictEqual([
      expect.stringMatching(/^Service\/tempo-gossip-ring: \/spec\/selector: selects no pod template in namespace 'tracing'/),
    ]);
  });
});
