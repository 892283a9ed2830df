/** The flow graph: who connects to what, read from the example stacks and from small hand-written manifests. */
import { buildApp } from '../../main';
import { Prerequisites } from '../../constructs';
import { Manifest } from '../../constructs/wiring/_json';
import { configurationStrings, FlowGraph, FlowSource } from '../../constructs/wiring/flow-graph';

const app = buildApp();
function graphOf(chartId: string): FlowGraph {
  const chart = app.charts.find(c => c.node.id === chartId)!;
  return FlowGraph.of(chart.toJson(), { externalEndpoints: Prerequisites.of(chart).endpoints.map(e => e.name) });
}

const name = (s: FlowSource) => (s.kind === 'pod' ? s.template.owner.metadata.name : `${s.kind} ${s.object.kind}/${s.object.metadata.name}`);

/** `source -> target:port/protocol (via)`, each once, sorted. */
function podFlows(g: FlowGraph, from?: string): string[] {
  return [...new Set(g.podFlows.filter(f => from === undefined || name(f.source) === from)
    .map(f => `${name(f.source)} -> ${f.target.owner.metadata.name}:${f.port}/${f.protocol} (${f.via})`))].sort();
}

function externalFlows(g: FlowGraph): string[] {
  return [...new Set(g.externalFlows.map(f => `${name(f.source)} -> ${f.endpoint}`))].sort();
}

describe('FlowGraph of the example stacks', () => {
  const tempo = graphOf('tempo-production');
  const members = ['tempo-block-builder', 'tempo-distributor', 'tempo-live-store-eu-west-1a', 'tempo-live-store-eu-west-1b', 'tempo-metrics-generator', 'tempo-querier'];
  const gossip = (from: string) => members.map(m => `${from} -> ${m}:7946/TCP (address)`);

  test('a Tempo querier dials the query-frontends, every live-store at its ring address, and gossips', () => {
    expect(podFlows(tempo, 'tempo-querier')).toStrictEqual([
      ...gossip('tempo-querier'),
      'tempo-querier -> tempo-live-store-eu-west-1a:9095/TCP (ring)',
      'tempo-querier -> tempo-live-store-eu-west-1b:9095/TCP (ring)',
      'tempo-querier -> tempo-query-frontend:9095/TCP (address)',
    ].sort());
  });

  test('each Tempo target reads only its sections: the query-frontend and the scheduler join no ring and no Kafka', () => {
    expect(podFlows(tempo, 'tempo-query-frontend')).toStrictEqual([]);
    expect(podFlows(tempo, 'tempo-backend-scheduler')).toStrictEqual([]);
    expect(podFlows(tempo, 'tempo-backend-worker')).toStrictEqual(['tempo-backend-worker -> tempo-backend-scheduler:9095/TCP (address)']);
    // Distributors write to Kafka (the brokers Strimzi makes from the Kafka resource), and gossip.
    expect(podFlows(tempo, 'tempo-distributor')).toStrictEqual([...gossip('tempo-distributor'), 'tempo-distributor -> kafka:9092/TCP (address)'].sort());
  });

  test('the bucket is reached by the targets that open the backend, at the host its configuration names without a port', () => {
    expect(externalFlows(tempo)).toStrictEqual([
      'tempo-backend-scheduler -> s3.eu-west-1.amazonaws.com:443',
      'tempo-backend-worker -> s3.eu-west-1.amazonaws.com:443',
      'tempo-block-builder -> s3.eu-west-1.amazonaws.com:443',
      'tempo-metrics-generator -> prometheus.monitoring.svc:9090',
      'tempo-querier -> s3.eu-west-1.amazonaws.com:443',
      'tempo-query-frontend -> s3.eu-west-1.amazonaws.com:443',
    ]);
  });

  test('the ingress controller reaches the Ingress\'s backends, Grafana the query API its datasource names', () => {
    expect(podFlows(tempo).filter(f => !f.startsWith('tempo-'))).toStrictEqual([
      'config-reader ConfigMap/tracing-grafana-datasources -> tempo-query-frontend:3200/TCP (address)',
      'ingress-controller Ingress/tempo-query-frontend -> tempo-distributor:4318/TCP (ingress)',
      'ingress-controller Ingress/tempo-query-frontend -> tempo-query-frontend:3200/TCP (ingress)',
    ]);
  });

  test('the trace pipeline: applications to the agent (one by its environment, one by the injected Instrumentation), the agent to the load-balancing tier, its k8s resolver to the sampling tier', () => {
    const g = graphOf('trace-pipeline');
    expect(podFlows(g)).toStrictEqual([
      'checkout -> otel-agent:4318/TCP (address)',
      'otel-agent -> otel-sampling-lb:4317/TCP (address)',
      'otel-sampling-lb -> otel-sampling:4317/TCP (resolver)',
      'payments -> otel-agent:4318/TCP (address)',
    ]);
    expect(externalFlows(g)).toStrictEqual([
      'otel-sampling -> jaeger-collector-headless.tracing.svc:4317',
      'otel-sampling -> tempo-distributor-headless.tempo.svc:4317',
      'payments -> jaeger-collector.tracing.svc:5779',
    ]);
    expect(g.kubernetesApi.map(a => `${a.template.owner.metadata.name}: ${a.reason}`)).toStrictEqual([
      'otel-sampling-lb: the loadbalancing exporter\'s k8s resolver watches EndpointSlices; it mounts its ServiceAccount token',
    ]);
  });

  test('Jaeger over Elasticsearch: the collector, the query and every index job reach the declared cluster', () => {
    const g = graphOf('jaeger-production');
    expect(externalFlows(g)).toStrictEqual(['jaeger-collector', 'jaeger-es-index-cleaner', 'jaeger-es-lookback', 'jaeger-es-rollover', 'jaeger-es-rollover-init', 'jaeger-query']
      .map(n => `${n} -> elasticsearch-es-http.elastic-system.svc:9200`));
    expect(podFlows(g)).toStrictEqual([
      'config-reader ConfigMap/tracing-grafana-datasources -> jaeger-query:16686/TCP (address)',
      'ingress-controller Ingress/jaeger-query -> jaeger-collector:4318/TCP (ingress)',
      'ingress-controller Ingress/jaeger-query -> jaeger-query:16686/TCP (ingress)',
    ]);
  });

  test('operators\' resources: their addresses are flows from the pods the operator makes', () => {
    const g = graphOf('jaeger-operator');
    expect(externalFlows(g)).toStrictEqual([
      'operator Jaeger/jaeger-production -> elasticsearch:9200',
      'operator OpenTelemetryCollector/otel-gateway -> jaeger-production-collector.observability.svc:4317',
    ]);
    expect(g.unresolved).toStrictEqual([]);
  });

  test('nothing is left unresolved in any example stack', () => {
    for (const chart of app.charts) expect(graphOf(chart.node.id).unresolved.map(u => `${u.host}:${u.port}`)).toStrictEqual([]);
  });
});

describe('FlowGraph of hand-written manifests', () => {
  const deployment = (name: string, labels: Record<string, string>, container: Record<string, unknown>, podSpec: Record<string, unknown> = {}): Manifest => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'ns' },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { automountServiceAccountToken: false, containers: [{ name, image: 'example/app:1', ...container }], ...podSpec } } },
  });
  const service = (name: string, selector: Record<string, string>, ports: Array<Record<string, unknown>>, headless = false): Manifest => ({
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns' }, spec: { ...(headless ? { clusterIP: 'None' } : {}), selector, ports },
  });
  const web = deployment('web', { app: 'web' }, { ports: [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 5353, protocol: 'UDP' }] });

  test('a Service port leads to the container port its targetPort names, on every pod it selects', () => {
    const client = deployment('client', { app: 'client' }, { args: ['--upstream=http://web.ns.svc:80/'] });
    const g = FlowGraph.of([web, client, service('web', { app: 'web' }, [{ name: 'http', port: 80, targetPort: 'http' }])]);
    expect(podFlows(g)).toStrictEqual(['client -> web:8080/TCP (address)']);
  });

  test('a headless Service leads to the port dialled, with the protocol of the container port', () => {
    const client = deployment('client', { app: 'client' }, { env: [{ name: 'DNS', value: 'web-headless:5353' }] });
    const g = FlowGraph.of([web, client, service('web-headless', { app: 'web' }, [{ name: 'dns', port: 5353, protocol: 'UDP' }], true)]);
    expect(podFlows(g)).toStrictEqual(['client -> web:5353/UDP (address)']);
  });

  test('a ConfigMap no pod reads is read outside the stack; an unknown address is unresolved; a declared one leaves the stack', () => {
    const cm: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'links', namespace: 'ns' }, data: { 'a.yaml': 'url: http://web:80\nother: nowhere:9999\nes: https://es.example.com\n' } };
    const g = FlowGraph.of([web, cm, service('web', { app: 'web' }, [{ name: 'http', port: 80, targetPort: 8080 }])], { externalEndpoints: ['es.example.com:443'] });
    expect(podFlows(g)).toStrictEqual(['config-reader ConfigMap/links -> web:8080/TCP (address)']);
    expect(g.unresolved.map(u => `${u.host}:${u.port} at ${u.origin.path}`)).toStrictEqual(['nowhere:9999 at /data/a.yaml#/other']);
    expect(externalFlows(g)).toStrictEqual(['config-reader ConfigMap/links -> es.example.com:443']);
  });

  test('a flow read from a configuration names where: the JSON pointer of the string, as configurationStrings gives it', () => {
    const cm: Manifest = {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'links', namespace: 'ns' },
      data: { 'a/b.yaml': 'plain: just text\n"x/y":\n  "k~": http://web:80\nlist: [nothing, 1, "web:80"]\n' },
    };
    const g = FlowGraph.of([web, cm, service('web', { app: 'web' }, [{ name: 'http', port: 80, targetPort: 8080 }])]);
    const paths = g.podFlows.map(f => f.origin.path);
    expect(paths).toStrictEqual(['/data/a~1b.yaml#/x~1y/k~0', '/data/a~1b.yaml#/list/2']);
    const strings = configurationStrings(cm);
    for (const f of g.podFlows) expect(strings).toContainEqual({ path: f.origin.path, text: expect.stringContaining(f.origin.text) });
  });

  test('a pod with its ServiceAccount token calls the Kubernetes API; one without does not', () => {
    const withToken = deployment('reader', { app: 'reader' }, {}, { automountServiceAccountToken: true });
    const defaulted = deployment('defaulted', { app: 'defaulted' }, {}, { automountServiceAccountToken: undefined, serviceAccountName: 'quiet' });
    const sa: Manifest = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet', namespace: 'ns' }, automountServiceAccountToken: false };
    const g = FlowGraph.of([web, withToken, defaulted, sa]);
    expect(g.kubernetesApi.map(a => `${a.template.owner.metadata.name}: ${a.reason}`)).toStrictEqual(['reader: it mounts its ServiceAccount token']);
  });
});
