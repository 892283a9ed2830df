/**
 * The objects of one stack (a chart's synthesized manifests: one namespace plus cluster-scoped
 * objects) indexed for wiring questions: which pod templates there are, which a Service selects,
 * and which Service and port an address in a configuration names. Pure functions over plain
 * manifest JSON, shared by the flow graph (flow-graph.ts), the network policies and the test
 * suite's wiring check.
 */
import { endsWith, isNumber, isString, Json, list, Manifest, rec, str, stringMap, unmetLabelSelector } from './_json';

/** Kinds that live outside namespaces. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass',
  'IngressClass', 'PriorityClass', 'RuntimeClass', 'CustomResourceDefinition', 'APIService',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'CSIDriver', 'VolumeAttachment',
]);

/** One pod template of the stack: a workload's, a Pod's own spec, or one an operator makes from a custom resource. */
export interface PodTemplate {
  /** The workload (or Pod, or custom resource) that holds it. */
  readonly owner: Manifest;
  /** JSON pointer of the template in its owner ('' for a Pod or an operator's pods). */
  readonly path: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly spec: Json;
  /** StatefulSet volumeClaimTemplates names, mountable like volumes. */
  readonly claimTemplates: readonly string[];
  /**
   * The label selector that picks this template's pods out of the namespace (a LabelSelector:
   * `matchLabels`, `matchExpressions`): the workload's own selector, or for a Job, CronJob or Pod
   * without one, its identifying labels.
   */
  readonly selector: Json;
  /** The operator that makes these pods (`Strimzi`), when they are not in the manifests themselves. */
  readonly operator?: string;
}

/** A container port of a pod template. */
export interface ContainerPort {
  readonly container: string;
  readonly name?: string;
  readonly number?: number;
  readonly protocol: string;
  /** JSON pointer in the owner. */
  readonly path: string;
}

/** A Service a host name may denote, seen from a namespace. */
export interface ServiceCandidate {
  readonly service: string;
  readonly namespace: string;
  /** `<pod>.<service>`: a pod of a headless Service. */
  readonly pod: boolean;
}

/** What an address (`host:port`) names in the stack. */
export type AddressResolution =
  | { readonly kind: 'service'; readonly service: Manifest; readonly namespace: string; readonly headless: boolean }
  | { readonly kind: 'no-port'; readonly service: Manifest; readonly namespace: string; readonly ports: readonly number[] }
  | { readonly kind: 'unresolved'; readonly candidates: readonly ServiceCandidate[] };

/** Options of {@link StackIndex}. */
export interface StackIndexOptions {
  /** Namespace of objects that set none (where `kubectl apply` would put them). @default 'default' */
  readonly defaultNamespace?: string;
  /** Cluster DNS domain. @default 'cluster.local' */
  readonly clusterDomain?: string;
  /**
   * Pods and Services that operators make from the stack's custom resources (Strimzi's brokers
   * and bootstrap Services from a `Kafka`), as if they were in the manifests.
   * @default false
   */
  readonly operatorWorkloads?: boolean;
}

/** The pod templates of one namespace, in object order, and by each of their labels. */
interface NamespaceTemplates {
  readonly all: PodTemplate[];
  /** label key → label value → the templates with that label. */
  readonly byLabel: Map<string, Map<string, PodTemplate[]>>;
}

/** The stack's objects, indexed. */
export class StackIndex {
  /** Every pod template, in object order (operators' pods last). */
  public readonly templates: readonly PodTemplate[];
  /** Namespace of objects that set none. */
  public readonly defaultNamespace: string;
  /** Cluster DNS domain, lower case. */
  public readonly clusterDomain: string;
  private readonly byKey = new Map<string, Manifest>();
  /** The templates by namespace and label, so that a selector is answered from the templates that carry one of its labels. */
  private readonly byNamespace = new Map<string, NamespaceTemplates>();
  /** What {@link templatesOfService} answered, by Service. */
  private readonly ofService = new Map<Manifest, readonly PodTemplate[]>();

  constructor(public readonly objects: readonly Manifest[], options: StackIndexOptions = {}) {
    this.defaultNamespace = options.defaultNamespace ?? 'default';
    this.clusterDomain = (options.clusterDomain ?? 'cluster.local').toLowerCase();
    const templates: PodTemplate[] = [];
    this.templates = templates;
    for (const o of objects) {
      this.byKey.set(this.key(o.kind, this.namespaceOf(o), o.metadata?.name ?? ''), o);
      templates.push(...podTemplatesOf(o, this.namespaceOf(o)));
    }
    if (options.operatorWorkloads) {
      for (const o of objects) {
        for (const made of operatorObjects(o, this.namespaceOf(o))) {
          if (made.service && !this.byKey.has(this.key('Service', made.namespace, made.service.metadata.name))) {
            this.byKey.set(this.key('Service', made.namespace, made.service.metadata.name), made.service);
          }
          if (made.template) templates.push(made.template);
        }
      }
    }
    for (const t of templates) {
      let ns = this.byNamespace.get(t.namespace);
      if (!ns) this.byNamespace.set(t.namespace, ns = { all: [], byLabel: new Map() });
      ns.all.push(t);
      for (const [key, value] of Object.entries(t.labels)) {
        let values = ns.byLabel.get(key);
        if (!values) ns.byLabel.set(key, values = new Map());
        let withLabel = values.get(value);
        if (!withLabel) values.set(value, withLabel = []);
        withLabel.push(t);
      }
    }
  }

  /** The object's namespace ('' for cluster-scoped kinds). */
  public namespaceOf(o: Manifest): string {
    return CLUSTER_SCOPED_KINDS.has(o.kind) ? '' : (o.metadata?.namespace ?? this.defaultNamespace);
  }

  /** The object of that kind, namespace and name, if the stack has it. */
  public find(kind: string, namespace: string, name: string): Manifest | undefined {
    return this.byKey.get(this.key(kind, CLUSTER_SCOPED_KINDS.has(kind) ? '' : namespace, name));
  }

  /** The pod templates of `namespace` whose labels `matches` accepts (every template of the namespace is asked). */
  public templatesSelectedBy(namespace: string, matches: (labels: Readonly<Record<string, string>>) => boolean): PodTemplate[] {
    return (this.byNamespace.get(namespace)?.all ?? []).filter((t) => matches(t.labels));
  }

  /**
   * The pod templates of `namespace` that carry every label of `matchLabels` (every template of
   * the namespace when it is empty), in object order: the templates with the rarest of its labels,
   * filtered, rather than every template of the stack.
   */
  public templatesWithLabels(namespace: string, matchLabels: Readonly<Record<string, string>>): PodTemplate[] {
    const ns = this.byNamespace.get(namespace);
    if (!ns) return [];
    const required = Object.entries(matchLabels);
    let fewest: PodTemplate[] = ns.all;
    for (const [key, value] of required) {
      const withLabel = ns.byLabel.get(key)?.get(value);
      if (!withLabel) return [];
      if (withLabel.length < fewest.length) fewest = withLabel;
    }
    return fewest.filter((t) => required.every(([key, value]) => t.labels[key] === value));
  }

  /** The pod templates of `namespace` that a LabelSelector (`matchLabels`, `matchExpressions`) selects. */
  public templatesSelectedByLabelSelector(namespace: string, selector: Json): PodTemplate[] {
    return this.templatesWithLabels(namespace, stringMap(selector.matchLabels))
      .filter((t) => unmetLabelSelector(selector, t.labels).length === 0);
  }

  /** The pod templates a Service selects (none for a Service without a selector). */
  public templatesOfService(svc: Manifest): readonly PodTemplate[] {
    let found = this.ofService.get(svc);
    if (!found) {
      const selector = stringMap(rec(svc.spec)?.selector);
      found = Object.keys(selector).length === 0 ? [] : this.templatesWithLabels(this.namespaceOf(svc), selector);
      this.ofService.set(svc, found);
    }
    return found;
  }

  /**
   * Services a host may name from `fromNamespace`: `svc`, `svc.ns`, `svc.ns.svc`,
   * `svc.ns.svc.<clusterDomain>`, and for a headless Service `pod.svc` with the same suffixes.
   */
  public serviceCandidates(host: string, fromNamespace: string): ServiceCandidate[] {
    if (host.startsWith('[') || /^[\d.]+$/.test(host)) return [];
    let labels = host.split('.');
    let qualified = false;
    const domain = ['svc', ...this.clusterDomain.split('.')];
    if (endsWith(labels, domain)) {
      labels = labels.slice(0, labels.length - domain.length);
      qualified = true;
    } else if (endsWith(labels, ['svc'])) {
      labels = labels.slice(0, -1);
      qualified = true;
    }
    if (!qualified && labels.length === 1) return [{ service: labels[0], namespace: fromNamespace, pod: false }];
    if (labels.length === 2) {
      const found = [{ service: labels[0], namespace: labels[1], pod: false }];
      if (!qualified) found.push({ service: labels[1], namespace: fromNamespace, pod: true });
      return found;
    }
    if (labels.length === 3) return [{ service: labels[1], namespace: labels[2], pod: true }];
    return [];
  }

  /** Ports a client may dial: the Service ports, and for a headless Service the pods' target ports. */
  public reachablePorts(svc: Manifest): number[] | 'any' {
    const spec = rec(svc.spec) ?? {};
    const ports = list(spec.ports).map(rec);
    if (spec.type === 'ExternalName' && ports.length === 0) return 'any';
    const numbers = ports.map((p) => p?.port).filter(isNumber);
    if (!isHeadless(svc)) return numbers;
    const selected = this.templatesOfService(svc);
    for (const p of ports) {
      if (typeof p?.targetPort === 'number') numbers.push(p.targetPort);
      if (typeof p?.targetPort === 'string') {
        for (const t of selected) numbers.push(...servingPorts(t).filter((c) => c.name === p.targetPort).map((c) => c.number).filter(isNumber));
      }
    }
    return [...new Set(numbers)];
  }

  /**
   * The Service of the stack that `host:port` names from `fromNamespace`, in one of its DNS forms:
   * the first candidate Service that exists (a pod name only under a headless Service) decides.
   */
  public resolveAddress(address: { readonly host: string; readonly port: number }, fromNamespace: string): AddressResolution {
    const candidates = this.serviceCandidates(address.host, fromNamespace);
    for (const c of candidates) {
      const svc = this.find('Service', c.namespace, c.service);
      if (!svc || (c.pod && !isHeadless(svc))) continue;
      const ports = this.reachablePorts(svc);
      if (ports === 'any' || ports.includes(address.port)) return { kind: 'service', service: svc, namespace: c.namespace, headless: isHeadless(svc) };
      return { kind: 'no-port', service: svc, namespace: c.namespace, ports };
    }
    return { kind: 'unresolved', candidates };
  }

  private key(kind: string, namespace: string, name: string): string {
    return `${kind}|${namespace}|${name}`;
  }
}

/** Ports that receive Service traffic: regular containers and restartable (sidecar) init containers. */
export function servingPorts(t: PodTemplate): ContainerPort[] {
  const out: ContainerPort[] = [];
  for (const field of ['initContainers', 'containers']) {
    list(t.spec[field]).forEach((c, i) => {
      const container = rec(c);
      if (!container || (field === 'initContainers' && container.restartPolicy !== 'Always')) return;
      list(container.ports).forEach((p, j) => {
        const port = rec(p);
        if (!port) return;
        out.push({
          container: str(container.name) ?? `#${i}`,
          name: str(port.name),
          number: isNumber(port.containerPort) ? port.containerPort : undefined,
          protocol: str(port.protocol) ?? 'TCP',
          path: `${t.path}/spec/${field}/${i}/ports/${j}`,
        });
      });
    });
  }
  return out;
}

/** Whether a Service is headless (`clusterIP: None`): its DNS name resolves to the pods. */
export function isHeadless(svc: Manifest): boolean {
  return rec(svc.spec)?.clusterIP === 'None';
}

const IDENTIFYING_LABELS = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component'];

/** The pod template a workload or Pod holds (none for other kinds). */
export function podTemplatesOf(o: Manifest, namespace: string): PodTemplate[] {
  const spec = rec(o.spec);
  let template: Json | undefined;
  let path: string;
  let selector: Json | undefined;
  switch (o.kind) {
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job':
      template = rec(spec?.template); path = '/spec/template'; selector = rec(spec?.selector); break;
    case 'ReplicationController':
      template = rec(spec?.template); path = '/spec/template';
      selector = rec(spec?.selector) ? { matchLabels: stringMap(spec?.selector) } : undefined; break;
    case 'CronJob':
      template = rec(rec(rec(spec?.jobTemplate)?.spec)?.template); path = '/spec/jobTemplate/spec/template';
      selector = rec(rec(rec(spec?.jobTemplate)?.spec)?.selector); break;
    case 'Pod':
      template = { metadata: o.metadata, spec: o.spec }; path = ''; break;
    default:
      return [];
  }
  const podSpec = rec(template?.spec);
  if (!template || !podSpec) return [];
  const labels = stringMap(rec(template.metadata)?.labels);
  const claimTemplates = o.kind === 'StatefulSet'
    ? list(spec?.volumeClaimTemplates).map((c) => str(rec(rec(c)?.metadata)?.name)).filter(isString)
    : [];
  return [{
    owner: o, path, namespace, labels, annotations: stringMap(rec(template.metadata)?.annotations), spec: podSpec, claimTemplates,
    selector: selector ?? { matchLabels: identifyingLabels(labels) },
  }];
}

/** The standard labels that identify a component's pods, or all labels when it has none of them. */
function identifyingLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const picked = Object.fromEntries(IDENTIFYING_LABELS.filter((k) => k in labels).map((k) => [k, labels[k]]));
  return Object.keys(picked).length > 0 ? picked : { ...labels };
}

interface OperatorObject {
  readonly namespace: string;
  readonly service?: Manifest;
  readonly template?: PodTemplate;
}

/**
 * The Services and pods Strimzi's Cluster Operator makes from a `Kafka` (kafka.strimzi.io): the
 * brokers, labelled `strimzi.io/cluster=<name>` and `strimzi.io/kind=Kafka`, listening on every
 * listener's port; the bootstrap Service `<name>-kafka-bootstrap` and the headless
 * `<name>-kafka-brokers` (whose pod names the brokers advertise) in front of them.
 * @see https://strimzi.io/docs/operators/latest/deploying#con-common-configuration-listeners-reference
 */
function operatorObjects(o: Manifest, namespace: string): OperatorObject[] {
  if (o.kind !== 'Kafka' || !o.apiVersion.startsWith('kafka.strimzi.io/')) return [];
  const name = o.metadata.name;
  const listeners = list(rec(rec(o.spec)?.kafka)?.listeners).map(rec)
    .filter((l): l is Json => l !== undefined && isNumber(l.port) && (l.type === 'internal' || l.type === 'cluster-ip'));
  const selector = { 'strimzi.io/cluster': name, 'strimzi.io/kind': 'Kafka' };
  const labels = { ...selector, 'strimzi.io/name': `${name}-kafka`, 'strimzi.io/broker-role': 'true' };
  const ports = listeners.map((l) => ({ name: `tcp-${String(l.name)}`.slice(0, 15), containerPort: l.port as number, protocol: 'TCP' }));
  const service = (serviceName: string, headless: boolean): Manifest => ({
    apiVersion: 'v1', kind: 'Service', metadata: { name: serviceName, namespace },
    spec: {
      ...(headless ? { clusterIP: 'None' } : {}),
      selector: { ...selector, 'strimzi.io/broker-role': 'true' },
      ports: ports.map((p) => ({ name: p.name, port: p.containerPort, targetPort: p.containerPort, protocol: 'TCP' })),
    },
  });
  const template: PodTemplate = {
    owner: o, path: '', namespace, labels, annotations: {}, claimTemplates: [], operator: 'Strimzi',
    spec: { containers: [{ name: 'kafka', ports }] },
    selector: { matchLabels: selector },
  };
  return [
    { namespace, service: service(`${name}-kafka-bootstrap`, false) },
    { namespace, service: service(`${name}-kafka-brokers`, true) },
    { namespace, template },
  ];
}
