/**
 * The order in which a cluster needs a set of synthesized objects, independent of Pulumi: which
 * object must exist before which, and which CustomResourceDefinitions the cluster must already
 * serve. Pure functions over the objects as `cdk8s synth` writes them.
 */

import { podSpecOf } from '../_pod';

/** A synthesized Kubernetes object (`apiVersion`, `kind`, `metadata.name` at least). */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** A CustomResourceDefinition a custom resource needs, and who installs it. */
export interface RequiredCrd {
  /** `<plural>.<group>`, the CRD's name. */
  readonly name: string;
  /** The operator (or project) whose installation creates it. */
  readonly providedBy: string;
}

/** One object of the plan, with what must exist before it. */
export interface PlannedObject {
  /** `<apiVersion>/<kind>/<namespace>/<name>`, unique in the plan. */
  readonly key: string;
  readonly object: ManifestObject;
  /** Keys of objects of the plan that must be created first. */
  readonly dependsOn: readonly string[];
  /** For a custom resource whose CRD is not in the plan: the CRD the cluster must serve. */
  readonly requiresCrd?: RequiredCrd;
}

/**
 * The CustomResourceDefinitions of the custom resources this library renders, with the operator
 * that installs each (names, groups and plurals as in the upstream CRDs).
 */
const KNOWN_CRDS: ReadonlyArray<{ group: string; kind: string; plural: string; providedBy: string }> = [
  { group: 'kafka.strimzi.io', kind: 'Kafka', plural: 'kafkas', providedBy: 'the Strimzi operator' },
  { group: 'kafka.strimzi.io', kind: 'KafkaNodePool', plural: 'kafkanodepools', providedBy: 'the Strimzi operator' },
  { group: 'kafka.strimzi.io', kind: 'KafkaTopic', plural: 'kafkatopics', providedBy: 'the Strimzi operator' },
  { group: 'opentelemetry.io', kind: 'OpenTelemetryCollector', plural: 'opentelemetrycollectors', providedBy: 'the OpenTelemetry Operator' },
  { group: 'opentelemetry.io', kind: 'Instrumentation', plural: 'instrumentations', providedBy: 'the OpenTelemetry Operator' },
  { group: 'jaegertracing.io', kind: 'Jaeger', plural: 'jaegers', providedBy: 'the Jaeger Operator' },
  { group: 'tempo.grafana.com', kind: 'TempoStack', plural: 'tempostacks', providedBy: 'the Tempo Operator' },
  { group: 'tempo.grafana.com', kind: 'TempoMonolithic', plural: 'tempomonolithics', providedBy: 'the Tempo Operator' },
  { group: 'monitoring.coreos.com', kind: 'ServiceMonitor', plural: 'servicemonitors', providedBy: 'the Prometheus Operator' },
  { group: 'monitoring.coreos.com', kind: 'PodMonitor', plural: 'podmonitors', providedBy: 'the Prometheus Operator' },
  { group: 'monitoring.coreos.com', kind: 'PrometheusRule', plural: 'prometheusrules', providedBy: 'the Prometheus Operator' },
];

/** The CRDs this library's custom resources need, by `<group>/<kind>`. */
export const LIBRARY_CRDS: ReadonlyMap<string, RequiredCrd> = new Map(KNOWN_CRDS.map(c => [
  `${c.group}/${c.kind}`, { name: `${c.plural}.${c.group}`, providedBy: c.providedBy },
]));

/** The API group of an `apiVersion` (`''` for the core group). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Whether `apiVersion` is a Kubernetes built-in group (core, `apps`, `*.k8s.io`, ...) rather than a custom resource's. */
export function isBuiltInGroup(apiVersion: string): boolean {
  const group = apiGroup(apiVersion);
  return group === '' || !group.includes('.') || group.endsWith('.k8s.io');
}

/** The plan's key of an object. */
export function objectKey(o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): string {
  return `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** `kind/name` of the objects in the same namespace that a pod spec uses. */
function podSpecReferences(pod: Record<string, any>): string[] {
  const refs: string[] = [];
  if (pod.serviceAccountName) refs.push(`ServiceAccount/${pod.serviceAccountName}`);
  for (const s of pod.imagePullSecrets ?? []) if (s?.name) refs.push(`Secret/${s.name}`);
  for (const v of pod.volumes ?? []) {
    if (v.configMap?.name) refs.push(`ConfigMap/${v.configMap.name}`);
    if (v.secret?.secretName) refs.push(`Secret/${v.secret.secretName}`);
    if (v.persistentVolumeClaim?.claimName) refs.push(`PersistentVolumeClaim/${v.persistentVolumeClaim.claimName}`);
    for (const p of v.projected?.sources ?? []) {
      if (p.configMap?.name) refs.push(`ConfigMap/${p.configMap.name}`);
      if (p.secret?.name) refs.push(`Secret/${p.secret.name}`);
    }
  }
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef?.name) refs.push(`ConfigMap/${e.valueFrom.configMapKeyRef.name}`);
      if (e.valueFrom?.secretKeyRef?.name) refs.push(`Secret/${e.valueFrom.secretKeyRef.name}`);
    }
    for (const e of c.envFrom ?? []) {
      if (e.configMapRef?.name) refs.push(`ConfigMap/${e.configMapRef.name}`);
      if (e.secretRef?.name) refs.push(`Secret/${e.secretRef.name}`);
    }
  }
  return refs;
}

/** `kind/name` (namespaced in the object's namespace) and `kind//name` (cluster-scoped) references of an object. */
function references(o: ManifestObject): { local: string[]; cluster: string[] } {
  const local: string[] = [];
  const cluster: string[] = [];
  const pod = isBuiltInGroup(o.apiVersion) ? podSpecOf(o) : undefined;
  if (pod) local.push(...podSpecReferences(pod));
  const spec = (o.spec ?? {}) as Record<string, any>;
  if (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') {
    const ref = o.roleRef as { kind?: string; name?: string } | undefined;
    if (ref?.kind === 'Role' && ref.name) local.push(`Role/${ref.name}`);
    if (ref?.kind === 'ClusterRole' && ref.name) cluster.push(`ClusterRole/${ref.name}`);
    for (const s of (o.subjects ?? []) as Array<{ kind?: string; name?: string; namespace?: string }>) {
      if (s.kind === 'ServiceAccount' && s.name) local.push(`ServiceAccount/${s.namespace ?? o.metadata.namespace ?? ''}/${s.name}`);
    }
  }
  if (o.kind === 'Ingress') {
    const backends = [spec.defaultBackend, ...((spec.rules ?? []) as any[]).flatMap(r => (r.http?.paths ?? []).map((p: any) => p.backend))];
    for (const b of backends) if (b?.service?.name) local.push(`Service/${b.service.name}`);
    for (const t of spec.tls ?? []) if (t.secretName) local.push(`Secret/${t.secretName}`);
  }
  if (o.kind === 'HorizontalPodAutoscaler' && spec.scaleTargetRef?.kind && spec.scaleTargetRef?.name) {
    local.push(`${spec.scaleTargetRef.kind}/${spec.scaleTargetRef.name}`);
  }
  return { local, cluster };
}

/**
 * Orders `objects` for a cluster and says what each needs first: its Namespace, the CRD of a
 * custom resource, the ConfigMaps, Secrets, ServiceAccounts and claims a workload uses, the Role of
 * a binding, the Services and TLS Secret of an Ingress, the target of an autoscaler (each only
 * when it is among `objects`; what is not must exist already). Namespaces come first, then CRDs,
 * then everything else in its given order. A custom resource whose CRD is not among `objects`
 * names the CRD the cluster must serve (`requiresCrd`, for the kinds this library renders).
 */
export function planDeployment(objects: readonly ManifestObject[]): PlannedObject[] {
  const keyOf = new Map<ManifestObject, string>();
  const keys = new Set<string>();
  const byRef = new Map<string, string>();
  for (const o of objects) {
    const key = objectKey(o);
    if (keys.has(key)) throw new Error(`two objects are ${o.kind} '${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}' (${o.apiVersion})`);
    keyOf.set(o, key);
    keys.add(key);
    byRef.set(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, key);
  }
  const namespaces = new Map(objects.filter(o => o.kind === 'Namespace' && o.apiVersion === 'v1').map(o => [o.metadata.name, keyOf.get(o)!]));
  const crds = new Map<string, string>();
  for (const o of objects) {
    if (o.kind !== 'CustomResourceDefinition' || apiGroup(o.apiVersion) !== 'apiextensions.k8s.io') continue;
    const spec = o.spec as { group?: string; names?: { kind?: string } } | undefined;
    if (spec?.group && spec.names?.kind) crds.set(`${spec.group}/${spec.names.kind}`, keyOf.get(o)!);
  }

  const rank = (o: ManifestObject) => (o.kind === 'Namespace' && o.apiVersion === 'v1' ? 0 : o.kind === 'CustomResourceDefinition' ? 1 : 2);
  const ordered = objects.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i).map(x => x.o);

  return ordered.map(o => {
    const key = keyOf.get(o)!;
    const deps = new Set<string>();
    const namespace = o.metadata.namespace;
    if (namespace && namespaces.has(namespace)) deps.add(namespaces.get(namespace)!);
    let requiresCrd: RequiredCrd | undefined;
    if (!isBuiltInGroup(o.apiVersion)) {
      const gk = `${apiGroup(o.apiVersion)}/${o.kind}`;
      const crd = crds.get(gk);
      if (crd) deps.add(crd);
      else requiresCrd = LIBRARY_CRDS.get(gk);
    }
    const { local, cluster } = references(o);
    for (const ref of local) {
      const slash = ref.indexOf('/');
      const kind = ref.slice(0, slash);
      const rest = ref.slice(slash + 1);
      const found = byRef.get(rest.includes('/') ? `${kind}/${rest}` : `${kind}/${namespace ?? ''}/${rest}`);
      if (found && found !== key) deps.add(found);
    }
    for (const ref of cluster) {
      const [kind, name] = ref.split('/');
      const found = byRef.get(`${kind}//${name}`);
      if (found) deps.add(found);
    }
    return { key, object: o, dependsOn: [...deps], ...(requiresCrd ? { requiresCrd } : {}) };
  });
}
