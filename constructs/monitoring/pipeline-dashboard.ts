import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { requireDnsSubdomain } from '../_errors';
import { standardLabels } from '../_labels';
import { requireDisplayName, requireGrafanaUid, requireLabel } from '../grafana/_provisioning';
import { GrafanaDatasourceRef } from '../grafana/grafana-datasources';
import { DASHBOARD_SCHEMA_VERSION, DashboardModel, DashboardPanel } from '../grafana/trace-dashboard';
import { TracingMetrics } from './tracing-alerts';

/** Options of the pipeline-health dashboard. */
export interface PipelineDashboardOptions {
  /**
   * uid of the Prometheus datasource that scrapes the stack.
   * @default 'prometheus'
   */
  readonly datasourceUid?: string;
  /**
   * Dashboard title.
   * @default 'Tracing pipeline health'
   */
  readonly title?: string;
  /**
   * Dashboard uid (its URL: `/d/<uid>`).
   * @default 'cdk8s-tracing-pipeline'
   */
  readonly uid?: string;
  /**
   * Name of the ConfigMap.
   * @default 'tracing-pipeline-dashboard'
   */
  readonly name?: string;
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

/** Props of {@link PipelineDashboard}. */
export interface PipelineDashboardProps extends PipelineDashboardOptions {
  /** Namespace whose components the panels show (the `namespace` label Prometheus gives targets). */
  readonly namespace: string;
}

const WIDTH = 24;

/**
 * The health of the trace pipeline on one Grafana dashboard: spans received and refused per
 * component, exporters' sent and failed spans and queue fill, what the memory limiter turns away,
 * tail-sampling decisions and early evictions, Tempo's ingestion and discards, Jaeger's storage
 * writes, and the collectors' CPU and memory. Provisioned like {@link TraceDashboard}.
 */
export class PipelineDashboard extends Construct {
  /** The ConfigMap holding the dashboard JSON. */
  public readonly configMap: k8s.KubeConfigMap;
  /** The dashboard model. */
  public readonly dashboard: DashboardModel;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const name = props.name ?? 'tracing-pipeline-dashboard';
    requireDnsSubdomain(this, 'dashboard.name', name);
    const uid = props.uid ?? 'cdk8s-tracing-pipeline';
    requireGrafanaUid(this, 'dashboard.uid', uid);
    const title = props.title ?? 'Tracing pipeline health';
    requireDisplayName(this, 'dashboard.title', title);
    const dsUid = props.datasourceUid ?? 'prometheus';
    requireGrafanaUid(this, 'dashboard.datasourceUid', dsUid);
    const labelKey = props.sidecarLabelKey ?? 'grafana_dashboard';
    const labelValue = props.sidecarLabelValue ?? '1';
    requireLabel(this, 'dashboard.sidecarLabel', labelKey, labelValue);

    const prom: GrafanaDatasourceRef = { type: 'prometheus', uid: dsUid };
    this.dashboard = {
      uid,
      title,
      tags: ['tracing', 'cdk8s-tracing', 'pipeline'],
      timezone: 'browser',
      editable: false,
      schemaVersion: DASHBOARD_SCHEMA_VERSION,
      version: 1,
      time: { from: 'now-1h', to: 'now' },
      templating: { list: [] },
      annotations: { list: [] },
      panels: pipelinePanels(prom, props.namespace),
    };
    this.configMap = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: {
        name,
        labels: { ...standardLabels({ name: 'grafana', instance: name, component: 'dashboard' }), [labelKey]: labelValue },
      },
      data: { [`${uid}.json`]: JSON.stringify(this.dashboard, undefined, 2) + '\n' },
    });
  }
}

/** The panels' queries: [title, unit, description, [expr, legend][]]. */
export function pipelineQueries(namespace: string): Array<[string, string, string, Array<[string, string]>]> {
  const M = TracingMetrics;
  const ns = `namespace="${namespace}"`;
  const r = '$__rate_interval';
  return [
    ['Spans received', 'short', 'Spans per second each component\'s receivers accepted.', [
      [`sum by (job, receiver) (rate(${M.RECEIVER_ACCEPTED_SPANS}{${ns}}[${r}]))`, '{{job}} {{receiver}}'],
      [`sum by (job) (rate(${M.TEMPO_DISTRIBUTOR_SPANS_RECEIVED}{${ns}}[${r}]))`, '{{job}} (Tempo distributor)'],
    ]],
    ['Spans refused', 'short', 'Spans per second receivers refused (memory limiter, full pipeline): senders retry, then drop.', [
      [`sum by (job, receiver) (rate(${M.RECEIVER_REFUSED_SPANS}{${ns}}[${r}]))`, '{{job}} {{receiver}}'],
    ]],
    ['Exported spans', 'short', 'Spans per second each exporter sent, and those it gave up on after retries (lost).', [
      [`sum by (job, exporter) (rate(${M.EXPORTER_SENT_SPANS}{${ns}}[${r}]))`, 'sent {{job}} {{exporter}}'],
      [`sum by (job, exporter) (rate(${M.EXPORTER_SEND_FAILED_SPANS}{${ns}}[${r}]))`, 'failed {{job}} {{exporter}}'],
    ]],
    ['Sending queue fill', 'percentunit', 'How full each exporter\'s sending queue is; at 100% new spans are refused.', [
      [`max by (job, exporter) (${M.EXPORTER_QUEUE_SIZE}{${ns}} / ${M.EXPORTER_QUEUE_CAPACITY}{${ns}})`, '{{job}} {{exporter}}'],
    ]],
    ['Memory limiter drops', 'short', 'Spans per second the memory limiter turned away.', [
      [`sum by (job) (rate(${M.PROCESSOR_INCOMING_ITEMS}{${ns}, processor="memory_limiter", otel_signal="traces"}[${r}]) - rate(${M.PROCESSOR_OUTGOING_ITEMS}{${ns}, processor="memory_limiter", otel_signal="traces"}[${r}]))`, '{{job}}'],
    ]],
    ['Tail-sampling decisions', 'short', 'Traces per second decided by the sampling tier, kept (true) or dropped (false), and traces evicted before a decision.', [
      [`sum by (job, sampled) (rate(${M.TAIL_SAMPLING_TRACES_SAMPLED}{${ns}}[${r}]))`, '{{job}} sampled={{sampled}}'],
      [`sum by (job) (rate(${M.TAIL_SAMPLING_DROPPED_TOO_EARLY}{${ns}}[${r}]))`, '{{job}} evicted early'],
    ]],
    ['Traces held for decision', 'short', 'Traces the sampling tier keeps in memory waiting for their decision.', [
      [`sum by (job) (${M.TAIL_SAMPLING_TRACES_ON_MEMORY}{${ns}})`, '{{job}}'],
    ]],
    ['Tempo discarded spans', 'short', 'Spans per second Tempo dropped, by tenant and reason.', [
      [`sum by (tenant, reason) (rate(${M.TEMPO_DISCARDED_SPANS}{${ns}}[${r}]))`, '{{tenant}} {{reason}}'],
    ]],
    ['Jaeger storage writes', 'short', 'Spans per second Jaeger wrote to its storage, and failed to.', [
      [`sum by (job) (rate(${M.EXPORTER_SENT_SPANS}{${ns}, exporter="jaeger_storage_exporter"}[${r}]))`, 'written {{job}}'],
      [`sum by (job) (rate(${M.EXPORTER_SEND_FAILED_SPANS}{${ns}, exporter="jaeger_storage_exporter"}[${r}]))`, 'failed {{job}}'],
    ]],
    ['Collector CPU', 'short', 'Cores used per pod (collectors and Jaeger): the cost of tracing.', [
      [`sum by (pod) (rate(${M.PROCESS_CPU_SECONDS}{${ns}}[${r}]))`, '{{pod}}'],
    ]],
    ['Collector memory', 'bytes', 'Resident memory per pod (collectors and Jaeger).', [
      [`max by (pod) (${M.PROCESS_MEMORY_RSS}{${ns}})`, '{{pod}}'],
    ]],
  ];
}

function pipelinePanels(prom: GrafanaDatasourceRef, namespace: string): DashboardPanel[] {
  const w = WIDTH / 2;
  return pipelineQueries(namespace).map(([title, unit, description, queries], i) => ({
    id: i + 1,
    type: 'timeseries',
    title,
    description,
    gridPos: { x: (i % 2) * w, y: Math.floor(i / 2) * 8, w, h: 8 },
    datasource: prom,
    targets: queries.map(([expr, legendFormat], j) => ({ refId: String.fromCharCode(65 + j), datasource: prom, expr, legendFormat, range: true })),
    fieldConfig: { defaults: { unit }, overrides: [] },
  }));
}
