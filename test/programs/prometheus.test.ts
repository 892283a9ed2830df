/**
 * The Prometheus 3.16.0 harness (test/_support/prometheus.ts) with the real prometheus and
 * promtool of scripts/programs/prometheus.sh:
 *
 * - `promtool check rules` passes a valid rule file and fails one with a bad PromQL expression,
 *   with the parse error in its output; `promtool test rules` runs a passing and a failing test;
 * - a server on loopback scrapes itself (the API works without the embedded web UI), evaluates a
 *   rule file every second (an alert with `for: 0s` fires, one with `for: 1h` is pending), accepts a
 *   Remote Write push, and reloads a changed configuration; a bad configuration fails at start.
 */
import { dirname } from 'path';
import { PROMETHEUS_VERSION } from '../_support/programs';
import {
  describeWithPrometheus, promtoolCheckRules, promtoolTestRules, PrometheusServer, remoteWrite, RuleFile, startPrometheus, writeRuleFile, writeRuleTestFile,
} from '../_support/prometheus';

const [describeProm, bins] = describeWithPrometheus();

const TARGET_DOWN: RuleFile = {
  groups: [{
    name: 'targets',
    rules: [{
      alert: 'TargetDown',
      expr: 'up == 0',
      for: '2m',
      labels: { severity: 'warning' },
      annotations: { summary: '{{ $labels.job }} is down' },
    }],
  }],
};

describeProm(`promtool ${PROMETHEUS_VERSION}`, () => {
  test('check rules passes a valid rule file', () => {
    const result = promtoolCheckRules([writeRuleFile(TARGET_DOWN)], { bin: bins.promtool });
    expect(result.output).toMatch(/SUCCESS: 1 rules found/);
    expect(result.ok).toBe(true);
  });

  test('check rules fails a rule file with a bad PromQL expression, naming the parse error', () => {
    const bad = writeRuleFile({ groups: [{ name: 'bad', rules: [{ record: 'job:up:sum', expr: 'sum(up' }] }] });
    const result = promtoolCheckRules([bad], { bin: bins.promtool });
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/parse error/);
    expect(result.output).toMatch(/unclosed left parenthesis/);
  });

  test('test rules runs a unit test that passes and one that fails', () => {
    const dir = dirname(writeRuleFile(TARGET_DOWN));
    const alertAt = (evalTime: string, job: string) => writeRuleTestFile({
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: [{ series: 'up{job="api"}', values: '1 0 0 0 0' }],
        alert_rule_test: [{
          eval_time: evalTime,
          alertname: 'TargetDown',
          exp_alerts: [{ exp_labels: { severity: 'warning', job }, exp_annotations: { summary: `${job} is down` } }],
        }],
      }],
    }, dir, `tests-${evalTime}-${job}.yaml`);

    const passing = promtoolTestRules(alertAt('4m', 'api'), { bin: bins.promtool });
    expect(passing.output).toMatch(/SUCCESS/);
    expect(passing.ok).toBe(true);

    // At 2m the alert is only pending (down since 1m, `for: 2m`): no firing alert is there.
    const failing = promtoolTestRules(alertAt('2m', 'api'), { bin: bins.promtool });
    expect(failing.ok).toBe(false);
    expect(failing.output).toMatch(/FAILED/);
    expect(failing.output).toMatch(/alertname: TargetDown, time: 2m/);
  });
});

describeProm(`prometheus ${PROMETHEUS_VERSION} on loopback`, () => {
  let prom: PrometheusServer | undefined;

  beforeAll(async () => {
    const rules = writeRuleFile({
      groups: [{
        name: 'always',
        rules: [
          { alert: 'AlwaysFiring', expr: 'vector(1)', for: '0s', labels: { severity: 'info' } },
          { alert: 'LongPending', expr: 'vector(1)', for: '1h' },
          { record: 'job:up:sum', expr: 'sum by (job) (up)' },
        ],
      }],
    });
    const start = Date.now();
    prom = await startPrometheus({ scrapeConfigs: [], scrapeSelf: true, ruleFiles: [rules], remoteWriteReceiver: true, bin: bins.prometheus });
    process.stdout.write(`prometheus ${PROMETHEUS_VERSION} ready on ${prom.url} in ${((Date.now() - start) / 1000).toFixed(1)} s\n`);
  }, 60_000);

  afterAll(async () => { await prom?.stop(); });

  test('scrapes itself: the target is up and prometheus_build_info is among the metric names', async () => {
    const [target] = await prom!.waitForTargetsUp(15_000);
    expect(target).toMatchObject({ scrapePool: 'prometheus', scrapeUrl: `${prom!.url}/metrics`, health: 'up' });
    const names = await prom!.waitFor('prometheus_build_info to be scraped', async () => {
      const n = await prom!.metricNames();
      return n.includes('prometheus_build_info') ? n : undefined;
    }, 15_000);
    expect(names).toContain('up');
    const info = await prom!.query('prometheus_build_info');
    expect(info.resultType).toBe('vector');
    expect(info.resultType === 'vector' && info.result[0].metric).toMatchObject({ job: 'prometheus', version: PROMETHEUS_VERSION });
  });

  test('evaluates rules every second: a for: 0s alert fires, a for: 1h one is pending, a recording rule records', async () => {
    const alerts = await prom!.waitFor('AlwaysFiring to fire', async () => {
      const a = await prom!.alerts();
      return a.some(x => x.labels.alertname === 'AlwaysFiring' && x.state === 'firing') ? a : undefined;
    }, 15_000);
    expect(alerts.find(a => a.labels.alertname === 'AlwaysFiring')).toMatchObject({ state: 'firing', labels: { severity: 'info' } });
    expect(alerts.find(a => a.labels.alertname === 'LongPending')).toMatchObject({ state: 'pending' });
    const [group] = await prom!.rules();
    expect(group.rules.map(r => [r.name, r.health])).toStrictEqual([['AlwaysFiring', 'ok'], ['LongPending', 'ok'], ['job:up:sum', 'ok']]);
    await prom!.waitFor('job:up:sum to be recorded', async () => (await prom!.metricNames()).includes('job:up:sum') || undefined, 15_000);
  });

  test('accepts a Remote Write push', async () => {
    const pushed = await remoteWrite(prom!.remoteWriteUrl, [{ labels: { __name__: 'pushed_total', service: 'checkout' }, samples: [{ value: 42 }] }]);
    expect(pushed).toStrictEqual({ status: 204, body: '' });
    const result = await prom!.query('pushed_total');
    expect(result).toStrictEqual({ resultType: 'vector', result: [{ metric: { __name__: 'pushed_total', service: 'checkout' }, value: [expect.any(Number), '42'] }] });
  });

  test('reloads a changed configuration: a new scrape job shows up as a target', async () => {
    await prom!.reload({ scrapeConfigs: [{ job_name: 'self-again', static_configs: [{ targets: [prom!.address] }], metrics_path: '/metrics' }] });
    const targets = await prom!.waitForTargetsUp(15_000);
    expect(targets.map(t => t.scrapePool).sort()).toStrictEqual(['prometheus', 'self-again']);
  });

  test('fails if the configuration is invalid: the start ends with the server\'s own error', async () => {
    const start = Date.now();
    await expect(startPrometheus({ scrapeConfigs: [], scrapeInterval: 'often', bin: bins.prometheus })).rejects.toThrow(/prometheus exited[\s\S]*often/);
    expect(Date.now() - start).toBeLessThan(10_000);
  });
});
