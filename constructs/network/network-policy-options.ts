import { isIPv6 } from 'net';
import { ErrorScope, propError, requireInteger } from '../_errors';
import { validateLabels } from '../_labels';

/**
 * Pods that a rule of the generated NetworkPolicies admits, by the labels of their namespace and
 * their own (both must match).
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
 */
export interface NetworkPolicyPeerOptions {
  /**
   * Labels of the namespaces the peers run in (`matchLabels`); `kubernetes.io/metadata.name`
   * names one namespace, `{}` is every namespace.
   * @default {} (every namespace)
   */
  readonly namespaceSelector?: Record<string, string>;
  /**
   * Labels of the peer pods in those namespaces (`matchLabels`).
   * @default - every pod of those namespaces
   */
  readonly podSelector?: Record<string, string>;
}

/** Where the pods resolve names: the cluster DNS. */
export interface NetworkPolicyDnsOptions {
  /**
   * Labels of the DNS server's namespace (`matchLabels`).
   * @default { 'kubernetes.io/metadata.name': 'kube-system' }
   */
  readonly namespaceSelector?: Record<string, string>;
  /**
   * Labels of the DNS server's pods (`matchLabels`); CoreDNS keeps kube-dns's label.
   * @default { 'k8s-app': 'kube-dns' }
   */
  readonly podSelector?: Record<string, string>;
  /**
   * DNS servers that are not pods, as CIDRs: NodeLocal DNSCache's link-local address
   * (`169.254.20.10/32`), a resolver outside the cluster.
   * @default - none
   * @see https://kubernetes.io/docs/tasks/administer-cluster/nodelocaldns/
   */
  readonly cidrs?: string[];
}

/** Where the pods that call the Kubernetes API reach it. */
export interface NetworkPolicyKubernetesApiOptions {
  /**
   * The API server's addresses, as CIDRs (`kubectl get endpointslices -n default -l
   * kubernetes.io/service-name=kubernetes`). NetworkPolicies see the endpoint's address, not the
   * `kubernetes` Service's.
   * @default ['0.0.0.0/0', '::/0']
   */
  readonly cidrs?: string[];
  /**
   * The API server's ports: the `kubernetes` Service's and its endpoints'.
   * @default [443, 6443]
   */
  readonly ports?: number[];
}

/**
 * The NetworkPolicies of a chart: one per workload the library makes, `Ingress` and `Egress`
 * denied but for the flows the stack needs (see the README, "Network policies").
 * The Helm charts' `networkPolicy` block, for {@link TracingDefaults}.
 */
export interface NetworkPolicyOptions {
  /**
   * Generate the NetworkPolicies; false for clusters without a policy engine (or with policies of
   * their own).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Applications that send spans (OTLP, Jaeger, Zipkin) and poll sampling strategies: they reach
   * the receiving ports of the stack's entry components (what `spanEndpoint()` names: a collector,
   * an agent, a tail-sampling gateway's load-balancing tier, Tempo's distributors), never the
   * components behind them.
   * @default - every pod of every namespace
   */
  readonly spanSenders?: NetworkPolicyPeerOptions;
  /**
   * The ingress controller's pods: they reach the ports a {@link TracingIngress} routes to.
   * @default - every pod of every namespace
   */
  readonly ingressController?: NetworkPolicyPeerOptions;
  /**
   * Grafana's pods: they reach the query APIs the chart's {@link GrafanaDatasources} name.
   * @default - every pod of every namespace
   */
  readonly grafana?: NetworkPolicyPeerOptions;
  /**
   * Prometheus: it reaches each pod's metrics port (`metrics` 8888 of Jaeger and the collectors,
   * Tempo's `http` 3200) and no other.
   * @default - every pod of every namespace
   */
  readonly metrics?: NetworkPolicyPeerOptions;
  /**
   * The cluster DNS, which every pod reaches on port 53 (UDP and TCP).
   * @default - the kube-dns pods of kube-system
   */
  readonly dns?: NetworkPolicyDnsOptions;
  /**
   * The Kubernetes API, for the pods that call it (a load-balancing tier's k8s resolver, the
   * k8sattributes processor, any pod that mounts its ServiceAccount token).
   * @default - ports 443 and 6443 of any address
   */
  readonly kubernetesApi?: NetworkPolicyKubernetesApiOptions;
  /**
   * Where endpoints outside the cluster may be (Elasticsearch, object storage, Kafka, Prometheus
   * remote write named by host): a NetworkPolicy cannot name a host, so each endpoint's port is
   * allowed to these CIDRs. An endpoint written as an IP address is allowed to that address alone;
   * one that is a Service of another namespace (`<service>.<namespace>.svc`), to that namespace.
   * @default ['0.0.0.0/0', '::/0']
   */
  readonly externalCidrs?: string[];
}

/** {@link NetworkPolicyOptions} with every default applied. */
export interface NetworkPolicySettings {
  /** Whether the policies are generated. */
  readonly enabled: boolean;
  /** Span senders. */
  readonly spanSenders: Required<NetworkPolicyPeerOptions>;
  /** The ingress controller. */
  readonly ingressController: Required<NetworkPolicyPeerOptions>;
  /** Grafana. */
  readonly grafana: Required<NetworkPolicyPeerOptions>;
  /** Prometheus. */
  readonly metrics: Required<NetworkPolicyPeerOptions>;
  /** The cluster DNS. */
  readonly dns: Required<NetworkPolicyDnsOptions>;
  /** The Kubernetes API. */
  readonly kubernetesApi: Required<NetworkPolicyKubernetesApiOptions>;
  /** Where external endpoints may be. */
  readonly externalCidrs: readonly string[];
}

const ANY_ADDRESS = ['0.0.0.0/0', '::/0'];
const OPTION_KEYS = ['enabled', 'spanSenders', 'ingressController', 'grafana', 'metrics', 'dns', 'kubernetesApi', 'externalCidrs'];
const PEERS = ['spanSenders', 'ingressController', 'grafana', 'metrics'] as const;

/** `o` with every default applied. */
export function resolveNetworkPolicyOptions(o: NetworkPolicyOptions = {}): NetworkPolicySettings {
  const peer = (p: NetworkPolicyPeerOptions | undefined) => ({ namespaceSelector: p?.namespaceSelector ?? {}, podSelector: p?.podSelector ?? {} });
  return {
    enabled: o.enabled ?? true,
    spanSenders: peer(o.spanSenders),
    ingressController: peer(o.ingressController),
    grafana: peer(o.grafana),
    metrics: peer(o.metrics),
    dns: {
      namespaceSelector: o.dns?.namespaceSelector ?? { 'kubernetes.io/metadata.name': 'kube-system' },
      podSelector: o.dns?.podSelector ?? { 'k8s-app': 'kube-dns' },
      cidrs: o.dns?.cidrs ?? [],
    },
    kubernetesApi: { cidrs: o.kubernetesApi?.cidrs ?? ANY_ADDRESS, ports: o.kubernetesApi?.ports ?? [443, 6443] },
    externalCidrs: o.externalCidrs ?? ANY_ADDRESS,
  };
}

/** Throws, naming `field` (`networkPolicy`) and the bad value, unless `o` is valid. */
export function validateNetworkPolicyOptions(scope: ErrorScope, field: string, o: NetworkPolicyOptions | undefined): void {
  if (o === undefined) return;
  requireObject(scope, field, o, OPTION_KEYS);
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean') throw propError(scope, `${field}.enabled`, o.enabled, 'true or false');
  for (const name of PEERS) {
    const peer = o[name];
    if (peer === undefined) continue;
    requireObject(scope, `${field}.${name}`, peer, ['namespaceSelector', 'podSelector']);
    validateLabels(scope, `${field}.${name}.namespaceSelector`, peer.namespaceSelector);
    validateLabels(scope, `${field}.${name}.podSelector`, peer.podSelector);
  }
  if (o.dns !== undefined) {
    requireObject(scope, `${field}.dns`, o.dns, ['namespaceSelector', 'podSelector', 'cidrs']);
    validateLabels(scope, `${field}.dns.namespaceSelector`, o.dns.namespaceSelector);
    validateLabels(scope, `${field}.dns.podSelector`, o.dns.podSelector);
    if (o.dns.cidrs !== undefined) requireCidrs(scope, `${field}.dns.cidrs`, o.dns.cidrs, false);
  }
  if (o.kubernetesApi !== undefined) {
    requireObject(scope, `${field}.kubernetesApi`, o.kubernetesApi, ['cidrs', 'ports']);
    if (o.kubernetesApi.cidrs !== undefined) requireCidrs(scope, `${field}.kubernetesApi.cidrs`, o.kubernetesApi.cidrs, true);
    const ports = o.kubernetesApi.ports;
    if (ports !== undefined) {
      if (!Array.isArray(ports) || ports.length === 0) throw propError(scope, `${field}.kubernetesApi.ports`, ports, 'a non-empty list of port numbers');
      ports.forEach((p, i) => requireInteger(scope, `${field}.kubernetesApi.ports[${i}]`, p, 1, 65535));
    }
  }
  if (o.externalCidrs !== undefined) requireCidrs(scope, `${field}.externalCidrs`, o.externalCidrs, true);
}

function requireObject(scope: ErrorScope, field: string, value: unknown, keys: readonly string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw propError(scope, field, value, `an object with ${keys.join(', ')}`);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw propError(scope, `${field}.${key}`, (value as Record<string, unknown>)[key], `one of the options ${keys.join(', ')} (unknown option)`);
  }
}

function requireCidrs(scope: ErrorScope, field: string, cidrs: unknown, nonEmpty: boolean): void {
  if (!Array.isArray(cidrs) || (nonEmpty && cidrs.length === 0)) {
    throw propError(scope, field, cidrs, `a${nonEmpty ? ' non-empty' : ''} list of CIDRs like 10.0.0.0/8 or fd00::/8`);
  }
  cidrs.forEach((c, i) => {
    if (!isCidr(c)) throw propError(scope, `${field}[${i}]`, c, 'a CIDR like 10.0.0.0/8 or fd00::/8: an IPv4 or IPv6 network address (no bits set past the prefix) and a prefix length');
  });
}

/** Whether `text` is a CIDR in canonical form: a network address and a prefix length (`10.0.0.0/8`, `fd00::/8`). */
export function isCidr(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  const slash = text.indexOf('/');
  if (slash < 0 || !/^\d{1,3}$/.test(text.slice(slash + 1))) return false;
  const prefix = Number(text.slice(slash + 1));
  const address = addressBits(text.slice(0, slash));
  if (!address || prefix > address.width) return false;
  const hostBits = BigInt(address.width - prefix);
  return (address.bits & ((1n << hostBits) - 1n)) === 0n;
}

/** An IPv4 (dotted, no leading zeros) or IPv6 address as a number of `width` bits. */
function addressBits(text: string): { bits: bigint; width: number } | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const octets = v4.slice(1).map(o => (/^(0|[1-9]\d*)$/.test(o) ? Number(o) : 256));
    if (octets.some(o => o > 255)) return undefined;
    return { bits: octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n), width: 32 };
  }
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let groups = text;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(groups);
  if (dotted) {
    const inner = addressBits(dotted[1]);
    if (!inner) return undefined;
    groups = `${groups.slice(0, dotted.index)}${(inner.bits >> 16n).toString(16)}:${(inner.bits & 0xffffn).toString(16)}`;
  }
  const [head, tail] = groups.includes('::') ? groups.split('::') : [groups, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const all = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return { bits: all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), width: 128 };
}
