/**
 * The `cdk8s-tracing check` command as users run it (its `main`, with standard streams of the
 * test's own): exit codes 0, 1 and 2, `--fail-on`, the options, standard input, and the three
 * report formats (SARIF checked against the structure SARIF 2.1.0 requires).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { RULES } from '../../constructs/check/rules';
import { runCli, type CliRun } from '../_support/check-cli';
import { k8sSchemaDir, suiteSchemaArgs } from '../_support/k8s-schema';
import { describeWithSchemas } from '../_support/validate-manifests';

const root = resolve(__dirname, '..', '..');
const fixtures = 'test/fixtures/check';

const run = runCli;

/** `check` with the suite's schemas (the package's own are in lib/, built by npm run build) and validator cache. */
function check(...args: string[]): CliRun {
  return run(['check', ...suiteSchemaArgs(), ...args]);
}

describeWithSchemas()('cdk8s-tracing check', () => {
  describe('exit codes', () => {
    test('0 on clean manifests', () => {
      const r = check(`${fixtures}/clean`);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toBe('OK 0 errors, 0 warnings, 0 notes (3 files, 18 objects checked; failing on error)\n');
    });

    test('1 on an error', () => {
      expect(check(`${fixtures}/faults/chart-faults.yaml`).code).toBe(1);
    });

    test('--fail-on decides: warnings and notes pass by default, fail at their level', () => {
      const warningsOnly = [`${fixtures}/faults/policy-faults.yaml`, '--skip', 'policy/privileged'];
      expect(check(...warningsOnly).code).toBe(0);
      expect(check(...warningsOnly, '--fail-on', 'warning').code).toBe(1);
      const noteOnly = [`${fixtures}/faults/wiring-faults.yaml`, '--skip', 'wiring/service-account-missing', '--skip', 'wiring/configmap-missing',
        '--skip', 'wiring/pvc-missing', '--skip', 'wiring/service-selector', '--skip', 'wiring/hpa-target', '--skip', 'wiring/pdb-selector',
        '--skip', 'wiring/ingress-backend', '--skip', 'wiring/workload-selector'];
      expect(check(...noteOnly, '--fail-on', 'warning').code).toBe(0);
      expect(check(...noteOnly, '--fail-on', 'info').code).toBe(1);
    });

    test.each([
      [['check', `${fixtures}/unreadable/invalid.yaml`], /^cdk8s-tracing: test\/fixtures\/check\/unreadable\/invalid\.yaml:5:13: not valid YAML: bad indentation of a mapping entry\n$/],
      [['check', `${fixtures}/unreadable/not-an-object.yaml`], /^cdk8s-tracing: test\/fixtures\/check\/unreadable\/not-an-object\.yaml:1: a document is a list, not a Kubernetes object\n$/],
      [['check', 'no/such/dir'], /^cdk8s-tracing: no\/such\/dir: no such file or folder\n$/],
      [['check', `${fixtures}/faults`, '--schemas', k8sSchemaDir(), '--crds', 'no/such/crds'], /no\/such\/crds: no such file or folder \(--crds\)\n$/],
      [['check', `${fixtures}/faults`, '--schemas', 'no/such/schemas'], /no\/such\/schemas: no such file or folder/],
      [['check', 'test/fixtures/check/unreadable', '--schemas', `${fixtures}/clean`], /^cdk8s-tracing: .*invalid\.yaml:5:13: not valid YAML/],
    ])('2 on unreadable input, with a message and no stack trace: %j', (args, message) => {
      const r = run(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });

    test('2 on a folder without manifests', () => {
      const empty = mkdtempSync(join(tmpdir(), 'check-empty-'));
      writeFileSync(join(empty, 'notes.txt'), 'not a manifest');
      expect(run(['check', empty])).toMatchObject({ code: 2, stderr: expect.stringMatching(/no \*\.yaml, \*\.yml or \*\.json files in this folder/) });
    });

    test.each([
      [[], /^$/],
      [['lint', '.'], /unknown command 'lint'/],
      [['check'], /no files or folders to check/],
      [['check', '--format', 'xml', '.'], /--format must be text, json or sarif, got 'xml'/],
      [['check', '--fail-on', 'fatal', '.'], /--fail-on must be error, warning or info, got 'fatal'/],
      [['check', '--skip', 'wiring/nonsense', '.'], /--skip names no rule: wiring\/nonsense/],
      [['check', '--external', 'http://es:9200', '.'], /--external takes host:port/],
      [['check', '--provided', 'es-credentials', '.'], /--provided takes Kind\/name/],
      [['check', '--colour', '.'], /Unknown option '--colour'/],
    ])('2 on a wrong command line: %j', (args, message) => {
      const r = run(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    });
  });

  describe('options', () => {
    test('--external accepts an address, --provided an object, --skip a rule or a family', () => {
      const faults = `${fixtures}/faults/chart-faults.yaml`;
      const json = (r: CliRun) => JSON.parse(r.stdout).findings.map((f: { ruleId: string }) => f.ruleId);
      expect(json(check(faults, '--format', 'json'))).toContain('wiring/address-unresolved');
      expect(json(check(faults, '--format', 'json', '--external', 'tempo-distributor.obs.svc:4317'))).not.toContain('wiring/address-unresolved');
      expect(json(check(faults, '--format', 'json', '--provided', 'Service/tempo-headless'))).not.toContain('wiring/statefulset-service-name');
      expect(json(check(faults, '--format', 'json', '--skip', 'wiring'))).toStrictEqual([]);
      const wiring = `${fixtures}/faults/wiring-faults.yaml`;
      expect(json(check(wiring, '--format', 'json', '--provided', 'Secret/web-secrets', '--provided', 'ConfigMap/web-config'))).not.toEqual(expect.arrayContaining(['wiring/secret-missing']));
    });

    test('--namespace places objects that set none', () => {
      const dir = mkdtempSync(join(tmpdir(), 'check-ns-'));
      const text = readFileSync(join(root, fixtures, 'faults/chart-faults.yaml'), 'utf8').replace(/^ {2}namespace: obs\n/gm, '');
      writeFileSync(join(dir, 'helm-template.yaml'), text);
      const r = check(dir, '--namespace', 'monitoring', '--skip', 'policy');
      expect(r.stdout).toContain("no Service 'tempo-headless' in namespace 'monitoring'");
      expect(r.stdout).toContain('  StatefulSet monitoring/tempo\n');
    });

    test('- reads standard input', () => {
      const stdin = () => readFileSync(join(root, fixtures, 'faults/chart-faults.yaml'), 'utf8');
      const r = run(['check', '--schemas', k8sSchemaDir(), '-'], { stdin });
      expect(r.code).toBe(1);
      expect(r.stdout.split('\n')[0]).toBe('-');
      expect(r.stdout).toContain('/spec/serviceName (line 18)');
    });

    test('--output writes the report to a file', () => {
      const out = join(mkdtempSync(join(tmpdir(), 'check-out-')), 'report.sarif');
      const r = check(`${fixtures}/faults`, '--format', 'sarif', '--output', out);
      expect(r).toMatchObject({ code: 1, stdout: '' });
      expect(JSON.parse(readFileSync(out, 'utf8')).version).toBe('2.1.0');
    });

    test("the README's rule table is the catalogue", () => {
      const readme = readFileSync(join(root, 'README.md'), 'utf8');
      const table = readme.slice(readme.indexOf('| rule | severity | what |'));
      const rows = table.split('\n').slice(2, 2 + RULES.length + 1).filter((l) => l.startsWith('| `'));
      expect(rows.map((l) => l.split(' | ').slice(0, 2).join(' | '))).toStrictEqual(RULES.map((r) => `| \`${r.id}\` | ${r.severity}`));
    });

    test('--cache keeps the validators compiled in one run for the next, with the same report', () => {
      const cache = join(mkdtempSync(join(tmpdir(), 'check-cache-')), 'validators');
      const args = ['check', '--schemas', k8sSchemaDir(), `${fixtures}/faults`, '--format', 'json'];
      const uncached = run(args);
      expect(uncached.code).toBe(1);
      expect(run([...args, '--cache', cache])).toStrictEqual(uncached);
      expect(readdirSync(cache).filter((f) => f.endsWith('.js')).length).toBeGreaterThan(3);
    });

    test('--rules lists every rule with its severity; --version prints the package version', () => {
      const rules = run(['check', '--rules']);
      expect(rules.code).toBe(0);
      expect(rules.stdout.trim().split('\n')).toHaveLength(RULES.length);
      expect(rules.stdout).toMatch(/^wiring\/statefulset-service-name +error +/m);
      const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
      expect(run(['--version']).stdout).toBe(`${version}\n`);
      expect(run(['check', '--help'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: cdk8s-tracing check/) });
    });
  });

  describe('formats', () => {
    test('text: grouped by file and object, each finding with its line and rule, a summary last', () => {
      const r = check(`${fixtures}/faults/chart-faults.yaml`);
      expect(r.stdout).toBe([
        'test/fixtures/check/faults/chart-faults.yaml',
        '  StatefulSet obs/tempo',
        '    error    /spec/serviceName (line 18)  wiring/statefulset-service-name',
        "             no Service 'tempo-headless' in namespace 'obs': the pods get no stable DNS names",
        '  Service obs/tempo',
        '    error    /spec/ports/0/targetPort (line 68)  wiring/service-target-port',
        "             named port 'http-metrics' (TCP) is not declared by StatefulSet/tempo (/spec/template); it declares http=3200/TCP (tempo), otlp-grpc=4317/TCP (tempo)",
        '  ConfigMap obs/collector-config',
        '    error    /data/config.yaml#/exporters/otlp/endpoint (line 86)  wiring/address-unresolved',
        "             address 'tempo-distributor.obs.svc:4317' names no Service of the input (no Service 'tempo-distributor' in namespace 'obs')",
        '  ConfigMap obs/grafana-datasources',
        '    error    /data/datasources.yaml#/datasources/0/url (line 105)  wiring/address-port',
        "             address 'http://tempo.obs.svc:3100' names Service/tempo (namespace 'obs'), which has no port 3100 (ports: 3200, 4317)",
        '',
        'FAIL 4 errors, 0 warnings, 0 notes (1 file, 5 objects checked; failing on error)',
        '',
      ].join('\n'));
    });

    test('text: coloured on a terminal, unless NO_COLOR is set', () => {
      const args = ['check', '--schemas', k8sSchemaDir(), `${fixtures}/faults/chart-faults.yaml`];
      expect(run(args, { isTTY: true }).stdout).toContain('\u001b[31merror  \u001b[0m');
      expect(run(args, { isTTY: true, env: { NO_COLOR: '1' } }).stdout).not.toContain('\u001b[');
      expect(run(args, { isTTY: false }).stdout).not.toContain('\u001b[');
    });

    test('json: the summary and every finding with its file, line, object, path and rule', () => {
      const r = check(`${fixtures}/faults`, '--format', 'json');
      const report = JSON.parse(r.stdout);
      expect(report.tool).toMatchObject({ name: 'cdk8s-tracing check', kubernetesVersion: '1.37.0' });
      expect(report.summary).toStrictEqual({ files: 4, objects: 21, errors: 19, warnings: 7, infos: 2, failOn: 'error', failed: true });
      expect(report.findings[0]).toStrictEqual({
        ruleId: 'wiring/statefulset-service-name',
        severity: 'error',
        file: 'test/fixtures/check/faults/chart-faults.yaml',
        line: 18,
        object: { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'obs', name: 'tempo' },
        path: '/spec/serviceName',
        message: "no Service 'tempo-headless' in namespace 'obs': the pods get no stable DNS names",
      });
    });

    test('sarif: a SARIF 2.1.0 log with the rule catalogue and one located result per finding', () => {
      const json = JSON.parse(check(`${fixtures}/faults`, '--format', 'json').stdout);
      const log = JSON.parse(check(`${fixtures}/faults`, '--format', 'sarif').stdout);
      expect(log.version).toBe('2.1.0');
      expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
      expect(log.runs).toHaveLength(1);
      const [runLog] = log.runs;
      const { driver } = runLog.tool;
      expect(driver.name).toBe('cdk8s-tracing check');
      expect(typeof driver.version).toBe('string');
      expect(driver.rules.map((r: { id: string }) => r.id)).toStrictEqual(RULES.map((r) => r.id));
      for (const rule of driver.rules) {
        expect(rule).toStrictEqual({
          id: expect.stringMatching(/^(schema|wiring|policy)\/[a-z-]+$/),
          name: expect.stringMatching(/^[a-zA-Z]+$/),
          shortDescription: { text: expect.any(String) },
          defaultConfiguration: { level: expect.stringMatching(/^(error|warning|note)$/) },
          properties: { tags: [rule.id.split('/')[0]] },
        });
      }
      expect(runLog.results).toHaveLength(json.findings.length);
      runLog.results.forEach((result: any, i: number) => {
        const finding = json.findings[i];
        expect(driver.rules[result.ruleIndex].id).toBe(result.ruleId);
        expect(result.ruleId).toBe(finding.ruleId);
        expect(result.level).toBe({ error: 'error', warning: 'warning', info: 'note' }[finding.severity as string]);
        expect(result.message.text).toContain(finding.message);
        expect(result.locations).toHaveLength(1);
        const [location] = result.locations;
        expect(location.physicalLocation).toStrictEqual({ artifactLocation: { uri: finding.file }, region: { startLine: finding.line } });
        expect(Number.isInteger(location.physicalLocation.region.startLine) && location.physicalLocation.region.startLine >= 1).toBe(true);
        expect(location.logicalLocations).toStrictEqual([{ name: finding.path, fullyQualifiedName: expect.stringContaining(finding.path), kind: 'member' }]);
      });
    });
  });
});
