import { Chart, Duration, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { JaegerAllInOne, ServiceEndpoint } from '../../constructs';
import { GrafanaDatasources, GrafanaDatasourcesProps, LogFormat } from '../../constructs/grafana/grafana-datasources';
import { validationErrors } from '../../constructs/synthesis';
import { find, synth, testChart } from '../_support/synth';
import { describeWithSchemas, schemaErrors, wiringErrors } from '../_support/validate-manifests';

/** Tempo's query-frontend HTTP port, as a Tempo construct would expose it. */
const tempoEndpoint = new ServiceEndpoint('tempo-query-frontend', 'tracing', 3200, 'http');

function setup(props: Partial<GrafanaDatasourcesProps> = {}) {
  const chart = testChart();
  const jaeger = new JaegerAllInOne(chart, 'jaeger', { basePath: '/jaeger' });
  const ds = new GrafanaDatasources(chart, 'datasources', {
    tempo: { endpoint: tempoEndpoint },
    jaeger: { endpoint: jaeger.uiEndpoint, basePath: jaeger.basePath },
    ...props,
  });
  const objects = synth(chart);
  const cm = find(objects, 'ConfigMap', 'tracing-grafana-datasources');
  const text: string = cm.data['datasources.yaml'];
  return { chart, ds, objects, cm, text, file: parse(text) };
}

/** What Grafana reads: `$$` is a literal `$` (provisioning values.go). */
function unescape<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replace(/\$\$/g, '$')) as T;
}

describe('GrafanaDatasources', () => {
  test('defaults: Tempo and Jaeger, node graph on, nothing linked', () => {
    const { cm, file } = setup();
    expect(cm).toMatchSnapshot();
    expect(cm.metadata.labels?.grafana_datasource).toBe('1');
    expect(file.apiVersion).toBe(1);
    expect(file.datasources).toStrictEqual([
      {
        name: 'Tempo', type: 'tempo', uid: 'tempo', access: 'proxy', url: 'http://tempo-query-frontend.tracing.svc:3200', editable: false,
        jsonData: { nodeGraph: { enabled: true }, search: { hide: false } },
      },
      {
        name: 'Jaeger', type: 'jaeger', uid: 'jaeger', access: 'proxy', url: 'http://jaeger.tracing.svc:16686/jaeger', editable: false,
        jsonData: { nodeGraph: { enabled: true } },
      },
    ]);
  });

  test('Tempo with logs by trace ID, span metrics, service map and trace-ID time range', () => {
    const { file, ds } = setup({
      jaeger: undefined,
      tempo: { endpoint: tempoEndpoint, uid: 'traces', name: 'Traces', traceQueryTimeShift: Duration.minutes(30) },
      logs: { datasourceUid: 'loki', traceIdField: 'trace_id', tags: { 'service.name': 'service_name', namespace: 'namespace' }, lookBefore: Duration.seconds(2), lookAfter: Duration.seconds(2), lokiSearch: true },
      metrics: { datasourceUid: 'prometheus' },
    });
    expect(file.datasources).toHaveLength(1);
    expect(unescape(file.datasources[0].jsonData)).toStrictEqual({
      tracesToLogsV2: {
        datasourceUid: 'loki',
        tags: [{ key: 'service.name', value: 'service_name' }, { key: 'namespace' }],
        spanStartTimeShift: '-2s',
        spanEndTimeShift: '2s',
        filterByTraceID: false,
        filterBySpanID: false,
        customQuery: true,
        query: '{${__tags}} | json | trace_id="${__trace.traceId}"',
      },
      tracesToMetrics: {
        datasourceUid: 'prometheus',
        spanStartTimeShift: '-2m',
        spanEndTimeShift: '2m',
        tags: [{ key: 'service.name', value: 'service' }],
        queries: [
          { name: 'Request rate', query: 'sum by (span_name) (rate(traces_spanmetrics_calls_total{$__tags, span_kind="SPAN_KIND_SERVER"}[5m]))' },
          { name: 'Error rate', query: 'sum by (span_name) (rate(traces_spanmetrics_calls_total{$__tags, span_kind="SPAN_KIND_SERVER", status_code="STATUS_CODE_ERROR"}[5m]))' },
          { name: 'p95 latency', query: 'histogram_quantile(0.95, sum by (span_name, le) (rate(traces_spanmetrics_latency_bucket{$__tags, span_kind="SPAN_KIND_SERVER"}[5m])))' },
        ],
      },
      serviceMap: { datasourceUid: 'prometheus' },
      nodeGraph: { enabled: true },
      search: { hide: false },
      traceQuery: { timeShiftEnabled: true, spanStartTimeShift: '-30m', spanEndTimeShift: '30m' },
      lokiSearch: { datasourceUid: 'loki' },
    });
    expect(ds.tempoUid).toBe('traces');
    expect(ds.metricsUid).toBe('prometheus');
    expect(ds.serviceMap).toBe(true);
    expect(ds.file.datasources[0].jsonData).toStrictEqual(unescape(file.datasources[0].jsonData));
  });

  test('every $ of the file is doubled, so Grafana does not expand link variables as environment variables', () => {
    const { text } = setup({ logs: { datasourceUid: 'loki', traceIdField: 'trace_id' }, metrics: { datasourceUid: 'prometheus' } });
    expect(text).toContain(`query: '{$\${__tags}} | json | trace_id="$\${__trace.traceId}"'`);
    expect(text).toContain('traces_spanmetrics_calls_total{$$__tags, ');
    expect(text).not.toMatch(/(^|[^$])\$\{/m);
  });

  test('logs without a trace ID field: Grafana filters lines by trace ID, on Jaeger too', () => {
    const { file } = setup({ logs: { datasourceUid: 'loki' } });
    const expected = {
      datasourceUid: 'loki',
      tags: [{ key: 'service.name', value: 'service_name' }],
      spanStartTimeShift: '-1m',
      spanEndTimeShift: '1m',
      filterByTraceID: true,
      filterBySpanID: false,
      customQuery: false,
    };
    expect(file.datasources[0].jsonData.tracesToLogsV2).toStrictEqual(expected);
    expect(file.datasources[1].jsonData).toStrictEqual({ tracesToLogsV2: expected, nodeGraph: { enabled: true } });
  });

  test('log formats: logfmt parser, or none for structured metadata', () => {
    const q = (logFormat: LogFormat) => unescape(setup({ logs: { datasourceUid: 'loki', traceIdField: 'traceid', logFormat } }).file.datasources[0].jsonData.tracesToLogsV2.query);
    expect(q(LogFormat.LOGFMT)).toBe('{${__tags}} | logfmt | traceid="${__trace.traceId}"');
    expect(q(LogFormat.STRUCTURED_METADATA)).toBe('{${__tags}} | traceid="${__trace.traceId}"');
  });

  test('metrics without service map or metrics links', () => {
    const { file, ds } = setup({ metrics: { datasourceUid: 'prometheus', serviceMap: false, tracesToMetrics: false } });
    expect(file.datasources[0].jsonData).toStrictEqual({ nodeGraph: { enabled: true }, search: { hide: false } });
    expect(ds.serviceMap).toBe(false);
  });

  test('sidecar label, namespace, node graph and search switches', () => {
    const { cm, file } = setup({ namespace: 'monitoring', sidecarLabelKey: 'grafana.com/datasource', sidecarLabelValue: 'tracing', nodeGraph: false, tempo: { endpoint: tempoEndpoint, hideSearch: true } });
    expect(cm.metadata.namespace).toBe('monitoring');
    expect(cm.metadata.labels?.['grafana.com/datasource']).toBe('tracing');
    expect(cm.metadata.labels?.grafana_datasource).toBeUndefined();
    expect(file.datasources[0].jsonData).toStrictEqual({ nodeGraph: { enabled: false }, search: { hide: true } });
  });

  test('fails if neither Tempo nor Jaeger is given', () => {
    expect(() => new GrafanaDatasources(testChart(), 'ds', {}))
      .toThrow(/^test\/ds: 'tempo' must be set, or 'jaeger' set: a datasources file needs at least one trace datasource, got undefined$/);
  });

  test('fails if a uid is not a Grafana uid', () => {
    expect(() => setup({ tempo: { endpoint: tempoEndpoint, uid: 'tempo.main' } }))
      .toThrow(/test\/datasources: 'tempo.uid' must be a Grafana uid: 1 to 40 characters of letters, digits, '-' and '_', got "tempo.main"/);
    expect(() => setup({ logs: { datasourceUid: 'x'.repeat(41) } })).toThrow(/'logs.datasourceUid' must be a Grafana uid/);
  });

  test('fails if Tempo and Jaeger share a uid or a name', () => {
    expect(() => setup({ tempo: { endpoint: tempoEndpoint, uid: 'jaeger' } })).toThrow(/'jaeger.uid' must be another uid than the tempo datasource's, got "jaeger"/);
    expect(() => setup({ tempo: { endpoint: tempoEndpoint, name: 'jaeger' } })).toThrow(/'jaeger.name' must be another name than the tempo datasource's.*got "Jaeger"/);
  });

  test('fails if a linked datasource uid is one provisioned here', () => {
    expect(() => setup({ metrics: { datasourceUid: 'tempo' } }))
      .toThrow(/'metrics.datasourceUid' must be the uid of a Loki\/Prometheus datasource, not of the tempo datasource defined here, got "tempo"/);
  });

  test('fails if the Jaeger endpoint is its gRPC port', () => {
    const chart = testChart();
    const storage = undefined;
    const jaeger = new JaegerAllInOne(chart, 'jaeger', { storage });
    const grpc = new ServiceEndpoint(jaeger.serviceName, 'tracing', 16685, 'grpc-query');
    expect(() => new GrafanaDatasources(chart, 'ds', { jaeger: { endpoint: grpc } }))
      .toThrow(/'jaeger.endpoint' must be Jaeger's HTTP query API \(uiEndpoint, port 16686\), not a gRPC port, got "jaeger.tracing.svc:16685 \(grpc-query\)"/);
  });

  test('fails if span metrics are linked without Tempo', () => {
    const chart = testChart();
    const jaeger = new JaegerAllInOne(chart, 'jaeger');
    expect(() => new GrafanaDatasources(chart, 'ds', { jaeger: { endpoint: jaeger.uiEndpoint }, metrics: { datasourceUid: 'prometheus' } }))
      .toThrow(/'metrics' must be undefined without 'tempo'/);
  });

  test('fails if the trace ID field or a log label is not a Loki name', () => {
    expect(() => setup({ logs: { datasourceUid: 'loki', traceIdField: 'trace.id' } })).toThrow(/'logs.traceIdField' must be a Loki label or field name.*got "trace.id"/);
    expect(() => setup({ logs: { datasourceUid: 'loki', tags: { 'service.name': 'service.name' } } })).toThrow(/'logs.tags\["service.name"\]' must be a Loki label name/);
    expect(() => setup({ logs: { datasourceUid: 'loki', tags: {} } })).toThrow(/'logs.tags' must be at least one span attribute/);
  });

  test('fails if a log format is given without a trace ID field', () => {
    expect(() => setup({ logs: { datasourceUid: 'loki', logFormat: LogFormat.LOGFMT } })).toThrow(/'logs.logFormat' must be undefined without 'logs.traceIdField', got "logfmt"/);
  });

  test('fails if the sidecar label is not a label', () => {
    expect(() => setup({ sidecarLabelKey: 'grafana datasource' })).toThrow(/'sidecarLabelKey' must be a Kubernetes label key/);
  });

  test('fails if two datasources files of one app provision the same uid (at synthesis)', () => {
    const app = Testing.app();
    const a = new Chart(app, 'a', { namespace: 'a' });
    const b = new Chart(app, 'b', { namespace: 'b' });
    new GrafanaDatasources(a, 'ds', { tempo: { endpoint: tempoEndpoint } });
    new GrafanaDatasources(b, 'ds', { tempo: { endpoint: tempoEndpoint, name: 'Tempo B' } });
    expect(validationErrors(app)).toStrictEqual([
      'b/ds: \'tempo.uid\' must be unique across the app\'s Grafana datasources (a/ds provisions it too), got "tempo"',
    ]);
  });
});

describeWithSchemas()('GrafanaDatasources: schemas and wiring', () => {
  test('the ConfigMap is valid and its URLs are Services of the stack', () => {
    const { objects } = setup({ logs: { datasourceUid: 'loki', traceIdField: 'trace_id' }, metrics: { datasourceUid: 'prometheus' } });
    expect(schemaErrors(objects)).toStrictEqual([]);
    expect(wiringErrors(objects, { externalEndpoints: ['tempo-query-frontend.tracing.svc:3200'] })).toStrictEqual([]);
  });

  test('wiring notices a URL that is not a Service of the stack', () => {
    const { objects } = setup();
    expect(wiringErrors(objects)).toStrictEqual([expect.stringMatching(/tempo-query-frontend\.tracing\.svc:3200/)]);
  });

  test('a tenant is sent as X-Scope-OrgID to a multitenant Tempo', () => {
    const chart = testChart();
    const ds = new GrafanaDatasources(chart, 'grafana', { tempo: { endpoint: new ServiceEndpoint('tempo-query-frontend', 'tracing', 3200, 'http'), tenant: 'team-a' } });
    expect(ds.file.datasources[0]).toMatchObject({ jsonData: { httpHeaderName1: 'X-Scope-OrgID' }, secureJsonData: { httpHeaderValue1: 'team-a' } });
  });

  test('fails if the tenant is not a tenant ID', () => {
    expect(() => new GrafanaDatasources(testChart(), 'grafana', { tempo: { endpoint: new ServiceEndpoint('tempo-query-frontend', 'tracing', 3200, 'http'), tenant: 'team a' } }))
      .toThrow(/'tempo.tenant' must be a tenant ID .*got "team a"/);
  });
});
