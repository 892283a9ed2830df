// Benchmark of `cdk8s-tracing check` on a large input (not part of the tests): writes 5,000 objects
// (500 applications of 10 objects each, in 20 namespaces, one multi-document file per namespace:
// Deployments with collector configurations that dial a StatefulSet's Services, ConfigMaps,
// Secrets, ServiceAccounts, HPAs, PDBs, Ingresses), checks that they are clean, and prints the
// time of the whole command: in this process (main(), schemas already compiled after the first
// run) and as users run it (a new node process: `node lib/constructs/check/cli.js check`, when
// lib/ is built). Target: under 2 s.
// Run: `npm run bench:check` (BENCH_OBJECTS=5000, BENCH_RUNS=3).
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { performance } from 'perf_hooks';
import { stringify } from 'yaml';
import { main } from '../constructs/check/cli';
import { k8sSchemaDir } from '../test/_support/k8s-schema';

const root = resolve(__dirname, '..');
const total = Number(process.env.BENCH_OBJECTS ?? 5000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const perApp = 10;
const namespaces = 20;

const restricted = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };
const podSecurity = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } };

function app(i: number, ns: string): object[] {
  const name = `app-${i}`;
  const meta = (n: string) => ({ name: n, namespace: ns, labels: { 'app.kubernetes.io/part-of': 'bench', 'app.kubernetes.io/managed-by': 'bench' } });
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': ns, 'app.kubernetes.io/component': 'api', 'app.kubernetes.io/version': '1.0.0', 'app.kubernetes.io/part-of': 'bench', 'app.kubernetes.io/managed-by': 'bench' };
  const storeLabels = { ...labels, 'app.kubernetes.io/name': `${name}-store`, 'app.kubernetes.io/component': 'store' };
  const selector = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': ns };
  const storeSelector = { 'app.kubernetes.io/name': `${name}-store`, 'app.kubernetes.io/instance': ns };
  const config = stringify({
    receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } } } },
    processors: { batch: {}, memory_limiter: { check_interval: '1s', limit_percentage: 80 } },
    exporters: { otlp: { endpoint: `${name}-store.${ns}.svc:4317`, tls: { insecure: true } }, 'otlphttp/peer': { endpoint: `http://${name}-store-headless:4318` } },
    extensions: { health_check: { endpoint: '0.0.0.0:13133' } },
    service: { extensions: ['health_check'], pipelines: { traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp', 'otlphttp/peer'] } } },
  });
  const container = (image: string, ports: object[]) => ({
    name: 'main', image, ports, securityContext: restricted, resources,
    readinessProbe: { httpGet: { path: '/', port: 13133 } }, livenessProbe: { httpGet: { path: '/', port: 13133 } },
  });
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(name), automountServiceAccountToken: false },
    { apiVersion: 'v1', kind: 'Secret', metadata: meta(`${name}-auth`), stringData: { token: `t-${i}` } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${name}-config`), data: { 'config.yaml': config } },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { ...meta(name), labels },
      spec: {
        replicas: 2, selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name, securityContext: podSecurity,
            containers: [{
              ...container('otel/opentelemetry-collector-contrib:0.140.1', [{ name: 'otlp-grpc', containerPort: 4317 }, { name: 'otlp-http', containerPort: 4318 }]),
              args: ['--config=/etc/otel/config.yaml'],
              env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: `${name}-auth`, key: 'token' } } }, { name: 'PEER', value: `http://${name}-store:4318` }],
              volumeMounts: [{ name: 'config', mountPath: '/etc/otel' }],
            }],
            volumes: [{ name: 'config', configMap: { name: `${name}-config`, items: [{ key: 'config.yaml', path: 'config.yaml' }] } }],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: meta(name), spec: { selector, ports: [{ name: 'otlp-grpc', port: 4317, targetPort: 'otlp-grpc' }, { name: 'otlp-http', port: 4318, targetPort: 'otlp-http' }] } },
    { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta(name), spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: 2, maxReplicas: 5 } },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(name), spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
    {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { ...meta(`${name}-store`), labels: storeLabels },
      spec: {
        serviceName: `${name}-store-headless`, replicas: 1, selector: { matchLabels: storeSelector },
        template: {
          metadata: { labels: storeLabels },
          spec: {
            automountServiceAccountToken: false, securityContext: podSecurity,
            containers: [{ ...container('grafana/tempo:3.0.3', [{ name: 'otlp-grpc', containerPort: 4317 }, { name: 'otlp-http', containerPort: 4318 }]), volumeMounts: [{ name: 'data', mountPath: '/var/tempo' }] }],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: meta(`${name}-store`), spec: { selector: storeSelector, ports: [{ name: 'otlp-grpc', port: 4317, targetPort: 'otlp-grpc' }, { name: 'otlp-http', port: 4318, targetPort: 'otlp-http' }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: meta(`${name}-store-headless`), spec: { clusterIP: 'None', selector: storeSelector, ports: [{ name: 'otlp-http', port: 4318, targetPort: 'otlp-http' }] } },
  ];
}

const dir = mkdtempSync(join(tmpdir(), 'bench-check-'));
const apps = Math.ceil(total / perApp);
let objects = 0;
let bytes = 0;
for (let n = 0; n < namespaces; n++) {
  const ns = `team-${n}`;
  const docs: object[] = [];
  for (let i = n; i < apps; i += namespaces) docs.push(...app(i, ns));
  const text = docs.map((d) => stringify(d)).join('---\n');
  writeFileSync(join(dir, `${ns}.yaml`), text);
  objects += docs.length;
  bytes += text.length;
}
process.stdout.write(`bench-check: ${objects} objects, ${namespaces} files, ${(bytes / 1024 / 1024).toFixed(1)} MB of YAML in ${dir}\n`);

const quiet = { stdout: () => undefined, stderr: (t: string) => process.stderr.write(t), stdin: () => '', isTTY: false, env: {}, cwd: root };
const times: number[] = [];
for (let r = 0; r < runs; r++) {
  const t = performance.now();
  const code = main(['check', dir, '--schemas', k8sSchemaDir()], quiet);
  times.push(performance.now() - t);
  if (code !== 0) throw new Error(`bench-check: the generated input is not clean (exit ${code})`);
}
process.stdout.write(`bench-check: in process (main()): first run ${Math.round(times[0])} ms (schemas compiled), then ${times.slice(1).map((t) => `${Math.round(t)} ms`).join(', ')}\n`);

const cli = join(root, 'lib', 'constructs', 'check', 'cli.js');
if (existsSync(cli)) {
  const spawned: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    const result = spawnSync(process.execPath, [cli, 'check', dir], { encoding: 'utf8' });
    spawned.push(performance.now() - t);
    if (result.status !== 0) throw new Error(`bench-check: node lib/constructs/check/cli.js check exited ${result.status}: ${result.stderr}${result.stdout.slice(-2000)}`);
  }
  spawned.sort((a, b) => a - b);
  process.stdout.write(`bench-check: node lib/constructs/check/cli.js check (a new process, the packaged schemas): median ${Math.round(spawned[Math.floor(spawned.length / 2)])} ms, min ${Math.round(spawned[0])} ms over ${runs} runs (target: under 2000 ms)\n`);
} else {
  process.stdout.write('bench-check: lib/ is not built (npm run build): the command was not timed as a new process\n');
}
