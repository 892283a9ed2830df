/**
 * One NetworkPolicy (networking.k8s.io/v1) per workload this library makes, generated from the
 * chart's flow graph (constructs/wiring/flow-graph.ts): `Ingress` and `Egress` denied but for
 *
 * - ingress from the chart's pods that connect to the workload, on exactly those ports; from span
 *   senders on an entry component's receiving and sampling ports; from the ingress controller on
 *   the ports an Ingress routes to; from Grafana on the ports its datasources name; from
 *   Prometheus on the metrics port;
 * - egress to the pods the workload connects to (the chart's, and those operators make from its
 *   custom resources: Strimzi's brokers); to each declared endpoint outside the chart it uses (by
 *   namespace for a Service of another namespace, by address for an IP, else to the external
 *   CIDRs); to the cluster DNS; to the Kubernetes API when the workload calls it.
 *
 * The policies are made by a chart-level validation (cdk8s runs validations before every
 * `chart.toJson()` and `app.synth()`), when every workload exists, and computed when the first of
 * them renders, from the chart's complete objects; a policy rendered before its chart was
 * validated refuses to render rather than deny everything. A synthesis that renders every object
 * (synthesizeApp) gives them the others' rendering ({@link renderObjects}) instead of rendering
 * the chart twice.
 */
import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { PART_OF } from '../_labels';
import { metricsPortName } from '../_metrics-port';
import { holdsPodSpec } from '../_pod';
import { atSynth } from '../_token';
import { SpanProtocol } from '../jaeger/jaeger-ports';
import { Prerequisites } from '../prerequisites';
import { ServiceEndpoint } from '../service-endpoint';
import { Json, list, Manifest, rec } from '../wiring/_json';
import { FlowGraph, FlowSource } from '../wiring/flow-graph';
import { PodTemplate } from '../wiring/stack-index';
import { NetworkPolicyOptions, resolveNetworkPolicyOptions, NetworkPolicySettings } from './network-policy-options';

/** A LabelSelector, as the API takes it. */
export interface LabelSelectorJson {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: string; readonly values?: readonly string[] }>;
}

/** A NetworkPolicyPeer. */
export interface NetworkPolicyPeerJson {
  readonly podSelector?: LabelSelectorJson;
  readonly namespaceSelector?: LabelSelectorJson;
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}

/** A NetworkPolicyPort. */
export interface NetworkPolicyPortJson {
  readonly port: number;
  readonly protocol: string;
}

/**
 * A NetworkPolicySpec as generated: both policy types, rules in a fixed order. No `ingress` at all
 * when nothing may come in (the API server stores an empty list as none: a manifest that said `[]`
 * would differ from the object read back).
 */
export interface NetworkPolicySpecJson {
  readonly podSelector: LabelSelectorJson;
  readonly policyTypes: readonly ['Ingress', 'Egress'];
  readonly ingress?: ReadonlyArray<{ readonly from: readonly NetworkPolicyPeerJson[]; readonly ports: readonly NetworkPolicyPortJson[] }>;
  readonly egress: ReadonlyArray<{ readonly to: readonly NetworkPolicyPeerJson[]; readonly ports: readonly NetworkPolicyPortJson[] }>;
}

/** What the policies of a chart need besides its objects. */
export interface NetworkPolicyContext {
  readonly options: NetworkPolicySettings;
  /** The chart's namespace (objects that set none are there). */
  readonly namespace: string;
  /** Service ports that applications send spans to and poll sampling strategies from. */
  readonly entryEndpoints: ReadonlyArray<{ readonly serviceName: string; readonly namespace?: string; readonly port: number }>;
  /** The chart's declared endpoints outside it (`Prerequisites`), as `host:port`. */
  readonly externalEndpoints: readonly string[];
}

const NAMESPACE_NAME = 'kubernetes.io/metadata.name';

/** Rules being built: the ports each peer is allowed, rendered as one rule per set of ports. */
class Rules {
  private readonly byPeer = new Map<string, { peers: NetworkPolicyPeerJson[]; ports: Map<string, NetworkPolicyPortJson> }>();

  /** Allows `port`/`protocol` from (or to) `peers`, which one rule lists together. */
  public add(peers: readonly NetworkPolicyPeerJson[], port: number, protocol: string): void {
    const key = `[${peers.map(canonicalJson).join(',')}]`;
    let entry = this.byPeer.get(key);
    if (!entry) {
      entry = { peers: [...peers], ports: new Map() };
      this.byPeer.set(key, entry);
    }
    entry.ports.set(`${protocol}/${port}`, { port, protocol });
  }

  /**
   * One rule per set of ports, listing every peer allowed exactly those ports: peers sorted by
   * their JSON when `sorted` (else in the order added), ports by number then protocol, rules by
   * their first peer.
   */
  public render(sorted: boolean): Array<{ peers: NetworkPolicyPeerJson[]; ports: NetworkPolicyPortJson[] }> {
    const entries = [...this.byPeer.entries()];
    if (sorted) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const rules = new Map<string, { peers: NetworkPolicyPeerJson[]; ports: NetworkPolicyPortJson[] }>();
    for (const [, entry] of entries) {
      const ports = [...entry.ports.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
      const key = JSON.stringify(ports);
      const rule = rules.get(key);
      if (rule) rule.peers.push(...entry.peers);
      else rules.set(key, { peers: [...entry.peers], ports });
    }
    return [...rules.values()];
  }
}

/** `rules` without those whose peers an earlier rule lists alike with all their ports (a category repeating another). */
function withoutRepeats<R extends { peers: NetworkPolicyPeerJson[]; ports: NetworkPolicyPortJson[] }>(rules: readonly R[]): R[] {
  const kept: Array<{ rule: R; peers: string }> = [];
  for (const r of rules) {
    const peers = `[${r.peers.map(canonicalJson).join(',')}]`;
    const covered = kept.some(k => k.peers === peers
      && r.ports.every(p => k.rule.ports.some(q => q.port === p.port && q.protocol === p.protocol)));
    if (!covered) kept.push({ rule: r, peers });
  }
  return kept.map(k => k.rule);
}

/** The canonical JSON of each peer made so far: a template's peer is made once and added for every flow. */
const CANONICAL_JSON = new WeakMap<NetworkPolicyPeerJson, string>();

/** `JSON.stringify(canonical(peer))`, remembered for the peer. */
function canonicalJson(peer: NetworkPolicyPeerJson): string {
  let json = CANONICAL_JSON.get(peer);
  if (json === undefined) CANONICAL_JSON.set(peer, json = JSON.stringify(canonical(peer)));
  return json;
}

/** A JSON value with object keys sorted, so that equal peers compare equal. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (rec(value)) return Object.fromEntries(Object.keys(value as Json).sort().map(k => [k, canonical((value as Json)[k])]));
  return value;
}

function selector(matchLabels: Readonly<Record<string, string>>): LabelSelectorJson {
  return Object.keys(matchLabels).length === 0 ? {} : { matchLabels: { ...matchLabels } };
}

/** The peer for `options`' selectors. */
function optionPeer(o: { readonly namespaceSelector: Readonly<Record<string, string>>; readonly podSelector: Readonly<Record<string, string>> }): NetworkPolicyPeerJson {
  return { namespaceSelector: selector(o.namespaceSelector), ...(Object.keys(o.podSelector).length > 0 ? { podSelector: selector(o.podSelector) } : {}) };
}

/** The peer that selects `t`'s pods, seen from a policy in `namespace`. */
function templatePeer(t: PodTemplate, namespace: string): NetworkPolicyPeerJson {
  const podSelector = t.selector as LabelSelectorJson;
  return t.namespace === namespace ? { podSelector } : { namespaceSelector: selector({ [NAMESPACE_NAME]: t.namespace }), podSelector };
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Where a declared endpoint is, as peers: a Service of another namespace (`<svc>.<ns>.svc`) is
 * that namespace; a single label, a Service of the chart's own namespace that it does not contain;
 * an IP address, that address; `<a>.<b>` is either a Service of namespace `b` or a host outside;
 * any other host is outside the cluster, at one of the external CIDRs.
 */
function endpointPeers(host: string, namespace: string, clusterDomain: string, externalCidrs: readonly string[]): NetworkPolicyPeerJson[] {
  const outside = externalCidrs.map(cidr => ({ ipBlock: { cidr } }));
  const bare = host.replace(/^\[|\]$/g, '');
  if (IPV4.test(bare)) return [{ ipBlock: { cidr: `${bare}/32` } }];
  if (bare.includes(':')) return [{ ipBlock: { cidr: `${bare}/128` } }];
  const inNamespace = (ns: string): NetworkPolicyPeerJson => (ns === namespace ? { podSelector: {} } : { namespaceSelector: selector({ [NAMESPACE_NAME]: ns }) });
  let labels = host.split('.');
  const domain = ['svc', ...clusterDomain.split('.')];
  const suffix = (s: string[]) => labels.length > s.length && s.every((l, i) => labels[labels.length - s.length + i] === l);
  if (suffix(domain) || suffix(['svc'])) {
    labels = labels.slice(0, labels.length - (suffix(domain) ? domain.length : 1));
    return labels.length >= 2 ? [inNamespace(labels[labels.length - 1])] : outside;
  }
  if (labels.length === 1) return [inNamespace(namespace)];
  if (labels.length === 2) return [inNamespace(labels[1]), ...outside];
  return outside;
}

/**
 * The NetworkPolicy spec of each of `workloads` (manifests among `objects`, the chart's complete
 * objects), keyed by workload.
 */
export function networkPolicySpecs(objects: readonly Manifest[], workloads: readonly Manifest[], context: NetworkPolicyContext): Map<Manifest, NetworkPolicySpecJson> {
  const o = context.options;
  const graph = FlowGraph.of(objects, { externalEndpoints: context.externalEndpoints, defaultNamespace: context.namespace });
  const clusterDomain = graph.index.clusterDomain;
  const specs = new Map<Manifest, NetworkPolicySpecJson>();

  // Entry components: the pods and ports behind the Services applications send spans to.
  const entries = context.entryEndpoints.flatMap(e => {
    const svc = graph.index.find('Service', e.namespace ?? context.namespace, e.serviceName);
    return svc ? graph.targetsOf(svc, e.port) : [];
  });

  // The flows of each template, grouped once rather than filtered for every workload.
  const group = <T>(items: readonly T[], keyOf: (item: T) => unknown): Map<unknown, T[]> => {
    const groups = new Map<unknown, T[]>();
    for (const item of items) {
      const key = keyOf(item);
      const members = groups.get(key);
      if (members) members.push(item);
      else groups.set(key, [item]);
    }
    return groups;
  };
  const sourceTemplate = (f: { readonly source: FlowSource }) => (f.source.kind === 'pod' ? f.source.template : undefined);
  const flowsTo = group(graph.podFlows, f => f.target);
  const flowsFrom = group(graph.podFlows, sourceTemplate);
  const externalFrom = group(graph.externalFlows, sourceTemplate);
  const entriesOf = group(entries, e => e.template);
  const callsApi = new Set(graph.kubernetesApi.map(a => a.template));
  // Each template's peer, made once per namespace of a policy (it is added for each of its flows).
  const peers = new Map<string, Map<PodTemplate, NetworkPolicyPeerJson>>();
  const peerOf = (t: PodTemplate, namespace: string): NetworkPolicyPeerJson => {
    let ofNamespace = peers.get(namespace);
    if (!ofNamespace) peers.set(namespace, ofNamespace = new Map());
    let peer = ofNamespace.get(t);
    if (!peer) ofNamespace.set(t, peer = templatePeer(t, namespace));
    return peer;
  };
  const templateOf = new Map<Manifest, PodTemplate>();
  for (const t of graph.index.templates) if (!templateOf.has(t.owner)) templateOf.set(t.owner, t);

  for (const workload of workloads) {
    const t = templateOf.get(workload);
    if (!t) continue;
    const ns = t.namespace;
    const fromPods = new Rules();
    const fromSpanSenders = new Rules();
    const fromIngress = new Rules();
    const fromGrafana = new Rules();
    const fromPrometheus = new Rules();
    for (const f of flowsTo.get(t) ?? []) {
      if (f.source.kind === 'pod') fromPods.add([peerOf(f.source.template, ns)], f.port, f.protocol);
      if (f.source.kind === 'ingress-controller') fromIngress.add([optionPeer(o.ingressController)], f.port, f.protocol);
      if (f.source.kind === 'config-reader' && f.source.object.metadata.labels?.grafana_datasource !== undefined) {
        fromGrafana.add([optionPeer(o.grafana)], f.port, f.protocol);
      }
    }
    for (const e of entriesOf.get(t) ?? []) fromSpanSenders.add([optionPeer(o.spanSenders)], e.port, e.protocol);
    const containers = list(t.spec.containers).map(c => ({ ports: list(rec(c)?.ports).map(p => rec(p) as { name?: string; containerPort?: number; protocol?: string }) }));
    const metricsName = metricsPortName({ labels: t.labels, containers });
    const metrics = containers.flatMap(c => c.ports).find(p => p.name === metricsName);
    if (metricsName && typeof metrics?.containerPort === 'number') fromPrometheus.add([optionPeer(o.metrics)], metrics.containerPort, metrics.protocol ?? 'TCP');

    const toPods = new Rules();
    const toOutside = new Rules();
    const toDns = new Rules();
    const toApi = new Rules();
    for (const f of flowsFrom.get(t) ?? []) toPods.add([peerOf(f.target, ns)], f.port, f.protocol);
    for (const f of externalFrom.get(t) ?? []) {
      toOutside.add(endpointPeers(f.host, ns, clusterDomain, o.externalCidrs), f.port, f.protocol);
    }
    const dnsPeers = [optionPeer(o.dns), ...o.dns.cidrs.map(cidr => ({ ipBlock: { cidr } }))];
    for (const protocol of ['UDP', 'TCP']) toDns.add(dnsPeers, 53, protocol);
    if (callsApi.has(t)) {
      for (const port of o.kubernetesApi.ports) toApi.add(o.kubernetesApi.cidrs.map(cidr => ({ ipBlock: { cidr } })), port, 'TCP');
    }

    const ingress = [...fromPods.render(true), ...fromSpanSenders.render(false), ...fromIngress.render(false), ...fromGrafana.render(false), ...fromPrometheus.render(false)];
    const egress = [...toPods.render(true), ...toOutside.render(true), ...toDns.render(false), ...toApi.render(false)];
    const ingressRules = withoutRepeats(ingress).map(r => ({ from: r.peers, ports: r.ports }));
    specs.set(workload, {
      podSelector: t.selector as LabelSelectorJson,
      policyTypes: ['Ingress', 'Egress'],
      ...(ingressRules.length > 0 ? { ingress: ingressRules } : {}),
      egress: withoutRepeats(egress).map(r => ({ to: r.peers, ports: r.ports })),
    });
  }
  return specs;
}

/** Something that receives spans, as {@link ISpanReceiver} describes it (looked up by shape: no import cycle). */
interface SpanReceiverLike {
  spanEndpoint(protocol?: SpanProtocol): ServiceEndpoint;
  readonly loadBalancedByTraceId?: boolean;
  readonly grpcReplicasEndpoint?: ServiceEndpoint;
}

/** Something that serves sampling strategies, as {@link IRemoteSamplingSource} describes it. */
interface SamplingSourceLike {
  readonly samplingEndpoint: ServiceEndpoint;
  readonly samplingGrpcEndpoint: ServiceEndpoint;
}

/**
 * The endpoints that applications are told to use, by the constructs of `chart` that receive spans
 * (not a tier behind a load balancer by trace id) or serve sampling strategies. A receiver throws
 * for a protocol it does not accept, a Jaeger without strategies for the sampling endpoints: those
 * are not endpoints.
 */
function entryEndpoints(chart: Chart): ServiceEndpoint[] {
  const out: ServiceEndpoint[] = [];
  const attempt = (get: () => ServiceEndpoint | undefined) => {
    try {
      const e = get();
      if (e) out.push(e);
    } catch {
      // not served (see above)
    }
  };
  for (const c of chart.node.findAll()) {
    if (Chart.of(c) !== chart) continue;
    const receiver = c as unknown as Partial<SpanReceiverLike>;
    if (typeof receiver.spanEndpoint === 'function' && receiver.loadBalancedByTraceId !== true) {
      for (const protocol of Object.values(SpanProtocol)) attempt(() => (receiver as SpanReceiverLike).spanEndpoint(protocol));
      attempt(() => receiver.grpcReplicasEndpoint);
    }
    if ('samplingEndpoint' in c && 'samplingGrpcEndpoint' in c) {
      attempt(() => (c as unknown as SamplingSourceLike).samplingEndpoint);
      attempt(() => (c as unknown as SamplingSourceLike).samplingGrpcEndpoint);
    }
  }
  return out;
}

/** What a chart's validation decided, for its policies to be computed when they render. */
interface PolicyPass {
  /** The chart's objects but its policies, in construct order. */
  readonly objects: readonly ApiObject[];
  /** The library's workloads among them, each with its policy. */
  readonly workloads: readonly ApiObject[];
  readonly context: NetworkPolicyContext;
  /** The spec of each workload's policy, once computed. */
  specs?: ReadonlyMap<ApiObject, NetworkPolicySpecJson>;
}

/** The policies of one chart and the last pass of its validation. */
class ChartPolicies {
  /** The policy of each workload. */
  public readonly policies = new Map<ApiObject, WorkloadNetworkPolicy>();
  public pass?: PolicyPass;

  /**
   * The specs of the last pass, computed on first use from the objects as they render then
   * (`rendered` gives those already rendered; the others are rendered here).
   */
  public specs(rendered?: ReadonlyMap<ApiObject, unknown>): ReadonlyMap<ApiObject, NetworkPolicySpecJson> | undefined {
    const pass = this.pass;
    if (!pass) return undefined;
    if (!pass.specs) {
      const manifests = new Map(pass.objects.map(c => [c, (rendered?.get(c) ?? c.toJson()) as Manifest]));
      const specs = networkPolicySpecs([...manifests.values()], pass.workloads.map(w => manifests.get(w)!), pass.context);
      pass.specs = new Map(pass.workloads.map(w => [w, specs.get(manifests.get(w)!)!]));
    }
    return pass.specs;
  }
}

/** The NetworkPolicy of one workload: its spec is computed from the whole chart when it renders. */
class WorkloadNetworkPolicy extends ApiObject {
  constructor(workload: ApiObject, chart: ChartPolicies) {
    const holder: { policy?: WorkloadNetworkPolicy } = {};
    super(workload, 'NetworkPolicy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: workload.name, labels: { ...(workload.metadata.toJson().labels ?? {}) } },
      spec: atSynth(() => {
        const spec = chart.specs()?.get(workload);
        if (!spec) throw new Error(`${holder.policy?.node.path}: the NetworkPolicy is computed from the whole chart when it is synthesized (chart.toJson(), app.synth()), after its validations`);
        return spec;
      }),
    });
    holder.policy = this;
    POLICY_OF.set(this, chart);
  }
}

/** The charts' policies, by chart. */
const CHARTS = new WeakMap<Chart, ChartPolicies>();
/** Each policy's chart. */
const POLICY_OF = new WeakMap<ApiObject, ChartPolicies>();

/**
 * Renders `objects` (each `toJson()`), each once: the NetworkPolicies this library makes after the
 * others, computed from their rendering rather than from a rendering of their own. For a synthesis
 * that renders every object of a chart after validating the app; the result is what rendering each
 * object would give, in the same order.
 */
export function renderObjects(objects: readonly ApiObject[]): Array<Record<string, unknown>> {
  const rendered = new Map<ApiObject, Record<string, unknown>>();
  const charts = new Set<ChartPolicies>();
  for (const o of objects) {
    const chart = POLICY_OF.get(o);
    if (chart) charts.add(chart);
    else rendered.set(o, o.toJson() as Record<string, unknown>);
  }
  for (const chart of charts) chart.specs(rendered);
  return objects.map(o => rendered.get(o) ?? o.toJson() as Record<string, unknown>);
}

/**
 * Registers, once per chart, the pass that makes the NetworkPolicy of every workload the library
 * makes in it: pod-template kinds labelled as this library's, made by a component that resolved
 * its workload options (`components()`, their construct paths). `options()` gives the chart's
 * `networkPolicy` defaults. The pass (a validation, so that every workload exists) makes the
 * policies and records what they are computed from; they are computed when the first of them
 * renders, from the chart's objects as rendered then (see {@link renderObjects}).
 */
export function registerNetworkPolicies(scope: IConstruct, options: () => NetworkPolicyOptions | undefined, components: () => readonly string[]): void {
  const chart = Chart.of(scope);
  if (CHARTS.has(chart)) return;
  const state = new ChartPolicies();
  CHARTS.set(chart, state);
  chart.node.addValidation({
    validate: () => {
      const resolved = resolveNetworkPolicyOptions(options());
      if (!resolved.enabled) return [];
      // Not `instanceof`: ApiObject answers it for every ApiObject (Symbol.hasInstance).
      const objects = chart.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c) && Chart.of(c) === chart && !POLICY_OF.has(c));
      const paths = components();
      const workloads = objects.filter(c => holdsPodSpec(c.kind) && c.kind !== 'Pod' && c.metadata.getLabel('app.kubernetes.io/part-of') === PART_OF
        && paths.some(p => c.node.path.startsWith(`${p}/`)));
      for (const w of workloads) {
        if (!state.policies.has(w)) state.policies.set(w, new WorkloadNetworkPolicy(w, state));
      }
      state.pass = {
        objects,
        workloads,
        context: {
          options: resolved,
          namespace: chart.namespace ?? 'default',
          entryEndpoints: entryEndpoints(chart).map(e => ({ serviceName: e.serviceName, namespace: e.namespace, port: e.port })),
          externalEndpoints: Prerequisites.of(chart).endpoints.map(e => e.name),
        },
      };
      return [];
    },
  });
}
