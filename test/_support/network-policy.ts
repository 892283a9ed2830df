/**
 * A NetworkPolicy evaluator, the judge of the generated policies: given NetworkPolicy objects
 * (networking.k8s.io/v1) and a world of pods and addresses, it decides whether a connection is
 * allowed, with Kubernetes' semantics as documented
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
 *
 * - a pod selected by no policy of a type (Ingress, Egress) is not isolated for that type: all
 *   traffic of that direction is allowed; policies are additive (any rule of any policy allows);
 * - a connection needs both the sender's egress and the receiver's ingress to allow it (traffic
 *   to or from an address that is not a pod of the world is only checked on the pod's side);
 * - `policyTypes` unset means Ingress, plus Egress when the policy has an `egress` section;
 * - a rule without `from`/`to` (or with an empty list) admits every peer; without `ports` (or
 *   empty), every port; a port has a protocol (TCP unless set), a number or a name, and an
 *   optional `endPort`; a named port resolves on the destination pod (its container port of that
 *   name and protocol), and matches nothing when the destination is not a pod;
 * - a peer's `podSelector` alone selects pods of the policy's namespace, `namespaceSelector`
 *   alone every pod of the selected namespaces, both together the selected pods of the selected
 *   namespaces; an empty selector selects everything; `ipBlock` matches addresses (a pod's too) in
 *   `cidr` and not in any `except`;
 * - label selectors: `matchLabels` and `matchExpressions` (In, NotIn, Exists, DoesNotExist);
 *   namespaces carry `kubernetes.io/metadata.name`.
 *
 * Written from the documentation alone: it shares no code with the generator
 * (constructs/network/), which it judges.
 */

type Json = Record<string, any>;

/** A container port of a pod. */
export interface PodPort {
  readonly name?: string;
  readonly containerPort: number;
  /** @default 'TCP' */
  readonly protocol?: string;
}

/** A pod of the world. */
export interface Pod {
  /** For messages. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ip: string;
  readonly ports: readonly PodPort[];
}

/** One end of a connection: a pod, or an address that is no pod of the world. */
export type Endpoint = { readonly pod: Pod } | { readonly address: string; readonly name?: string };

/** The verdict on a connection, with the reasons for each side. */
export interface Decision {
  readonly allowed: boolean;
  readonly egress: string;
  readonly ingress: string;
}

/** NetworkPolicies over a world of namespaces. */
export class PolicyEvaluator {
  private readonly policies: Json[];

  /**
   * @param objects manifests; the NetworkPolicies among them are used
   * @param namespaceLabels labels of each namespace (`kubernetes.io/metadata.name` is added)
   */
  constructor(objects: readonly Json[], private readonly namespaceLabels: Readonly<Record<string, Readonly<Record<string, string>>>> = {}) {
    this.policies = objects.filter((o) => o.kind === 'NetworkPolicy' && String(o.apiVersion).startsWith('networking.k8s.io/'));
  }

  /** Whether `from` may open a connection to `to` on `port`/`protocol`. */
  public decide(from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): Decision {
    const egress = 'pod' in from ? this.side(from.pod, 'Egress', to, to, port, protocol) : { allowed: true, reason: 'not a pod: no policy' };
    const ingress = 'pod' in to ? this.side(to.pod, 'Ingress', from, to, port, protocol) : { allowed: true, reason: 'not a pod: no policy' };
    return { allowed: egress.allowed && ingress.allowed, egress: egress.reason, ingress: ingress.reason };
  }

  /** Whether `pod`'s policies of `type` let the connection with `peer` through. */
  private side(pod: Pod, type: 'Ingress' | 'Egress', peer: Endpoint, destination: Endpoint, port: number, protocol: string): { allowed: boolean; reason: string } {
    const applying = this.policies.filter((p) => (p.metadata?.namespace ?? 'default') === pod.namespace
      && selects(p.spec?.podSelector ?? {}, pod.labels) && types(p).includes(type));
    if (applying.length === 0) return { allowed: true, reason: `${type.toLowerCase()} of ${pod.name}: no policy selects it` };
    for (const p of applying) {
      const rules: Json[] = (type === 'Ingress' ? p.spec?.ingress : p.spec?.egress) ?? [];
      for (const [i, rule] of rules.entries()) {
        const peers: Json[] = (type === 'Ingress' ? rule.from : rule.to) ?? [];
        const peerOk = peers.length === 0 || peers.some((q) => this.peerMatches(q, p.metadata?.namespace ?? 'default', peer));
        const ports: Json[] = rule.ports ?? [];
        const portOk = ports.length === 0 || ports.some((q) => portMatches(q, port, protocol, destination));
        if (peerOk && portOk) return { allowed: true, reason: `${type.toLowerCase()} of ${pod.name}: NetworkPolicy/${p.metadata?.name} rule ${i}` };
      }
    }
    return { allowed: false, reason: `${type.toLowerCase()} of ${pod.name}: denied by ${applying.map((p) => `NetworkPolicy/${p.metadata?.name}`).join(', ')}` };
  }

  private peerMatches(peer: Json, policyNamespace: string, endpoint: Endpoint): boolean {
    if (peer.ipBlock) {
      const ip = 'pod' in endpoint ? endpoint.pod.ip : endpoint.address;
      return inCidr(ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c: string) => inCidr(ip, c));
    }
    if (!('pod' in endpoint)) return false;
    const pod = endpoint.pod;
    if (peer.namespaceSelector === undefined && peer.podSelector === undefined) return false;
    const namespaceOk = peer.namespaceSelector === undefined
      ? pod.namespace === policyNamespace
      : selects(peer.namespaceSelector, { ...(this.namespaceLabels[pod.namespace] ?? {}), 'kubernetes.io/metadata.name': pod.namespace });
    return namespaceOk && (peer.podSelector === undefined || selects(peer.podSelector, pod.labels));
  }
}

/** The policy types a policy affects. */
function types(policy: Json): string[] {
  if (Array.isArray(policy.spec?.policyTypes) && policy.spec.policyTypes.length > 0) return policy.spec.policyTypes;
  return ['Ingress', ...(policy.spec?.egress !== undefined ? ['Egress'] : [])];
}

/** Whether a LabelSelector selects `labels`. */
export function selects(selector: Json, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values: string[] = e.values ?? [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

function portMatches(rule: Json, port: number, protocol: string, destination: Endpoint): boolean {
  if ((rule.protocol ?? 'TCP') !== protocol) return false;
  if (rule.port === undefined) return true;
  let start: number | undefined;
  if (typeof rule.port === 'number') {
    start = rule.port;
  } else if ('pod' in destination) {
    start = destination.pod.ports.find((p) => p.name === rule.port && (p.protocol ?? 'TCP') === protocol)?.containerPort;
  }
  if (start === undefined) return false;
  return typeof rule.endPort === 'number' ? port >= start && port <= rule.endPort : port === start;
}

/** Whether `ip` (IPv4 or IPv6, brackets allowed) is in `cidr`; addresses of different families never are. */
export function inCidr(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  const a = parseIp(ip.replace(/^\[|\]$/g, ''));
  const n = parseIp(net);
  const prefix = Number(bits);
  if (!a || !n || a.length !== n.length || !Number.isInteger(prefix) || prefix < 0 || prefix > a.length * 8) return false;
  for (let i = 0; i < prefix; i++) {
    const byte = Math.floor(i / 8);
    const mask = 0x80 >> (i % 8);
    if ((a[byte] & mask) !== (n[byte] & mask)) return false;
  }
  return true;
}

/** An address as bytes (4 or 16), or undefined. */
function parseIp(text: string): number[] | undefined {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(text)) {
    const bytes = text.split('.').map(Number);
    return bytes.every((b) => b >= 0 && b <= 255) ? bytes : undefined;
  }
  if (!/^[0-9a-fA-F:]+$/.test(text) || (text.match(/::/g) ?? []).length > 1) return undefined;
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
}
