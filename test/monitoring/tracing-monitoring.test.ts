import { Chart, Duration } from 'cdk8s';
import { AlertSeverity, OtelCollector, TempoMonolithic, TracingMonitoring, TracingMonitoringProps } from '../../constructs';
import { PrometheusRuleModel, RuleGroupModel } from '../../constructs/monitoring/tracing-alerts';
import { find, synth, testChart } from '../_support/synth';

/** A chart with a Tempo and a collector, monitored with `props`. */
function monitoredChart(props: TracingMonitoringProps = {}): Chart {
  const chart = testChart();
  const tempo = new TempoMonolithic(chart, 'tempo');
  new OtelCollector(chart, 'gateway', { exportTo: [tempo] });
  new TracingMonitoring(chart, 'monitoring', props);
  return chart;
}

/** The alerting rules of the chart's PrometheusRule, by name. */
function alerts(chart: Chart): Map<string, PrometheusRuleModel> {
  const groups = find(synth(chart), 'PrometheusRule', 'tracing-alerts').spec.groups as RuleGroupModel[];
  return new Map(groups.flatMap(g => g.rules).filter(r => r.alert !== undefined).map(r => [r.alert!, r]));
}

describe('TracingMonitoring alert overrides', () => {
  const defaults = alerts(monitoredChart());
  const overridden = alerts(monitoredChart({
    alertLabels: { team: 'platform' },
    alerts: {
      TracingExporterSendFailing: { enabled: false },
      TracingComponentDown: { for: Duration.minutes(10), severity: AlertSeverity.WARNING },
      TracingReceiverRefusingSpans: { severity: AlertSeverity.CRITICAL },
      TempoDiscardingSpans: { for: Duration.seconds(0) },
      TempoQueryErrors: { for: Duration.hours(1), enabled: true },
    },
  }));

  test('the defaults render every alert that applies, with its own for and severity', () => {
    expect(defaults.get('TracingExporterSendFailing')).toMatchObject({ for: '5m', labels: { severity: 'critical', tracing_area: 'pipeline' } });
    expect(defaults.get('TracingComponentDown')).toMatchObject({ for: '5m', labels: { severity: 'critical', tracing_area: 'pipeline' } });
    expect(defaults.get('TempoDiscardingSpans')).toMatchObject({ for: '5m', labels: { severity: 'warning', tracing_area: 'tempo' } });
  });

  test('enabled: false leaves the alert out', () => {
    expect(overridden.has('TracingExporterSendFailing')).toBe(false);
    expect([...overridden.keys()].sort()).toStrictEqual([...defaults.keys()].filter(name => name !== 'TracingExporterSendFailing').sort());
  });

  test('for and severity replace the alert\'s own; the expression and the area stay', () => {
    expect(overridden.get('TracingComponentDown')).toStrictEqual({
      ...defaults.get('TracingComponentDown'),
      for: '10m',
      labels: { team: 'platform', severity: 'warning', tracing_area: 'pipeline' },
    });
    expect(overridden.get('TracingReceiverRefusingSpans')).toStrictEqual({
      ...defaults.get('TracingReceiverRefusingSpans'),
      labels: { team: 'platform', severity: 'critical', tracing_area: 'pipeline' },
    });
    expect(overridden.get('TempoQueryErrors')?.for).toBe('1h');
  });

  test('for: 0 renders no for (the alert fires at its first evaluation)', () => {
    const rule = overridden.get('TempoDiscardingSpans')!;
    expect(rule.expr).toBe(defaults.get('TempoDiscardingSpans')!.expr);
    expect('for' in rule).toBe(false);
  });

  test('alerts without an override are unchanged but for the alert labels', () => {
    const changed = ['TracingExporterSendFailing', 'TracingComponentDown', 'TracingReceiverRefusingSpans', 'TempoDiscardingSpans', 'TempoQueryErrors'];
    for (const [name, rule] of overridden) {
      if (changed.includes(name)) continue;
      expect(rule).toStrictEqual({ ...defaults.get(name), labels: { team: 'platform', ...defaults.get(name)!.labels } });
    }
  });

  test('fails if an override names no alert of the library', () => {
    expect(() => monitoredChart({ alerts: { TracingNoSuchAlert: { enabled: false } } as TracingMonitoringProps['alerts'] }))
      .toThrow(/'alerts' must be an alert name: TracingComponentDown, .*TracingNoSuchAlert/);
  });

  test('fails if an override\'s severity is not one of AlertSeverity', () => {
    expect(() => monitoredChart({ alerts: { TracingComponentDown: { severity: 'page' as AlertSeverity } } }))
      .toThrow(/'alerts.TracingComponentDown.severity' must be critical, warning, info, got "page"/);
  });

  test('fails if alertLabels sets severity or tracing_area (set severity per alert)', () => {
    expect(() => monitoredChart({ alertLabels: { severity: 'critical' } })).toThrow(/'alertLabels' must be a label other than severity and tracing_area/);
  });
});
