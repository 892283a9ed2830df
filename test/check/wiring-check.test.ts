/**
 * What the command's wiring check adds to the suite's (test/support/validate-manifests.test.ts
 * proves the rest on the same code): severities, the input's namespaces deciding what is external,
 * notes said once, Secrets' `data` read, the objects every cluster has.
 */
import { wiringFindings } from '../../constructs/check/wiring-check';
import type { Manifest } from '../../constructs/wiring/_json';

const cm = (name: string, data: Record<string, string>, namespace = 'app'): Manifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
const summary = (objects: Manifest[], options = {}) => wiringFindings(objects, options).map((f) => `${f.ruleId} ${f.severity}: ${f.message}`);

const pod = (spec: Record<string, unknown>): Manifest => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'app', labels: { app: 'p' } },
  spec: { containers: [{ name: 'c', image: 'busybox:1.37' }], ...spec },
});

describe('wiring findings of the command', () => {
  test('an address into a namespace of the input is an error; into another namespace or outside the cluster, a note', () => {
    expect(summary([cm('c', { 'a.yaml': 'x: http://tempo.app.svc:3200\ny: http://prometheus.monitoring.svc:9090\nz: https://es.example.com\n' })])).toStrictEqual([
      "wiring/address-unresolved error: address 'http://tempo.app.svc:3200' names no Service of the input (no Service 'tempo' in namespace 'app')",
      "wiring/address-external info: address 'http://prometheus.monitoring.svc:9090' is outside the input (Service 'prometheus' of namespace 'monitoring', which the input does not hold): prometheus.monitoring.svc:9090 must be reachable from the cluster",
      "wiring/address-external info: address 'https://es.example.com' is outside the input (not a Service of the input's namespaces): es.example.com:443 must be reachable from the cluster",
    ]);
    expect(summary([cm('c', { 'a.yaml': 'x: http://prometheus.monitoring.svc:9090\n' }), cm('d', {}, 'monitoring')])).toStrictEqual([
      "wiring/address-unresolved error: address 'http://prometheus.monitoring.svc:9090' names no Service of the input (no Service 'prometheus' in namespace 'monitoring')",
    ]);
  });

  test('the Kubernetes API Service, kube-root-ca.crt and the default ServiceAccount exist in every cluster', () => {
    const p = pod({
      serviceAccountName: 'default',
      containers: [{ name: 'c', image: 'busybox:1.37', args: ['--api=https://kubernetes.default.svc:443'] }],
      volumes: [{ name: 'ca', configMap: { name: 'kube-root-ca.crt' } }],
    });
    expect(summary([p])).toStrictEqual([]);
  });

  test('a note is said once, counting the other references', () => {
    const secretUser = (name: string): Manifest => ({ ...pod({ volumes: [{ name: 's', secret: { secretName: 'creds' } }], imagePullSecrets: [{ name: 'creds' }] }), metadata: { name, namespace: 'app', labels: { app: name } } });
    expect(summary([secretUser('a'), secretUser('b')])).toStrictEqual([
      "wiring/secret-missing info: Secret 'creds' is not in the input: it must exist in namespace 'app' before the pods start (4 references, from Pod/a, Pod/b)",
    ]);
    expect(summary([secretUser('a')], { provided: ['Secret/creds'] })).toStrictEqual([]);
  });

  test("a Secret's data is read as configuration when it is text", () => {
    const secret: Manifest = {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'datasources', namespace: 'app' },
      data: { 'ds.yaml': Buffer.from('datasources:\n  - url: http://tempo:3200\n').toString('base64'), 'key.bin': Buffer.from([0, 1, 2, 255]).toString('base64') },
    };
    expect(summary([secret])).toStrictEqual([
      "wiring/address-unresolved error: address 'http://tempo:3200' names no Service of the input (no Service 'tempo' in namespace 'app')",
    ]);
    expect(wiringFindings([secret])[0].path).toBe('/data/ds.yaml#/datasources/0/url');
  });

  test("a StatefulSet's governing Service must exist, and be headless", () => {
    const sts: Manifest = {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'app' },
      spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'db:1', ports: [{ name: 'sql', containerPort: 5432 }] }] } } },
    };
    const svc = (clusterIP?: string): Manifest => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'app' }, spec: { ...(clusterIP ? { clusterIP } : {}), selector: { app: 'db' }, ports: [{ port: 5432, targetPort: 'sql' }] } });
    expect(summary([sts])).toStrictEqual(["wiring/statefulset-service-name error: no Service 'db' in namespace 'app': the pods get no stable DNS names"]);
    expect(summary([sts, svc()])).toStrictEqual(['wiring/statefulset-service-headless warning: Service/db is not headless (clusterIP: None), so the pods get no DNS names of their own']);
    expect(summary([sts, svc('None')])).toStrictEqual([]);
  });

  test('severities: a missing PersistentVolumeClaim is a warning, a ClusterRole neither given nor built in too', () => {
    const binding: Manifest = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' }, subjects: [] };
    const view: Manifest = { ...binding, metadata: { name: 'v' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' } };
    expect(summary([pod({ volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] }), binding, view])).toStrictEqual([
      "wiring/pvc-missing warning: no PersistentVolumeClaim 'data' in namespace 'app'",
      "wiring/cluster-role-missing warning: no ClusterRole 'reader' in the input, and it is not a built-in one",
    ]);
  });
});
