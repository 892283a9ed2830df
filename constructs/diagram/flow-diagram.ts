/**
 * A picture of how spans flow through a stack, as a typed model derived from its manifests: the
 * flow graph's connections (constructs/wiring/flow-graph.ts) between the workloads, grouped one
 * node per workload (Tempo's live-store zones and Jaeger's index jobs as one), with the protocol
 * and port of every edge and the sampling each stage applies, read from what it runs. Rendered by
 * {@link renderMermaid}, {@link renderDot} and {@link renderSvg}; written next to the manifests by
 * {@link synthesizeApp}.
 */
import { Json, list, Manifest, parseStructured, rec, str } from '../wiring/_json';
import { ExternalFlow, FlowGraph, FlowGraphOptions, FlowOrigin, FlowSource } from '../wiring/flow-graph';
import { PodTemplate, servingPorts } from '../wiring/stack-index';
import {
  DiagramNodeKind, KIND_ROLES, operatorEntryPorts, operatorServiceNames, operatorUnit, TemplateUnit, templateUnits,
} from './_components';

export { DiagramNodeKind } from './_components';

/** What an edge carries. */
export enum DiagramTraffic {
  /** Spans on their way to storage (OTLP, Jaeger, Zipkin, Kafka, the storage writes). */
  SPANS = 'spans',
  /** Queries and their answers: UIs, Grafana, query components reading storage and live data. */
  QUERIES = 'queries',
  /** Sampling strategies polled by SDKs. */
  SAMPLING = 'sampling',
  /** Index maintenance and compaction. */
  MAINTENANCE = 'maintenance',
  /** Ring membership (memberlist gossip). */
  MEMBERSHIP = 'membership',
  /** Metrics written elsewhere (Prometheus remote write). */
  METRICS = 'metrics',
  /** Calls to the Kubernetes API. */
  CONTROL = 'control',
}

/** A node of a flow diagram: one workload (all its pods), or something outside the stack. */
export interface DiagramNode {
  /** Unique in the diagram: the workload's name, or what stands outside (`s3.eu-west-1.amazonaws.com`). */
  readonly id: string;
  readonly kind: DiagramNodeKind;
  /** The title: workload name, host, or what it is. */
  readonly label: string;
  /** Lines under the title: its role, how many pods, topics, zones. */
  readonly details: readonly string[];
  /** The sampling applied here (`SDK head: parentbased_traceidratio 5%`, `tail: ...`, `remote strategies: ...`). */
  readonly sampling?: string;
  /** Whether it is outside the stack's manifests (declared endpoints, Grafana, ingress controllers, senders). */
  readonly external: boolean;
  /** The namespace of a workload of the stack. */
  readonly namespace?: string;
  /** The other stack an external node belongs to, when the diagrams were drawn together. */
  readonly stack?: string;
}

/** A connection: `from` connects to `to` on `port`. */
export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  /** The port's name (`otlp-grpc`, `kafka`, `gossip`) or the URL scheme (`https`). */
  readonly protocol: string;
  /** The port dialled (a Service port, or the pods' port). */
  readonly port: number;
  readonly traffic: DiagramTraffic;
  /** Whether data flows from `to` back to `from` (a consumer of Kafka, a reader, an SDK polling strategies). */
  readonly pulls: boolean;
}

/** The picture of one stack. */
export interface FlowDiagram {
  /** The stack's name (a chart's id), or empty. */
  readonly title: string;
  /** Nodes in the order spans meet them: senders, applications, collectors, backends, storage, readers. */
  readonly nodes: readonly DiagramNode[];
  readonly edges: readonly DiagramEdge[];
}

/** Options of {@link diagramOfManifests}. */
export interface FlowDiagramOptions extends FlowGraphOptions {
  /**
   * The diagram's title.
   * @default ''
   */
  readonly title?: string;
}

/** One stack's manifests, for {@link diagramsOfStacks}. */
export interface StackManifests {
  /** Its name: a chart's id, a file's name. */
  readonly name: string;
  readonly objects: readonly Manifest[];
  /**
   * Endpoints outside the stack that its configuration uses, as `host:port` (the chart's `Prerequisites`).
   * @default - none: an address naming no Service of the stack is drawn as unresolved
   */
  readonly externalEndpoints?: readonly string[];
  /**
   * Namespace of objects that set none.
   * @default 'default'
   */
  readonly defaultNamespace?: string;
}

/** The diagram of one stack's manifests. */
export function diagramOfManifests(objects: readonly Manifest[], options: FlowDiagramOptions = {}): FlowDiagram {
  return new StackDrawing(options.title ?? '', FlowGraph.of(objects, options)).draw([]);
}

/** The diagram of a stack whose flow graph is built already (by the `check` command, say), titled `title`. */
export function diagramOfFlowGraph(graph: FlowGraph, title: string = ''): FlowDiagram {
  return new StackDrawing(title, graph).draw([]);
}

/**
 * The diagrams of several stacks drawn together: an endpoint that one stack declares outside it
 * (or names without declaring it) and another serves is drawn as that stack's component (its kind, its sampling, its stack's name),
 * so that `trace-pipeline`'s gateway exports to `jaeger-production`'s collector, not to a host name.
 */
export function diagramsOfStacks(stacks: readonly StackManifests[], options: Omit<FlowGraphOptions, 'externalEndpoints' | 'defaultNamespace'> = {}): FlowDiagram[] {
  const drawings = stacks.map(s => new StackDrawing(s.name, FlowGraph.of(s.objects, { ...options, externalEndpoints: s.externalEndpoints, defaultNamespace: s.defaultNamespace })));
  return drawings.map(d => d.draw(drawings.filter(o => o !== d)));
}

/** Ports that applications send spans to or poll strategies from: a Service port of one of these names is an entry. */
const ENTRY_PORT_NAMES = new Set(['otlp-grpc', 'otlp-http', 'jaeger-grpc', 'thrift-http', 'thrift-compact', 'thrift-binary', 'zipkin', 'sampling-http', 'sampling-grpc']);
const SPAN_PORT_NAMES = new Set([...ENTRY_PORT_NAMES].filter(n => !n.startsWith('sampling-')));

/** Well-known ports, for endpoints outside the stack whose port names are unknown. */
const KNOWN_PORTS: Readonly<Record<number, string>> = {
  4317: 'otlp-grpc', 4318: 'otlp-http', 14250: 'jaeger-grpc', 14268: 'thrift-http', 6831: 'thrift-compact', 6832: 'thrift-binary',
  9411: 'zipkin', 5778: 'sampling-http', 5779: 'sampling-grpc', 9092: 'kafka',
};

/** The order of stages, left to right. */
const STAGES: readonly DiagramNodeKind[] = [
  DiagramNodeKind.SPAN_SENDERS, DiagramNodeKind.APPLICATION, DiagramNodeKind.WORKLOAD, DiagramNodeKind.INGRESS,
  DiagramNodeKind.OTEL_AGENT, DiagramNodeKind.OTEL_LOAD_BALANCER, DiagramNodeKind.OTEL_SAMPLER, DiagramNodeKind.OTEL_GATEWAY,
  DiagramNodeKind.JAEGER_ALL_IN_ONE, DiagramNodeKind.JAEGER_OPERATOR_INSTANCE, DiagramNodeKind.JAEGER_COLLECTOR,
  DiagramNodeKind.TEMPO, DiagramNodeKind.TEMPO_DISTRIBUTOR, DiagramNodeKind.KAFKA, DiagramNodeKind.JAEGER_INGESTER,
  DiagramNodeKind.TEMPO_LIVE_STORE, DiagramNodeKind.TEMPO_BLOCK_BUILDER, DiagramNodeKind.TEMPO_METRICS_GENERATOR,
  DiagramNodeKind.SEARCH, DiagramNodeKind.OBJECT_STORAGE, DiagramNodeKind.METRICS_STORE, DiagramNodeKind.EXTERNAL,
  DiagramNodeKind.JAEGER_INDEX_JOBS, DiagramNodeKind.TEMPO_BACKEND_SCHEDULER, DiagramNodeKind.TEMPO_BACKEND_WORKER,
  DiagramNodeKind.JAEGER_QUERY, DiagramNodeKind.TEMPO_QUERIER, DiagramNodeKind.TEMPO_QUERY_FRONTEND, DiagramNodeKind.GRAFANA,
  DiagramNodeKind.MEMBERLIST, DiagramNodeKind.KUBERNETES_API, DiagramNodeKind.UNRESOLVED,
];

const QUERY_SIDE = new Set([DiagramNodeKind.JAEGER_QUERY, DiagramNodeKind.TEMPO_QUERIER, DiagramNodeKind.TEMPO_QUERY_FRONTEND, DiagramNodeKind.GRAFANA]);
const MAINTENANCE_SIDE = new Set([DiagramNodeKind.JAEGER_INDEX_JOBS, DiagramNodeKind.TEMPO_BACKEND_SCHEDULER, DiagramNodeKind.TEMPO_BACKEND_WORKER]);
const KAFKA_CONSUMERS = new Set([DiagramNodeKind.TEMPO_LIVE_STORE, DiagramNodeKind.TEMPO_BLOCK_BUILDER, DiagramNodeKind.TEMPO_METRICS_GENERATOR, DiagramNodeKind.JAEGER_INGESTER]);

/** What an edge from a `from` to a `to` on a port named `protocol` carries, and which way. */
function trafficOf(from: DiagramNodeKind, to: DiagramNodeKind, protocol: string): { traffic: DiagramTraffic; pulls: boolean } {
  if (protocol.startsWith('sampling-')) return { traffic: DiagramTraffic.SAMPLING, pulls: true };
  if (to === DiagramNodeKind.MEMBERLIST) return { traffic: DiagramTraffic.MEMBERSHIP, pulls: false };
  if (to === DiagramNodeKind.KUBERNETES_API) return { traffic: DiagramTraffic.CONTROL, pulls: false };
  if (to === DiagramNodeKind.METRICS_STORE) return { traffic: DiagramTraffic.METRICS, pulls: false };
  // A querier takes its jobs from the query-frontend and sends the results back to it.
  if (from === DiagramNodeKind.TEMPO_QUERIER && to === DiagramNodeKind.TEMPO_QUERY_FRONTEND) return { traffic: DiagramTraffic.QUERIES, pulls: false };
  if (QUERY_SIDE.has(from)) return { traffic: DiagramTraffic.QUERIES, pulls: true };
  if (from === DiagramNodeKind.INGRESS) return SPAN_PORT_NAMES.has(protocol) ? { traffic: DiagramTraffic.SPANS, pulls: false } : { traffic: DiagramTraffic.QUERIES, pulls: true };
  if (MAINTENANCE_SIDE.has(from)) return { traffic: DiagramTraffic.MAINTENANCE, pulls: false };
  if (to === DiagramNodeKind.KAFKA && KAFKA_CONSUMERS.has(from)) return { traffic: DiagramTraffic.SPANS, pulls: true };
  return { traffic: DiagramTraffic.SPANS, pulls: false };
}

/** A stack's flow graph and nodes, drawn alone or among other stacks. */
class StackDrawing {
  private readonly objects: readonly Manifest[];
  private readonly units: TemplateUnit[];
  private readonly unitOf = new Map<PodTemplate, TemplateUnit>();

  constructor(private readonly name: string, private readonly graph: FlowGraph) {
    this.objects = graph.index.objects;
    this.units = templateUnits(this.graph.index);
    for (const u of this.units) for (const t of u.templates) this.unitOf.set(t, u);
  }

  /** The component of this stack that serves `host:port` as named from `fromNamespace` in another stack. */
  public serving(host: string, port: number, fromNamespace: string): { node: DiagramNode; protocol: string } | undefined {
    const resolved = this.graph.index.resolveAddress({ host, port }, fromNamespace);
    if (resolved.kind !== 'service') return undefined;
    const target = this.graph.targetsOf(resolved.service, port)[0];
    const unit = target ? this.unitOf.get(target.template) : undefined;
    if (!target || !unit) return undefined;
    return {
      node: {
        id: `${this.name}/${unit.id}`, kind: unit.kind, label: unit.label, external: true, stack: this.name, sampling: unit.sampling,
        details: [unit.details[0], `stack ${this.name}, namespace ${unit.namespace}`],
      },
      protocol: portName(target.template, unit.kind, target.port, target.protocol),
    };
  }

  public draw(others: readonly StackDrawing[]): FlowDiagram {
    const graph = this.graph;
    const index = graph.index;
    const nodes = new Map<string, DiagramNode>();
    const edges = new Map<string, DiagramEdge>();
    const node = (n: DiagramNode): DiagramNode => {
      const known = nodes.get(n.id);
      if (known) return known;
      nodes.set(n.id, n);
      return n;
    };
    // One edge per pair and port; a port named by a scheme or a port name wins over a bare 'tcp'
    // (a host name written alone, next to the URL that names it).
    const edge = (from: DiagramNode, to: DiagramNode, protocol: string, port: number) => {
      if (from.id === to.id) return;
      const key = `${from.id}\n${to.id}\n${port}`;
      const known = edges.get(key);
      if (known && (protocol === 'tcp' || known.protocol !== 'tcp')) return;
      edges.set(key, { from: from.id, to: to.id, protocol, port, ...trafficOf(from.kind, to.kind, protocol) });
    };
    const unitNode = (u: TemplateUnit): DiagramNode => node({
      id: u.id, kind: u.kind, label: u.label, details: u.details, external: false, namespace: u.namespace,
      ...(u.sampling !== undefined ? { sampling: u.sampling } : {}),
    });
    const operators = new Map<Manifest, DiagramNode>();
    for (const o of this.objects) {
      const u = operatorUnit(o, index);
      if (u) operators.set(o, stripUndefined({ ...u, external: false }));
    }
    const operatorNode = (o: Manifest): DiagramNode => {
      const known = operators.get(o);
      if (known) return node(known);
      return node({ id: `${o.kind}/${o.metadata.name}`, kind: DiagramNodeKind.WORKLOAD, label: o.metadata.name, details: [`pods made from ${o.kind} ${o.metadata.name}`], external: false, namespace: index.namespaceOf(o) });
    };
    for (const u of this.units) unitNode(u);
    for (const n of operators.values()) node(n);

    const sourceNode = (s: FlowSource, origin: FlowOrigin): DiagramNode => {
      switch (s.kind) {
        case 'pod': return unitNode(this.unitOf.get(s.template)!);
        case 'operator': return operatorNode(s.object);
        case 'ingress-controller': return node(ingressNode(s.object, origin.path));
        case 'config-reader': return node(readerNode(s.object));
      }
    };

    // Spans enter at the Services whose ports are named for span protocols and sampling, except
    // the tiers that a load balancer by trace ID sends to (spans sent there directly are split).
    const balanced = new Set(graph.podFlows.filter(f => f.via === 'resolver').map(f => f.target));
    const senders = (): DiagramNode => node({
      id: 'span-senders', kind: DiagramNodeKind.SPAN_SENDERS, label: 'applications', details: ['sending spans from any namespace'], external: true,
    });
    for (const svc of index.objects.filter(o => o.kind === 'Service')) {
      for (const p of list(rec(svc.spec)?.ports).map(rec)) {
        const name = str(p?.name);
        if (!name || !ENTRY_PORT_NAMES.has(name) || typeof p?.port !== 'number') continue;
        for (const target of graph.targetsOf(svc, p.port)) {
          if (balanced.has(target.template)) continue;
          edge(senders(), unitNode(this.unitOf.get(target.template)!), name, p.port);
        }
      }
    }
    for (const [o] of operators) for (const [name, port] of operatorEntryPorts(o)) edge(senders(), operatorNode(o), name, port);

    // A Service every pod of which also dials it is a ring (memberlist gossip): one node, not every pair.
    const viaService = new Map<string, typeof graph.podFlows>();
    for (const f of graph.podFlows) {
      if (f.via !== 'address' || !f.service || f.source.kind !== 'pod') continue;
      const key = `${f.service.namespace}/${f.service.name}:${f.service.port}`;
      viaService.set(key, [...(viaService.get(key) ?? []), f]);
    }
    const ringFlows = new Set<unknown>();
    for (const flows of viaService.values()) {
      const sources = new Set(flows.map(f => (f.source.kind === 'pod' ? f.source.template : undefined)));
      const targets = new Set(flows.map(f => f.target));
      if (targets.size < 2 || ![...targets].every(t => sources.has(t))) continue;
      const svc = flows[0].service!;
      const protocol = portName(flows[0].target, this.unitOf.get(flows[0].target)!.kind, flows[0].port, flows[0].protocol);
      const ring = node({
        id: svc.name, kind: DiagramNodeKind.MEMBERLIST, label: svc.name, external: false, namespace: svc.namespace,
        details: [KIND_ROLES[DiagramNodeKind.MEMBERLIST], `${new Set([...targets].map(t => this.unitOf.get(t)!.id)).size} members, ${protocol} ${svc.port}`],
      });
      for (const f of flows) {
        ringFlows.add(f);
        edge(sourceNode(f.source, f.origin), ring, protocol, svc.port);
      }
    }

    for (const f of graph.podFlows) {
      if (ringFlows.has(f)) continue;
      const target = this.unitOf.get(f.target)!;
      edge(sourceNode(f.source, f.origin), unitNode(target), portName(f.target, target.kind, f.port, f.protocol), f.service?.port ?? f.port);
    }

    /** The namespace a flow starts from. */
    const namespaceOf = (source: FlowSource) => (source.kind === 'pod' ? source.template.namespace : index.namespaceOf(source.object));
    /** Another stack drawn with this one that serves `host:port`, as dialled from `source`. */
    const servedElsewhere = (source: FlowSource, host: string, port: number) => others.map(o => o.serving(host, port, namespaceOf(source))).find(r => r !== undefined);

    for (const f of graph.externalFlows) {
      const from = sourceNode(f.source, f.origin);
      const made = this.operatorServing(f.host, namespaceOf(f.source));
      if (made) {
        edge(from, operatorNode(made), KNOWN_PORTS[f.port] ?? 'tcp', f.port);
        continue;
      }
      const elsewhere = servedElsewhere(f.source, f.host, f.port);
      if (elsewhere) {
        edge(from, node(stripUndefined(elsewhere.node)), elsewhere.protocol, f.port);
        continue;
      }
      const to = node(externalNode(f, from.kind));
      edge(from, to, externalProtocol(f, to.kind), f.port);
    }

    for (const u of graph.unresolved) {
      // An address this stack does not declare may still be one another stack drawn with it serves.
      const elsewhere = servedElsewhere(u.source, u.host, u.port);
      if (elsewhere) {
        edge(sourceNode(u.source, u.origin), node(stripUndefined(elsewhere.node)), elsewhere.protocol, u.port);
        continue;
      }
      const to = node({ id: `unresolved ${u.host}`, kind: DiagramNodeKind.UNRESOLVED, label: u.host, details: [KIND_ROLES[DiagramNodeKind.UNRESOLVED], `in ${u.origin.object.kind} ${u.origin.object.metadata.name}`], external: true });
      edge(sourceNode(u.source, u.origin), to, KNOWN_PORTS[u.port] ?? 'tcp', u.port);
    }

    for (const use of graph.kubernetesApi) {
      const api = node({ id: 'kubernetes-api', kind: DiagramNodeKind.KUBERNETES_API, label: 'Kubernetes API', details: ['kubernetes.default.svc'], external: true });
      edge(unitNode(this.unitOf.get(use.template)!), api, 'https', 443);
    }

    const order = [...nodes.values()].sort((a, b) => STAGES.indexOf(a.kind) - STAGES.indexOf(b.kind) || Number(a.external) - Number(b.external) || a.label.localeCompare(b.label));
    const rank = new Map(order.map((n, i) => [n.id, i]));
    const sortedEdges = [...edges.values()].sort((a, b) => rank.get(a.from)! - rank.get(b.from)! || rank.get(a.to)! - rank.get(b.to)! || a.port - b.port || a.protocol.localeCompare(b.protocol));
    return { title: this.name, nodes: order, edges: sortedEdges };
  }

  /** The operator resource of this stack whose Service `host` names (`<jaeger>-collector.<ns>.svc`). */
  private operatorServing(host: string, fromNamespace: string): Manifest | undefined {
    const index = this.graph.index;
    for (const c of index.serviceCandidates(host, fromNamespace)) {
      if (c.pod) continue;
      const o = this.objects.find(x => index.namespaceOf(x) === c.namespace && operatorServiceNames(x).includes(c.service));
      if (o) return o;
    }
    return undefined;
  }
}

/** `n` without keys whose value is undefined (so that models compare equal however they were built). */
function stripUndefined<T extends object>(n: T): T {
  return Object.fromEntries(Object.entries(n).filter(([, v]) => v !== undefined)) as T;
}

/** The name of `template`'s port `port` (`otlp-grpc`, `gossip`), `kafka` for Kafka's brokers, else a well-known name. */
function portName(template: PodTemplate, kind: DiagramNodeKind, port: number, protocol: string): string {
  if (kind === DiagramNodeKind.KAFKA) return 'kafka';
  return servingPorts(template).find(c => c.number === port && c.protocol === protocol)?.name ?? KNOWN_PORTS[port] ?? protocol.toLowerCase();
}

/** The ingress controller's node for the host of the Ingress rule at `path` (`/spec/rules/1/...`). */
function ingressNode(o: Manifest, path: string): DiagramNode {
  const spec = rec(o.spec) ?? {};
  const rule = /^\/spec\/rules\/(\d+)\//.exec(path);
  const host = rule ? str(rec(list(spec.rules)[Number(rule[1])])?.host) ?? '*' : 'default backend';
  const tls = list(spec.tls).map(rec).some(t => list(t?.hosts).includes(host));
  const className = str(spec.ingressClassName);
  return {
    id: `ingress ${host}`, kind: DiagramNodeKind.INGRESS, label: host, external: true,
    details: [KIND_ROLES[DiagramNodeKind.INGRESS], `Ingress ${o.metadata.name}${className ? `, class ${className}` : ''}${tls ? ', TLS' : ''}`],
  };
}

/** Who reads a ConfigMap or Secret that no pod of the stack reads: Grafana for its datasources. */
function readerNode(o: Manifest): DiagramNode {
  const labels = o.metadata.labels ?? {};
  const data = Object.keys(rec(o.data) ?? rec(o.stringData) ?? {});
  if ('grafana_datasource' in labels || data.some(k => /datasource/i.test(k))) {
    return { id: 'grafana', kind: DiagramNodeKind.GRAFANA, label: 'Grafana', details: [`datasources from ${o.kind} ${o.metadata.name}`], external: true };
  }
  return { id: `reader of ${o.kind}/${o.metadata.name}`, kind: DiagramNodeKind.EXTERNAL, label: `reader of ${o.kind} ${o.metadata.name}`, details: ['outside the stack'], external: true };
}

/** The kind of a declared endpoint, from where its address was read and who reads it. */
function externalKind(f: ExternalFlow, from: DiagramNodeKind): DiagramNodeKind {
  const path = f.origin.path;
  if (/\/storage\/trace\/(s3|gcs|azure)(\/|$)/.test(path)) return DiagramNodeKind.OBJECT_STORAGE;
  if (/remote_write/.test(path)) return DiagramNodeKind.METRICS_STORE;
  if (from === DiagramNodeKind.JAEGER_INDEX_JOBS || /elasticsearch|opensearch|\/es\/|server.urls|ES_SERVER/i.test(path) || /elasticsearch|opensearch/.test(f.host)) return DiagramNodeKind.SEARCH;
  if (/kafka/i.test(path) || f.port === 9092) return DiagramNodeKind.KAFKA;
  return DiagramNodeKind.EXTERNAL;
}

/** The node of a declared endpoint outside the stack: one per host. */
function externalNode(f: ExternalFlow, from: DiagramNodeKind): DiagramNode {
  const kind = externalKind(f, from);
  const details = [KIND_ROLES[kind]];
  const backend = /\/storage\/trace\/(s3|gcs|azure)(\/|$)/.exec(f.origin.path)?.[1];
  if (backend) {
    const trace = rec(rec(documentAt(f.origin.object, f.origin.path)?.storage)?.trace);
    const settings = rec(trace?.[backend]);
    const bucket = str(settings?.bucket) ?? str(settings?.bucket_name) ?? str(settings?.container_name);
    details[0] = `${{ s3: 'S3', gcs: 'GCS', azure: 'Azure Blob' }[backend]} ${backend === 'azure' ? 'container' : 'bucket'}${bucket ? ` ${bucket}` : ''}`;
  }
  return { id: f.host, kind, label: f.host, details, external: true };
}

/** The protocol of a connection to a declared endpoint: a well-known port's name, else the URL's scheme. */
function externalProtocol(f: ExternalFlow, kind: DiagramNodeKind): string {
  if (KNOWN_PORTS[f.port]) return KNOWN_PORTS[f.port];
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(f.origin.text)?.[1].toLowerCase();
  if (scheme === 'http' || scheme === 'https') return scheme;
  if (kind === DiagramNodeKind.OBJECT_STORAGE || f.port === 443) return f.port === 80 ? 'http' : 'https';
  return 'tcp';
}

/** The parsed document of a ConfigMap or Secret that a flow origin's path points into (`/data/tempo.yaml#/...`). */
function documentAt(o: Manifest, path: string): Json | undefined {
  const m = /^\/(data|stringData)\/([^#]+)#/.exec(path);
  if (!m) return undefined;
  const key = m[2].replace(/~1/g, '/').replace(/~0/g, '~');
  const text = rec(o[m[1]])?.[key];
  return typeof text === 'string' ? rec(parseStructured(text)?.[0]) : undefined;
}
