/**
 * The generated monitors and alerts against the real programs they watch, the versions this
 * library deploys: Jaeger 2.13.0, the OpenTelemetry Collector 0.140.1 (both tiers of a
 * TailSamplingGateway) and Tempo (the harness's Tempo 2; Tempo 3 with a 3.x TEMPO_BIN) run on
 * loopback from their generated configurations, spans flow through them, and a real Prometheus
 * 3.16.0 scrapes them with scrape configurations equivalent to the generated PodMonitors (job
 * `<namespace>/<PodMonitor name>`, the PodMonitor's port, path and interval) while Tempo's
 * metrics-generator remote-writes its span metrics to it, and evaluates the generated
 * PrometheusRule.
 *
 * - every metric name that any generated alert, recording rule or pipeline-dashboard query of
 *   this stack uses is among the scraped series: a metric renamed by a new version fails here;
 * - the exporter-failure alert becomes pending, then firing, when Jaeger behind the gateway stops
 *   while spans flow, and resolves once Jaeger is back.
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Duration } from 'cdk8s';
import { stringify } from 'yaml';
import {
  JaegerAllInOne, MetricsGeneratorProcessor, SamplingPolicy, SpanProtocol, TailSamplingGateway, TempoMonolithic, TempoVersion, TracingMonitoring,
} from '../../constructs';
import { CollectorPorts } from '../../constructs/otel/collector-ports';
import { startCollector, startedTogether, StartedCollector, StartedJaeger, startJaeger } from '../_support/collector';
import { SdkProtocol, sendSpanWithSdk } from '../_support/otel-sdk';
import { findProgram, PROGRAMS, RunningProgram, tempDir, waitFor } from '../_support/programs';
import { describeWithPrometheus, metricNamesIn, PrometheusServer, Rule, ScrapeConfig, startPrometheus, writeRuleFile } from '../_support/prometheus';
import { find, synth, testChart } from '../_support/synth';
import { postInvalidSpan, rendered, startTempo, StartedTempo, tempoInUse, tempoOnLoopback } from '../_support/tempo';

const NAMESPACE = 'live';
const REMOTE_WRITE = 'http://prometheus.monitoring.svc:9090/api/v1/write';

const [describeProm, bins] = describeWithPrometheus();
const jaegerBin = findProgram(PROGRAMS.jaeger);
const otelcol = findProgram(PROGRAMS.otelcol);
const tempo = tempoInUse();
const describeLive = jaegerBin && otelcol && tempo.bin ? describeProm : describe.skip;

test('metricNamesIn finds selected metrics and recorded names, not functions or labels', () => {
  expect(metricNamesIn('sum by (namespace, pod) (rate(a_total{job="x", le="+Inf"}[5m])) / b > 0 and up{job="y"} == 0').sort()).toStrictEqual(['a_total', 'up']);
  expect(metricNamesIn('rate(calls_total[15m]) > 1 or service:errors:ratio_rate5m{service="a"} > 0.1').sort()).toStrictEqual(['calls_total', 'service:errors:ratio_rate5m']);
});

describeLive(`generated monitors and alerts on the real programs (Jaeger, collector 0.140.1, Tempo ${tempo.version}, Prometheus 3.16.0)`, () => {
  const chart = testChart(NAMESPACE);
  const jaeger = new JaegerAllInOne(chart, 'jaeger');
  new TailSamplingGateway(chart, 'tail', {
    name: 'tail',
    policy: new SamplingPolicy({ ratio: 1, tail: { decisionWait: Duration.seconds(1), keepSlowerThan: Duration.millis(500) } }),
    exportTo: [jaeger],
    // Give up on a batch after 2 s, so that a stopped backend shows as lost spans quickly.
    queue: { maxElapsedTime: Duration.seconds(2), initialInterval: Duration.seconds(1), maxInterval: Duration.seconds(1) },
  });
  new TempoMonolithic(chart, 'tempo', {
    version: tempo.major === '2' ? TempoVersion.TEMPO_2 : TempoVersion.TEMPO_3,
    metricsGenerator: { remoteWrite: [{ url: REMOTE_WRITE }], processors: [MetricsGeneratorProcessor.SERVICE_GRAPHS, MetricsGeneratorProcessor.SPAN_METRICS] },
    overrides: { defaults: { maxBytesPerTrace: 20_000 } },
  });
  new TracingMonitoring(chart, 'monitoring', {
    scrapeInterval: Duration.seconds(1),
    rateWindow: Duration.seconds(15),
    alerts: { TracingExporterSendFailing: { for: Duration.seconds(5) } },
  });
  const objects = synth(chart);
  const configOf = (name: string) => (find(objects, 'ConfigMap', `${name}-config`) as any).data['config.yaml'] as string;
  const rule = objects.find(o => o.kind === 'PrometheusRule')!;
  const podMonitors = objects.filter(o => o.kind === 'PodMonitor');
  const dashboard = objects.find(o => o.kind === 'ConfigMap' && o.metadata.name === 'tracing-pipeline-dashboard')!;

  const { startAll, stopAll } = startedTogether();
  let prom: PrometheusServer;
  let jaegerRun: StartedJaeger;
  let sampler: StartedCollector;
  let lb: StartedCollector;
  let tempoRun: StartedTempo;
  let restarted: RunningProgram | undefined;

  beforeAll(async () => {
    const ruleFile = writeRuleFile((rule as any).spec);
    prom = await startPrometheus({ bin: bins.prometheus, scrapeConfigs: [], ruleFiles: [ruleFile], remoteWriteReceiver: true });
    const jaegerGrpc = jaeger.spanEndpoint(SpanProtocol.OTLP_GRPC).hostPort;
    const r = rendered('tempo', objects);
    const tempoDir = tempDir('live-tempo');
    [jaegerRun, tempoRun] = await startAll<any>([
      startJaeger(jaegerBin!, objects, 'jaeger'),
      startTempo(tempo.bin!, await tempoOnLoopback({ ...r, config: r.config.replace(REMOTE_WRITE, prom.remoteWriteUrl) }, tempoDir)),
    ]);
    [sampler] = await startAll([startCollector(otelcol!, configOf('tail'), { addresses: { [jaegerGrpc]: `127.0.0.1:${jaegerRun.ports.get(4317)}` } })]);
    [lb] = await startAll([startCollector(otelcol!, configOf('tail-lb'), { samplingInstances: [`127.0.0.1:${sampler.ports.get(4317)}`] })]);

    // The PodMonitors, as the Prometheus Operator turns them into targets.
    const metricsPorts: Record<string, number> = {
      'jaeger': jaegerRun.ports.get(8888)!,
      'tail': sampler.ports.get(CollectorPorts.METRICS.port)!,
      'tail-lb': lb.ports.get(CollectorPorts.METRICS.port)!,
      'tempo': tempoRun.http,
    };
    const scrapeConfigs: ScrapeConfig[] = podMonitors.map(pm => {
      const name = pm.metadata.name;
      const endpoint = (pm as any).spec.podMetricsEndpoints[0];
      if (metricsPorts[name] === undefined) throw new Error(`no process for PodMonitor ${name}`);
      return {
        job_name: `${NAMESPACE}/${name}`,
        scrape_interval: endpoint.interval,
        metrics_path: endpoint.path,
        static_configs: [{ targets: [`127.0.0.1:${metricsPorts[name]}`], labels: { namespace: NAMESPACE, pod: `${name}-0`, container: name, endpoint: endpoint.port } }],
      };
    });
    expect(scrapeConfigs.map(s => s.job_name).sort()).toStrictEqual(['live/jaeger', 'live/tail', 'live/tail-lb', 'live/tempo']);
    await prom.reload({ scrapeConfigs });
    await prom.waitForTargetsUp(30_000);
  }, 180_000);

  afterAll(async () => {
    await restarted?.stop();
    await stopAll();
    await prom?.stop();
  });

  /** Traces through the gateway: a fast OK one and an error. */
  const sendThroughGateway = async () => {
    const port = lb.ports.get(CollectorPorts.OTLP_HTTP.port)!;
    await sendSpanWithSdk(SdkProtocol.OTLP_HTTP, { port }, 'checkout', { name: 'GET /cart', kind: SpanKind.SERVER, status: { code: SpanStatusCode.OK } });
    await sendSpanWithSdk(SdkProtocol.OTLP_HTTP, { port }, 'checkout', { name: 'POST /pay', kind: SpanKind.SERVER, status: { code: SpanStatusCode.ERROR } });
  };

  test('every metric name used by the generated alerts, recording rules and pipeline dashboard is among the scraped series', async () => {
    for (let i = 0; i < 5; i++) await sendThroughGateway();
    // Server spans straight to Tempo, some failing, for the span metrics; one trace over maxBytesPerTrace (discarded).
    for (let i = 0; i < 10; i++) {
      await sendSpanWithSdk(SdkProtocol.OTLP_HTTP, { port: tempoRun.otlp }, 'checkout', { name: 'GET /cart', kind: SpanKind.SERVER, status: { code: i % 3 === 0 ? SpanStatusCode.ERROR : SpanStatusCode.OK } });
    }
    await sendSpanWithSdk(SdkProtocol.OTLP_HTTP, { port: tempoRun.otlp }, 'checkout', { name: 'GET /huge', kind: SpanKind.SERVER, attributes: { payload: 'x'.repeat(40_000) } });
    // Tempo 3 counts discarded spans only once it discards one: its distributor refuses an all-zero
    // span ID (Tempo 2 takes it, and shows the counter from the start).
    expect(await postInvalidSpan(tempoRun.otlp)).toBe(tempo.major === '2' ? 200 : 400);
    // The query APIs, whose request metrics the query alerts read.
    await (await fetch(`http://127.0.0.1:${jaegerRun.ports.get(16686)}/api/services`)).arrayBuffer();
    await (await fetch(`http://127.0.0.1:${tempoRun.http}/api/search?limit=1`)).arrayBuffer();

    const exprs = [
      ...(rule as any).spec.groups.flatMap((g: any) => g.rules.map((r: Rule) => r.expr)),
      ...JSON.parse(Object.values((dashboard as any).data)[0] as string).panels.flatMap((p: any) => p.targets.map((t: any) => t.expr)),
    ] as string[];
    const needed = [...new Set(exprs.flatMap(metricNamesIn))].sort();
    let missing: string[] = needed;
    await waitFor('every used metric name to be scraped or recorded', async () => {
      const have = new Set(await prom.metricNames());
      missing = needed.filter(n => !have.has(n));
      return missing.length === 0 ? true : undefined;
    }, 90_000, 2_000).catch(() => undefined);
    process.stdout.write(`live metric names: ${needed.length} used by ${exprs.length} expressions: ${needed.join(' ')}\n`);
    expect(missing).toStrictEqual([]);
    // The check reached every kind of name: collector, tail sampling, Jaeger, Tempo, span metrics and a recorded one.
    expect(needed).toEqual(expect.arrayContaining([
      'up', 'otelcol_exporter_send_failed_spans_total', 'otelcol_exporter_queue_capacity', 'otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total',
      'otelcol_process_memory_rss_bytes', 'tempo_discarded_spans_total', 'tempo_request_duration_seconds_count', 'traces_spanmetrics_calls_total',
      'service:traces_spanmetrics_server_errors:ratio_rate5m',
    ]));

    // Every rule evaluates without error against the real series.
    const groups = await prom.rules();
    expect(groups.flatMap(g => g.rules.filter(r => r.health === 'err').map(r => `${r.name}: ${r.lastError}`))).toStrictEqual([]);
  }, 150_000);

  test('TracingExporterSendFailing: pending, then firing, when Jaeger behind the gateway stops while spans flow; resolved once it is back', async () => {
    const firing = async () => (await prom.alerts()).filter(a => a.labels.alertname === 'TracingExporterSendFailing');
    expect(await firing()).toStrictEqual([]);

    await jaegerRun.program.stop();
    let flowing = true;
    const flow = (async () => { while (flowing) { await sendThroughGateway().catch(() => undefined); await new Promise(r => setTimeout(r, 300)); } })();
    try {
      const stoppedAt = Date.now();
      const pending = await waitFor('the alert to be pending', async () => (await firing()).find(a => a.state === 'pending'), 60_000, 500);
      const pendingAfter = Date.now() - stoppedAt;
      const fired = await waitFor('the alert to fire', async () => (await firing()).find(a => a.state === 'firing'), 60_000, 500);
      const firingAfter = Date.now() - stoppedAt;
      process.stdout.write(`Jaeger stopped: alert pending after ${pendingAfter} ms, firing after ${firingAfter} ms\n`);
      expect(pending.labels).toMatchObject({ namespace: NAMESPACE, pod: 'tail-0', exporter: 'otlp/jaeger' });
      expect(fired.labels).toStrictEqual({ alertname: 'TracingExporterSendFailing', namespace: NAMESPACE, pod: 'tail-0', exporter: 'otlp/jaeger', severity: 'critical', tracing_area: 'pipeline' });
      expect(fired.annotations.summary).toBe('An exporter is losing spans');

      // Jaeger back on the same ports, with the same configuration.
      const dir = tempDir('live-jaeger-again');
      writeFileSync(join(dir, 'config.yaml'), stringify(jaegerRun.run));
      restarted = RunningProgram.start(jaegerBin!, [`--config=file:${join(dir, 'config.yaml')}`]);
      await waitFor('jaeger /status again', async () => ((await fetch(`http://127.0.0.1:${jaegerRun.ports.get(13133)}/status`).catch(() => undefined))?.ok ? true : undefined), 30_000);
      const backAt = Date.now();
      await waitFor('the alert to resolve', async () => ((await firing()).length === 0 ? true : undefined), 90_000, 1_000);
      process.stdout.write(`Jaeger back: alert resolved after ${Date.now() - backAt} ms\n`);
    } finally {
      flowing = false;
      await flow;
    }
    // The spans sent after Jaeger came back reach it.
    const services = await (await fetch(`http://127.0.0.1:${jaegerRun.ports.get(16686)}/api/services`)).json() as { data: string[] };
    expect(services.data).toContain('checkout');
  }, 240_000);
});
