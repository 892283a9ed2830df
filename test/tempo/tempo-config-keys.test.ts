import { parse } from 'yaml';
import { SpanProtocol, TempoMonolithic } from '../../constructs';
import { configFile, synth, testChart } from '../_support/synth';
import { keyPaths, loadTempoKeys, tempoConfigKeyErrors, tempoOverridesFileKeyErrors } from './_config-keys';
import { buildVariants, PROTOCOLS, tempoYaml } from './_variants';

// Every key path the constructs render must be one Tempo 3.0.3 knows: Tempo parses its files
// strictly and refuses to start on an unknown key. The list comes from the v3.0.3 Go structs.
const KEYS = loadTempoKeys();
const variants = buildVariants();

describe('the Tempo 3.0.3 key list', () => {
  test('holds every key of app.Config, with its Go type', () => {
    expect(KEYS.size).toBe(1093);
    expect(KEYS.get('backend_worker.compaction.block_retention')).toBe('time.Duration');
    expect(KEYS.get('overrides.defaults.compaction.block_retention')).toBe('model.Duration');
    expect(KEYS.get('distributor.receivers')).toBe('map[string]interface {}');
    expect(KEYS.get('metrics_generator.registry.external_labels')).toBe('map[string]string');
    expect(KEYS.get('metrics_generator.storage.remote_write')).toBe('[]config.RemoteWriteConfig');
    expect(KEYS.get('storage.trace.s3')).toBe('(*s3.Config)');
    expect(KEYS.get('ingest.kafka.sasl_password')).toBe('flagext.Secret');
  });

  test('has none of the keys Tempo 3.0 removed', () => {
    for (const gone of ['compactor', 'ingester', 'ingester_client', 'ingest.enabled', 'ingest.kafka.tls_enabled', 'ingest.kafka.sasl_mechanism',
      'metrics_generator.processors', 'metrics_generator.processor.local_blocks', 'querier.query_live_store', 'block_builder.block.version']) {
      expect([gone, KEYS.has(gone)]).toStrictEqual([gone, false]);
    }
  });
});

describe.each(variants)('$name', v => {
  test('tempo.yaml: every key is a Tempo 3.0.3 key and every value fits its Go type', () => {
    expect(tempoConfigKeyErrors(KEYS, tempoYaml(v))).toStrictEqual([]);
  });

  test('overrides.yaml, when there is one: every tenant takes only keys of overrides.defaults', () => {
    const cm = v.tempo.overridesConfigMap;
    const config = tempoYaml(v);
    if (!cm) {
      expect(config.overrides.per_tenant_override_config).toBeUndefined();
      return;
    }
    const file = configFile(v.objects, cm.name, 'overrides.yaml');
    expect(Object.keys(file.overrides).length).toBeGreaterThan(0);
    expect(tempoOverridesFileKeyErrors(KEYS, file)).toStrictEqual([]);
    expect(config.overrides.per_tenant_override_config).toBe('/etc/tempo/overrides/overrides.yaml');
  });
});

describe.each(PROTOCOLS)('receiving %s only', protocol => {
  test('the receivers block has only known receivers, listening on every interface', () => {
    const chart = testChart();
    const tempo = new TempoMonolithic(chart, 'tempo', { protocols: [protocol] });
    const config = configFile(synth(chart), tempo.configMap.name, 'tempo.yaml');
    expect(tempoConfigKeyErrors(KEYS, config)).toStrictEqual([]);
    const receivers = config.distributor.receivers;
    expect(Object.keys(receivers).every(r => ['otlp', 'jaeger', 'zipkin'].includes(r))).toBe(true);
    const endpoints = JSON.stringify(receivers).match(/"endpoint":"[^"]*"/g);
    expect(endpoints).toStrictEqual([`"endpoint":"0.0.0.0:${tempo.spanEndpoint(protocol).port}"`]);
  });
});

test('the variants between them render every key of the typed model', () => {
  const rendered = new Set<string>();
  for (const v of variants) {
    keyPaths(tempoYaml(v)).forEach(p => rendered.add(p));
    if (v.tempo.overridesConfigMap) {
      const file = configFile(v.objects, v.tempo.overridesConfigMap.name, 'overrides.yaml');
      for (const limits of Object.values<object>(file.overrides)) keyPaths(limits, 'overrides.<tenant>').forEach(p => rendered.add(p));
    }
  }
  // Children of free-form maps (receivers, labels, headers) are the user's: leave them out.
  const paths = [...rendered].filter(p => !/^(distributor\.receivers|metrics_generator\.registry\.external_labels|metrics_generator\.storage\.remote_write\.headers)\./.test(p)).sort();
  expect(paths).toMatchSnapshot();
  expect(paths).toEqual(expect.arrayContaining([
    'target', 'memberlist.join_members', 'ingest.kafka.sasl_username', 'ingest.kafka.sasl_password', 'block_builder.partitions_per_instance',
    'querier.frontend_worker.frontend_address', 'backend_worker.backend_scheduler_addr', 'backend_worker.ring.kvstore.store',
    'metrics_generator.leave_consumer_group_on_shutdown', 'metrics_generator.registry.external_labels', 'metrics_generator.storage.remote_write.headers',
    'storage.trace.local.path', 'storage.trace.s3.region', 'storage.trace.s3.tls_ca_path', 'storage.trace.gcs.bucket_name', 'storage.trace.gcs.endpoint', 'storage.trace.gcs.insecure',
    'storage.trace.azure.use_federated_token', 'overrides.per_tenant_override_config', 'overrides.defaults.metrics_generator.processors',
    'overrides.<tenant>.ingestion.max_traces_per_user', 'overrides.<tenant>.read.max_search_duration', 'overrides.<tenant>.compaction.block_retention',
    'overrides.<tenant>.global.max_bytes_per_trace', 'overrides.<tenant>.metrics_generator.processors',
  ]));
});

describe('the check can fail', () => {
  const distributed = variants.find(v => v.name.startsWith('distributed: Azure workload identity'))!;
  const rendered = () => JSON.parse(JSON.stringify(tempoYaml(distributed)));

  test('a bogus key, anywhere, is reported with its path', () => {
    const doc = rendered();
    doc.bogus_key = 1;
    doc.ingest.kafka.tls_enabled = true;
    doc.storage.trace.azure.storage_acount_key = 'typo';
    expect(tempoConfigKeyErrors(KEYS, doc)).toStrictEqual([
      'ingest.kafka.tls_enabled: unknown key (Tempo 3.0.3 has no ingest.kafka.tls_enabled)',
      'storage.trace.azure.storage_acount_key: unknown key (Tempo 3.0.3 has no storage.trace.azure.storage_acount_key)',
      'bogus_key: unknown key (Tempo 3.0.3 has no bogus_key)',
    ]);
  });

  test('Tempo 2.x blocks are reported', () => {
    const doc = { ...rendered(), compactor: { compaction: { block_retention: '48h' } }, metrics_generator: { processors: ['service-graphs'] } };
    expect(tempoConfigKeyErrors(KEYS, doc)).toStrictEqual([
      'metrics_generator.processors: unknown key (Tempo 3.0.3 has no metrics_generator.processors)',
      'compactor: unknown key (Tempo 3.0.3 has no compactor)',
    ]);
  });

  test('values of the wrong Go type are reported: 14d for a time.Duration, a quoted port, a scalar for a block', () => {
    const doc = rendered();
    doc.backend_worker.compaction.block_retention = '14d';
    doc.server.http_listen_port = '3200';
    doc.server.log_level = 'verbose';
    doc.live_store = '/var/tempo';
    doc.memberlist.join_members = 'dns+tempo-gossip-ring:7946';
    expect(tempoConfigKeyErrors(KEYS, doc)).toStrictEqual([
      'server.http_listen_port: must be an integer (Go int), got "3200"',
      'server.log_level: must be one of debug, info, warn, error (Go log.Level), got "verbose"',
      'memberlist.join_members: must be a list of strings (Go flagext.StringSliceCSVMulti), got "dns+tempo-gossip-ring:7946"',
      'live_store: must be a mapping (Go livestore.Config), got "/var/tempo"',
      'backend_worker.compaction.block_retention: must be a Go duration such as "336h" or "90s" (Go time.Duration), got "14d"',
    ]);
  });

  test('children of map-typed keys are free, but not of the blocks around them; remote_write entries are checked', () => {
    const doc = rendered();
    doc.distributor.receivers.kafka = { brokers: ['kafka:9092'] };
    doc.metrics_generator.registry.external_labels.anything = 'goes';
    doc.metrics_generator.registry.externalLabels = { cluster: 'x' };
    doc.metrics_generator.storage.remote_write[0].bogus = 1;
    doc.metrics_generator.storage.remote_write[0].send_exemplars = 'yes';
    expect(tempoConfigKeyErrors(KEYS, doc)).toStrictEqual([
      'metrics_generator.storage.remote_write[0].send_exemplars: must be a boolean (Go bool), got "yes"',
      'metrics_generator.storage.remote_write[0].bogus: unknown key (Prometheus RemoteWriteConfig has no bogus)',
      'metrics_generator.registry.externalLabels: unknown key (Tempo 3.0.3 has no metrics_generator.registry.externalLabels)',
    ]);
  });

  test('a per-tenant key outside overrides.defaults, and a legacy flat key, are reported with the tenant', () => {
    const file = parse('overrides:\n  team-a:\n    ingestion: {bogus: 1}\n    max_traces_per_user: 10\n    compaction: {block_retention: 14 days}\nextra: {}\n');
    expect(tempoOverridesFileKeyErrors(KEYS, file)).toStrictEqual([
      'overrides.team-a.ingestion.bogus: unknown key (Tempo 3.0.3 has no overrides.defaults.ingestion.bogus)',
      'overrides.team-a.max_traces_per_user: unknown key (Tempo 3.0.3 has no overrides.defaults.max_traces_per_user)',
      'overrides.team-a.compaction.block_retention: must be a Prometheus duration such as "336h" or "14d" (Go model.Duration), got "14 days"',
      'extra: unknown key (a per-tenant overrides file has only "overrides")',
    ]);
  });

  test('a protocol the model does not know would not reach the file', () => {
    expect(() => new TempoMonolithic(testChart(), 'tempo', { protocols: ['otlp-websocket' as SpanProtocol] })).toThrow(/'protocols\[0\]' must be one of otlp-grpc/);
  });
});
