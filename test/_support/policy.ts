import { Manifest } from './synth';

const CLUSTER_SCOPED = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'PriorityClass', 'IngressClass']);
const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const REQUIRED_LABELS = ['app.kubernetes.io/part-of', 'app.kubernetes.io/managed-by'];
const WORKLOAD_LABELS = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component', 'app.kubernetes.io/version'];

type Obj = Record<string, any>;

/** The pod template of a workload, or undefined for other kinds. */
export function podTemplateOf(o: Manifest): Obj | undefined {
  const spec = (o as Obj).spec;
  switch (o.kind) {
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'Job': return spec?.template;
    case 'CronJob': return spec?.jobTemplate?.spec?.template;
    default: return undefined;
  }
}

/**
 * The production rules every object of every example stack keeps: a namespace (unless
 * cluster-scoped), standard labels, and for workloads pinned images, requests and limits, probes
 * on long-running containers and the restricted Pod Security Standard.
 */
export function policyErrors(objects: Manifest[]): string[] {
  const errors: string[] = [];
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.name}`;
    const err = (msg: string) => errors.push(`${id}: ${msg}`);
    if (CLUSTER_SCOPED.has(o.kind)) {
      if (o.metadata.namespace) err('cluster-scoped object has metadata.namespace');
    } else if (!o.metadata.namespace) {
      err('has no metadata.namespace');
    }
    for (const label of REQUIRED_LABELS) if (!o.metadata.labels?.[label]) err(`lacks label ${label}`);
    const pod = podTemplateOf(o);
    if (!pod) continue;
    for (const label of WORKLOAD_LABELS) if (!o.metadata.labels?.[label]) err(`lacks label ${label}`);
    const podSc = pod.spec?.securityContext ?? {};
    if (podSc.runAsNonRoot !== true) err('pod securityContext.runAsNonRoot is not true');
    // The restricted standard accepts the profile on the pod or on every container.
    const everyContainerSeccomp = (pod.spec?.containers ?? []).every((c: Obj) => c.securityContext?.seccompProfile?.type === 'RuntimeDefault');
    if (podSc.seccompProfile?.type !== 'RuntimeDefault' && !everyContainerSeccomp) err('pod seccompProfile is not RuntimeDefault (on the pod or every container)');
    if (pod.spec?.hostNetwork || pod.spec?.hostPID || pod.spec?.hostIPC) err('uses host namespaces');
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
      const cid = `container ${c.name}`;
      const sc = c.securityContext ?? {};
      if (!/^[^:@\s]+(:[\w][\w.-]*)?(@sha256:[0-9a-f]{64})?$/.test(c.image) || (!c.image.includes('@') && !/:[\w][\w.-]*$/.test(c.image)) || /:latest$/.test(c.image)) {
        err(`${cid} image ${c.image} is not pinned`);
      }
      if (sc.allowPrivilegeEscalation !== false) err(`${cid} allows privilege escalation`);
      if (sc.privileged) err(`${cid} is privileged`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) err(`${cid} does not drop ALL capabilities`);
      if ((sc.capabilities?.add ?? []).length) err(`${cid} adds capabilities`);
      if (sc.readOnlyRootFilesystem !== true) err(`${cid} root filesystem is writable`);
      if (sc.runAsNonRoot === false) err(`${cid} may run as root`);
      if (sc.seccompProfile && sc.seccompProfile.type !== 'RuntimeDefault') err(`${cid} seccompProfile is not RuntimeDefault`);
      if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) err(`${cid} lacks cpu or memory requests`);
      if (!c.resources?.limits?.memory) err(`${cid} lacks a memory limit`);
      // A mount point inside a ConfigMap/Secret volume (read-only, managed by the kubelet) cannot be created.
      const readOnlyVolumes = new Set((pod.spec?.volumes ?? []).filter((v: Obj) => v.configMap || v.secret || v.projected || v.downwardAPI).map((v: Obj) => v.name));
      const mounts: Obj[] = c.volumeMounts ?? [];
      for (const outer of mounts.filter(m => readOnlyVolumes.has(m.name))) {
        for (const inner of mounts) {
          if (inner !== outer && inner.mountPath.startsWith(`${outer.mountPath.replace(/\/$/, '')}/`)) {
            err(`${cid} mounts ${inner.mountPath} inside ${outer.mountPath}, a ${outer.name} volume the kubelet keeps read-only`);
          }
        }
      }
      if (LONG_RUNNING.has(o.kind)) {
        if (!c.readinessProbe) err(`${cid} has no readinessProbe`);
        if (!c.livenessProbe) err(`${cid} has no livenessProbe`);
      }
    }
  }
  return errors;
}
