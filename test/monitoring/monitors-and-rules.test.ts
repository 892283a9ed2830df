import { Duration } from 'cdk8s';
import {
  JaegerAllInOne, MetricsGeneratorProcessor, OtelCollector, CollectorMode, S3Bucket, SamplingPolicy, StrimziKafka, TailSamplingGateway, TempoDistributed, TempoMonolithic, TempoVersion,
  TracingMonitoring,
} from '../../constructs';
import { metricsPortName } from '../../constructs/_metrics-port';
import { buildApp } from '../../main';
import { find, Manifest, synth, testChart } from '../_support/synth';

const ofKind = (objects: Manifest[], kind: string) => objects.filter(o => o.kind === kind) as any[];
const alerts = (objects: Manifest[]) => (ofKind(objects, 'PrometheusRule')[0].spec.groups as any[]).flatMap(g => g.rules).filter((r: any) => r.alert);
const alertNames = (objects: Manifest[]) => [...new Set(alerts(objects).map((r: any) => r.alert as string))].sort();
const podTemplate = (o: any) => o.spec.template;

describe('TracingMonitoring monitors', () => {
  test('one PodMonitor per workload serving metrics, selecting exactly its pods and a real metrics port, added before or after the monitoring', () => {
    const chart = testChart('obs');
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    new TracingMonitoring(chart, 'monitoring');
    // Added after the monitoring construct: still monitored.
    new TailSamplingGateway(chart, 'tail', { name: 'tail', policy: new SamplingPolicy({ ratio: 0.1, tail: {} }), exportTo: [jaeger] });
    new OtelCollector(chart, 'agent', { mode: CollectorMode.AGENT, exportTo: [jaeger] });
    const objects = synth(chart);
    const monitors = ofKind(objects, 'PodMonitor');
    expect(monitors.map(m => m.metadata.name).sort()).toStrictEqual(['jaeger', 'otel-agent', 'tail', 'tail-lb']);
    for (const m of monitors) {
      const workload = objects.find(o => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(o.kind) && o.metadata.name === m.metadata.name) as any;
      const labels = podTemplate(workload).metadata.labels;
      const selected = objects.filter(o => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(o.kind)
        && Object.entries(m.spec.selector.matchLabels).every(([k, v]) => (podTemplate(o).metadata.labels ?? {})[k] === v));
      expect(selected.map(o => o.metadata.name)).toStrictEqual([m.metadata.name]);
      expect(labels).toMatchObject(m.spec.selector.matchLabels);
      const endpoint = m.spec.podMetricsEndpoints[0];
      expect(endpoint).toStrictEqual({ port: 'metrics', path: '/metrics', interval: '30s' });
      expect(podTemplate(workload).spec.containers[0].ports.map((p: any) => p.name)).toContain(endpoint.port);
    }
  });

  test('every example stack\'s monitors of library pods scrape the port the network policies open to Prometheus', () => {
    const pairs = buildApp().charts.flatMap(chart => {
      const objects = chart.toJson() as Manifest[];
      return ofKind(objects, 'PodMonitor').flatMap(m => {
        const workload = objects.find(o => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(o.kind) && o.metadata.name === m.metadata.name) as any;
        if (!workload) return []; // pods an operator makes
        const pod = podTemplate(workload);
        return [[`${chart.node.id}/${m.metadata.name}`, m.spec.podMetricsEndpoints[0].port, metricsPortName({ labels: pod.metadata.labels, containers: pod.spec.containers })]];
      });
    });
    expect(pairs).toHaveLength(16);
    expect(pairs.filter(([, monitored, opened]) => monitored !== opened)).toStrictEqual([]);
  });

  test('Tempo components are scraped on their HTTP port (3200); scrapeInterval and labels reach every monitor and the rule', () => {
    const chart = testChart('tempo');
    new TempoDistributed(chart, 'tempo', { storage: new S3Bucket(chart, 's3', { bucket: 'traces', region: 'eu-west-1' }), kafka: new StrimziKafka(chart, 'kafka') });
    new TracingMonitoring(chart, 'monitoring', { scrapeInterval: Duration.seconds(15), labels: { release: 'kps' } });
    const objects = synth(chart);
    const monitors = ofKind(objects, 'PodMonitor');
    expect(monitors.map(m => m.metadata.name).sort()).toStrictEqual([
      'tempo-backend-scheduler', 'tempo-backend-worker', 'tempo-block-builder', 'tempo-distributor', 'tempo-live-store', 'tempo-querier', 'tempo-query-frontend',
    ]);
    for (const m of monitors) {
      expect(m.spec.podMetricsEndpoints).toStrictEqual([{ port: 'http', path: '/metrics', interval: '15s' }]);
      expect(m.metadata.labels.release).toBe('kps');
    }
    expect(ofKind(objects, 'PrometheusRule')[0].metadata).toMatchObject({ name: 'tracing-alerts', labels: { release: 'kps' } });
  });

  test('dashboard: false leaves the pipeline dashboard out; by default it is a ConfigMap for Grafana\'s sidecar', () => {
    const withBoard = testChart();
    new JaegerAllInOne(withBoard, 'jaeger');
    new TracingMonitoring(withBoard, 'monitoring');
    const board = find(synth(withBoard), 'ConfigMap', 'tracing-pipeline-dashboard') as any;
    expect(board.metadata.labels.grafana_dashboard).toBe('1');
    const model = JSON.parse(board.data['cdk8s-tracing-pipeline.json']);
    expect(model.panels.map((p: any) => p.title)).toEqual(expect.arrayContaining(['Spans refused', 'Sending queue fill', 'Tail-sampling decisions', 'Tempo discarded spans']));
    expect(model.panels.flatMap((p: any) => p.targets.map((t: any) => t.datasource.uid))).toEqual(expect.not.arrayContaining([expect.not.stringMatching(/^prometheus$/)]));

    const without = testChart();
    new JaegerAllInOne(without, 'jaeger');
    new TracingMonitoring(without, 'monitoring', { dashboard: false });
    expect(ofKind(synth(without), 'ConfigMap').map(c => c.metadata.name)).not.toContain('tracing-pipeline-dashboard');
  });
});

describe('TracingMonitoring rules follow what the chart runs', () => {
  test('a collector pipeline: pipeline, tail-sampling and cost alerts, scoped to its namespace and jobs; no Tempo alerts', () => {
    const chart = testChart('pipe');
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    new TailSamplingGateway(chart, 'tail', { name: 'tail', policy: new SamplingPolicy({ ratio: 0.1, tail: {} }), exportTo: [jaeger] });
    new TracingMonitoring(chart, 'monitoring');
    const objects = synth(chart);
    const names = alertNames(objects);
    expect(names).toEqual(expect.arrayContaining(['TracingComponentDown', 'TracingExporterSendFailing', 'TracingTailSamplingTracesEvictedEarly', 'TracingCollectorCpuNearRequest', 'JaegerStorageWriteFailing']));
    expect(names.filter(n => n.startsWith('Tempo'))).toStrictEqual([]);
    // Without Elasticsearch, Jaeger's query alerts (its storage read metrics) do not apply.
    expect(names).not.toContain('JaegerQueryErrors');
    const evicted = alerts(objects).find((r: any) => r.alert === 'TracingTailSamplingTracesEvictedEarly');
    // Only the sampling tier runs tail_sampling.
    expect(evicted.expr).toContain('{namespace="pipe", job="pipe/tail"}');
    const down = alerts(objects).find((r: any) => r.alert === 'TracingComponentDown');
    expect(down.expr).toBe('up{namespace="pipe", job=~"pipe/jaeger|pipe/tail|pipe/tail-lb"} == 0');
    expect(down.labels).toStrictEqual({ severity: 'critical', tracing_area: 'pipeline' });
    expect(Object.keys(down.annotations).sort()).toStrictEqual(['description', 'summary']);
  });

  test('the cost alerts compare each collector with its own requests', () => {
    const chart = testChart('cost');
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    new OtelCollector(chart, 'gw', { name: 'gw', exportTo: [jaeger], resources: { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '2Gi' } });
    new TracingMonitoring(chart, 'monitoring', { requestUsageRatio: 0.8 });
    const rules = alerts(synth(chart));
    const cpu = rules.find((r: any) => r.alert === 'TracingCollectorCpuNearRequest').expr;
    expect(cpu).toContain('sum by (namespace, pod) (rate(otelcol_process_cpu_seconds_total{namespace="cost", job="cost/gw"}[15m])) / 0.5');
    expect(cpu).toMatch(/ > 0\.8$/);
    const memory = rules.find((r: any) => r.alert === 'TracingCollectorMemoryNearRequest').expr;
    expect(memory).toContain(`max by (namespace, pod) (otelcol_process_memory_rss_bytes{namespace="cost", job="cost/gw"}) / ${2 ** 30}`);
    expect(memory).toMatch(/ > 0\.8$/);
  });

  test('Tempo 2 gets its own flush and compaction alerts; Tempo 3 its Kafka lag, block-builder and backend job alerts', () => {
    const t2 = testChart('t2');
    new TempoMonolithic(t2, 'tempo', { version: TempoVersion.TEMPO_2 });
    new TracingMonitoring(t2, 'monitoring');
    const names2 = alertNames(synth(t2));
    expect(names2).toEqual(expect.arrayContaining(['TempoDiscardingSpans', 'TempoFlushesFailing', 'TempoCompactionFailing', 'TempoQueryErrors']));
    expect(names2).not.toContain('TempoKafkaConsumerLagging');
    expect(alerts(synth(t2)).find((r: any) => r.alert === 'TempoFlushesFailing').expr).toContain('tempo_ingester_failed_flushes_total');

    const t3 = testChart('t3');
    new TempoDistributed(t3, 'tempo', { storage: new S3Bucket(t3, 's3', { bucket: 'traces', region: 'eu-west-1' }), kafka: new StrimziKafka(t3, 'kafka') });
    new TracingMonitoring(t3, 'monitoring');
    const objects3 = synth(t3);
    const names3 = alertNames(objects3);
    expect(names3).toEqual(expect.arrayContaining(['TempoKafkaConsumerLagging', 'TempoBackendJobsFailing', 'TempoFlushesFailing']));
    expect(names3).not.toContain('TempoCompactionFailing');
    expect(alerts(objects3).find((r: any) => r.alert === 'TempoKafkaConsumerLagging').expr)
      .toBe('max by (namespace, pod, group, partition) (tempo_ingest_group_partition_lag_seconds{namespace="t3", job=~"t3/tempo-block-builder|t3/tempo-live-store"}) > 900');
  });

  test('span metrics: on with a Tempo metrics-generator; objectives add burn-rate alerts and the recording windows they read', () => {
    const chart = testChart('apps');
    new TempoMonolithic(chart, 'tempo', { metricsGenerator: { remoteWrite: [{ url: 'http://prometheus.monitoring.svc:9090/api/v1/write' }] } });
    new TracingMonitoring(chart, 'monitoring', {
      serviceErrorRatio: 0.02,
      objectives: [{ service: 'checkout', availability: 0.999, latency: { threshold: Duration.millis(512), target: 0.99 } }],
    });
    const objects = synth(chart);
    const groups = ofKind(objects, 'PrometheusRule')[0].spec.groups as any[];
    expect(groups.find(g => g.name === 'tracing-span-metrics-records').rules.map((r: any) => r.record)).toStrictEqual(
      ['5m', '30m', '1h', '6h'].map(w => `service:traces_spanmetrics_server_errors:ratio_rate${w}`));
    const byName = (n: string) => alerts(objects).find((r: any) => r.alert === n);
    expect(byName('TracingServiceErrorRatioHigh').expr).toBe('service:traces_spanmetrics_server_errors:ratio_rate5m > 0.02');
    expect(byName('TracingServiceErrorBudgetBurn').expr).toBe(
      '(service:traces_spanmetrics_server_errors:ratio_rate1h{service="checkout"} > 0.0144 and service:traces_spanmetrics_server_errors:ratio_rate5m{service="checkout"} > 0.0144)'
      + ' or (service:traces_spanmetrics_server_errors:ratio_rate6h{service="checkout"} > 0.006 and service:traces_spanmetrics_server_errors:ratio_rate30m{service="checkout"} > 0.006)');
    expect(byName('TracingServiceLatencyBudgetBurn').expr).toContain('le="0.512"');
    expect(byName('TracingServiceNoisy').labels.severity).toBe('info');

    const noGenerator = testChart('quiet');
    new TempoMonolithic(noGenerator, 'tempo');
    new TracingMonitoring(noGenerator, 'monitoring');
    expect(alertNames(synth(noGenerator)).filter(n => n.startsWith('TracingService'))).toStrictEqual([]);
  });

  test('span metrics follow the processors Tempo renders: off with service graphs only, on when the default overrides add span-metrics', () => {
    const remoteWrite = [{ url: 'http://prometheus.monitoring.svc:9090/api/v1/write' }];
    const spanAlerts = (overrides?: { defaults: { metricsGeneratorProcessors: MetricsGeneratorProcessor[] } }) => {
      const chart = testChart('gen');
      new TempoMonolithic(chart, 'tempo', { metricsGenerator: { remoteWrite, processors: [MetricsGeneratorProcessor.SERVICE_GRAPHS] }, ...(overrides ? { overrides } : {}) });
      new TracingMonitoring(chart, 'monitoring');
      return alertNames(synth(chart)).filter(n => n.startsWith('TracingService'));
    };
    expect(spanAlerts()).toStrictEqual([]);
    expect(spanAlerts({ defaults: { metricsGeneratorProcessors: [MetricsGeneratorProcessor.SPAN_METRICS] } })).toStrictEqual(['TracingServiceErrorRatioHigh', 'TracingServiceNoisy']);
  });

  test('rateWindow sets the range of the pipeline alerts', () => {
    const chart = testChart('w');
    new JaegerAllInOne(chart, 'jaeger');
    new TracingMonitoring(chart, 'monitoring', { rateWindow: Duration.minutes(10) });
    expect(alerts(synth(chart)).find((r: any) => r.alert === 'TracingReceiverRefusingSpans').expr).toContain('[10m]');
  });
});

describe('TracingMonitoring validation', () => {
  const make = (props: ConstructorParameters<typeof TracingMonitoring>[2]) => () => new TracingMonitoring(testChart(), 'monitoring', props);
  test('fails if a latency objective is not a bucket of the span-metrics histogram', () => {
    expect(make({ objectives: [{ service: 'a', latency: { threshold: Duration.millis(500), target: 0.99 } }] }))
      .toThrow(/test\/monitoring: 'objectives\[0\]\.latency\.threshold' must be a bucket boundary .*0\.512s.*got "0\.5s"/);
  });
  test('fails if an availability is not a fraction between 0.5 and 1', () => {
    expect(make({ objectives: [{ service: 'a', availability: 99.9 }] })).toThrow(/'objectives\[0\]\.availability' must be a fraction between 0\.5 and 1.*got 99\.9/);
  });
  test('fails if two objectives name the same service, or one has no objective', () => {
    expect(make({ objectives: [{ service: 'a', availability: 0.99 }, { service: 'a', availability: 0.999 }] })).toThrow(/'objectives\[1\]\.service' must be one objective per service/);
    expect(make({ objectives: [{ service: 'a' }] })).toThrow(/'objectives\[0\]' must be an availability or a latency objective/);
  });
  test('fails if rateWindow is shorter than four scrape intervals', () => {
    expect(make({ scrapeInterval: Duration.seconds(30), rateWindow: Duration.minutes(1) })).toThrow(/'rateWindow' must be between 4 scrape intervals \(120s\) and 1 hour, got "60s"/);
  });
  test('fails if a label is not a Kubernetes label', () => {
    expect(make({ labels: { 'bad key!': 'x' } })).toThrow(/test\/monitoring: 'labels key' must be a label key: .*, got "bad key!"/);
  });
  test('fails if an override\'s for is not a whole number of seconds', () => {
    expect(make({ alerts: { TracingExporterSendFailing: { for: Duration.millis(1500) } } })).toThrow(/test\/monitoring: 'alerts\.TracingExporterSendFailing\.for' must be a duration > 0 and a whole number of s/);
  });
  test('fails if the name is not a DNS label', () => {
    expect(make({ name: 'Bad_Name' })).toThrow(/'name' must be/);
  });
});
