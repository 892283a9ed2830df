/**
 * The policy check: the `restricted` Pod Security Standard on every pod template, and the
 * operational practice every workload of this library keeps (pinned images, requests and limits,
 * probes, a read-only root filesystem, namespaces and the recommended labels).
 *
 * A pod-security finding is an error when the input's Namespace enforces `restricted`
 * (`pod-security.kubernetes.io/enforce: restricted`): the API server then refuses the pods. It is
 * a warning otherwise.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
import { list, rec, str, type Json, type Manifest } from '../wiring/_json';
import { CLUSTER_SCOPED_KINDS, podTemplatesOf, type PodTemplate } from '../wiring/stack-index';
import type { ObjectFinding, Severity } from './finding';
import { ruleById } from './rules';

/** Options of {@link policyFindings}. */
export interface PolicyCheckOptions {
  /**
   * Namespace of objects that set none (`kubectl apply -n`). When given, an object without a
   * namespace is not noted (policy/namespace): its namespace is known.
   * @default - 'default', and objects without a namespace are noted
   */
  readonly defaultNamespace?: string;
}

const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController']);
const REQUIRED_LABELS = ['app.kubernetes.io/part-of', 'app.kubernetes.io/managed-by'];
const WORKLOAD_LABELS = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component', 'app.kubernetes.io/version'];

/** Volume types the restricted standard allows. */
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

/** Policy findings of `objects`. */
export function policyFindings(objects: readonly Manifest[], options: PolicyCheckOptions = {}): ObjectFinding[] {
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const enforced = new Set(objects
    .filter((o) => o.kind === 'Namespace' && o.metadata?.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted')
    .map((o) => o.metadata.name));
  const findings: ObjectFinding[] = [];
  for (const o of objects) {
    const add = (ruleId: string, path: string, message: string, severity?: Severity) =>
      findings.push({ ruleId, severity: severity ?? ruleById(ruleId).severity, object: o, path, message });
    const namespace = o.metadata?.namespace;
    if (CLUSTER_SCOPED_KINDS.has(o.kind)) {
      if (namespace) add('policy/namespace', '/metadata/namespace', 'a cluster-scoped object has metadata.namespace');
    } else if (!namespace && options.defaultNamespace === undefined) {
      add('policy/namespace', '/metadata', 'no metadata.namespace: the object lands in the namespace of whoever applies it (give it one, or say which with --namespace)');
    }
    const labels = o.metadata?.labels ?? {};
    const templates = podTemplatesOf(o, namespace ?? defaultNamespace);
    const missing = [...REQUIRED_LABELS, ...(templates.length > 0 ? WORKLOAD_LABELS : [])].filter((label) => !labels[label]);
    if (missing.length > 0) add('policy/labels', '/metadata/labels', `lacks the recommended label${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
    for (const t of templates) {
      const enforcing = enforced.has(t.namespace);
      const podSecurity = (ruleId: string, path: string, message: string) => add(
        ruleId, path, enforcing ? `${message} (namespace '${t.namespace}' enforces restricted: the API server refuses these pods)` : message,
        enforcing ? 'error' : undefined);
      checkPod(o, t, podSecurity, add);
    }
  }
  return findings;
}

type Add = (ruleId: string, path: string, message: string) => void;

function checkPod(o: Manifest, t: PodTemplate, podSecurity: Add, add: Add): void {
  const spec = t.spec;
  const specPath = `${t.path}/spec`;
  const podSc = rec(spec.securityContext) ?? {};
  const containers: Array<{ c: Json; path: string }> = [];
  for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
    list(spec[field]).forEach((c, i) => {
      if (rec(c)) containers.push({ c: rec(c)!, path: `${specPath}/${field}/${i}` });
    });
  }

  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[field] === true) podSecurity('policy/host-namespaces', `${specPath}/${field}`, `${field}: true shares the node's namespace`);
  }
  list(spec.volumes).forEach((v, i) => {
    const volume = rec(v) ?? {};
    const type = Object.keys(volume).find((k) => k !== 'name');
    if (type !== undefined && !RESTRICTED_VOLUMES.has(type)) podSecurity('policy/volume-types', `${specPath}/volumes/${i}/${type}`, `volume '${str(volume.name) ?? i}' is of type ${type}, which the restricted standard forbids`);
  });

  // runAsNonRoot: true on the pod, or on every container; never false, never user 0.
  const containerSc = (c: Json) => rec(c.securityContext) ?? {};
  if (podSc.runAsNonRoot !== true && !containers.every(({ c }) => containerSc(c).runAsNonRoot === true)) {
    podSecurity('policy/run-as-non-root', `${specPath}/securityContext/runAsNonRoot`, 'runAsNonRoot is not true on the pod (nor on every container)');
  }
  if (podSc.runAsUser === 0) podSecurity('policy/run-as-non-root', `${specPath}/securityContext/runAsUser`, 'runAsUser is 0 (root)');
  // seccomp: RuntimeDefault or Localhost on the pod or every container; never Unconfined.
  const allowedSeccomp = (sc: Json) => ['RuntimeDefault', 'Localhost'].includes(str(rec(sc.seccompProfile)?.type) ?? '');
  if (!allowedSeccomp(podSc) && !containers.every(({ c }) => allowedSeccomp(containerSc(c)))) {
    podSecurity('policy/seccomp', `${specPath}/securityContext/seccompProfile`, 'no RuntimeDefault or Localhost seccompProfile on the pod (nor on every container)');
  }

  const readOnlyVolumes = new Set(list(spec.volumes).map(rec)
    .filter((v) => v && (v.configMap || v.secret || v.projected || v.downwardAPI)).map((v) => str(v!.name)));
  for (const { c, path } of containers) {
    const name = str(c.name) ?? path;
    const sc = containerSc(c);
    const scPath = `${path}/securityContext`;
    if (sc.privileged === true) podSecurity('policy/privileged', `${scPath}/privileged`, `container ${name} is privileged`);
    if (sc.allowPrivilegeEscalation !== false) podSecurity('policy/privilege-escalation', `${scPath}/allowPrivilegeEscalation`, `container ${name} does not set allowPrivilegeEscalation: false`);
    const caps = rec(sc.capabilities) ?? {};
    if (!list(caps.drop).includes('ALL')) podSecurity('policy/capabilities', `${scPath}/capabilities/drop`, `container ${name} does not drop ALL capabilities`);
    const added = list(caps.add).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (added.length > 0) podSecurity('policy/capabilities', `${scPath}/capabilities/add`, `container ${name} adds ${added.join(', ')}`);
    if (sc.runAsNonRoot === false) podSecurity('policy/run-as-non-root', `${scPath}/runAsNonRoot`, `container ${name} sets runAsNonRoot: false`);
    if (sc.runAsUser === 0) podSecurity('policy/run-as-non-root', `${scPath}/runAsUser`, `container ${name} runs as user 0 (root)`);
    const seccomp = str(rec(sc.seccompProfile)?.type);
    if (seccomp !== undefined && !['RuntimeDefault', 'Localhost'].includes(seccomp)) podSecurity('policy/seccomp', `${scPath}/seccompProfile/type`, `container ${name} has seccompProfile ${seccomp}`);
    list(c.ports).forEach((p, j) => {
      const hostPort = rec(p)?.hostPort;
      if (typeof hostPort === 'number' && hostPort !== 0) podSecurity('policy/host-ports', `${path}/ports/${j}/hostPort`, `container ${name} binds port ${hostPort} on the node`);
    });

    if (path.includes('/ephemeralContainers/')) continue; // debugging containers: no resources, probes or pinning expected
    if (sc.readOnlyRootFilesystem !== true) add('policy/read-only-root-filesystem', `${scPath}/readOnlyRootFilesystem`, `container ${name} has a writable root filesystem`);
    const image = str(c.image) ?? '';
    if (!isPinned(image)) {
      add('policy/image-not-pinned', `${path}/image`, `container ${name} image '${image}' is not pinned to a version tag or a digest`);
    }
    const resources = rec(c.resources) ?? {};
    const requests = rec(resources.requests) ?? {};
    const limits = rec(resources.limits) ?? {};
    if (!requests.cpu || !requests.memory) add('policy/resources', `${path}/resources/requests`, `container ${name} lacks ${!requests.cpu && !requests.memory ? 'cpu and memory requests' : !requests.cpu ? 'a cpu request' : 'a memory request'}`);
    if (!limits.memory) add('policy/resources', `${path}/resources/limits`, `container ${name} lacks a memory limit`);
    // A mount point inside a ConfigMap/Secret volume (read-only, managed by the kubelet) cannot be created.
    const mounts = list(c.volumeMounts).map(rec).filter((m): m is Json => m !== undefined);
    for (const outer of mounts.filter((m) => readOnlyVolumes.has(str(m.name)))) {
      const outerPath = (str(outer.mountPath) ?? '').replace(/\/$/, '');
      mounts.forEach((inner, j) => {
        const innerPath = str(inner.mountPath) ?? '';
        if (inner !== outer && innerPath.startsWith(`${outerPath}/`)) {
          add('policy/mount-in-read-only-volume', `${path}/volumeMounts/${j}/mountPath`, `container ${name} mounts ${innerPath} inside ${outerPath}, a ${String(outer.name)} volume the kubelet keeps read-only`);
        }
      });
    }
    const isSidecar = path.includes('/initContainers/') && c.restartPolicy === 'Always';
    if (LONG_RUNNING.has(o.kind) && (path.includes('/containers/') || isSidecar)) {
      if (!c.readinessProbe) add('policy/probes', `${path}/readinessProbe`, `container ${name} has no readinessProbe`);
      if (!c.livenessProbe) add('policy/probes', `${path}/livenessProbe`, `container ${name} has no livenessProbe`);
    }
  }
}

/**
 * Whether an image reference names one image: `[registry[:port]/]repository` with a sha256 digest,
 * or with a tag other than `latest`.
 */
export function isPinned(image: string): boolean {
  if (/\s/.test(image) || image === '') return false;
  const at = image.indexOf('@');
  const reference = at < 0 ? image : image.slice(0, at);
  if (at >= 0) return /^sha256:[0-9a-f]{64}$/.test(image.slice(at + 1)) && reference !== '';
  const colon = reference.indexOf(':', reference.lastIndexOf('/') + 1);
  const tag = colon < 0 ? undefined : reference.slice(colon + 1);
  return tag !== undefined && tag !== 'latest' && /^[\w][\w.-]{0,127}$/.test(tag);
}
