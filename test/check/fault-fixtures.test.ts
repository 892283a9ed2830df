/**
 * Each fault class `cdk8s-tracing check` is for, reproduced in a fixture written by hand
 * (test/fixtures/check/), reported with its rule id, severity, file, object, field and line, and
 * nothing else reported; the clean fixtures (a multi-document stack, a `kind: List`, a JSON file)
 * give no finding at all.
 */
import { join, relative, resolve } from 'path';
import { checkPaths } from '../../constructs/check/check';
import { describeObject, sortFindings, type Finding } from '../../constructs/check/finding';
import { RULES } from '../../constructs/check/rules';
import { suiteSchemaOptions } from '../_support/k8s-schema';
import { describeWithSchemas } from '../_support/validate-manifests';

const root = resolve(__dirname, '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'check');

/** `[rule, severity, object, path, line]` of each finding, in report order (by line). */
function check(path: string): Array<[string, string, string, string, number | undefined]> {
  return sortFindings(checkPaths([join(fixtures, path)], suiteSchemaOptions(), { cwd: root }).findings)
    .map((f: Finding) => [f.ruleId, f.severity, describeObject(f.object), f.path, f.line]);
}

describeWithSchemas()('fault fixtures', () => {
  test('the clean stack, List and JSON file give no finding', () => {
    const { input, findings } = checkPaths([join(fixtures, 'clean')], suiteSchemaOptions(), { cwd: root });
    expect(findings).toStrictEqual([]);
    expect(input.files).toStrictEqual(['clean/network-policy.json', 'clean/rbac-list.yaml', 'clean/stack.yaml'].map((f) => relative(root, join(fixtures, f))));
    expect(input.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`)).toContain('RoleBinding/reader');
    expect(input.objects).toHaveLength(18);
  });

  test('chart faults: StatefulSet serviceName, targetPort name, a collector endpoint and a Grafana datasource no Service provides', () => {
    expect(check('faults/chart-faults.yaml')).toStrictEqual([
      ['wiring/statefulset-service-name', 'error', 'StatefulSet obs/tempo', '/spec/serviceName', 18],
      ['wiring/service-target-port', 'error', 'Service obs/tempo', '/spec/ports/0/targetPort', 68],
      ['wiring/address-unresolved', 'error', 'ConfigMap obs/collector-config', '/data/config.yaml#/exporters/otlp/endpoint', 86],
      ['wiring/address-port', 'error', 'ConfigMap obs/grafana-datasources', '/data/datasources.yaml#/datasources/0/url', 105],
    ]);
  });

  test('wiring faults: missing ConfigMap, Secret, ServiceAccount and PVC; selectors, HPA, PDB and Ingress targeting nothing', () => {
    expect(check('faults/wiring-faults.yaml')).toStrictEqual([
      ['wiring/service-account-missing', 'error', 'Deployment shop/web', '/spec/template/spec/serviceAccountName', 24],
      ['wiring/secret-missing', 'info', 'Deployment shop/web', '/spec/template/spec/containers/0/envFrom/0/secretRef/name', 32],
      ['wiring/configmap-missing', 'error', 'Deployment shop/web', '/spec/template/spec/volumes/0/configMap/name', 42],
      ['wiring/pvc-missing', 'warning', 'Deployment shop/web', '/spec/template/spec/volumes/1/persistentVolumeClaim/claimName', 44],
      ['wiring/service-selector', 'error', 'Service shop/api', '/spec/selector', 64],
      ['wiring/hpa-target', 'error', 'HorizontalPodAutoscaler shop/api', '/spec/scaleTargetRef', 75],
      ['wiring/pdb-selector', 'error', 'PodDisruptionBudget shop/api', '/spec/selector', 86],
      ['wiring/ingress-backend', 'error', 'Ingress shop/shop', '/spec/rules/0/http/paths/1/backend/service/name', 101],
      ['wiring/workload-selector', 'error', 'Job shop/migrate', '/spec/selector', 117],
    ]);
  });

  test('schema faults: unknown field, wrong type, missing field, value out of range, removed API, a custom resource against its CRD', () => {
    expect(check('faults/schema-faults.yaml')).toStrictEqual([
      ['schema/wrong-type', 'error', 'Deployment jobs/worker', '/spec/replicas', 17],
      ['schema/unknown-field', 'error', 'Deployment jobs/worker', '/spec/revisionHistoryLimits', 18],
      ['schema/missing-field', 'error', 'StatefulSet jobs/queue', '/spec', 47],
      ['schema/invalid-value', 'error', 'StatefulSet jobs/queue', '/spec/replicas', 48],
      ['schema/unknown-kind', 'error', 'Ingress jobs/worker', '/apiVersion', 52],
      ['schema/invalid-value', 'error', 'Widget jobs/small', '/spec/size', 90],
      ['schema/unknown-field', 'error', 'Widget jobs/small', '/spec/colour', 91],
      ['schema/no-crd', 'info', 'Gadget jobs/unchecked', '/apiVersion', 93],
    ]);
  });

  test('policy faults: privileged (an error where restricted is enforced), unpinned image, no probes, no resources', () => {
    expect(check('faults/policy-faults.yaml')).toStrictEqual([
      ['policy/privileged', 'error', 'DaemonSet secure/agent', '/spec/template/spec/containers/0/securityContext/privileged', 38],
      ['policy/probes', 'warning', 'Deployment lax/debug', '/spec/template/spec/containers/0/livenessProbe', 65],
      ['policy/probes', 'warning', 'Deployment lax/debug', '/spec/template/spec/containers/0/readinessProbe', 65],
      ['policy/resources', 'warning', 'Deployment lax/debug', '/spec/template/spec/containers/0/resources/limits', 65],
      ['policy/resources', 'warning', 'Deployment lax/debug', '/spec/template/spec/containers/0/resources/requests', 65],
      ['policy/image-not-pinned', 'warning', 'Deployment lax/debug', '/spec/template/spec/containers/0/image', 66],
      ['policy/privileged', 'warning', 'Deployment lax/debug', '/spec/template/spec/containers/0/securityContext/privileged', 67],
    ]);
  });

  test('the messages say what is wrong', () => {
    const messages = checkPaths([join(fixtures, 'faults')], suiteSchemaOptions(), { cwd: root }).findings.map((f) => f.message);
    expect(messages).toEqual(expect.arrayContaining([
      "no Service 'tempo-headless' in namespace 'obs': the pods get no stable DNS names",
      "named port 'http-metrics' (TCP) is not declared by StatefulSet/tempo (/spec/template); it declares http=3200/TCP (tempo), otlp-grpc=4317/TCP (tempo)",
      "address 'tempo-distributor.obs.svc:4317' names no Service of the input (no Service 'tempo-distributor' in namespace 'obs')",
      "address 'http://tempo.obs.svc:3100' names Service/tempo (namespace 'obs'), which has no port 3100 (ports: 3200, 4317)",
      "unknown field 'revisionHistoryLimits'",
      'must be integer, not string "2"',
      "container agent is privileged (namespace 'secure' enforces restricted: the API server refuses these pods)",
      "container debug image 'nicolaka/netshoot:latest' is not pinned to a version tag or a digest",
    ]));
  });

  test('the fixtures reproduce the fault classes of the issue, each rule of them at least once', () => {
    const seen = new Set(checkPaths([join(fixtures, 'faults')], suiteSchemaOptions(), { cwd: root }).findings.map((f) => f.ruleId));
    const required = [
      'schema/unknown-field', 'schema/wrong-type', 'schema/missing-field', 'schema/invalid-value', 'schema/unknown-kind', 'schema/no-crd',
      'wiring/statefulset-service-name', 'wiring/service-target-port', 'wiring/service-selector', 'wiring/workload-selector',
      'wiring/configmap-missing', 'wiring/secret-missing', 'wiring/service-account-missing', 'wiring/pvc-missing',
      'wiring/hpa-target', 'wiring/pdb-selector', 'wiring/ingress-backend', 'wiring/address-unresolved', 'wiring/address-port',
      'policy/image-not-pinned', 'policy/probes', 'policy/resources', 'policy/privileged',
    ];
    expect(required.filter((id) => !seen.has(id))).toStrictEqual([]);
    expect(required.filter((id) => !RULES.some((r) => r.id === id))).toStrictEqual([]);
  });
});
