/**
 * The network policies of every example stack of main.ts, judged by the test's own NetworkPolicy
 * evaluator (test/_support/network-policy.ts) over a world of every chart's pods (the six
 * namespaces at once, so flows between stacks are judged with both ends' policies), the pods
 * Strimzi makes, and the pods and addresses around them: an application in `shop`, Prometheus and
 * Grafana in `monitoring`, the ingress controller, CoreDNS, Elasticsearch in `elastic-system`, the
 * API server and hosts outside the cluster.
 *
 * Required, and allowed: every flow of the wiring graph (constructs/wiring/flow-graph.ts) of every
 * stack (pod to pod, to Strimzi's brokers, to other stacks, to declared endpoints, the ingress
 * controller to its backends, Grafana to its datasources), each library pod to the DNS, the pods
 * that call it to the Kubernetes API, an application of another namespace to the entry
 * components' receiving and sampling ports (the Services applications are told to use, listed
 * here by hand), Prometheus to every metrics port.
 *
 * Nothing else, denied: every other pair of library pod and container port; an application's pod
 * to any other port (with the Prometheus, ingress controller and Grafana peers narrowed to their
 * namespaces, any port but the entry ones); a library pod to an address outside the cluster on a
 * port it does not use.
 */
import { App } from 'cdk8s';
import { buildApp } from '../../main';
import { Prerequisites } from '../../constructs';
import { Manifest } from '../../constructs/wiring/_json';
import { FlowGraph, FlowSource } from '../../constructs/wiring/flow-graph';
import { PodTemplate } from '../../constructs/wiring/stack-index';
import { Endpoint, Pod, PolicyEvaluator } from '../_support/network-policy';

/** The Services applications are told to send spans to and poll sampling from, per namespace. */
const ENTRY_SERVICES: Readonly<Record<string, readonly string[]>> = {
  'tracing-dev': ['jaeger'],
  'tracing': ['jaeger-collector', 'jaeger-collector-headless'],
  'tempo-dev': ['tempo'],
  'tempo': ['tempo-distributor', 'tempo-distributor-headless'],
  'telemetry': ['otel-agent', 'otel-sampling-lb', 'otel-sampling-lb-headless'],
};
/** Port names of span receivers and sampling endpoints. */
const ENTRY_PORT_NAMES = new Set(['otlp-grpc', 'otlp-http', 'jaeger-grpc', 'thrift-http', 'thrift-compact', 'thrift-binary', 'zipkin', 'sampling-http', 'sampling-grpc']);
/** Ports tried towards a host outside the cluster. */
const PROBE_PORTS = [22, 53, 80, 443, 3200, 4317, 5432, 6443, 8080, 9090, 9092, 9200];

const INTERNET = { address: '203.0.113.10', name: 'a host outside the cluster' };
const INTERNET6 = { address: '2001:db8::10', name: 'an IPv6 host outside the cluster' };
const API_SERVER = { address: '172.20.0.1', name: 'the API server' };

/** A required flow: what kind, and why (for messages). */
type Flow = { readonly from: Endpoint; readonly to: Endpoint; readonly port: number; readonly protocol: string; readonly kind: string; readonly why: string };

const label = (e: Endpoint) => ('pod' in e ? e.pod.name : e.name ?? e.address);
const key = (f: Pick<Flow, 'from' | 'to' | 'port' | 'protocol'>) => `${label(f.from)} -> ${label(f.to)}:${f.port}/${f.protocol}`;

/** The world of one build of the example app. */
class World {
  public readonly pods: Pod[] = [];
  /** Every library pod (made by this library, not by an operator, not a sample application). */
  public readonly library: Pod[] = [];
  public readonly shop: Pod;
  public readonly stranger: Pod;
  public readonly prometheus: Pod;
  public readonly grafana: Pod;
  public readonly ingressController: Pod;
  public readonly dns: Pod;
  public readonly policies: Manifest[] = [];
  public readonly evaluator: PolicyEvaluator;
  public readonly required = new Map<string, Flow>();
  /** Ports each library pod may use towards hosts outside the cluster. */
  public readonly outsidePorts = new Map<Pod, Set<number>>();
  private readonly byTemplate = new Map<string, Pod>();
  private readonly graphs: Array<{ namespace: string; graph: FlowGraph; objects: Manifest[] }> = [];
  private nextIp = 1;

  constructor(app: App, namespaceLabels: Record<string, Record<string, string>>, tamper?: (objects: Manifest[]) => void) {
    const standIn = (name: string, namespace: string, labels: Record<string, string>, ports: Array<[number, string]>) => this.pod(name, namespace, labels, ports.map(([containerPort, protocol]) => ({ containerPort, protocol })));
    this.shop = standIn('shop/checkout-app', 'shop', { 'app.kubernetes.io/name': 'checkout-app' }, [[8080, 'TCP']]);
    this.stranger = standIn('elsewhere/app', 'elsewhere', { app: 'other' }, []);
    this.prometheus = standIn('monitoring/prometheus', 'monitoring', { 'app.kubernetes.io/name': 'prometheus' }, [[9090, 'TCP']]);
    this.grafana = standIn('monitoring/grafana', 'monitoring', { 'app.kubernetes.io/name': 'grafana' }, [[3000, 'TCP']]);
    this.ingressController = standIn('ingress-nginx/controller', 'ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' }, [[443, 'TCP']]);
    this.dns = standIn('kube-system/coredns', 'kube-system', { 'k8s-app': 'kube-dns' }, [[53, 'UDP'], [53, 'TCP']]);
    standIn('elastic-system/elasticsearch', 'elastic-system', { 'elasticsearch.k8s.elastic.co/cluster-name': 'elasticsearch' }, [[9200, 'TCP']]);
    // The collector the Jaeger Operator makes for the jaeger-operator stack's `Jaeger`.
    standIn('observability/jaeger-production-collector', 'observability', { 'app.kubernetes.io/instance': 'jaeger-production', 'app.kubernetes.io/component': 'collector' }, [[4317, 'TCP']]);

    const all: Manifest[] = [];
    for (const chart of app.charts) {
      const objects = chart.toJson() as Manifest[];
      all.push(...objects);
      const graph = FlowGraph.of(objects, { externalEndpoints: Prerequisites.of(chart).endpoints.map(e => e.name) });
      this.graphs.push({ namespace: chart.namespace!, graph, objects });
      for (const t of graph.index.templates) {
        const pod = this.pod(templateName(t), t.namespace, t.labels, containerPorts(t));
        this.byTemplate.set(templateName(t), pod);
        if (!t.operator && t.labels['app.kubernetes.io/part-of'] === 'cdk8s-tracing') {
          this.library.push(pod);
          this.outsidePorts.set(pod, new Set());
        }
      }
    }
    tamper?.(all);
    this.policies = all.filter(o => o.kind === 'NetworkPolicy');
    this.evaluator = new PolicyEvaluator(all, namespaceLabels);
    for (const { namespace, graph } of this.graphs) this.requireFlows(namespace, graph);
  }

  /** Whether a connection is allowed. */
  public allows(from: Endpoint, to: Endpoint, port: number, protocol = 'TCP') {
    return this.evaluator.decide(from, to, port, protocol);
  }

  /** The world pod of a template. */
  public podOf(t: PodTemplate): Pod {
    return this.byTemplate.get(templateName(t))!;
  }

  /** Entry ports of library pods: what applications of any namespace may reach. */
  public entryPorts(pod: Pod): Set<string> {
    const out = new Set<string>();
    for (const { namespace, objects } of this.graphs) {
      if (namespace !== pod.namespace) continue;
      for (const name of ENTRY_SERVICES[namespace] ?? []) {
        const svc = objects.find(o => o.kind === 'Service' && o.metadata.name === name) as any;
        if (!svc || !Object.entries(svc.spec.selector ?? {}).every(([k, v]) => pod.labels[k] === v)) continue;
        for (const p of svc.spec.ports) {
          if (!ENTRY_PORT_NAMES.has(p.name)) continue;
          const c = pod.ports.find(q => q.name === p.targetPort || q.containerPort === p.targetPort);
          if (c) out.add(`${c.containerPort}/${c.protocol ?? 'TCP'}`);
        }
      }
    }
    return out;
  }

  /** The metrics port of a library pod: `metrics`, or Tempo's `http`. */
  public metricsPort(pod: Pod): number | undefined {
    const named = (n: string) => pod.ports.find(p => p.name === n)?.containerPort;
    return named('metrics') ?? (pod.labels['app.kubernetes.io/name'] === 'tempo' ? named('http') : undefined);
  }

  private pod(name: string, namespace: string, labels: Readonly<Record<string, string>>, ports: Pod['ports']): Pod {
    const n = this.nextIp++;
    const pod: Pod = { name, namespace, labels, ip: `10.244.${Math.floor(n / 250)}.${(n % 250) + 1}`, ports };
    this.pods.push(pod);
    return pod;
  }

  private require(from: Endpoint, to: Endpoint, port: number, protocol: string, kind: string, why: string): void {
    const flow = { from, to, port, protocol, kind, why };
    this.required.set(key(flow), flow);
  }

  private source(s: FlowSource, namespace: string): Endpoint | undefined {
    switch (s.kind) {
      case 'pod': return { pod: this.podOf(s.template) };
      case 'ingress-controller': return { pod: this.ingressController };
      case 'config-reader': return { pod: this.grafana };
      default: return { pod: { name: `${namespace}/pods of ${s.object.kind}/${s.object.metadata.name}`, namespace, labels: {}, ip: '10.244.250.1', ports: [] } };
    }
  }

  private requireFlows(namespace: string, graph: FlowGraph): void {
    for (const f of graph.podFlows) {
      this.require(this.source(f.source, namespace)!, { pod: this.podOf(f.target) }, f.port, f.protocol, `graph (${f.via})`, `${f.via} ${f.origin.text} (${f.origin.object.kind}/${f.origin.object.metadata.name})`);
    }
    for (const f of graph.externalFlows) {
      const from = this.source(f.source, namespace)!;
      const why = `declared endpoint ${f.endpoint}`;
      const ns = /^[^.]+\.([^.]+)\.svc(\.cluster\.local)?$/.exec(f.host)?.[1];
      const other = ns ? this.graphs.find(g => g.namespace === ns) : undefined;
      const svc = other?.graph.index.find('Service', ns!, f.host.split('.')[0]);
      if (other && svc) {
        for (const t of other.graph.targetsOf(svc, f.port)) this.require(from, { pod: this.podOf(t.template) }, t.port, t.protocol, 'declared endpoint', why);
      } else if (ns) {
        const standIn = this.pods.find(p => p.namespace === ns && p.ports.some(q => q.containerPort === f.port));
        if (!standIn) throw new Error(`no stand-in pod in namespace ${ns} serving port ${f.port}, for ${f.host}`);
        this.require(from, { pod: standIn }, f.port, 'TCP', 'declared endpoint', why);
      } else {
        this.require(from, INTERNET, f.port, 'TCP', 'declared endpoint', why);
        this.require(from, INTERNET6, f.port, 'TCP', 'declared endpoint', why);
        if ('pod' in from && this.outsidePorts.has(from.pod)) this.outsidePorts.get(from.pod)!.add(f.port);
      }
    }
    for (const use of graph.kubernetesApi) {
      const pod = this.podOf(use.template);
      for (const port of [443, 6443]) this.require({ pod }, API_SERVER, port, 'TCP', 'Kubernetes API', use.reason);
      if (this.outsidePorts.has(pod)) [443, 6443].forEach(p => this.outsidePorts.get(pod)!.add(p));
    }
    for (const pod of this.library.filter(p => p.namespace === namespace)) {
      for (const protocol of ['UDP', 'TCP']) this.require({ pod }, { pod: this.dns }, 53, protocol, 'DNS', 'names');
      for (const port of this.entryPorts(pod)) {
        const [n, protocol] = port.split('/');
        this.require({ pod: this.shop }, { pod }, Number(n), protocol, 'span senders', 'an application sends spans or polls sampling');
      }
      const metrics = this.metricsPort(pod);
      if (metrics !== undefined) this.require({ pod: this.prometheus }, { pod }, metrics, 'TCP', 'Prometheus', 'scrapes');
    }
  }
}

function templateName(t: PodTemplate): string {
  return `${t.namespace}/${t.owner.kind}/${t.owner.metadata.name}`;
}

function containerPorts(t: PodTemplate): Pod['ports'] {
  const containers = [...((t.spec.initContainers as any[]) ?? []).filter(c => c.restartPolicy === 'Always'), ...((t.spec.containers as any[]) ?? [])];
  return containers.flatMap(c => (c.ports ?? []).map((p: any) => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' })));
}

/** Every required flow the world denies, with the evaluator's reasons. */
function deniedRequired(world: World): string[] {
  return [...world.required.values()]
    .map(f => ({ f, d: world.allows(f.from, f.to, f.port, f.protocol) }))
    .filter(({ d }) => !d.allowed)
    .map(({ f, d }) => `${key(f)} (${f.why}): ${d.egress}; ${d.ingress}`);
}

/** Every pair of library pod and container port outside the required flows; those the world allows. */
function pairs(world: World): { checked: number; allowed: string[] } {
  let checked = 0;
  const allowed: string[] = [];
  for (const a of world.library) {
    for (const b of world.library) {
      for (const p of b.ports) {
        const flow = { from: { pod: a }, to: { pod: b }, port: p.containerPort, protocol: p.protocol ?? 'TCP' };
        if (world.required.has(key(flow))) continue;
        checked++;
        const d = world.allows(flow.from, flow.to, flow.port, flow.protocol);
        if (d.allowed) allowed.push(`${key(flow)}: ${d.egress}; ${d.ingress}`);
      }
    }
  }
  return { checked, allowed };
}

/** Connections from `outsider` to library pods on ports other than `open(pod)`; those allowed. */
function fromOutside(world: World, outsider: Pod, open: (pod: Pod) => Set<string>): { checked: number; allowed: string[] } {
  let checked = 0;
  const allowed: string[] = [];
  for (const b of world.library) {
    for (const p of b.ports) {
      const port = `${p.containerPort}/${p.protocol ?? 'TCP'}`;
      if (open(b).has(port)) continue;
      checked++;
      const d = world.allows({ pod: outsider }, { pod: b }, p.containerPort, p.protocol ?? 'TCP');
      if (d.allowed) allowed.push(`${outsider.name} -> ${b.name}:${port}: ${d.ingress}`);
    }
  }
  return { checked, allowed };
}

/** Connections from library pods to hosts outside the cluster on ports they do not use; those allowed. */
function toOutside(world: World): { checked: number; allowed: string[] } {
  let checked = 0;
  const allowed: string[] = [];
  for (const a of world.library) {
    for (const port of PROBE_PORTS) {
      if (world.outsidePorts.get(a)!.has(port)) continue;
      for (const host of [INTERNET, INTERNET6]) {
        checked++;
        const d = world.allows({ pod: a }, host, port);
        if (d.allowed) allowed.push(`${a.name} -> ${host.address}:${port}: ${d.egress}`);
      }
    }
  }
  return { checked, allowed };
}

const report = (line: string) => process.stdout.write(`${line}\n`);

describe('the example stacks with the default network policy options', () => {
  const world = new World(buildApp(), {});
  const everywhere = (pod: Pod) => {
    // Defaults: the entry ports, and (from every namespace) metrics, the ingress's and Grafana's backends.
    const open = world.entryPorts(pod);
    const metrics = world.metricsPort(pod);
    if (metrics !== undefined) open.add(`${metrics}/TCP`);
    for (const f of world.required.values()) {
      const from = label(f.from);
      if ('pod' in f.to && f.to.pod === pod && (from === world.ingressController.name || from === world.grafana.name)) open.add(`${f.port}/${f.protocol}`);
    }
    return open;
  };

  test('one NetworkPolicy per library workload, named after it, and none for operators\' or sample applications\' pods', () => {
    const names = world.library.map(p => `${p.namespace}/${p.name.split('/')[2]}`).sort();
    expect(world.policies.map(p => `${p.metadata.namespace}/${p.metadata.name}`).sort()).toStrictEqual(names);
    expect(names.length).toBe(20);
  });

  test('every required flow is allowed', () => {
    expect(deniedRequired(world)).toStrictEqual([]);
    const kinds = new Map<string, number>();
    for (const f of world.required.values()) {
      kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
    }
    report(`network policies: ${world.required.size} required flows allowed (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')})`);
    expect(world.required.size).toBeGreaterThan(150);
  });

  test('every other pair of library pod and container port is denied', () => {
    const { checked, allowed } = pairs(world);
    expect(allowed).toStrictEqual([]);
    report(`network policies: ${checked} other pairs of library pod and container port denied`);
    expect(checked).toBeGreaterThan(1000);
  });

  test('an application of another namespace reaches only the entry ports, metrics and the routed and Grafana\'s ports', () => {
    const { checked, allowed } = fromOutside(world, world.shop, everywhere);
    expect(allowed).toStrictEqual([]);
    report(`network policies: ${checked} connections from an application of another namespace denied`);
    expect(checked).toBeGreaterThan(20);
  });

  test('a library pod reaches hosts outside the cluster only on the ports it uses', () => {
    const { checked, allowed } = toOutside(world);
    expect(allowed).toStrictEqual([]);
    report(`network policies: ${checked} connections to hosts outside the cluster denied`);
  });
});

describe('the example stacks with span senders, Prometheus, the ingress controller and Grafana narrowed to their namespaces', () => {
  const sends = { 'tracing.example.com/sends-spans': 'true' };
  const app = buildApp({}, {
    defaults: {
      networkPolicy: {
        spanSenders: { namespaceSelector: sends },
        metrics: { namespaceSelector: { 'kubernetes.io/metadata.name': 'monitoring' }, podSelector: { 'app.kubernetes.io/name': 'prometheus' } },
        ingressController: { namespaceSelector: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
        grafana: { namespaceSelector: { 'kubernetes.io/metadata.name': 'monitoring' }, podSelector: { 'app.kubernetes.io/name': 'grafana' } },
      },
    },
  });
  // The pipeline's sampling tier sends to the production Jaeger and Tempo: its namespace is a sender.
  const world = new World(app, { shop: sends, telemetry: sends });

  test('every required flow is allowed', () => {
    expect(deniedRequired(world)).toStrictEqual([]);
    report(`network policies (narrowed): ${world.required.size} required flows allowed`);
  });

  test('every other pair of library pod and container port is denied', () => {
    const { checked, allowed } = pairs(world);
    expect(allowed).toStrictEqual([]);
    report(`network policies (narrowed): ${checked} other pairs of library pod and container port denied`);
  });

  test('an application of a sending namespace reaches only the entry ports', () => {
    const { checked, allowed } = fromOutside(world, world.shop, pod => world.entryPorts(pod));
    expect(allowed).toStrictEqual([]);
    report(`network policies (narrowed): ${checked} connections from a sending application to other ports denied`);
  });

  test('a pod of any other namespace reaches no library pod at all', () => {
    const { checked, allowed } = fromOutside(world, world.stranger, () => new Set());
    expect(allowed).toStrictEqual([]);
    report(`network policies (narrowed): ${checked} connections from a pod of another namespace denied`);
  });

  test('Prometheus reaches each metrics port and no other port', () => {
    const { allowed } = fromOutside(world, world.prometheus, pod => {
      const m = world.metricsPort(pod);
      return new Set(m === undefined ? [] : [`${m}/TCP`]);
    });
    expect(allowed).toStrictEqual([]);
  });
});

describe('the judge can fail', () => {
  const dnsRule = (p: any) => p.spec.egress.find((r: any) => r.ports.some((q: any) => q.port === 53));

  test('a required flow that a policy stops allowing is reported', () => {
    const world = new World(buildApp(), {}, objects => {
      const querier = objects.find(o => o.kind === 'NetworkPolicy' && o.metadata.name === 'tempo-querier') as any;
      querier.spec.egress = querier.spec.egress.filter((r: any) => r !== dnsRule(querier));
    });
    expect(deniedRequired(world)).toStrictEqual([
      'tempo/Deployment/tempo-querier -> kube-system/coredns:53/UDP (names): egress of tempo/Deployment/tempo-querier: denied by NetworkPolicy/tempo-querier; ingress of kube-system/coredns: no policy selects it',
      'tempo/Deployment/tempo-querier -> kube-system/coredns:53/TCP (names): egress of tempo/Deployment/tempo-querier: denied by NetworkPolicy/tempo-querier; ingress of kube-system/coredns: no policy selects it',
    ]);
  });

  test('a rule that admits more than the flows is reported', () => {
    const world = new World(buildApp(), {}, objects => {
      const frontend = objects.find(o => o.kind === 'NetworkPolicy' && o.metadata.name === 'tempo-query-frontend') as any;
      const querier = objects.find(o => o.kind === 'NetworkPolicy' && o.metadata.name === 'tempo-querier') as any;
      frontend.spec.egress.push({ to: [{ podSelector: {} }] });
      querier.spec.ingress.push({ from: [{ podSelector: {} }] });
    });
    const { allowed } = pairs(world);
    // The querier's rule admits the frontend on every port; the frontend's reaches every port other pods open to all namespaces.
    expect(allowed).toEqual(expect.arrayContaining([
      'tempo/Deployment/tempo-query-frontend -> tempo/Deployment/tempo-querier:9095/TCP: egress of tempo/Deployment/tempo-query-frontend: NetworkPolicy/tempo-query-frontend rule 2; ingress of tempo/Deployment/tempo-querier: NetworkPolicy/tempo-querier rule 2',
      'tempo/Deployment/tempo-query-frontend -> tempo/Deployment/tempo-distributor:4317/TCP: egress of tempo/Deployment/tempo-query-frontend: NetworkPolicy/tempo-query-frontend rule 2; ingress of tempo/Deployment/tempo-distributor: NetworkPolicy/tempo-distributor rule 1',
    ]));
    expect(allowed.every(a => a.startsWith('tempo/Deployment/tempo-query-frontend -> '))).toBe(true);
  });
});
