import { ApiObject, Chart, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import type { PodMonitor } from '../../imports/podmonitor-monitoring.coreos.com';
import { podMonitorCrd, prometheusRuleCrd } from '../_crds';
import { propError, requireDnsLabel, requireNumberInRange } from '../_errors';
import { standardLabels, validateLabels } from '../_labels';
import { METRICS_PATH } from '../_metrics-port';
import { chartNamespace } from '../_namespace';
import { PROMETHEUS_DURATION_UNITS, renderDuration } from '../search/_duration';
import { TempoBase } from '../tempo/_tempo-base';
import { parseQuantity } from '../resources';
import { MetricsSource, metricsSources, onMetricsSources } from './_metrics-sources';
import {
  AlertDefinition, alertDefinitions, AlertSeverity, PrometheusRuleModel, recordingRules, RuleGroupModel, RuleInput, RuleTarget,
  ServiceObjectiveModel, TRACING_ALERT_NAMES, TracingAlertName,
} from './tracing-alerts';
import { PipelineDashboard, PipelineDashboardOptions } from './pipeline-dashboard';

/** Changes to one alert. */
export interface AlertOverride {
  /**
   * Render the alert.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Its severity label.
   * @default - the alert's own (critical when spans are lost, warning when the pipeline degrades, info for cost)
   */
  readonly severity?: AlertSeverity;
  /**
   * How long the condition must hold before the alert fires (`for`).
   * @default - the alert's own (between 0 and 30 minutes)
   */
  readonly for?: Duration;
}

/** An objective of one service, measured on its server spans (span metrics). */
export interface ServiceObjective {
  /** `service.name` of the service. */
  readonly service: string;
  /**
   * Fraction of server spans that must succeed, such as 0.999: an error-budget burn-rate alert
   * (burn rate 14.4 over 1 h and 5 min, or 6 over 6 h and 30 min).
   * @default - no availability objective
   */
  readonly availability?: number;
  /**
   * Latency objective: `target` of the server spans faster than `threshold`. `threshold` must be a
   * bucket boundary of Tempo's span-metrics histogram (0.002 s doubling to 16.384 s).
   * @default - no latency objective
   */
  readonly latency?: { readonly threshold: Duration; readonly target: number };
}

/** Properties of {@link TracingMonitoring}. */
export interface TracingMonitoringProps {
  /**
   * Name of the PrometheusRule (`<name>-alerts`).
   * @default 'tracing'
   */
  readonly name?: string;
  /**
   * Labels on every PodMonitor and PrometheusRule, for the Prometheus that selects them
   * (kube-prometheus-stack selects `release: <its release name>` by default).
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * How often Prometheus scrapes each component.
   * @default Duration.seconds(30)
   */
  readonly scrapeInterval?: Duration;
  /**
   * Range of the `rate()`s in the pipeline and backend alerts: at least four scrape intervals.
   * @default Duration.minutes(5)
   */
  readonly rateWindow?: Duration;
  /**
   * Labels added to every alert, for Alertmanager to route on (`team: platform`).
   * @default - none (each alert has `severity` and `tracing_area`)
   */
  readonly alertLabels?: Record<string, string>;
  /**
   * Changes per alert, by name (`TracingExporterSendFailing`, ...): turn one off, change its
   * severity or its `for`.
   * @default - every alert that applies, as defined
   */
  readonly alerts?: Partial<Record<TracingAlertName, AlertOverride>>;
  /**
   * Alerts on applications from span metrics (error ratio per service, objectives, noisy
   * services).
   * @default - on when a Tempo of this chart runs the metrics-generator with span metrics
   */
  readonly spanMetrics?: boolean;
  /**
   * Error ratio of a service's server spans above which `TracingServiceErrorRatioHigh` fires.
   * @default 0.05
   */
  readonly serviceErrorRatio?: number;
  /**
   * Objectives per service: multi-window burn-rate alerts.
   * @default - none
   */
  readonly objectives?: ServiceObjective[];
  /**
   * Spans per second of one service above which `TracingServiceNoisy` fires.
   * @default 1000
   */
  readonly spansPerSecondPerService?: number;
  /**
   * Fraction of a collector's CPU or memory request above which the cost alerts fire.
   * @default 0.9
   */
  readonly requestUsageRatio?: number;
  /**
   * The pipeline-health dashboard (receivers, exporters, queues, drops, sampling decisions,
   * backend ingestion), provisioned for Grafana's dashboard sidecar; `false` for none.
   * @default - provisioned with the Prometheus datasource uid `prometheus`
   */
  readonly dashboard?: PipelineDashboardOptions | false;
}

/** Boundaries of Tempo's span-metrics latency histogram (`histogram_buckets` default), in seconds. */
const SPAN_METRICS_BUCKETS = [0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192, 16.384];

/**
 * Watches the tracing stack of a chart: a PodMonitor (monitoring.coreos.com/v1) for every
 * workload of this library that serves metrics, added before or after this construct (Jaeger,
 * every Tempo component, every collector of every mode and tier), selecting its metrics port, and
 * one PrometheusRule with the alerts that apply to what the chart runs: the pipeline losing data,
 * the backends failing, applications' errors and objectives from span metrics, and the cost of
 * tracing. The pipeline-health dashboard comes with it.
 *
 * Needs the Prometheus Operator's CRDs in the cluster.
 */
export class TracingMonitoring extends Construct {
  /** The PrometheusRule object (its groups are rendered at synthesis, from every component of the chart). */
  public readonly rules: ApiObject;
  /** The monitors, one per workload, as they are added. */
  public readonly monitors: PodMonitor[] = [];
  /** The dashboard, unless turned off. */
  public readonly dashboard?: PipelineDashboard;

  private readonly namespace: string;
  private readonly props: TracingMonitoringProps;

  constructor(scope: Construct, id: string, props: TracingMonitoringProps = {}) {
    super(scope, id);
    this.props = props;
    this.validate(props);
    this.namespace = chartNamespace(this) ?? 'default';
    const labels = { ...standardLabels({ name: 'cdk8s-tracing', instance: id, component: 'monitoring' }), ...props.labels };

    onMetricsSources(this, source => this.monitors.push(this.podMonitor(source, labels)));

    const name = props.name ?? 'tracing';
    requireDnsLabel(this, 'name', name, 56);
    // The groups depend on every component of the chart, known only at synthesis.
    this.rules = new ApiObject(this, 'Resource', {
      ...prometheusRuleCrd().PrometheusRule.GVK,
      metadata: { name: `${name}-alerts`, labels },
      spec: Lazy.any({ produce: () => ({ groups: this.ruleGroups() }) }),
    });

    if (props.dashboard !== false) {
      this.dashboard = new PipelineDashboard(this, 'Dashboard', { ...props.dashboard, namespace: this.namespace });
    }
  }

  private validate(props: TracingMonitoringProps): void {
    validateLabels(this, 'labels', props.labels);
    validateLabels(this, 'alertLabels', props.alertLabels);
    for (const k of Object.keys(props.alertLabels ?? {})) {
      if (k === 'severity' || k === 'tracing_area') throw propError(this, 'alertLabels', k, 'a label other than severity and tracing_area (set severity per alert in alerts.<name>.severity)');
    }
    for (const [name, o] of Object.entries(props.alerts ?? {})) {
      if (!(TRACING_ALERT_NAMES as readonly string[]).includes(name)) {
        throw propError(this, 'alerts', name, `an alert name: ${TRACING_ALERT_NAMES.join(', ')}`);
      }
      if (o?.severity !== undefined && !Object.values(AlertSeverity).includes(o.severity)) {
        throw propError(this, `alerts.${name}.severity`, o.severity, Object.values(AlertSeverity).join(', '));
      }
      this.forOverride(name, o);
    }
    if (props.scrapeInterval !== undefined && (props.scrapeInterval.toSeconds() < 1 || props.scrapeInterval.toSeconds() > 600)) {
      throw propError(this, 'scrapeInterval', `${props.scrapeInterval.toSeconds()}s`, 'between 1 second and 10 minutes');
    }
    const scrape = (props.scrapeInterval ?? Duration.seconds(30)).toSeconds();
    if (props.rateWindow !== undefined && (props.rateWindow.toSeconds() < 4 * scrape || props.rateWindow.toSeconds() > 3600)) {
      throw propError(this, 'rateWindow', `${props.rateWindow.toSeconds()}s`, `between 4 scrape intervals (${4 * scrape}s) and 1 hour`);
    }
    if (props.serviceErrorRatio !== undefined) requireNumberInRange(this, 'serviceErrorRatio', props.serviceErrorRatio, 0.0001, 1);
    if (props.requestUsageRatio !== undefined) requireNumberInRange(this, 'requestUsageRatio', props.requestUsageRatio, 0.1, 10);
    if (props.spansPerSecondPerService !== undefined) requireNumberInRange(this, 'spansPerSecondPerService', props.spansPerSecondPerService, 1, 1e9);
    const seen = new Set<string>();
    (props.objectives ?? []).forEach((o, i) => {
      const f = `objectives[${i}]`;
      if (typeof o.service !== 'string' || !/^[^"\\\n]{1,255}$/.test(o.service)) throw propError(this, `${f}.service`, o.service, 'a service.name without quotes, backslashes or newlines');
      if (seen.has(o.service)) throw propError(this, `${f}.service`, o.service, 'one objective per service');
      seen.add(o.service);
      if (o.availability === undefined && o.latency === undefined) throw propError(this, f, o.service, 'an availability or a latency objective (or both)');
      if (o.availability !== undefined && !(o.availability > 0.5 && o.availability < 1)) {
        throw propError(this, `${f}.availability`, o.availability, 'a fraction between 0.5 and 1, such as 0.999');
      }
      if (o.latency !== undefined) {
        if (!(o.latency.target > 0.5 && o.latency.target < 1)) throw propError(this, `${f}.latency.target`, o.latency.target, 'a fraction between 0.5 and 1, such as 0.99');
        const seconds = o.latency.threshold.toMilliseconds() / 1000;
        if (!SPAN_METRICS_BUCKETS.includes(seconds)) {
          throw propError(this, `${f}.latency.threshold`, `${seconds}s`, `a bucket boundary of Tempo's span-metrics histogram: ${SPAN_METRICS_BUCKETS.map(b => `${b}s`).join(', ')}`);
        }
      }
    });
  }

  private podMonitor(source: MetricsSource, labels: Record<string, string>): PodMonitor {
    const name = source.workload.name;
    const interval = renderDuration(this, 'scrapeInterval', this.props.scrapeInterval ?? Duration.seconds(30), PROMETHEUS_DURATION_UNITS);
    const { PodMonitor } = podMonitorCrd();
    return new PodMonitor(this, name, {
      metadata: { name, labels },
      spec: {
        selector: { matchLabels: { ...source.selector } },
        podMetricsEndpoints: [{ port: source.portName, path: METRICS_PATH, interval }],
      },
    });
  }

  /** The job label Prometheus gives a PodMonitor's targets: `<namespace>/<name>`. */
  private jobOf(source: MetricsSource): string {
    return `${this.namespace}/${source.workload.name}`;
  }

  private spanMetricsOn(): boolean {
    if (this.props.spanMetrics !== undefined) return this.props.spanMetrics;
    const chart = Chart.of(this);
    return chart.node.findAll().some(c => c instanceof TempoBase && Chart.of(c) === chart && c.settings.writesSpanMetrics);
  }

  /** What the rules are made from: every metrics source of the chart and the options. */
  public ruleInput(): RuleInput {
    const targets: RuleTarget[] = metricsSources(this).map(s => ({
      job: this.jobOf(s),
      program: s.program,
      component: s.component,
      majorVersion: s.majorVersion,
      tailSampling: s.tailSampling,
      storageExporter: s.storageExporter,
      searchStorage: s.searchStorage,
      servesQuery: s.servesQuery,
      cpuRequestCores: s.resources ? parseQuantity(s.scope, 'resources.cpuRequest', s.resources.cpuRequest) : undefined,
      memoryRequestBytes: s.resources ? parseQuantity(s.scope, 'resources.memoryRequest', s.resources.memoryRequest) : undefined,
    }));
    const objectives: ServiceObjectiveModel[] = (this.props.objectives ?? []).map(o => ({
      service: o.service,
      availability: o.availability,
      latency: o.latency ? { thresholdSeconds: o.latency.threshold.toMilliseconds() / 1000, target: o.latency.target } : undefined,
    }));
    return {
      namespace: this.namespace,
      targets,
      spanMetrics: this.spanMetricsOn(),
      serviceErrorRatio: this.props.serviceErrorRatio ?? 0.05,
      spansPerSecondPerService: this.props.spansPerSecondPerService ?? 1000,
      requestUsageRatio: this.props.requestUsageRatio ?? 0.9,
      objectives,
      rateWindow: renderDuration(this, 'rateWindow', this.props.rateWindow ?? Duration.minutes(5), PROMETHEUS_DURATION_UNITS),
    };
  }

  /** The rule groups, as the PrometheusRule's `spec.groups`. */
  public ruleGroups(): RuleGroupModel[] {
    const input = this.ruleInput();
    const byArea = new Map<string, PrometheusRuleModel[]>();
    for (const d of alertDefinitions(input)) {
      const rule = this.render(d);
      if (!rule) continue;
      const group = d.area === 'cost' ? 'tracing-cost' : `tracing-${d.area}`;
      byArea.set(group, [...(byArea.get(group) ?? []), rule]);
    }
    const records = recordingRules(input);
    const groups: RuleGroupModel[] = [];
    if (records.length > 0) groups.push({ name: 'tracing-span-metrics-records', rules: records });
    for (const name of ['tracing-pipeline', 'tracing-jaeger', 'tracing-tempo', 'tracing-applications', 'tracing-cost']) {
      const rules = byArea.get(name);
      if (rules) groups.push({ name, rules });
    }
    return groups;
  }

  /** An override's `for` as Prometheus writes it (`5m`, `90s`); undefined for none (0: the alert fires at its first evaluation). */
  private forOverride(name: string, o: AlertOverride | undefined): string | undefined {
    if (o?.for === undefined || o.for.toMilliseconds() === 0) return undefined;
    return renderDuration(this, `alerts.${name}.for`, o.for, PROMETHEUS_DURATION_UNITS);
  }

  private render(d: AlertDefinition): PrometheusRuleModel | undefined {
    const o = this.props.alerts?.[d.alert as TracingAlertName];
    if (o?.enabled === false) return undefined;
    const forDuration = o?.for !== undefined ? this.forOverride(d.alert, o) : d.for;
    return {
      alert: d.alert,
      expr: d.expr,
      ...(forDuration === undefined || /^0[smh]$/.test(forDuration) ? {} : { for: forDuration }),
      labels: { ...this.props.alertLabels, severity: o?.severity ?? d.severity, tracing_area: d.area },
      annotations: { summary: d.summary, description: d.description },
    };
  }
}

