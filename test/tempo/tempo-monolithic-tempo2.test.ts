import { Duration } from 'cdk8s';
import { MetricsGeneratorProcessor, S3Bucket, StrimziKafka, TempoDistributed, TempoMonolithic, TempoMonolithicProps } from '../../constructs';
import { TEMPO_2_IMAGE, TempoVersion } from '../../constructs/tempo/tempo-version';
import { policyErrors } from '../_support/policy';
import { configFile, find, synth, testChart } from '../_support/synth';
import { describeWithSchemas, schemaErrors, wiringErrors } from '../_support/validate-manifests';
import { buildTempo2Variants, declared } from './_variants';

function build(props: TempoMonolithicProps = {}) {
  const chart = testChart();
  const tempo = new TempoMonolithic(chart, 'tempo', { version: TempoVersion.TEMPO_2, ...props });
  const objects = synth(chart);
  const statefulSet = find(objects, 'StatefulSet', tempo.settings.name);
  return { chart, tempo, objects, statefulSet, pod: statefulSet.spec.template.spec, config: configFile(objects, tempo.configMap.name, 'tempo.yaml') };
}

const variants = buildTempo2Variants();

describe('TempoMonolithic with TempoVersion.TEMPO_2', () => {
  test('defaults', () => {
    expect(build().objects).toMatchSnapshot();
  });

  test('defaults: the whole Tempo 2.8 configuration (ingester and compactor, retention in the compactor)', () => {
    expect(build().config).toStrictEqual({
      target: 'all',
      multitenancy_enabled: false,
      stream_over_http_enabled: true,
      server: { http_listen_port: 3200, grpc_listen_port: 9095, log_level: 'info', log_format: 'logfmt' },
      usage_report: { reporting_enabled: false },
      distributor: { receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317', keepalive: { server_parameters: { max_connection_age: '60s', max_connection_age_grace: '15s' } } }, http: { endpoint: '0.0.0.0:4318' } } } } },
      ingester: { trace_idle_period: '10s', flush_check_period: '10s', max_block_duration: '30m' },
      query_frontend: { search: { max_duration: '168h' } },
      compactor: { compaction: { block_retention: '336h' } },
      storage: { trace: { backend: 'local', wal: { path: '/var/tempo/wal' }, local: { path: '/var/tempo/blocks' } } },
      overrides: { defaults: {} },
    });
  });

  test('the typed config says which release it is for', () => {
    const { tempo } = build();
    expect(tempo.settings.version).toBe(TempoVersion.TEMPO_2);
    expect('live_store' in tempo.config).toBe(false);
    expect('compactor' in tempo.config).toBe(true);
  });

  test('default image: the Tempo 2 build the suite proves; an explicit image wins', () => {
    expect(build().pod.containers[0].image).toBe(TEMPO_2_IMAGE);
    expect(TEMPO_2_IMAGE).toBe('grafana/tempo:main-87c2dc3');
    expect(build().statefulSet.metadata.labels?.['app.kubernetes.io/version']).toBe('main-87c2dc3');
    expect(build({ image: 'grafana/tempo:2.8.2' }).pod.containers[0].image).toBe('grafana/tempo:2.8.2');
  });

  test('retention goes to compactor.compaction.block_retention, per-tenant retention to the same overrides key as in 3.0', () => {
    const { config } = build({ retention: Duration.days(7), overrides: { defaults: { retention: Duration.days(3) } } });
    expect(config.compactor).toStrictEqual({ compaction: { block_retention: '168h' } });
    expect(config.overrides.defaults).toStrictEqual({ compaction: { block_retention: '72h' } });
    expect(config.backend_worker).toBeUndefined();
  });

  test('none of the Tempo 3 blocks: no live_store, backend_scheduler, backend_worker, memberlist or Kafka', () => {
    const { config } = build();
    for (const gone of ['live_store', 'backend_scheduler', 'backend_worker', 'block_builder', 'memberlist', 'ingest']) expect([gone, config[gone]]).toStrictEqual([gone, undefined]);
  });

  test('the shared blocks are the ones Tempo 3 renders, key for key', () => {
    const props: TempoMonolithicProps = {
      storage: new S3Bucket(testChart(), 's3', { bucket: 'tempo-traces', endpoint: 'minio:9000', insecure: true }),
      metricsGenerator: { remoteWrite: [{ url: 'http://prometheus:9090/api/v1/write' }], externalLabels: { cluster: 'dev' }, processors: [MetricsGeneratorProcessor.SPAN_METRICS] },
      multitenancy: true,
      maxSearchDuration: Duration.hours(24),
      logLevel: 'warn',
    };
    const two = build(props).config;
    const three = build({ ...props, version: TempoVersion.TEMPO_3 }).config;
    for (const key of ['target', 'multitenancy_enabled', 'stream_over_http_enabled', 'server', 'usage_report', 'distributor', 'query_frontend', 'metrics_generator', 'storage', 'overrides']) {
      expect([key, two[key]]).toStrictEqual([key, three[key]]);
    }
  });

  test('the pod is the one Tempo 3 runs: same volume, probes, ports and arguments', () => {
    const strip = (pod: any) => {
      const copy = JSON.parse(JSON.stringify(pod));
      copy.containers.forEach((c: any) => delete c.image);
      return copy;
    };
    const two = build();
    const three = build({ version: TempoVersion.TEMPO_3 });
    expect(strip(two.pod)).toStrictEqual(strip(three.pod));
    expect(two.statefulSet.spec.volumeClaimTemplates).toStrictEqual(three.statefulSet.spec.volumeClaimTemplates);
  });

  test('Tempo 3 output is unchanged by the switch: TEMPO_3 is the default', () => {
    expect(build({ version: TempoVersion.TEMPO_3 }).objects).toStrictEqual(synth((() => {
      const chart = testChart();
      new TempoMonolithic(chart, 'tempo');
      return chart;
    })()));
  });

  test('fails if the version is not one of the release lines', () => {
    expect(() => build({ version: 'tempo-1' as TempoVersion })).toThrow(/^test\/tempo: 'version' must be one of tempo-3, tempo-2, got "?tempo-1"?$/);
  });
});

describe('TempoDistributed with TempoVersion.TEMPO_2', () => {
  test('fails: the Tempo 2 microservices architecture is not supported here', () => {
    const chart = testChart();
    expect(() => new TempoDistributed(chart, 'tempo', {
      version: TempoVersion.TEMPO_2,
      kafka: new StrimziKafka(chart, 'kafka'),
      storage: new S3Bucket(chart, 's3', { bucket: 'tempo-traces', region: 'eu-west-1' }),
    })).toThrow(/^test\/tempo: 'version' must be tempo-3: TempoDistributed renders the Tempo 3 microservices architecture .* the Tempo 2 microservices architecture \(ingesters with replication, compactors\) is not supported here\. Use TempoMonolithic for Tempo 2, got "?tempo-2"?$/);
  });
});

describe.each(variants)('$name', v => {
  test('production rules: restricted pods, pinned images, probes, labels', () => {
    expect(policyErrors(v.objects)).toStrictEqual([]);
  });

  test('wiring: selectors, ports, ConfigMaps, Secrets and addresses in tempo.yaml resolve', () => {
    expect(wiringErrors(v.objects, declared(v.chart))).toStrictEqual([]);
  });
});

describeWithSchemas()('schemas', () => {
  test.each(variants)('$name validates against the Kubernetes schemas', v => {
    expect(schemaErrors(v.objects)).toStrictEqual([]);
  });
});
