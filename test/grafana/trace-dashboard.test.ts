import { Duration } from 'cdk8s';
import { ServiceEndpoint } from '../../constructs';
import { GrafanaDatasources } from '../../constructs/grafana/grafana-datasources';
import { TraceDashboard, TraceDashboardProps } from '../../constructs/grafana/trace-dashboard';
import { TraceSearch } from '../../constructs/search/trace-search';
import { find, synth, testChart } from '../_support/synth';
import { describeWithSchemas, schemaErrors, wiringErrors } from '../_support/validate-manifests';

const tempoEndpoint = new ServiceEndpoint('tempo-query-frontend', 'tracing', 3200, 'http');
const seedSearches = () => [
  TraceSearch.slowRequests({ service: 'checkout', minDuration: Duration.seconds(1) }),
  TraceSearch.errors(),
  TraceSearch.errors({ httpStatusAtLeast: 500 }),
];

function setup(props: Partial<TraceDashboardProps> = {}, metrics = true) {
  const chart = testChart();
  const datasources = new GrafanaDatasources(chart, 'datasources', {
    tempo: { endpoint: tempoEndpoint },
    ...(metrics ? { metrics: { datasourceUid: 'prometheus' } } : {}),
  });
  const dashboard = new TraceDashboard(chart, 'dashboard', { datasources, searches: seedSearches(), ...props });
  const objects = synth(chart);
  const cm = find(objects, 'ConfigMap', 'tracing-grafana-dashboard');
  return { dashboard, objects, cm, json: JSON.parse(cm.data[dashboard.fileName]) };
}

describe('TraceDashboard', () => {
  test('defaults: span-metrics panels, service map, one TraceQL table per search', () => {
    const { cm, json } = setup();
    expect(cm).toMatchSnapshot();
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    expect(Object.keys(cm.data)).toStrictEqual(['cdk8s-tracing.json']);
    expect(json.schemaVersion).toBe(39);
    expect(json.time).toStrictEqual({ from: 'now-1h', to: 'now' });
    expect(json.panels.map((p: any) => [p.id, p.type, p.title])).toStrictEqual([
      [1, 'timeseries', 'Request rate'],
      [2, 'timeseries', 'Error ratio'],
      [3, 'timeseries', 'p95 latency'],
      [4, 'nodeGraph', 'Service map'],
      [5, 'table', 'Slow requests: checkout >= 1s'],
      [6, 'table', 'Errors: all services'],
      [7, 'table', 'HTTP >= 500: all services'],
    ]);
  });

  test('a search panel runs its TraceQL on the Tempo datasource', () => {
    const { json } = setup();
    expect(json.panels[4]).toStrictEqual({
      id: 5,
      type: 'table',
      title: 'Slow requests: checkout >= 1s',
      description: '{ resource.service.name = "checkout" && duration >= 1s }',
      gridPos: { x: 0, y: 20, w: 12, h: 8 },
      datasource: { type: 'tempo', uid: 'tempo' },
      targets: [{
        refId: 'A',
        datasource: { type: 'tempo', uid: 'tempo' },
        queryType: 'traceql',
        query: '{ resource.service.name = "checkout" && duration >= 1s }',
        limit: 20,
        tableType: 'traces',
      }],
    });
    expect(json.panels.slice(4).map((p: any) => p.gridPos)).toStrictEqual([
      { x: 0, y: 20, w: 12, h: 8 }, { x: 12, y: 20, w: 12, h: 8 }, { x: 0, y: 28, w: 12, h: 8 },
    ]);
  });

  test('span-metrics panels: PromQL over Tempo metrics-generator series, per service', () => {
    const { json } = setup();
    const prom = { type: 'prometheus', uid: 'prometheus' };
    expect(json.panels.slice(0, 3).map((p: any) => ({ datasource: p.datasource, unit: p.fieldConfig.defaults.unit, target: p.targets[0] }))).toStrictEqual([
      {
        datasource: prom, unit: 'reqps',
        target: { refId: 'A', datasource: prom, legendFormat: '{{service}}', range: true, expr: 'sum by (service) (rate(traces_spanmetrics_calls_total{span_kind="SPAN_KIND_SERVER"}[$__rate_interval]))' },
      },
      {
        datasource: prom, unit: 'percentunit',
        target: {
          refId: 'A', datasource: prom, legendFormat: '{{service}}', range: true,
          expr: 'sum by (service) (rate(traces_spanmetrics_calls_total{span_kind="SPAN_KIND_SERVER", status_code="STATUS_CODE_ERROR"}[$__rate_interval]))'
            + ' / sum by (service) (rate(traces_spanmetrics_calls_total{span_kind="SPAN_KIND_SERVER"}[$__rate_interval]))',
        },
      },
      {
        datasource: prom, unit: 's',
        target: { refId: 'A', datasource: prom, legendFormat: '{{service}}', range: true, expr: 'histogram_quantile(0.95, sum by (service, le) (rate(traces_spanmetrics_latency_bucket{span_kind="SPAN_KIND_SERVER"}[$__rate_interval])))' },
      },
    ]);
    expect(json.panels[3].targets).toStrictEqual([{ refId: 'A', datasource: { type: 'tempo', uid: 'tempo' }, queryType: 'serviceMap' }]);
  });

  test('without a metrics datasource: search panels only, from the top', () => {
    const { json } = setup({}, false);
    expect(json.panels.map((p: any) => p.type)).toStrictEqual(['table', 'table', 'table']);
    expect(json.panels[0].gridPos).toStrictEqual({ x: 0, y: 0, w: 12, h: 8 });
  });

  test('datasources provisioned elsewhere, by uid; no service map when the Tempo datasource has none', () => {
    const chart = testChart();
    const d = new TraceDashboard(chart, 'dashboard', { datasources: { tempoUid: 'grafanacloud-traces', metricsUid: 'grafanacloud-prom', serviceMap: false } });
    expect(d.dashboard.panels.map(p => p.type)).toStrictEqual(['timeseries', 'timeseries', 'timeseries']);
    expect(d.dashboard.panels[0].datasource).toStrictEqual({ type: 'prometheus', uid: 'grafanacloud-prom' });
  });

  test('title, uid, limit, time range, refresh, namespace and sidecar label', () => {
    const { json, cm } = setup({
      title: 'Checkout traces', uid: 'checkout-traces', searchLimit: 50, timeRange: Duration.hours(6), refresh: Duration.seconds(30),
      namespace: 'monitoring', sidecarLabelKey: 'dashboards', sidecarLabelValue: 'tracing',
    });
    expect(json).toMatchObject({ uid: 'checkout-traces', title: 'Checkout traces', time: { from: 'now-6h', to: 'now' }, refresh: '30s' });
    expect(json.panels[4].targets[0].limit).toBe(50);
    expect(cm.metadata.namespace).toBe('monitoring');
    expect(cm.metadata.labels?.dashboards).toBe('tracing');
    expect(Object.keys(cm.data)).toStrictEqual(['checkout-traces.json']);
  });

  test('fails if the datasources have no Tempo datasource', () => {
    const chart = testChart();
    const jaegerOnly = new GrafanaDatasources(chart, 'ds', { jaeger: { endpoint: new ServiceEndpoint('jaeger', 'tracing', 16686, 'http-query') } });
    expect(() => new TraceDashboard(chart, 'dashboard', { datasources: jaegerOnly, searches: seedSearches() }))
      .toThrow(/^test\/dashboard: 'datasources.tempoUid' must be the uid of a Tempo datasource \(a GrafanaDatasources with 'tempo', or \{ tempoUid \}\), got undefined$/);
  });

  test('fails if the dashboard would be empty', () => {
    expect(() => new TraceDashboard(testChart(), 'dashboard', { datasources: { tempoUid: 'tempo' } }))
      .toThrow(/'searches' must be at least one TraceSearch when the datasources have no metrics datasource.*got \[\]/);
  });

  test('fails if the dashboard uid is not a Grafana uid', () => {
    expect(() => setup({ uid: 'tracing/overview' })).toThrow(/test\/dashboard: 'uid' must be a Grafana uid.*got "tracing\/overview"/);
  });

  test('fails if the search limit is out of range', () => {
    expect(() => setup({ searchLimit: 0 })).toThrow(/'searchLimit' must be an integer from 1 to 1000, got 0/);
  });

  test('fails if the refresh interval is below a millisecond', () => {
    expect(() => setup({ refresh: Duration.millis(0.5) })).toThrow(/'refresh' must be a duration > 0 and a whole number of ms/);
  });
});

describeWithSchemas()('TraceDashboard: schemas and wiring', () => {
  test('the ConfigMaps are valid', () => {
    const { objects } = setup();
    expect(schemaErrors(objects)).toStrictEqual([]);
    expect(wiringErrors(objects, { externalEndpoints: ['tempo-query-frontend.tracing.svc:3200'] })).toStrictEqual([]);
  });
});
