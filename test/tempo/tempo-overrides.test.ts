import { Duration } from 'cdk8s';
import {
  MetricsGeneratorProcessor, renderTenantOverrides, requireTenantId, SINGLE_TENANT, TempoMonolithic, TempoMonolithicProps, TenantOverrides,
} from '../../constructs';
import { configFile, synth, testChart } from '../_support/synth';

const HOUR = Duration.hours(1);

function render(o: TenantOverrides) {
  return renderTenantOverrides('test', 'overrides', o, HOUR);
}

/** The overrides as a TempoMonolithic renders them: defaults in tempo.yaml, tenants in overrides.yaml. */
function build(props: TempoMonolithicProps) {
  const chart = testChart();
  const tempo = new TempoMonolithic(chart, 'tempo', props);
  const objects = synth(chart);
  return {
    defaults: configFile(objects, 'tempo-config', 'tempo.yaml').overrides.defaults,
    file: tempo.overridesConfigMap ? configFile(objects, 'tempo-overrides', 'overrides.yaml') : undefined,
  };
}

const every: TenantOverrides = {
  ingestionRateLimitBytes: 20_000_000,
  ingestionBurstSizeBytes: 30_000_000,
  maxTracesPerUser: 50_000,
  maxBytesPerTrace: 10_000_000,
  retention: Duration.days(30),
  maxSearchDuration: Duration.minutes(90),
  metricsGeneratorProcessors: [MetricsGeneratorProcessor.SERVICE_GRAPHS, MetricsGeneratorProcessor.SPAN_METRICS_LATENCY],
};

describe('tenant overrides', () => {
  test('every override, rendered in Tempo\'s scoped format', () => {
    expect(render(every)).toMatchSnapshot();
  });

  test('nothing set renders nothing: Tempo keeps its own defaults', () => {
    expect(render({})).toStrictEqual({});
    expect(build({}).defaults).toStrictEqual({});
  });

  test('each override lands on its key, durations as Go durations', () => {
    expect(render(every)).toStrictEqual({
      ingestion: { rate_limit_bytes: 20_000_000, burst_size_bytes: 30_000_000, max_traces_per_user: 50_000 },
      read: { max_search_duration: '90m' },
      compaction: { block_retention: '720h' },
      metrics_generator: { processors: ['service-graphs', 'span-metrics-latency'] },
      global: { max_bytes_per_trace: 10_000_000 },
    });
    expect(render({ retention: Duration.days(14) })).toStrictEqual({ compaction: { block_retention: '336h' } });
    expect(render({ maxTracesPerUser: 1 })).toStrictEqual({ ingestion: { max_traces_per_user: 1 } });
  });

  test('the processor list is copied, not shared', () => {
    const processors = [MetricsGeneratorProcessor.HOST_INFO];
    const rendered = render({ metricsGeneratorProcessors: processors });
    processors.push(MetricsGeneratorProcessor.SPAN_METRICS);
    expect(rendered.metrics_generator).toStrictEqual({ processors: ['host-info'] });
  });

  test('processors are the names Tempo 3.0 knows (local-blocks is gone)', () => {
    expect(Object.values(MetricsGeneratorProcessor)).toStrictEqual([
      'service-graphs', 'span-metrics', 'span-metrics-count', 'span-metrics-latency', 'span-metrics-size', 'host-info',
    ]);
  });

  test('defaults go to overrides.defaults in tempo.yaml, tenants to the runtime file', () => {
    const { defaults, file } = build({
      multitenancy: true,
      overrides: { defaults: { maxBytesPerTrace: 5_000_000 }, tenants: { 'team-a': { ingestionRateLimitBytes: 1_000_000 }, 'team-b': { retention: Duration.days(2) } } },
    });
    expect(defaults).toStrictEqual({ global: { max_bytes_per_trace: 5_000_000 } });
    expect(file).toStrictEqual({
      overrides: { 'team-a': { ingestion: { rate_limit_bytes: 1_000_000 } }, 'team-b': { compaction: { block_retention: '48h' } } },
    });
  });

  test('without multitenancy the one tenant, "single-tenant", can have overrides', () => {
    expect(SINGLE_TENANT).toBe('single-tenant');
    expect(build({ overrides: { tenants: { [SINGLE_TENANT]: { maxTracesPerUser: 20_000 } } } }).file)
      .toStrictEqual({ overrides: { 'single-tenant': { ingestion: { max_traces_per_user: 20_000 } } } });
  });

  test('the metrics generator\'s processors are the default, and explicit defaults win over them', () => {
    const metricsGenerator = { remoteWrite: [{ url: 'http://prometheus.monitoring.svc:9090/api/v1/write' }] };
    expect(build({ metricsGenerator }).defaults).toStrictEqual({ metrics_generator: { processors: ['service-graphs', 'span-metrics'] } });
    expect(build({ metricsGenerator, overrides: { defaults: { metricsGeneratorProcessors: [MetricsGeneratorProcessor.SPAN_METRICS_COUNT] } } }).defaults)
      .toStrictEqual({ metrics_generator: { processors: ['span-metrics-count'] } });
  });

  test('tenant IDs Tempo accepts', () => {
    for (const id of ['team-a', 'Team_A.1', 'a!b*c\'(d)', 'x'.repeat(150), 'single-tenant']) {
      expect(() => requireTenantId('test', 'tenant', id)).not.toThrow();
    }
  });

  test('fails if a tenant ID is not one Tempo accepts', () => {
    for (const id of ['', '.', '..', 'team a', 'a/b', 'a|b', 'x'.repeat(151)]) {
      expect(() => requireTenantId('test', 'tenant', id)).toThrow(/^test: 'tenant' must be a tenant ID of 1 to 150 characters from letters, digits and ! - _ \. \* ' \( \) \(not "\." or "\.\."\), got /);
    }
    expect(() => build({ multitenancy: true, overrides: { tenants: { 'team/a': { maxTracesPerUser: 1 } } } }))
      .toThrow(/^test\/tempo: 'overrides.tenants\["team\/a"\]' must be a tenant ID of 1 to 150 characters .*, got "team\/a"$/);
  });

  test('fails if an override key is unknown (a typo in JavaScript, or a cast)', () => {
    const typo = { maxTraces: 10 } as unknown as TenantOverrides;
    expect(() => build({ overrides: { defaults: typo } }))
      .toThrow(/^test\/tempo: 'overrides.defaults.maxTraces' must be one of the known overrides: ingestionRateLimitBytes, ingestionBurstSizeBytes, maxTracesPerUser, maxBytesPerTrace, retention, maxSearchDuration, metricsGeneratorProcessors, got "maxTraces"$/);
    expect(() => build({ multitenancy: true, overrides: { tenants: { 'team-a': { block_retention: '720h' } as unknown as TenantOverrides } } }))
      .toThrow(/^test\/tempo: 'overrides.tenants\["team-a"\].block_retention' must be one of the known overrides: .*, got "block_retention"$/);
  });

  test('fails if the burst is smaller than the rate', () => {
    expect(() => build({ overrides: { defaults: { ingestionRateLimitBytes: 20_000_000, ingestionBurstSizeBytes: 10_000_000 } } }))
      .toThrow(/^test\/tempo: 'overrides.defaults.ingestionBurstSizeBytes' must be at least ingestionRateLimitBytes \(20000000\), got 10000000$/);
  });

  test('fails if a limit is not a positive integer', () => {
    expect(() => render({ maxTracesPerUser: 0 })).toThrow(/^test: 'overrides.maxTracesPerUser' must be an integer >= 1, got 0$/);
    expect(() => render({ ingestionRateLimitBytes: 1.5 })).toThrow(/^test: 'overrides.ingestionRateLimitBytes' must be an integer >= 1, got 1.5$/);
  });

  test('fails if a retention is shorter than 1h, in the defaults or for a tenant', () => {
    expect(() => build({ overrides: { defaults: { retention: Duration.minutes(59) } } }))
      .toThrow(/^test\/tempo: 'overrides.defaults.retention' must be at least 1h: blocks are cut and flushed over that long, .*, got "3540s"$/);
    expect(() => build({ overrides: { tenants: { 'single-tenant': { retention: Duration.seconds(10) } } } }))
      .toThrow(/^test\/tempo: 'overrides.tenants\["single-tenant"\].retention' must be at least 1h: .*, got "10s"$/);
  });

  test('fails if a tenant\'s maxSearchDuration is under a minute', () => {
    expect(() => render({ maxSearchDuration: Duration.seconds(59) })).toThrow(/^test: 'overrides.maxSearchDuration' must be at least 1 minute, got "59s"$/);
  });

  test('fails if a processor is unknown or listed twice', () => {
    expect(() => render({ metricsGeneratorProcessors: ['local-blocks' as MetricsGeneratorProcessor] }))
      .toThrow(/^test: 'overrides.metricsGeneratorProcessors\[0\]' must be one of service-graphs, span-metrics, .*, got "local-blocks"$/);
    expect(() => render({ metricsGeneratorProcessors: [MetricsGeneratorProcessor.SPAN_METRICS, MetricsGeneratorProcessor.SPAN_METRICS] }))
      .toThrow(/^test: 'overrides.metricsGeneratorProcessors' must be a list without duplicates, got \["span-metrics","span-metrics"\]$/);
  });

  test('fails if a tenant asks for processors without a metrics generator', () => {
    expect(() => build({ multitenancy: true, overrides: { tenants: { 'team-a': { metricsGeneratorProcessors: [MetricsGeneratorProcessor.SERVICE_GRAPHS] } } } }))
      .toThrow(/^test\/tempo: 'overrides.tenants\["team-a"\].metricsGeneratorProcessors' must be empty unless metricsGenerator is configured .*, got \["service-graphs"\]$/);
  });

  test('fails if a named tenant is given without multitenancy', () => {
    expect(() => build({ overrides: { tenants: { 'team-a': {} } } }))
      .toThrow(/^test\/tempo: 'overrides.tenants' must be only "single-tenant" without multitenancy .*, got "team-a"$/);
  });
});
