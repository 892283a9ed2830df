/** The flow diagram: the picture of each example stack, derived from its wiring, and its Mermaid text. */
import { App, Chart } from 'cdk8s';
import { buildApp } from '../../main';
import {
  diagramOfFlowGraph, diagramOfManifests, diagramsOfApp, DiagramNodeKind, DiagramTraffic, escapeMermaid, FlowDiagram, renderDot, renderMermaid, renderMermaidMarkdown,
} from '../../constructs';
import { Manifest } from '../../constructs/wiring/_json';
import { FlowGraph } from '../../constructs/wiring/flow-graph';

/** `id [kind, outside]: details | sampling: ...` for each node, `from -> to (protocol port, traffic, pulled)` for each edge. */
function summary(d: FlowDiagram): { nodes: string[]; edges: string[] } {
  return {
    nodes: d.nodes.map(n => `${n.id} [${n.kind}${n.external ? ', outside' : ''}]: ${n.details.join(' | ')}${n.sampling ? ` | sampling: ${n.sampling}` : ''}`),
    edges: d.edges.map(e => `${e.from} -> ${e.to} (${e.protocol} ${e.port}, ${e.traffic}${e.pulls ? ', pulled' : ''})`),
  };
}

const diagrams = new Map(diagramsOfApp(buildApp()).map(({ chart, diagram }) => [chart.node.id, diagram]));

/** What each example stack's picture shows, read from its synthesized objects (nothing typed for it). */
const EXPECTED: Record<string, { nodes: string[]; edges: string[] }> = {
  'jaeger-dev': {
    nodes: [
      'span-senders [span-senders, outside]: sending spans from any namespace',
      'jaeger [jaeger-all-in-one]: Jaeger all-in-one | Deployment ×1 | sampling: remote strategies: default 100%',
    ],
    edges: [
      'span-senders -> jaeger (otlp-grpc 4317, spans)',
      'span-senders -> jaeger (otlp-http 4318, spans)',
      'span-senders -> jaeger (sampling-http 5778, sampling, pulled)',
      'span-senders -> jaeger (sampling-grpc 5779, sampling, pulled)',
      'span-senders -> jaeger (thrift-compact 6831, spans)',
      'span-senders -> jaeger (thrift-binary 6832, spans)',
      'span-senders -> jaeger (zipkin 9411, spans)',
      'span-senders -> jaeger (jaeger-grpc 14250, spans)',
      'span-senders -> jaeger (thrift-http 14268, spans)',
    ],
  },
  'jaeger-production': {
    nodes: [
      'span-senders [span-senders, outside]: sending spans from any namespace',
      'ingress jaeger.example.com [ingress, outside]: ingress controller | Ingress jaeger-query, class nginx, TLS',
      'ingress otlp.example.com [ingress, outside]: ingress controller | Ingress jaeger-query, class nginx, TLS',
      'jaeger-collector [jaeger-collector]: Jaeger collector | Deployment ×2-10 (HPA) | sampling: remote strategies: default 1%; checkout 10% (GET /healthz 0%); frontend 100 traces/s',
      'elasticsearch-es-http.elastic-system.svc [search, outside]: Elasticsearch / OpenSearch',
      'jaeger-es [jaeger-index-jobs]: Jaeger index jobs | CronJob index-cleaner 55 23 * * * | Job rollover-init | CronJob rollover 0 0 * * * | CronJob lookback 0 0 * * *',
      'jaeger-query [jaeger-query]: Jaeger query | Deployment ×2',
      'grafana [grafana, outside]: datasources from ConfigMap tracing-grafana-datasources',
    ],
    edges: [
      'span-senders -> jaeger-collector (otlp-grpc 4317, spans)',
      'span-senders -> jaeger-collector (otlp-http 4318, spans)',
      'span-senders -> jaeger-collector (sampling-http 5778, sampling, pulled)',
      'span-senders -> jaeger-collector (sampling-grpc 5779, sampling, pulled)',
      'span-senders -> jaeger-collector (zipkin 9411, spans)',
      'span-senders -> jaeger-collector (jaeger-grpc 14250, spans)',
      'span-senders -> jaeger-collector (thrift-http 14268, spans)',
      'ingress jaeger.example.com -> jaeger-query (http-query 16686, queries, pulled)',
      'ingress otlp.example.com -> jaeger-collector (otlp-http 4318, spans)',
      'jaeger-collector -> elasticsearch-es-http.elastic-system.svc (https 9200, spans)',
      'jaeger-es -> elasticsearch-es-http.elastic-system.svc (https 9200, maintenance)',
      'jaeger-query -> elasticsearch-es-http.elastic-system.svc (https 9200, queries, pulled)',
      'grafana -> jaeger-query (http-query 16686, queries, pulled)',
    ],
  },
  'jaeger-operator': {
    nodes: [
      'span-senders [span-senders, outside]: sending spans from any namespace',
      'otel-gateway [otel-gateway]: OTel Collector gateway (OTel Operator) | OpenTelemetryCollector, deployment ×2',
      'jaeger-production [jaeger-operator-instance]: Jaeger (Jaeger Operator) | strategy production, elasticsearch storage',
      'elasticsearch [search, outside]: Elasticsearch / OpenSearch',
    ],
    edges: [
      'span-senders -> otel-gateway (otlp-grpc 4317, spans)',
      'span-senders -> otel-gateway (otlp-http 4318, spans)',
      'span-senders -> jaeger-production (otlp-grpc 4317, spans)',
      'span-senders -> jaeger-production (otlp-http 4318, spans)',
      'otel-gateway -> jaeger-production (otlp-grpc 4317, spans)',
      'jaeger-production -> elasticsearch (http 9200, spans)',
    ],
  },
  'tempo-monolithic': {
    nodes: [
      'span-senders [span-senders, outside]: sending spans from any namespace',
      'tempo [tempo]: Tempo (monolithic) | StatefulSet ×1',
      'grafana [grafana, outside]: datasources from ConfigMap tracing-grafana-datasources',
    ],
    edges: [
      'span-senders -> tempo (otlp-grpc 4317, spans)',
      'span-senders -> tempo (otlp-http 4318, spans)',
      'span-senders -> tempo (zipkin 9411, spans)',
      'grafana -> tempo (http 3200, queries, pulled)',
    ],
  },
  'tempo-production': {
    nodes: [
      'span-senders [span-senders, outside]: sending spans from any namespace',
      'ingress otlp.tempo.example.com [ingress, outside]: ingress controller | Ingress tempo-query-frontend, class nginx, TLS',
      'ingress tempo.example.com [ingress, outside]: ingress controller | Ingress tempo-query-frontend, class nginx, TLS',
      'tempo-distributor [tempo-distributor]: Tempo distributor | Deployment ×2',
      'kafka [kafka]: Kafka | 3 brokers, made by Strimzi | topic tempo-ingest: 3 partitions, RF 3',
      'tempo-live-store [tempo-live-store]: Tempo live-store | StatefulSet ×3 in each zone: | eu-west-1a, eu-west-1b',
      'tempo-block-builder [tempo-block-builder]: Tempo block-builder | StatefulSet ×1',
      'tempo-metrics-generator [tempo-metrics-generator]: Tempo metrics-generator | Deployment ×1',
      's3.eu-west-1.amazonaws.com [object-storage, outside]: S3 bucket example-tempo-traces',
      'prometheus.monitoring.svc [metrics-store, outside]: Prometheus remote write',
      'tempo-backend-scheduler [tempo-backend-scheduler]: Tempo backend scheduler | Deployment ×1',
      'tempo-backend-worker [tempo-backend-worker]: Tempo backend worker | Deployment ×1',
      'tempo-querier [tempo-querier]: Tempo querier | Deployment ×2',
      'tempo-query-frontend [tempo-query-frontend]: Tempo query-frontend | Deployment ×2',
      'grafana [grafana, outside]: datasources from ConfigMap tracing-grafana-datasources',
      'tempo-gossip-ring [memberlist]: memberlist ring | 5 members, gossip 7946',
    ],
    edges: [
      'span-senders -> tempo-distributor (otlp-grpc 4317, spans)',
      'span-senders -> tempo-distributor (otlp-http 4318, spans)',
      'span-senders -> tempo-distributor (zipkin 9411, spans)',
      'span-senders -> tempo-distributor (thrift-http 14268, spans)',
      'ingress otlp.tempo.example.com -> tempo-distributor (otlp-http 4318, spans)',
      'ingress tempo.example.com -> tempo-query-frontend (http 3200, queries, pulled)',
      'tempo-distributor -> kafka (kafka 9092, spans)',
      'tempo-distributor -> tempo-gossip-ring (gossip 7946, membership)',
      'tempo-live-store -> kafka (kafka 9092, spans, pulled)',
      'tempo-live-store -> tempo-gossip-ring (gossip 7946, membership)',
      'tempo-block-builder -> kafka (kafka 9092, spans, pulled)',
      'tempo-block-builder -> s3.eu-west-1.amazonaws.com (https 443, spans)',
      'tempo-block-builder -> tempo-gossip-ring (gossip 7946, membership)',
      'tempo-metrics-generator -> kafka (kafka 9092, spans, pulled)',
      'tempo-metrics-generator -> prometheus.monitoring.svc (http 9090, metrics)',
      'tempo-metrics-generator -> tempo-gossip-ring (gossip 7946, membership)',
      'tempo-backend-scheduler -> s3.eu-west-1.amazonaws.com (https 443, maintenance)',
      'tempo-backend-worker -> s3.eu-west-1.amazonaws.com (https 443, maintenance)',
      'tempo-backend-worker -> tempo-backend-scheduler (grpc 9095, maintenance)',
      'tempo-querier -> tempo-live-store (grpc 9095, queries, pulled)',
      'tempo-querier -> s3.eu-west-1.amazonaws.com (https 443, queries, pulled)',
      'tempo-querier -> tempo-query-frontend (grpc 9095, queries)',
      'tempo-querier -> tempo-gossip-ring (gossip 7946, membership)',
      'tempo-query-frontend -> s3.eu-west-1.amazonaws.com (https 443, queries, pulled)',
      'grafana -> tempo-query-frontend (http 3200, queries, pulled)',
    ],
  },
  'trace-pipeline': {
    nodes: [
      'span-senders [span-senders, outside]: sending spans from any namespace',
      'checkout [application]: application | Deployment ×2 | sampling: SDK head: parentbased_always_on (every trace)',
      'payments [application]: application, java agent injected by the OTel Operator | Deployment ×2 | sampling: SDK head: parentbased_jaeger_remote; strategies from jaeger-collector.tracing.svc:5779 every 30 s',
      'otel-agent [otel-agent]: OTel Collector agent | DaemonSet, one per node',
      'otel-sampling-lb [otel-load-balancer]: OTel Collector, load balancing by trace ID | Deployment ×2',
      'otel-sampling [otel-sampler]: OTel Collector, tail sampling | Deployment ×2 | sampling: tail sampling, decided 10 s after a trace\'s first span; drop url.path in /healthz, /readyz, /livez; keep errors, slower than 500 ms, 5% of the rest',
      'jaeger-production/jaeger-collector [jaeger-collector, outside]: Jaeger collector | stack jaeger-production, namespace tracing | sampling: remote strategies: default 1%; checkout 10% (GET /healthz 0%); frontend 100 traces/s',
      'tempo-production/tempo-distributor [tempo-distributor, outside]: Tempo distributor | stack tempo-production, namespace tempo',
      'kubernetes-api [kubernetes-api, outside]: kubernetes.default.svc',
    ],
    edges: [
      'span-senders -> otel-agent (otlp-grpc 4317, spans)',
      'span-senders -> otel-agent (otlp-http 4318, spans)',
      'span-senders -> otel-sampling-lb (otlp-grpc 4317, spans)',
      'span-senders -> otel-sampling-lb (otlp-http 4318, spans)',
      'checkout -> otel-agent (otlp-http 4318, spans)',
      'payments -> otel-agent (otlp-http 4318, spans)',
      'payments -> jaeger-production/jaeger-collector (sampling-grpc 5779, sampling, pulled)',
      'otel-agent -> otel-sampling-lb (otlp-grpc 4317, spans)',
      'otel-sampling-lb -> otel-sampling (otlp-grpc 4317, spans)',
      'otel-sampling-lb -> kubernetes-api (https 443, control)',
      'otel-sampling -> jaeger-production/jaeger-collector (otlp-grpc 4317, spans)',
      'otel-sampling -> tempo-production/tempo-distributor (otlp-grpc 4317, spans)',
    ],
  },
};

describe('the picture of each example stack', () => {
  test('every example stack has one', () => {
    expect([...diagrams.keys()]).toStrictEqual(Object.keys(EXPECTED));
    process.stdout.write(`diagrams: ${[...diagrams.values()].map(d => `${d.title} ${d.nodes.length} nodes, ${d.edges.length} edges`).join('; ')}\n`);
  });

  test.each(Object.keys(EXPECTED))('%s: its nodes and edges', (name) => {
    expect(summary(diagrams.get(name)!)).toStrictEqual(EXPECTED[name]);
  });

  test('every edge joins two nodes of its diagram, and node ids are unique', () => {
    for (const d of diagrams.values()) {
      const ids = d.nodes.map(n => n.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(d.edges.filter(e => !ids.includes(e.from) || !ids.includes(e.to))).toStrictEqual([]);
    }
  });

  test('the same stack read from its manifests alone draws the same workloads and wiring; what other stacks serve stays a host name', () => {
    const app = buildApp();
    const chart = app.charts.find(c => c.node.id === 'trace-pipeline')!;
    const alone = diagramOfManifests(chart.toJson(), {
      title: 'trace-pipeline',
      externalEndpoints: ['jaeger-collector-headless.tracing.svc:4317', 'tempo-distributor-headless.tempo.svc:4317', 'jaeger-collector.tracing.svc:5779'],
    });
    const together = summary(diagrams.get('trace-pipeline')!);
    expect(summary(alone).edges).toStrictEqual(together.edges
      .map(e => e.replace('jaeger-production/jaeger-collector (otlp-grpc', 'jaeger-collector-headless.tracing.svc (otlp-grpc'))
      .map(e => e.replace('jaeger-production/jaeger-collector', 'jaeger-collector.tracing.svc'))
      .map(e => e.replace('tempo-production/tempo-distributor', 'tempo-distributor-headless.tempo.svc')));
    expect(summary(alone).nodes.filter(n => n.includes('outside'))).toStrictEqual([
      'span-senders [span-senders, outside]: sending spans from any namespace',
      'jaeger-collector-headless.tracing.svc [external, outside]: outside the stack',
      'jaeger-collector.tracing.svc [external, outside]: outside the stack',
      'tempo-distributor-headless.tempo.svc [external, outside]: outside the stack',
      'kubernetes-api [kubernetes-api, outside]: kubernetes.default.svc',
    ]);
  });
});

test('a flow graph built already (the check command\'s) draws the same picture as its manifests', () => {
  const objects = buildApp().charts.find(c => c.node.id === 'tempo-production')!.toJson();
  const options = { externalEndpoints: ['s3.eu-west-1.amazonaws.com:443', 'prometheus.monitoring.svc:9090'] };
  expect(diagramOfFlowGraph(FlowGraph.of(objects, options), 'tempo-production')).toStrictEqual(diagramOfManifests(objects, { ...options, title: 'tempo-production' }));
});

describe('Mermaid', () => {
  test('the tempo-monolithic stack as a flowchart: a subgraph for its namespace, outside nodes dashed, one edge per pair and kind of traffic', () => {
    expect(renderMermaid(diagrams.get('tempo-monolithic')!)).toBe([
      'flowchart LR',
      '  %% tempo-monolithic: how spans flow (generated by cdk8s-tracing from the stack\'s wiring)',
      '  subgraph g0["namespace tempo-dev"]',
      '    n1["<b>tempo</b><br/>Tempo (monolithic)<br/>StatefulSet ×1"]',
      '  end',
      '  n0(["<b>applications</b><br/>sending spans from any namespace"])',
      '  n2(["<b>Grafana</b><br/>datasources from ConfigMap tracing-grafana-datasources"])',
      '  n0 ==>|"otlp-grpc 4317<br/>otlp-http 4318<br/>zipkin 9411"| n1',
      '  n2 -->|"http 3200"| n1',
      '  linkStyle 0 stroke:#263238',
      '  linkStyle 1 stroke:#1565c0',
      '  classDef outside stroke-dasharray:5 4',
      '  class n0,n2 outside',
      '',
    ].join('\n'));
  });

  test('the sampling of each stage is on its node, a line per part', () => {
    const text = renderMermaid(diagrams.get('trace-pipeline')!);
    expect(text).toContain('<i>tail sampling, decided 10 s after a trace\'s first span</i><br/><i>drop url.path in /healthz, /readyz, /livez</i><br/><i>keep errors, slower than 500 ms, 5% of the rest</i>');
    expect(text).toContain('  subgraph g1["stack jaeger-production"]');
    expect(text).toContain('n2 -.->|"sampling-grpc 5779"| n6');
  });

  test('labels are escaped: quotes, markup and Mermaid\'s own characters cannot end a label', () => {
    expect(escapeMermaid('a "b" <i> #1 & c')).toBe('a #quot;b#quot; #lt;i#gt; #35;1 #38; c');
    const d: FlowDiagram = {
      title: 'two\nlines',
      nodes: [{ id: 'x', kind: DiagramNodeKind.APPLICATION, label: '"x" <script>', details: [], external: false }],
      edges: [],
    };
    expect(renderMermaid(d)).toBe('flowchart LR\n  %% two lines: how spans flow (generated by cdk8s-tracing from the stack\'s wiring)\n  n0["<b>#quot;x#quot; #lt;script#gt;</b>"]\n');
  });

  test('the Markdown file is the block to paste', () => {
    expect(renderMermaidMarkdown(diagrams.get('jaeger-dev')!)).toMatch(/^# jaeger-dev: how spans flow\n\n.*\n\n```mermaid\nflowchart LR\n[\s\S]*\n```\n$/);
  });
});

describe('DOT', () => {
  test('every node and edge of the model is in the Graphviz graph; identifiers and labels are quoted and escaped', () => {
    const dot = renderDot(diagrams.get('tempo-production')!);
    expect(dot).toMatch(/^digraph "tempo-production" \{\n  rankdir="LR";/);
    for (const n of diagrams.get('tempo-production')!.nodes) expect(dot).toContain(`"${n.id}" [label=<`);
    // A consumer of Kafka is laid out after it, the arrow still at Kafka (the side that listens).
    expect(dot).toContain('"kafka" -> "tempo-live-store" [label="kafka 9092", color="#263238", fontcolor="#263238", penwidth=1.6, dir="back"];');
    const d: FlowDiagram = {
      title: 'a "b" \\ c',
      nodes: [{ id: 'x"y', kind: DiagramNodeKind.APPLICATION, label: '<b>&amp;</b>', details: ['"quoted"'], external: false }],
      edges: [{ from: 'x"y', to: 'x"y', protocol: 'p', port: 1, traffic: DiagramTraffic.SPANS, pulls: false }],
    };
    const weird = renderDot(d);
    expect(weird).toContain('digraph "a \\"b\\" \\\\ c" {');
    expect(weird).toContain('"x\\"y" [label=<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2"><TR><TD ALIGN="CENTER"><B>&lt;b&gt;&amp;amp;&lt;/b&gt;</B></TD></TR>');
    expect(weird).toContain('&quot;quoted&quot;');
  });
});

describe('edge cases', () => {
  test('an empty chart draws an empty picture', () => {
    const app = new App();
    new Chart(app, 'empty');
    expect(diagramsOfApp(app).map(({ diagram }) => diagram)).toStrictEqual([{ title: 'empty', nodes: [], edges: [] }]);
    expect(renderMermaid({ title: '', nodes: [], edges: [] })).toBe('flowchart LR\n');
  });

  const deployment = (name: string, labels: Record<string, string>, container: Record<string, unknown>): Manifest => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'ns' },
    spec: { replicas: 3, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { automountServiceAccountToken: false, containers: [{ name, image: 'example/app:1', ...container }] } } },
  });

  test('declared endpoints are drawn outside the stack by what they are; an address that names nothing is drawn as unresolved', () => {
    const app = deployment('shop', { app: 'shop' }, { env: [
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://collector.elsewhere.svc:4318' },
      { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' }, { name: 'OTEL_TRACES_SAMPLER_ARG', value: '0.05' },
      { name: 'CACHE', value: 'redis.ns.svc:6379' },
    ] });
    const d = diagramOfManifests([app], { externalEndpoints: ['collector.elsewhere.svc:4318'] });
    expect(summary(d)).toStrictEqual({
      nodes: [
        'shop [application]: application | Deployment ×3 | sampling: SDK head: parentbased_traceidratio 5%',
        'collector.elsewhere.svc [external, outside]: outside the stack',
        'unresolved redis.ns.svc [unresolved, outside]: unresolved address | in Deployment shop',
      ],
      edges: [
        'shop -> collector.elsewhere.svc (otlp-http 4318, spans)',
        'shop -> unresolved redis.ns.svc (tcp 6379, spans)',
      ],
    });
  });

  test('pods that all dial one Service of their own are a ring: one node, an edge from each member', () => {
    const member = (name: string) => deployment(name, { app: name, ring: 'yes' }, { args: ['-join=ring.ns.svc:7946'], ports: [{ name: 'gossip', containerPort: 7946 }] });
    const ring: Manifest = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ring', namespace: 'ns' }, spec: { clusterIP: 'None', selector: { ring: 'yes' }, ports: [{ name: 'gossip', port: 7946 }] } };
    expect(summary(diagramOfManifests([member('a'), member('b'), ring])).edges).toStrictEqual([
      'a -> ring (gossip 7946, membership)',
      'b -> ring (gossip 7946, membership)',
    ]);
  });
});
