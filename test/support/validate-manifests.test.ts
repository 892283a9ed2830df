/**
 * Proves that the validation used on every example stack can fail: each check gets a valid case
 * and a `fails if …` case built from small hand-written objects.
 */
import { describeWithSchemas, K8sObject, schemaErrors, wiringErrors } from '../_support/validate-manifests';

function deployment(overrides: { labels?: Record<string, string>; selector?: Record<string, string>; podSpec?: Record<string, unknown>; spec?: Record<string, unknown> } = {}): K8sObject {
  const labels = overrides.labels ?? { app: 'web' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'tracing' },
    spec: {
      replicas: 1,
      selector: { matchLabels: overrides.selector ?? { app: 'web' } },
      template: {
        metadata: { labels },
        spec: {
          containers: [{
            name: 'web',
            image: 'nginx:1.27.3',
            ports: [{ name: 'http', containerPort: 8080 }],
          }],
          ...overrides.podSpec,
        },
      },
      ...overrides.spec,
    },
  };
}

function service(name = 'web', ports: Array<Record<string, unknown>> = [{ name: 'http', port: 80, targetPort: 'http' }], selector: Record<string, string> | null = { app: 'web' }): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'tracing' },
    spec: { ...(selector ? { selector } : {}), ports },
  };
}

function configMap(name: string, data: Record<string, string>): K8sObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'tracing' }, data };
}

function jaeger(spec: Record<string, unknown>): K8sObject {
  return { apiVersion: 'jaegertracing.io/v1', kind: 'Jaeger', metadata: { name: 'jaeger', namespace: 'tracing' }, spec };
}

const otelConfig = {
  receivers: { otlp: { protocols: { grpc: {} } } },
  exporters: { debug: {} },
  service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['debug'] } } },
};

const validJaegerSpec = {
  strategy: 'production',
  storage: { type: 'elasticsearch', options: { es: { 'server-urls': 'http://elasticsearch:9200' } } },
  ingress: { enabled: true },
};

describeWithSchemas()('schemaErrors', () => {
  test('a valid Deployment and Service pass', () => {
    expect(schemaErrors([deployment(), service()])).toEqual([]);
  });

  test('fails if a Deployment spec has an unknown field', () => {
    const errors = schemaErrors([deployment({ spec: { replicaCount: 2 } })]);
    expect(errors).toEqual([
      "Deployment/web: /spec/replicaCount: unknown field 'replicaCount'",
    ]);
  });

  test('fails if a container has an unknown field', () => {
    const errors = schemaErrors([deployment({ podSpec: { containers: [{ name: 'web', image: 'nginx:1.27.3', imagePolicy: 'Always' }] } })]);
    expect(errors).toEqual([
      "Deployment/web: /spec/template/spec/containers/0/imagePolicy: unknown field 'imagePolicy'",
    ]);
  });

  test('fails if a field has the wrong type', () => {
    const errors = schemaErrors([deployment({ spec: { replicas: '2' } })]);
    expect(errors).toEqual(['Deployment/web: /spec/replicas: must be integer, not string "2"']);
  });

  test('fails if an int32 is out of range', () => {
    const errors = schemaErrors([deployment({ spec: { replicas: 2 ** 31 } })]);
    expect(errors).toEqual([expect.stringMatching(/^Deployment\/web: \/spec\/replicas: must be a valid int32, not number 2147483648$/)]);
  });

  test('other built-in kinds validate: CronJob, Ingress, HPA, PDB, RoleBinding', () => {
    const objects: K8sObject[] = [
      {
        apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'clean' },
        spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox:1.37' }] } } } } },
      },
      {
        apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web' },
        spec: { rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] } }] },
      },
      {
        apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 3 },
      },
      { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'web' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'ServiceAccount', name: 'web' }],
      },
    ];
    expect(schemaErrors(objects)).toEqual([]);
  });

  test('fails if a kind is unknown', () => {
    const errors = schemaErrors([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]);
    expect(errors).toEqual([expect.stringMatching(/^Widget\/w: \/apiVersion: custom resource example.com\/v1 Widget not validated: no CustomResourceDefinition for it/)]);
  });

  test('fails if a built-in kind has an unknown apiVersion', () => {
    const errors = schemaErrors([{ ...deployment(), apiVersion: 'extensions/v1beta1' }]);
    expect(errors).toEqual([expect.stringMatching(/^Deployment\/web: \/apiVersion: extensions\/v1beta1 Deployment is not a kind of Kubernetes 1.37.0 \(Deployment is served as apps\/v1\)/)]);
  });

  test('a valid Jaeger CR passes', () => {
    expect(schemaErrors([jaeger(validJaegerSpec)])).toEqual([]);
  });

  test('fails if a Jaeger CR has an unknown field under spec', () => {
    const errors = schemaErrors([jaeger({ ...validJaegerSpec, storage: { ...validJaegerSpec.storage, esUrl: 'http://elasticsearch:9200' } })]);
    expect(errors).toEqual(["Jaeger/jaeger: /spec/storage/esUrl: unknown field 'esUrl'"]);
  });

  test('fails if a Jaeger CR has an unknown field in metadata', () => {
    const cr = jaeger(validJaegerSpec);
    const errors = schemaErrors([{ ...cr, metadata: { ...cr.metadata, label: 'x' } as K8sObject['metadata'] }]);
    expect(errors).toEqual(["Jaeger/jaeger: /metadata/label: unknown field 'label'"]);
  });

  test('fails if a Jaeger CR uses a version its CRD does not serve', () => {
    const errors = schemaErrors([{ ...jaeger(validJaegerSpec), apiVersion: 'jaegertracing.io/v2' }]);
    expect(errors).toEqual([expect.stringMatching(/^Jaeger\/jaeger: \/apiVersion: the CustomResourceDefinition of Jaeger in jaegertracing.io_jaegers.yaml does not serve jaegertracing.io\/v2 \(served: jaegertracing.io\/v1\)/)]);
  });

  test('a valid ServiceMonitor passes', () => {
    const sm: K8sObject = {
      apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, endpoints: [{ port: 'http', interval: '30s' }] },
    };
    expect(schemaErrors([sm])).toEqual([]);
  });

  test('fails if a ServiceMonitor endpoint has an unknown field', () => {
    const sm: K8sObject = {
      apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, endpoints: [{ port: 'http', scrapeEvery: '30s' }] },
    };
    expect(schemaErrors([sm])).toEqual(["ServiceMonitor/web: /spec/endpoints/0/scrapeEvery: unknown field 'scrapeEvery'"]);
  });

  test('fails if an x-kubernetes-int-or-string field has another type', () => {
    const sm: K8sObject = {
      apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'web' },
      spec: { selector: {}, endpoints: [{ targetPort: true }] },
    };
    expect(schemaErrors([sm])).toEqual(['ServiceMonitor/web: /spec/endpoints/0/targetPort: must be integer or string, not boolean true']);
  });

  test('a Go inline flag in a CRD pattern is honoured: (?i) matches case-insensitively', () => {
    const rule = (strategy: string): K8sObject => ({
      apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'rules' },
      spec: { groups: [{ name: 'tracing', partial_response_strategy: strategy, rules: [{ alert: 'Down', expr: 'up == 0' }] }] },
    });
    expect(schemaErrors([rule('WARN')])).toEqual([]);
    expect(schemaErrors([rule('ignore')])).toEqual([expect.stringMatching(/^PrometheusRule\/rules: \/spec\/groups\/0\/partial_response_strategy: must match the pattern/)]);
  });

  test('fails if a CRD duration is not a Go duration', () => {
    const collector = (interval: string): K8sObject => ({
      apiVersion: 'opentelemetry.io/v1beta1', kind: 'OpenTelemetryCollector', metadata: { name: 'otel' },
      spec: { config: otelConfig, targetAllocator: { prometheusCR: { scrapeInterval: interval } } },
    });
    expect(schemaErrors([collector('1m30s')])).toEqual([]);
    expect(schemaErrors([collector('PT30S')])).toEqual([expect.stringMatching(/^OpenTelemetryCollector\/otel: \/spec\/targetAllocator\/prometheusCR\/scrapeInterval: must be a valid duration, not string "PT30S"/)]);
  });

  test('a field marked x-kubernetes-preserve-unknown-fields accepts anything', () => {
    const otel: K8sObject = {
      apiVersion: 'opentelemetry.io/v1beta1', kind: 'OpenTelemetryCollector', metadata: { name: 'otel' },
      spec: { config: otelConfig },
    };
    expect(schemaErrors([otel])).toEqual([]);
  });
});

describe('wiringErrors', () => {
  test('a valid Deployment and Service pass', () => {
    expect(wiringErrors([deployment(), service()])).toEqual([]);
  });

  test('fails if a Service targets a port no container declares', () => {
    const errors = wiringErrors([deployment(), service('web', [{ name: 'http', port: 80, targetPort: 9090 }])]);
    expect(errors).toEqual([
      'Service/web: /spec/ports/0/targetPort: containerPort 9090/TCP is not declared by Deployment/web (/spec/template); it declares http=8080/TCP (web)',
    ]);
  });

  test('fails if a Service targets a port name no container declares', () => {
    const errors = wiringErrors([deployment(), service('web', [{ name: 'http', port: 80, targetPort: 'metrics' }])]);
    expect(errors).toEqual([expect.stringMatching(/^Service\/web: \/spec\/ports\/0\/targetPort: named port 'metrics' \(TCP\) is not declared by Deployment\/web/)]);
  });

  test('fails if a Service targets a port with another protocol', () => {
    const errors = wiringErrors([deployment(), service('web', [{ name: 'http', port: 80, targetPort: 8080, protocol: 'UDP' }])]);
    expect(errors).toEqual([expect.stringMatching(/containerPort 8080\/UDP is not declared by Deployment\/web/)]);
  });

  test('fails if a Service selects no pod template', () => {
    const errors = wiringErrors([deployment(), service('web', undefined, { app: 'api' })]);
    expect(errors).toEqual(["Service/web: /spec/selector: selects no pod template in namespace 'tracing' (selector app=api)"]);
  });

  test('fails if a multi-port Service leaves a port unnamed', () => {
    const errors = wiringErrors([deployment(), service('web', [{ name: 'http', port: 80, targetPort: 'http' }, { port: 8080 }])]);
    expect(errors).toEqual(['Service/web: /spec/ports/1/name: a Service with more than one port must name every port']);
  });

  test('fails if the selector does not match the template labels', () => {
    const errors = wiringErrors([deployment({ labels: { app: 'web-server' } })]);
    expect(errors).toEqual([
      "Deployment/web: /spec/selector: does not select the pod template's labels (/spec/template/metadata/labels app=web-server): unmet app=web",
    ]);
  });

  test('fails if a matchExpressions requirement is not met', () => {
    const d = deployment();
    const errors = wiringErrors([deployment({ spec: { selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, template: (d.spec as { template: unknown }).template } })]);
    expect(errors).toEqual([expect.stringMatching(/^Deployment\/web: \/spec\/selector: .*unmet tier Exists/)]);
  });

  test('fails if a CronJob jobTemplate selector does not match its template', () => {
    const cron: K8sObject = {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'clean' },
      spec: {
        schedule: '0 3 * * *',
        jobTemplate: { spec: { selector: { matchLabels: { job: 'clean' } }, template: { metadata: { labels: { job: 'other' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.37' }] } } } },
      },
    };
    expect(wiringErrors([cron])).toEqual([expect.stringMatching(/^CronJob\/clean: \/spec\/jobTemplate\/spec\/selector: .*\/spec\/jobTemplate\/spec\/template\/metadata\/labels job=other.*unmet job=clean/)]);
  });

  test('fails if a container port name is 16 characters long', () => {
    const errors = wiringErrors([deployment({ podSpec: { containers: [{ name: 'web', image: 'nginx:1.27.3', ports: [{ name: 'http-admin-ports', containerPort: 8080 }] }] } })]);
    expect(errors).toEqual([
      "Deployment/web: /spec/template/spec/containers/0/ports/0/name: port name 'http-admin-ports' is not a valid IANA service name: must be 1-15 characters, got 16",
    ]);
  });

  test.each([
    ['HTTP', "must contain only lower-case letters, digits and '-'"],
    ['8080', 'must contain at least one letter'],
    ['-http', "must not start or end with '-'"],
    ['grpc--otlp', "must not contain '--'"],
  ])('fails if a container port name is %s', (name, problem) => {
    const errors = wiringErrors([deployment({ podSpec: { containers: [{ name: 'web', image: 'nginx:1.27.3', ports: [{ name, containerPort: 8080 }] }] } })]);
    expect(errors).toEqual([expect.stringContaining(problem)]);
  });

  test('fails if a pod declares the same containerPort and protocol twice', () => {
    const errors = wiringErrors([deployment({
      podSpec: {
        containers: [
          { name: 'a', image: 'nginx:1.27.3', ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 8080, protocol: 'UDP' }] },
          { name: 'b', image: 'nginx:1.27.3', ports: [{ name: 'admin', containerPort: 8080 }] },
        ],
      },
    })]);
    expect(errors).toEqual([
      'Deployment/web: /spec/template/spec/containers/1/ports/0/containerPort: containerPort 8080/TCP is already declared in this pod at /spec/template/spec/containers/0/ports/0',
    ]);
  });

  test('fails if a volumeMount names no volume', () => {
    const errors = wiringErrors([deployment({ podSpec: { containers: [{ name: 'web', image: 'nginx:1.27.3', volumeMounts: [{ name: 'config', mountPath: '/etc/web' }] }] } })]);
    expect(errors).toEqual(["Deployment/web: /spec/template/spec/containers/0/volumeMounts/0/name: no volume 'config' in the pod (volumes: none)"]);
  });

  describe('Secret and ConfigMap references', () => {
    const withSecretVolume = deployment({
      podSpec: {
        containers: [{ name: 'web', image: 'nginx:1.27.3', volumeMounts: [{ name: 'certs', mountPath: '/certs' }] }],
        volumes: [{ name: 'certs', secret: { secretName: 'web-tls' } }],
      },
    });

    test('fails if a Secret volume references an undeclared Secret', () => {
      expect(wiringErrors([withSecretVolume])).toEqual([
        "Deployment/web: /spec/template/spec/volumes/0/secret/secretName: Secret 'web-tls' is not in the input: it must exist in namespace 'tracing' before the pods start",
      ]);
    });

    test('passes when the Secret is declared user-provided', () => {
      expect(wiringErrors([withSecretVolume], { userProvidedSecrets: ['web-tls'] })).toEqual([]);
    });

    test('passes when the Secret is in the stack', () => {
      const secret: K8sObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-tls', namespace: 'tracing' }, stringData: { 'tls.crt': 'x' } };
      expect(wiringErrors([withSecretVolume, secret])).toEqual([]);
    });

    test('fails if env, envFrom, imagePullSecrets and Ingress TLS reference missing objects', () => {
      const d = deployment({
        podSpec: {
          imagePullSecrets: [{ name: 'registry' }],
          containers: [{
            name: 'web', image: 'nginx:1.27.3', ports: [{ name: 'http', containerPort: 8080 }],
            envFrom: [{ configMapRef: { name: 'web-env' } }, { secretRef: { name: 'optional-env', optional: true } }],
            env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'es-credentials', key: 'password' } } }],
          }],
        },
      });
      const ingress: K8sObject = {
        apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'tracing' },
        spec: { tls: [{ hosts: ['a.example.com'], secretName: 'a-tls' }], defaultBackend: { service: { name: 'web', port: { name: 'http' } } } },
      };
      expect(wiringErrors([d, service(), ingress])).toEqual([
        "Deployment/web: /spec/template/spec/containers/0/envFrom/0/configMapRef/name: no ConfigMap 'web-env' in namespace 'tracing'",
        "Deployment/web: /spec/template/spec/containers/0/env/0/valueFrom/secretKeyRef/name: Secret 'es-credentials' is not in the input: it must exist in namespace 'tracing' before the pods start",
        "Deployment/web: /spec/template/spec/imagePullSecrets/0/name: Secret 'registry' is not in the input: it must exist in namespace 'tracing' before the pods start",
        "Ingress/web: /spec/tls/0/secretName: Secret 'a-tls' is not in the input: it must exist in namespace 'tracing' before the pods start",
      ]);
      expect(wiringErrors([d, service(), ingress], {
        userProvidedSecrets: ['registry', 'es-credentials', 'a-tls'], userProvidedConfigMaps: ['web-env'],
      })).toEqual([]);
    });

    test('fails if a configMap volume item names a key the ConfigMap lacks', () => {
      const d = deployment({
        podSpec: {
          containers: [{ name: 'web', image: 'nginx:1.27.3', ports: [{ name: 'http', containerPort: 8080 }], volumeMounts: [{ name: 'config', mountPath: '/etc/web' }] }],
          volumes: [{ name: 'config', configMap: { name: 'web-config', items: [{ key: 'web.yaml', path: 'web.yaml' }] } }],
        },
      });
      expect(wiringErrors([d, configMap('web-config', { 'config.yaml': 'a: 1' })])).toEqual([
        "Deployment/web: /spec/template/spec/volumes/0/configMap/items/0/key: key 'web.yaml' is not in ConfigMap/web-config (keys: config.yaml)",
      ]);
    });
  });

  test('fails if serviceAccountName names no ServiceAccount of the stack', () => {
    const errors = wiringErrors([deployment({ podSpec: { serviceAccountName: 'web', containers: [{ name: 'web', image: 'nginx:1.27.3' }] } })]);
    expect(errors).toEqual(["Deployment/web: /spec/template/spec/serviceAccountName: no ServiceAccount 'web' in namespace 'tracing'"]);
  });

  test('fails if an Ingress backend names a missing Service or port', () => {
    const ingress: K8sObject = {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'tracing' },
      spec: {
        rules: [{
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 8080 } } } },
              { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } },
            ],
          },
        }],
      },
    };
    expect(wiringErrors([deployment(), service(), ingress])).toEqual([
      'Ingress/web: /spec/rules/0/http/paths/0/backend/service/port/number: Service/web has no port 8080 (ports: 80)',
      "Ingress/web: /spec/rules/0/http/paths/1/backend/service/name: no Service 'api' in namespace 'tracing'",
    ]);
  });

  test('fails if an HPA or a PDB targets nothing', () => {
    const hpa: K8sObject = {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'api', namespace: 'tracing' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, maxReplicas: 3 },
    };
    const pdb: K8sObject = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'api', namespace: 'tracing' }, spec: { selector: { matchLabels: { app: 'api' } } } };
    expect(wiringErrors([deployment(), hpa, pdb])).toEqual([
      "HorizontalPodAutoscaler/api: /spec/scaleTargetRef: no Deployment 'api' in namespace 'tracing'",
      "PodDisruptionBudget/api: /spec/selector: selects no pod template in namespace 'tracing'",
    ]);
  });

  test('fails if a RoleBinding names a missing Role or ServiceAccount', () => {
    const binding: K8sObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'web', namespace: 'tracing' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'web' }, { kind: 'User', name: 'alice' }],
    };
    expect(wiringErrors([binding])).toEqual([
      "RoleBinding/web: /roleRef/name: no Role 'reader' in namespace 'tracing'",
      "RoleBinding/web: /subjects/0: no ServiceAccount 'web' in namespace 'tracing'",
    ]);
    const role: K8sObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: 'tracing' }, rules: [] };
    const sa: K8sObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'tracing' } };
    expect(wiringErrors([binding, role, sa])).toEqual([]);
  });

  describe('addresses in configuration', () => {
    const config = configMap('collector-config', {
      'config.yaml': 'exporters:\n  elasticsearch:\n    endpoints: [http://nosuchsvc:9200]\n',
    });
    const elasticsearch = service('nosuchsvc', [{ name: 'http', port: 9200 }], null);

    test('fails if a config address names no Service of the stack', () => {
      expect(wiringErrors([config])).toEqual([
        "ConfigMap/collector-config: /data/config.yaml#/exporters/elasticsearch/endpoints/0: address 'http://nosuchsvc:9200' names no Service of the input (no Service 'nosuchsvc' in namespace 'tracing')",
      ]);
    });

    test('passes when the Service exists with that port', () => {
      expect(wiringErrors([config, elasticsearch])).toEqual([]);
    });

    test('passes when the address is declared external', () => {
      expect(wiringErrors([config], { externalEndpoints: ['nosuchsvc:9200'] })).toEqual([]);
    });

    test('fails if the Service lacks the port', () => {
      expect(wiringErrors([config, service('nosuchsvc', [{ name: 'http', port: 9201 }], null)])).toEqual([
        "ConfigMap/collector-config: /data/config.yaml#/exporters/elasticsearch/endpoints/0: address 'http://nosuchsvc:9200' names Service/nosuchsvc (namespace 'tracing'), which has no port 9200 (ports: 9201)",
      ]);
    });

    test.each([
      'nosuchsvc:9200',
      'nosuchsvc.tracing:9200',
      'nosuchsvc.tracing.svc:9200',
      'nosuchsvc.tracing.svc.cluster.local:9200',
      'https://nosuchsvc.tracing.svc.cluster.local.:9200/_bulk',
    ])('a Service is found by its DNS form %s', (address) => {
      expect(wiringErrors([configMap('c', { 'config.yaml': `endpoint: ${address}\n` }), elasticsearch])).toEqual([]);
    });

    test('fails if the DNS form names another namespace', () => {
      expect(wiringErrors([configMap('c', { 'config.yaml': 'endpoint: nosuchsvc.monitoring:9200\n' }), elasticsearch])).toEqual([
        expect.stringContaining("Service 'nosuchsvc' of namespace 'monitoring', which the input does not hold"),
      ]);
    });

    test('pod.service names only a headless Service', () => {
      const text = { 'config.yaml': 'peers: [es-0.nosuchsvc:9200, es-0.nosuchsvc.tracing.svc:9200]\n' };
      expect(wiringErrors([configMap('c', text), elasticsearch])).toHaveLength(2);
      const headless = service('nosuchsvc', [{ name: 'http', port: 9200 }], null);
      (headless.spec as Record<string, unknown>).clusterIP = 'None';
      expect(wiringErrors([configMap('c', text), headless])).toEqual([]);
    });

    test('a URL without a port uses the default port of its scheme', () => {
      const cm = configMap('c', { 'datasource.yaml': 'url: http://web\n' });
      expect(wiringErrors([cm, service('web', [{ name: 'http', port: 80 }], null)])).toEqual([]);
      expect(wiringErrors([configMap('c', { 'x.yaml': 'url: https://es.example.com/\n' })], { externalEndpoints: ['es.example.com:443'] })).toEqual([]);
      expect(wiringErrors([configMap('c', { 'x.yaml': 'url: https://s3.eu-west-1.amazonaws.com\n' })], { externalEndpoints: ['*.amazonaws.com:443'] })).toEqual([]);
    });

    test('fails if a container argument, command or env value names no Service', () => {
      const d = deployment({
        podSpec: {
          containers: [{
            name: 'web', image: 'nginx:1.27.3', ports: [{ name: 'http', containerPort: 8080 }],
            command: ['/app', '--es=http://es:9200'],
            args: ['--collector=collector:4317', '--listen=0.0.0.0:8080', '--self=localhost:8080', '--pod=$(POD_IP):8080'],
            env: [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel:4318' }],
          }],
        },
      });
      expect(wiringErrors([d, service()])).toEqual([
        "Deployment/web: /spec/template/spec/containers/0/env/0/value: address 'http://otel:4318' names no Service of the input (no Service 'otel' in namespace 'tracing')",
        "Deployment/web: /spec/template/spec/containers/0/command/1: address 'http://es:9200' names no Service of the input (no Service 'es' in namespace 'tracing')",
        "Deployment/web: /spec/template/spec/containers/0/args/0: address 'collector:4317' names no Service of the input (no Service 'collector' in namespace 'tracing')",
      ]);
    });

    test('a text value that is not YAML is scanned as text', () => {
      const cm = configMap('nginx', { 'nginx.conf': 'upstream query { server query:16686; }\nserver { listen 80; location / { proxy_pass http://query:16686; } }\n' });
      expect(wiringErrors([cm])).toEqual([
        expect.stringMatching(/^ConfigMap\/nginx: \/data\/nginx.conf: address 'http:\/\/query:16686' names no Service of the input/),
        expect.stringMatching(/^ConfigMap\/nginx: \/data\/nginx.conf: address 'query:16686' names no Service of the input/),
      ]);
    });

    test('bind addresses, placeholders, times and PromQL in a config are not addresses', () => {
      const cm = configMap('c', {
        'config.yaml': [
          'receivers: { otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "${env:MY_POD_IP}:4318" } } } }',
          'extensions: { health_check: { endpoint: "[::]:13133" }, pprof: { endpoint: ":1777" }, zpages: { endpoint: "localhost:55679" } }',
          'schedule: { at: "10:30", layout: "2006-01-02T15:04:05Z07:00", day: "2006-01-02T15:04" }',
          'alert: \'sum(rate(up{instance="node-exporter:9100"}[5m])) by (job:rate:5m)\'',
          'labels: "app.kubernetes.io/name: tempo"',
          'ipv6: "fe80::1:2"',
        ].join('\n'),
      });
      expect(wiringErrors([cm])).toEqual([]);
    });
  });
});
