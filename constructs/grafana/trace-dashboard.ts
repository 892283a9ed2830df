import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { propError, requireDnsSubdomain, requireInteger } from '../_errors';
import { chartNamespace } from '../_namespace';
import { standardLabels } from '../_labels';
import { GRAFANA_INTERVAL_UNITS, renderDuration } from '../search/_duration';
import { TraceSearch } from '../search/trace-search';
import { requireDisplayName, requireGrafanaUid, requireLabel } from './_provisioning';
import { GrafanaDatasourceRef, ITraceDatasources } from './grafana-datasources';
import { SpanMetricsQueries, TempoSpanMetrics } from './tempo-metrics';

/** Props of {@link TraceDashboard}. */
export interface TraceDashboardProps {
  /**
   * The datasources the panels query: a {@link GrafanaDatasources}, or the uids of datasources
   * provisioned elsewhere (`{ tempoUid: 'tempo', metricsUid: 'prometheus', serviceMap: true }`).
   */
  readonly datasources: ITraceDatasources;
  /**
   * Searches shown as TraceQL table panels, two per row, in order.
   * @default - none (then a metrics datasource is required)
   */
  readonly searches?: readonly TraceSearch[];
  /**
   * Dashboard title.
   * @default 'Tracing'
   */
  readonly title?: string;
  /**
   * Dashboard uid (its URL: `/d/<uid>`).
   * @default 'cdk8s-tracing'
   */
  readonly uid?: string;
  /**
   * Name of the ConfigMap.
   * @default 'tracing-grafana-dashboard'
   */
  readonly name?: string;
  /**
   * Namespace of the ConfigMap: where Grafana's sidecar looks for it (usually Grafana's own).
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * Most traces each search panel lists.
   * @default 20
   */
  readonly searchLimit?: number;
  /**
   * Time range shown when the dashboard opens: the last `timeRange`.
   * @default Duration.hours(1)
   */
  readonly timeRange?: Duration;
  /**
   * Auto-refresh interval.
   * @default - no auto-refresh
   */
  readonly refresh?: Duration;
  /**
   * Label key that Grafana's dashboard sidecar selects ConfigMaps by (Helm chart `sidecar.dashboards.label`).
   * @default 'grafana_dashboard'
   */
  readonly sidecarLabelKey?: string;
  /**
   * Label value that Grafana's dashboard sidecar selects (`sidecar.dashboards.labelValue`).
   * @default '1'
   */
  readonly sidecarLabelValue?: string;
}

/** Position and size of a panel on the 24-column grid. */
export interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** A Tempo query of a panel (grafana `TempoQuery`). */
export interface TempoPanelTarget {
  readonly refId: string;
  readonly datasource: GrafanaDatasourceRef;
  /** `traceql`: a TraceQL search; `serviceMap`: the service graph. */
  readonly queryType: 'traceql' | 'serviceMap';
  readonly query?: string;
  readonly limit?: number;
  /** How search results are tabled. */
  readonly tableType?: 'traces' | 'spans';
}

/** A Prometheus query of a panel. */
export interface PrometheusPanelTarget {
  readonly refId: string;
  readonly datasource: GrafanaDatasourceRef;
  readonly expr: string;
  readonly legendFormat: string;
  readonly range: boolean;
}

/** A panel of the dashboard. */
export interface DashboardPanel {
  readonly id: number;
  readonly type: 'table' | 'timeseries' | 'nodeGraph';
  readonly title: string;
  readonly description?: string;
  readonly gridPos: GridPos;
  readonly datasource: GrafanaDatasourceRef;
  readonly targets: ReadonlyArray<TempoPanelTarget | PrometheusPanelTarget>;
  readonly fieldConfig?: { readonly defaults: { readonly unit: string }; readonly overrides: readonly [] };
}

/** The dashboard JSON model, as Grafana's dashboard provisioning reads it. */
export interface DashboardModel {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly timezone: 'browser';
  readonly editable: boolean;
  readonly schemaVersion: number;
  readonly version: number;
  readonly time: { readonly from: string; readonly to: 'now' };
  readonly refresh?: string;
  readonly templating: { readonly list: readonly [] };
  readonly annotations: { readonly list: readonly [] };
  readonly panels: readonly DashboardPanel[];
}

/**
 * Dashboard JSON schema version written (Grafana 10.4/11). Grafana migrates older versions on load.
 * @see https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/
 */
export const DASHBOARD_SCHEMA_VERSION = 39;

const WIDTH = 24;

/**
 * A Grafana dashboard for the tracing stack, provisioned through a ConfigMap that the Grafana
 * Helm chart's sidecar loads (label `grafana_dashboard: "1"`). Each {@link TraceSearch} becomes
 * a TraceQL table panel on the Tempo datasource; with a metrics datasource, request rate, error
 * ratio and p95 latency per service (from Tempo's span metrics: `traces_spanmetrics_calls_total`,
 * `traces_spanmetrics_latency_bucket`, server spans) and the service map come first.
 */
export class TraceDashboard extends Construct {
  /** The ConfigMap holding the dashboard JSON. */
  public readonly configMap: k8s.KubeConfigMap;
  /** The dashboard model. */
  public readonly dashboard: DashboardModel;
  /** Key of the dashboard JSON in the ConfigMap (`<uid>.json`). */
  public readonly fileName: string;

  constructor(scope: Construct, id: string, props: TraceDashboardProps) {
    super(scope, id);
    chartNamespace(this);
    const name = props.name ?? 'tracing-grafana-dashboard';
    requireDnsSubdomain(this, 'name', name);
    if (props.namespace !== undefined) requireDnsSubdomain(this, 'namespace', props.namespace);
    const uid = props.uid ?? 'cdk8s-tracing';
    requireGrafanaUid(this, 'uid', uid);
    const title = props.title ?? 'Tracing';
    requireDisplayName(this, 'title', title);
    const labelKey = props.sidecarLabelKey ?? 'grafana_dashboard';
    const labelValue = props.sidecarLabelValue ?? '1';
    requireLabel(this, 'sidecarLabel', labelKey, labelValue);
    const limit = props.searchLimit ?? 20;
    requireInteger(this, 'searchLimit', limit, 1, 1000);

    const ds = props.datasources;
    if (ds?.tempoUid === undefined) {
      throw propError(this, 'datasources.tempoUid', ds?.tempoUid, 'the uid of a Tempo datasource (a GrafanaDatasources with \'tempo\', or { tempoUid })');
    }
    requireGrafanaUid(this, 'datasources.tempoUid', ds.tempoUid);
    if (ds.metricsUid !== undefined) requireGrafanaUid(this, 'datasources.metricsUid', ds.metricsUid);
    const searches = props.searches ?? [];
    searches.forEach((s, i) => {
      if (!(s instanceof TraceSearch)) throw propError(this, `searches[${i}]`, s, 'a TraceSearch, such as TraceSearch.errors()');
    });
    if (searches.length === 0 && ds.metricsUid === undefined) {
      throw propError(this, 'searches', searches, 'at least one TraceSearch when the datasources have no metrics datasource (the dashboard would be empty)');
    }

    const tempo: GrafanaDatasourceRef = { type: 'tempo', uid: ds.tempoUid };
    const panels: DashboardPanel[] = [];
    let y = 0;
    if (ds.metricsUid !== undefined) {
      const prom: GrafanaDatasourceRef = { type: 'prometheus', uid: ds.metricsUid };
      const by = [TempoSpanMetrics.SERVICE_LABEL];
      const window = '$__rate_interval';
      const metricPanels: Array<[string, string, string]> = [
        ['Request rate', SpanMetricsQueries.requestRate(by, window), 'reqps'],
        ['Error ratio', SpanMetricsQueries.errorRatio(by, window), 'percentunit'],
        ['p95 latency', SpanMetricsQueries.latencyQuantile(0.95, by, window), 's'],
      ];
      const w = WIDTH / metricPanels.length;
      metricPanels.forEach(([panelTitle, expr, unit], i) => {
        panels.push({
          id: panels.length + 1,
          type: 'timeseries',
          title: panelTitle,
          description: 'Server spans per service, from Tempo metrics-generator span metrics.',
          gridPos: { x: i * w, y, w, h: 8 },
          datasource: prom,
          targets: [{ refId: 'A', datasource: prom, expr, legendFormat: `{{${TempoSpanMetrics.SERVICE_LABEL}}}`, range: true }],
          fieldConfig: { defaults: { unit }, overrides: [] },
        });
      });
      y += 8;
      if (ds.serviceMap ?? true) {
        panels.push({
          id: panels.length + 1,
          type: 'nodeGraph',
          title: 'Service map',
          description: 'From Tempo metrics-generator service graphs, through the Tempo datasource\'s service map.',
          gridPos: { x: 0, y, w: WIDTH, h: 12 },
          datasource: tempo,
          targets: [{ refId: 'A', datasource: tempo, queryType: 'serviceMap' }],
        });
        y += 12;
      }
    }
    searches.forEach((search, i) => {
      const w = WIDTH / 2;
      panels.push({
        id: panels.length + 1,
        type: 'table',
        title: search.title,
        description: search.toTraceQL(),
        gridPos: { x: (i % 2) * w, y: y + Math.floor(i / 2) * 8, w, h: 8 },
        datasource: tempo,
        targets: [{ refId: 'A', datasource: tempo, queryType: 'traceql', query: search.toTraceQL(), limit, tableType: 'traces' }],
      });
    });

    const from = renderDuration(this, 'timeRange', props.timeRange ?? Duration.hours(1), GRAFANA_INTERVAL_UNITS);
    const refresh = props.refresh === undefined ? undefined : renderDuration(this, 'refresh', props.refresh, GRAFANA_INTERVAL_UNITS);
    this.dashboard = {
      uid,
      title,
      tags: ['tracing', 'cdk8s-tracing'],
      timezone: 'browser',
      editable: false,
      schemaVersion: DASHBOARD_SCHEMA_VERSION,
      version: 1,
      time: { from: `now-${from}`, to: 'now' },
      ...(refresh !== undefined ? { refresh } : {}),
      templating: { list: [] },
      annotations: { list: [] },
      panels,
    };
    this.fileName = `${uid}.json`;
    this.configMap = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: {
        name,
        ...(props.namespace !== undefined ? { namespace: props.namespace } : {}),
        labels: { ...standardLabels({ name: 'grafana', instance: name, component: 'dashboard' }), [labelKey]: labelValue },
      },
      data: { [this.fileName]: JSON.stringify(this.dashboard, undefined, 2) + '\n' },
    });
  }
}
