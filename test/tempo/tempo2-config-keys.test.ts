import { join } from 'path';
import { SpanProtocol, TempoMonolithic } from '../../constructs';
import { TempoVersion } from '../../constructs/tempo/tempo-version';
import { configFile, synth, testChart } from '../_support/synth';
import { keyPaths, loadTempoKeys, tempoConfigKeyErrors, tempoOverridesFileKeyErrors } from './_config-keys';
import { buildTempo2Variants, PROTOCOLS, tempoYaml } from './_variants';

// Every key path TempoVersion.TEMPO_2 renders must be one the Tempo 2 build the suite runs knows
// (grafana/tempo commit 87c2dc3, 2.8.0-pre): Tempo parses its files strictly and refuses to start
// on an unknown key. The list comes from that build's Go structs, walked like the 3.0.3 one.
const KEYS = loadTempoKeys(join(__dirname, '..', 'fixtures', 'tempo-2.x-config-keys.txt'), 'Tempo 2.8.0-pre-87c2dc3');
const KEYS3 = loadTempoKeys();
const variants = buildTempo2Variants();

describe('the Tempo 2.8.0-pre-87c2dc3 key list', () => {
  test('holds every key of app.Config, with its Go type', () => {
    expect(KEYS.size).toBe(1151);
    expect(KEYS.get('compactor.compaction.block_retention')).toBe('time.Duration');
    expect(KEYS.get('compactor.ring.wait_stability_min_duration')).toBe('time.Duration');
    expect(KEYS.get('ingester.trace_idle_period')).toBe('time.Duration');
    expect(KEYS.get('overrides.defaults.compaction.block_retention')).toBe('model.Duration');
    expect(KEYS.get('metrics_generator.processor.local_blocks')).toBe('(localblocks.Config)');
    expect(KEYS.get('metrics_generator.storage.remote_write')).toBe('[]config.RemoteWriteConfig');
    expect(KEYS.get('storage.trace.s3')).toBe('(*s3.Config)');
  });

  test('has the 2.x blocks and none of the 3.0 ones', () => {
    for (const present of ['ingester', 'ingester_client', 'compactor', 'metrics_generator_client', 'backend_scheduler', 'backend_worker', 'block_builder', 'ingest.enabled']) {
      expect([present, KEYS.has(present)]).toStrictEqual([present, true]);
    }
    for (const gone of ['live_store', 'partition_ring_live_store', 'mcp_server']) expect([gone, KEYS.has(gone)]).toStrictEqual([gone, false]);
  });
});

describe.each(variants)('$name', v => {
  test('tempo.yaml: every key is a Tempo 2.8 key and every value fits its Go type', () => {
    expect(tempoConfigKeyErrors(KEYS, tempoYaml(v))).toStrictEqual([]);
  });

  test('tempo.yaml is not a Tempo 3 file: 3.0.3 refuses its ingester and compactor', () => {
    const errors = tempoConfigKeyErrors(KEYS3, tempoYaml(v));
    expect(errors).toEqual(expect.arrayContaining([
      'ingester: unknown key (Tempo 3.0.3 has no ingester)',
      'compactor: unknown key (Tempo 3.0.3 has no compactor)',
    ]));
  });

  test('overrides.yaml, when there is one: every tenant takes only keys of overrides.defaults (the scoped format 2.8 reads too)', () => {
    const cm = v.tempo.overridesConfigMap;
    if (!cm) return;
    const file = configFile(v.objects, cm.name, 'overrides.yaml');
    expect(tempoOverridesFileKeyErrors(KEYS, file)).toStrictEqual([]);
  });
});

describe.each(PROTOCOLS)('receiving %s only', protocol => {
  test('the receivers block is accepted by the 2.8 key list', () => {
    const chart = testChart();
    const tempo = new TempoMonolithic(chart, 'tempo', { version: TempoVersion.TEMPO_2, protocols: [protocol as SpanProtocol] });
    expect(tempoConfigKeyErrors(KEYS, configFile(synth(chart), tempo.configMap.name, 'tempo.yaml'))).toStrictEqual([]);
  });
});

test('the Tempo 2 variants between them render every key of the 2.x model', () => {
  const rendered = new Set<string>();
  for (const v of variants) {
    keyPaths(tempoYaml(v)).forEach(p => rendered.add(p));
    if (v.tempo.overridesConfigMap) {
      const file = configFile(v.objects, v.tempo.overridesConfigMap.name, 'overrides.yaml');
      for (const limits of Object.values<object>(file.overrides)) keyPaths(limits, 'overrides.<tenant>').forEach(p => rendered.add(p));
    }
  }
  const paths = [...rendered].filter(p => !/^(distributor\.receivers|metrics_generator\.registry\.external_labels|metrics_generator\.storage\.remote_write\.headers)\./.test(p)).sort();
  expect(paths).toMatchSnapshot();
  expect(paths).toEqual(expect.arrayContaining([
    'ingester.trace_idle_period', 'ingester.flush_check_period', 'ingester.max_block_duration', 'compactor.compaction.block_retention',
    'metrics_generator.registry.external_labels', 'metrics_generator.storage.remote_write.headers', 'storage.trace.local.path', 'storage.trace.s3.region',
    'storage.trace.s3.tls_ca_path', 'storage.trace.gcs.bucket_name', 'storage.trace.gcs.endpoint', 'storage.trace.gcs.insecure', 'storage.trace.azure.use_federated_token', 'overrides.per_tenant_override_config',
    'overrides.defaults.metrics_generator.processors', 'overrides.<tenant>.ingestion.max_traces_per_user', 'overrides.<tenant>.read.max_search_duration',
    'overrides.<tenant>.compaction.block_retention', 'overrides.<tenant>.global.max_bytes_per_trace', 'overrides.<tenant>.metrics_generator.processors',
  ]));
});

test('the check can fail: a Tempo 3 key in a Tempo 2 file is reported', () => {
  const doc = { ...tempoYaml(variants[0]), live_store: { wal: { path: '/var/tempo/live-store' } }, bogus_key: 1 };
  expect(tempoConfigKeyErrors(KEYS, doc)).toStrictEqual([
    'live_store: unknown key (Tempo 2.8.0-pre-87c2dc3 has no live_store)',
    'bogus_key: unknown key (Tempo 2.8.0-pre-87c2dc3 has no bogus_key)',
  ]);
});
