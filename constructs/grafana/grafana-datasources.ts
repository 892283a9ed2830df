import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { propError, requireDnsSubdomain } from '../_errors';
import { chartNamespace } from '../_namespace';
import { standardLabels } from '../_labels';
import { requireTenantId } from '../tempo/tempo-overrides';
import { validateBasePath } from '../jaeger/jaeger-query';
import { GRAFANA_INTERVAL_UNITS, renderDuration } from '../search/_duration';
import { ServiceEndpoint } from '../service-endpoint';
import { escapeProvisioningValues, requireDisplayName, requireGrafanaUid, requireLabel } from './_provisioning';
import { SpanMetricsQueries, TempoSpanMetrics } from './tempo-metrics';

/** A reference to a Grafana datasource, as dashboards and links hold it. */
export interface GrafanaDatasourceRef {
  /** Plugin id: `tempo`, `jaeger`, `prometheus`, `loki`. */
  readonly type: string;
  /** The datasource's uid. */
  readonly uid: string;
}

/** The Tempo datasource. */
export interface TempoDatasourceOptions {
  /** Tempo's HTTP API: the query-frontend's (or monolithic Tempo's) `http` port, 3200. */
  readonly endpoint: ServiceEndpoint;
  /**
   * Datasource uid, which dashboards and links refer to.
   * @default 'tempo'
   */
  readonly uid?: string;
  /**
   * Datasource name, shown in Grafana.
   * @default 'Tempo'
   */
  readonly name?: string;
  /**
   * Hide the search query type in Explore (when Tempo search is not configured).
   * @default false
   * @see https://grafana.com/docs/grafana/latest/datasources/tempo/configure-tempo-data-source/additional-settings/#tempo-search
   */
  readonly hideSearch?: boolean;
  /**
   * Look traces up by ID only within this time around the query's range (`traceQuery`), for
   * Tempo installations where a full-range trace-by-ID lookup is slow.
   * @default - no time range: Tempo searches all blocks
   * @see https://grafana.com/docs/grafana/latest/datasources/tempo/configure-tempo-data-source/additional-settings/#traceid-query
   */
  readonly traceQueryTimeShift?: Duration;
  /**
   * Tenant to query, sent as `X-Scope-OrgID`, when Tempo runs with multitenancy.
   * @default - no tenant header (Tempo without multitenancy)
   */
  readonly tenant?: string;
}

/** The Jaeger datasource. */
export interface JaegerDatasourceOptions {
  /** Jaeger's HTTP query API: `JaegerQuery.uiEndpoint` / `JaegerAllInOne.uiEndpoint` (16686), not gRPC. */
  readonly endpoint: ServiceEndpoint;
  /**
   * Base path of the Jaeger UI and API (`JaegerQuery.basePath`).
   * @default '/'
   */
  readonly basePath?: string;
  /**
   * Datasource uid.
   * @default 'jaeger'
   */
  readonly uid?: string;
  /**
   * Datasource name, shown in Grafana.
   * @default 'Jaeger'
   */
  readonly name?: string;
}

/** How Loki lines carry the trace ID field, for the trace-to-logs query. */
export enum LogFormat {
  /** JSON lines: `| json | trace_id="..."`. */
  JSON = 'json',
  /** logfmt lines: `| logfmt | trace_id="..."`. */
  LOGFMT = 'logfmt',
  /** A label or structured metadata (OTLP logs into Loki 3): `| trace_id="..."`. */
  STRUCTURED_METADATA = 'structured-metadata',
}

/** Trace-to-logs: from a span to the Loki lines of its trace (`tracesToLogsV2`). */
export interface TraceLogsLink {
  /** Uid of the Loki datasource. */
  readonly datasourceUid: string;
  /**
   * Span attributes that select the log streams, each mapped to its Loki label.
   * @default { 'service.name': 'service_name' }
   * @see https://grafana.com/docs/grafana/latest/datasources/tempo/configure-tempo-data-source/configure-trace-to-logs/
   */
  readonly tags?: Record<string, string>;
  /**
   * Name of the field that carries the trace ID in the logs (the seed's `trace_id`). When set, the
   * link runs a custom query that matches that field exactly; otherwise Grafana's own query
   * (`filterByTraceID`) keeps the lines that contain the trace ID anywhere.
   * @default - no field: a line filter on the trace ID
   */
  readonly traceIdField?: string;
  /**
   * How lines carry `traceIdField`. Only with `traceIdField`.
   * @default LogFormat.JSON
   */
  readonly logFormat?: LogFormat;
  /**
   * How long before the span's start the logs query begins (`spanStartTimeShift: -<this>`).
   * @default Duration.minutes(1)
   */
  readonly lookBefore?: Duration;
  /**
   * How long after the span's end the logs query ends (`spanEndTimeShift`).
   * @default Duration.minutes(1)
   */
  readonly lookAfter?: Duration;
  /**
   * Also set the legacy `lokiSearch` datasource (the Loki search query type of Grafana before 10).
   * @default false
   */
  readonly lokiSearch?: boolean;
}

/** A Prometheus datasource with Tempo's metrics-generator metrics (span metrics, service graph). */
export interface TraceMetricsLink {
  /** Uid of the Prometheus datasource. */
  readonly datasourceUid: string;
  /**
   * Service map and node graph from the service-graph metrics (`serviceMap`).
   * @default true
   */
  readonly serviceMap?: boolean;
  /**
   * "Metrics for this span" links: request rate, error rate and p95 latency of the span's service
   * from span metrics (`tracesToMetrics`).
   * @default true
   */
  readonly tracesToMetrics?: boolean;
}

/** Props of {@link GrafanaDatasources}. */
export interface GrafanaDatasourcesProps {
  /**
   * Name of the ConfigMap.
   * @default 'tracing-grafana-datasources'
   */
  readonly name?: string;
  /**
   * Namespace of the ConfigMap: where Grafana's sidecar looks for it (usually Grafana's own).
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The Tempo datasource.
   * @default - none (at least one of `tempo` and `jaeger` is required)
   */
  readonly tempo?: TempoDatasourceOptions;
  /**
   * The Jaeger datasource.
   * @default - none (at least one of `tempo` and `jaeger` is required)
   */
  readonly jaeger?: JaegerDatasourceOptions;
  /**
   * Trace-to-logs links, on every trace datasource.
   * @default - no links to logs
   */
  readonly logs?: TraceLogsLink;
  /**
   * Span metrics and service graph of Tempo's metrics-generator, for the Tempo datasource.
   * @default - no service map, no metrics links
   */
  readonly metrics?: TraceMetricsLink;
  /**
   * Show the node graph above each trace.
   * @default true
   */
  readonly nodeGraph?: boolean;
  /**
   * Label key that Grafana's datasource sidecar selects ConfigMaps by (Helm chart
   * `sidecar.datasources.label`).
   * @default 'grafana_datasource'
   * @see https://github.com/grafana/helm-charts/blob/main/charts/grafana/README.md
   */
  readonly sidecarLabelKey?: string;
  /**
   * Label value that Grafana's datasource sidecar selects (`sidecar.datasources.labelValue`).
   * @default '1'
   */
  readonly sidecarLabelValue?: string;
}

/** The shared `tracesToLogsV2` settings (Grafana's TraceToLogsOptionsV2). */
export interface TracesToLogsV2 {
  readonly datasourceUid: string;
  readonly tags: ReadonlyArray<{ readonly key: string; readonly value?: string }>;
  readonly spanStartTimeShift: string;
  readonly spanEndTimeShift: string;
  readonly filterByTraceID: boolean;
  readonly filterBySpanID: boolean;
  readonly customQuery: boolean;
  readonly query?: string;
}

/** Grafana's `tracesToMetrics` settings. */
export interface TracesToMetrics {
  readonly datasourceUid: string;
  readonly spanStartTimeShift: string;
  readonly spanEndTimeShift: string;
  readonly tags: ReadonlyArray<{ readonly key: string; readonly value?: string }>;
  readonly queries: ReadonlyArray<{ readonly name: string; readonly query: string }>;
}

/** `jsonData` of a Tempo datasource (grafana public/app/plugins/datasource/tempo/types.ts TempoJsonData). */
export interface TempoJsonData {
  readonly tracesToLogsV2?: TracesToLogsV2;
  readonly tracesToMetrics?: TracesToMetrics;
  readonly serviceMap?: { readonly datasourceUid: string };
  readonly nodeGraph: { readonly enabled: boolean };
  readonly search: { readonly hide: boolean };
  readonly traceQuery?: { readonly timeShiftEnabled: boolean; readonly spanStartTimeShift: string; readonly spanEndTimeShift: string };
  readonly lokiSearch?: { readonly datasourceUid: string };
  /** Name of the first custom HTTP header (its value is in `secureJsonData.httpHeaderValue1`). */
  readonly httpHeaderName1?: string;
}

/** `jsonData` of a Jaeger datasource. */
export interface JaegerJsonData {
  readonly tracesToLogsV2?: TracesToLogsV2;
  readonly nodeGraph: { readonly enabled: boolean };
}

/** One entry of `datasources:` in a provisioning file. */
export interface ProvisionedDatasource {
  readonly name: string;
  readonly type: 'tempo' | 'jaeger';
  readonly uid: string;
  readonly access: 'proxy';
  readonly url: string;
  readonly editable: boolean;
  readonly jsonData: TempoJsonData | JaegerJsonData;
  readonly secureJsonData?: { readonly httpHeaderValue1: string };
}

/** Grafana's datasource provisioning file. */
export interface DatasourcesFile {
  readonly apiVersion: 1;
  readonly datasources: readonly ProvisionedDatasource[];
}

/** What a {@link TraceDashboard} needs to know of the datasources: their uids. */
export interface ITraceDatasources {
  /** Uid of the Tempo datasource. */
  readonly tempoUid?: string;
  /** Uid of the Prometheus datasource with Tempo's span metrics and service graph. */
  readonly metricsUid?: string;
  /** Whether the Tempo datasource has a service map (`serviceMap.datasourceUid`). */
  readonly serviceMap?: boolean;
}

const LOGQL_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const KEY = 'datasources.yaml';

/**
 * Grafana datasources for the tracing stack, provisioned through a ConfigMap that the Grafana
 * Helm chart's sidecar loads (label `grafana_datasource: "1"`): Tempo and/or Jaeger, their
 * trace-to-logs links to Loki (by trace ID), and for Tempo the service map and trace-to-metrics
 * links over the metrics-generator's Prometheus metrics. URLs come from the components'
 * endpoints, never from hand-typed host names.
 *
 * Grafana expands `$VAR` in every provisioned value, so every `$` of the file is written `$$`
 * (the link templates `${__trace.traceId}`, `$__tags`).
 *
 * @see https://grafana.com/docs/grafana/latest/datasources/tempo/configure-tempo-data-source/provision/
 * @see https://grafana.com/docs/grafana/latest/datasources/jaeger/configure/#provision-the-data-source
 */
export class GrafanaDatasources extends Construct implements ITraceDatasources {
  /** The ConfigMap with `datasources.yaml`. */
  public readonly configMap: k8s.KubeConfigMap;
  /** The provisioning file, as Grafana reads it after `$$` unescaping. */
  public readonly file: DatasourcesFile;
  /** The Tempo datasource, if any. */
  public readonly tempo?: GrafanaDatasourceRef;
  /** The Jaeger datasource, if any. */
  public readonly jaeger?: GrafanaDatasourceRef;
  /** Uid of the Tempo datasource, if any. */
  public readonly tempoUid?: string;
  /** Uid of the Prometheus datasource linked for span metrics, if any. */
  public readonly metricsUid?: string;
  /** Whether the Tempo datasource has a service map. */
  public readonly serviceMap: boolean;

  constructor(scope: Construct, id: string, props: GrafanaDatasourcesProps) {
    super(scope, id);
    chartNamespace(this);
    const name = props.name ?? 'tracing-grafana-datasources';
    requireDnsSubdomain(this, 'name', name);
    if (props.namespace !== undefined) requireDnsSubdomain(this, 'namespace', props.namespace);
    const labelKey = props.sidecarLabelKey ?? 'grafana_datasource';
    const labelValue = props.sidecarLabelValue ?? '1';
    requireLabel(this, 'sidecarLabel', labelKey, labelValue);
    if (!props.tempo && !props.jaeger) {
      throw propError(this, 'tempo', undefined, 'set, or \'jaeger\' set: a datasources file needs at least one trace datasource');
    }
    const nodeGraph = { enabled: props.nodeGraph ?? true };
    const logs = props.logs ? tracesToLogs(this, props.logs) : undefined;
    const datasources: ProvisionedDatasource[] = [];

    if (props.tempo) {
      const t = props.tempo;
      const uid = t.uid ?? 'tempo';
      const dsName = t.name ?? 'Tempo';
      requireGrafanaUid(this, 'tempo.uid', uid);
      requireDisplayName(this, 'tempo.name', dsName);
      requireHttpEndpoint(this, 'tempo.endpoint', t.endpoint, 'Tempo\'s HTTP API (port 3200)');
      const metrics = props.metrics;
      if (metrics) requireGrafanaUid(this, 'metrics.datasourceUid', metrics.datasourceUid);
      const serviceMap = metrics !== undefined && (metrics.serviceMap ?? true);
      const shift = t.traceQueryTimeShift === undefined ? undefined : renderDuration(this, 'tempo.traceQueryTimeShift', t.traceQueryTimeShift, GRAFANA_INTERVAL_UNITS);
      const jsonData: TempoJsonData = {
        ...(logs ? { tracesToLogsV2: logs.link } : {}),
        ...(metrics && (metrics.tracesToMetrics ?? true) ? { tracesToMetrics: tracesToMetrics(metrics.datasourceUid) } : {}),
        ...(serviceMap && metrics ? { serviceMap: { datasourceUid: metrics.datasourceUid } } : {}),
        nodeGraph,
        search: { hide: t.hideSearch ?? false },
        ...(shift ? { traceQuery: { timeShiftEnabled: true, spanStartTimeShift: `-${shift}`, spanEndTimeShift: shift } } : {}),
        ...(logs?.lokiSearch ? { lokiSearch: { datasourceUid: logs.link.datasourceUid } } : {}),
        ...(t.tenant !== undefined ? { httpHeaderName1: 'X-Scope-OrgID' } : {}),
      };
      if (t.tenant !== undefined) requireTenantId(this, 'tempo.tenant', t.tenant);
      datasources.push({
        name: dsName, type: 'tempo', uid, access: 'proxy', url: t.endpoint.url('http'), editable: false, jsonData,
        ...(t.tenant !== undefined ? { secureJsonData: { httpHeaderValue1: t.tenant } } : {}),
      });
      this.tempo = { type: 'tempo', uid };
      this.tempoUid = uid;
      this.metricsUid = metrics?.datasourceUid;
      this.serviceMap = serviceMap;
    } else {
      if (props.metrics) {
        throw propError(this, 'metrics', props.metrics, 'undefined without \'tempo\' (span metrics and the service map are settings of the Tempo datasource)');
      }
      this.serviceMap = false;
    }

    if (props.jaeger) {
      const j = props.jaeger;
      const uid = j.uid ?? 'jaeger';
      const dsName = j.name ?? 'Jaeger';
      requireGrafanaUid(this, 'jaeger.uid', uid);
      requireDisplayName(this, 'jaeger.name', dsName);
      requireHttpEndpoint(this, 'jaeger.endpoint', j.endpoint, 'Jaeger\'s HTTP query API (uiEndpoint, port 16686)');
      const basePath = j.basePath ?? '/';
      validateBasePath(this, 'jaeger.basePath', basePath);
      const jsonData: JaegerJsonData = { ...(logs ? { tracesToLogsV2: logs.link } : {}), nodeGraph };
      const url = j.endpoint.url('http', basePath === '/' ? '' : basePath);
      datasources.push({ name: dsName, type: 'jaeger', uid, access: 'proxy', url, editable: false, jsonData });
      this.jaeger = { type: 'jaeger', uid };
    }

    checkUnique(this, datasources, props);
    this.file = { apiVersion: 1, datasources };
    const yaml = stringify(escapeProvisioningValues(this.file), { lineWidth: 0, sortMapEntries: false, aliasDuplicateObjects: false });
    this.configMap = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: {
        name,
        ...(props.namespace !== undefined ? { namespace: props.namespace } : {}),
        labels: { ...standardLabels({ name: 'grafana', instance: name, component: 'datasources' }), [labelKey]: labelValue },
      },
      data: { [KEY]: yaml },
    });
    this.node.addValidation({ validate: () => duplicatesAcrossApp(this) });
  }

  /** Key of the provisioning file in the ConfigMap. */
  public get fileName(): string {
    return KEY;
  }
}

function requireHttpEndpoint(scope: Construct, field: string, endpoint: ServiceEndpoint, what: string): void {
  if (!(endpoint instanceof ServiceEndpoint)) {
    throw propError(scope, field, endpoint, `a ServiceEndpoint of ${what}`);
  }
  if (/grpc/i.test(endpoint.portName)) {
    throw propError(scope, field, `${endpoint.hostPort} (${endpoint.portName})`, `${what}, not a gRPC port`);
  }
}

function tracesToLogs(scope: Construct, l: TraceLogsLink): { link: TracesToLogsV2; lokiSearch: boolean } {
  requireGrafanaUid(scope, 'logs.datasourceUid', l.datasourceUid);
  const tagMap = l.tags ?? { 'service.name': 'service_name' };
  const entries = Object.entries(tagMap);
  if (entries.length === 0) {
    throw propError(scope, 'logs.tags', tagMap, 'at least one span attribute mapped to a Loki label (Grafana shows no logs link without one)');
  }
  for (const [key, label] of entries) {
    if (key.trim() === '') throw propError(scope, 'logs.tags', tagMap, 'span attribute names that are not empty');
    if (!LOGQL_LABEL.test(label)) throw propError(scope, `logs.tags["${key}"]`, label, 'a Loki label name ([a-zA-Z_][a-zA-Z0-9_]*)');
  }
  const tags = entries.map(([key, value]) => (key === value ? { key } : { key, value }));
  if (l.logFormat !== undefined && l.traceIdField === undefined) {
    throw propError(scope, 'logs.logFormat', l.logFormat, 'undefined without \'logs.traceIdField\'');
  }
  if (l.logFormat !== undefined && !Object.values(LogFormat).includes(l.logFormat)) {
    throw propError(scope, 'logs.logFormat', l.logFormat, `one of ${Object.values(LogFormat).join(', ')}`);
  }
  const before = renderDuration(scope, 'logs.lookBefore', l.lookBefore ?? Duration.minutes(1), GRAFANA_INTERVAL_UNITS);
  const after = renderDuration(scope, 'logs.lookAfter', l.lookAfter ?? Duration.minutes(1), GRAFANA_INTERVAL_UNITS);
  const common = { datasourceUid: l.datasourceUid, tags, spanStartTimeShift: `-${before}`, spanEndTimeShift: after };
  if (l.traceIdField === undefined) {
    return { link: { ...common, filterByTraceID: true, filterBySpanID: false, customQuery: false }, lokiSearch: l.lokiSearch ?? false };
  }
  if (!LOGQL_LABEL.test(l.traceIdField)) {
    throw propError(scope, 'logs.traceIdField', l.traceIdField, 'a Loki label or field name ([a-zA-Z_][a-zA-Z0-9_]*), such as "trace_id"');
  }
  const format = l.logFormat ?? LogFormat.JSON;
  const parser = format === LogFormat.STRUCTURED_METADATA ? '' : ` | ${format}`;
  // Grafana's link variables: ${__tags} (the mapped tags as label matchers), ${__trace.traceId}.
  const query = `{\${__tags}}${parser} | ${l.traceIdField}="\${__trace.traceId}"`;
  return { link: { ...common, filterByTraceID: false, filterBySpanID: false, customQuery: true, query }, lokiSearch: l.lokiSearch ?? false };
}

function tracesToMetrics(datasourceUid: string): TracesToMetrics {
  const tags = '$__tags';
  return {
    datasourceUid,
    spanStartTimeShift: '-2m',
    spanEndTimeShift: '2m',
    tags: [{ key: 'service.name', value: TempoSpanMetrics.SERVICE_LABEL }],
    queries: [
      { name: 'Request rate', query: SpanMetricsQueries.requestRate([TempoSpanMetrics.SPAN_NAME_LABEL], '5m', tags) },
      { name: 'Error rate', query: SpanMetricsQueries.errorRate([TempoSpanMetrics.SPAN_NAME_LABEL], '5m', tags) },
      { name: 'p95 latency', query: SpanMetricsQueries.latencyQuantile(0.95, [TempoSpanMetrics.SPAN_NAME_LABEL], '5m', tags) },
    ],
  };
}

function checkUnique(scope: Construct, datasources: readonly ProvisionedDatasource[], props: GrafanaDatasourcesProps): void {
  const names = new Map<string, string>();
  const uids = new Map<string, string>();
  for (const ds of datasources) {
    const otherName = names.get(ds.name.toLowerCase());
    if (otherName) throw propError(scope, `${ds.type}.name`, ds.name, `another name than the ${otherName} datasource's (names are unique in a Grafana organization)`);
    names.set(ds.name.toLowerCase(), ds.type);
    const otherUid = uids.get(ds.uid);
    if (otherUid) throw propError(scope, `${ds.type}.uid`, ds.uid, `another uid than the ${otherUid} datasource's`);
    uids.set(ds.uid, ds.type);
  }
  const linked: Array<[string, string | undefined]> = [['logs.datasourceUid', props.logs?.datasourceUid], ['metrics.datasourceUid', props.metrics?.datasourceUid]];
  for (const [field, uid] of linked) {
    const clash = uid === undefined ? undefined : uids.get(uid);
    if (clash) throw propError(scope, field, uid, `the uid of a Loki/Prometheus datasource, not of the ${clash} datasource defined here`);
  }
}

/** Tree-wide: two datasources files of one app must not provision the same uid or name. */
function duplicatesAcrossApp(self: GrafanaDatasources): string[] {
  const all = self.node.root.node.findAll().filter((c): c is GrafanaDatasources => c instanceof GrafanaDatasources);
  const problems: string[] = [];
  for (const other of all) {
    if (other === self) break; // report each clash once, on the later construct
    for (const mine of self.file.datasources) {
      for (const theirs of other.file.datasources) {
        if (mine.uid === theirs.uid) {
          problems.push(`'${mine.type}.uid' must be unique across the app's Grafana datasources (${other.node.path} provisions it too), got ${JSON.stringify(mine.uid)}`);
        } else if (mine.name.toLowerCase() === theirs.name.toLowerCase()) {
          problems.push(`'${mine.type}.name' must be unique across the app's Grafana datasources (${other.node.path} provisions it too), got ${JSON.stringify(mine.name)}`);
        }
      }
    }
  }
  return problems;
}
