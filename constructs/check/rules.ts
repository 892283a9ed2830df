/**
 * The rules of `cdk8s-tracing check`. Ids are stable: CI configurations name them (`--skip`,
 * SARIF baselines), so a rule is never renamed, only added or retired.
 *
 * Severity says what happens if the manifests are applied as they are:
 * - `error`: the API server refuses the object, or the stack does not work (a Service that reaches
 *   no pod, a pod that never starts, a configuration that dials a host nobody serves);
 * - `warning`: it works, but against the operational policy (unpinned images, no probes, no
 *   resources) or the restricted Pod Security Standard in a namespace that does not enforce it;
 * - `info`: something the input cannot show and someone must provide (a Secret, an address
 *   outside the input's namespaces, a custom resource without its CRD).
 */
import type { Severity } from './finding';

/** One rule of the catalogue. */
export interface Rule {
  readonly id: string;
  /** The severity of its findings (policy/pod-security findings are errors where the namespace enforces `restricted`). */
  readonly severity: Severity;
  /** One line: what the rule checks. */
  readonly summary: string;
}

const rule = (id: string, severity: Severity, summary: string): Rule => ({ id, severity, summary });

/** Every rule, by family: schema, wiring, policy. */
export const RULES: readonly Rule[] = [
  // Schema: Kubernetes 1.37 strict schemas, and CRD schemas (closed where the API server prunes).
  rule('schema/unknown-field', 'error', 'a field the schema of the kind does not define (kubectl apply rejects it; the server would otherwise drop it)'),
  rule('schema/wrong-type', 'error', 'a value of the wrong JSON type'),
  rule('schema/missing-field', 'error', 'a required field is missing'),
  rule('schema/invalid-value', 'error', 'a value outside what the schema allows (enum, pattern, format, range, length)'),
  rule('schema/unknown-kind', 'error', 'apiVersion and kind name no Kubernetes 1.37 kind and no served version of a given CRD'),
  rule('schema/no-crd', 'info', 'a custom resource not validated: no CustomResourceDefinition for it in the input or in --crds'),

  // Wiring: references between objects, and addresses in configuration.
  rule('wiring/workload-selector', 'error', "a workload's selector does not match its pod template's labels"),
  rule('wiring/service-selector', 'error', 'a Service selector matches no pod template of its namespace'),
  rule('wiring/service-target-port', 'error', 'a Service targetPort (number or name) is not a container port of the pods it selects'),
  rule('wiring/service-port-name', 'error', 'a Service with several ports leaves one unnamed, or names two alike'),
  rule('wiring/container-port', 'error', 'a container port name is not an IANA service name, or a port name or number is declared twice in a pod'),
  rule('wiring/volume-mount', 'error', 'a volumeMount names no volume of the pod'),
  rule('wiring/statefulset-service-name', 'error', "a StatefulSet's serviceName names no Service of its namespace"),
  rule('wiring/statefulset-service-headless', 'warning', "a StatefulSet's governing Service is not headless (clusterIP: None), so its pods get no DNS names"),
  rule('wiring/configmap-missing', 'error', 'a ConfigMap a pod needs is not in the input'),
  rule('wiring/configmap-key', 'error', 'a key a pod reads is not in the ConfigMap'),
  rule('wiring/secret-missing', 'info', 'a Secret a pod needs is not in the input: it must exist before the pods start'),
  rule('wiring/secret-key', 'error', 'a key a pod reads is not in the Secret'),
  rule('wiring/service-account-missing', 'error', 'a ServiceAccount a pod or binding names is not in the input'),
  rule('wiring/pvc-missing', 'warning', 'a PersistentVolumeClaim a pod mounts is not in the input'),
  rule('wiring/hpa-target', 'error', 'a HorizontalPodAutoscaler scales a workload that is not in the input'),
  rule('wiring/pdb-selector', 'error', 'a PodDisruptionBudget selects no pod template of its namespace'),
  rule('wiring/ingress-backend', 'error', 'an Ingress backend names a Service, or a Service port, that is not in the input'),
  rule('wiring/role-missing', 'error', 'a RoleBinding names a Role that is not in the input'),
  rule('wiring/cluster-role-missing', 'warning', 'a binding names a ClusterRole that is neither in the input nor built into Kubernetes'),
  rule('wiring/address-unresolved', 'error', "a host:port in configuration names no Service of the input's namespaces"),
  rule('wiring/address-port', 'error', 'a host:port in configuration names a Service of the input that has no such port'),
  rule('wiring/address-external', 'info', "a host:port in configuration is outside the input's namespaces: it must be reachable from the cluster"),

  // Policy: the restricted Pod Security Standard, and operational practice.
  rule('policy/privileged', 'warning', 'a privileged container (restricted Pod Security Standard)'),
  rule('policy/host-namespaces', 'warning', "a pod sharing the node's network, PID or IPC namespace (restricted Pod Security Standard)"),
  rule('policy/host-ports', 'warning', 'a container port bound on the node (hostPort; restricted Pod Security Standard)'),
  rule('policy/volume-types', 'warning', 'a volume type the restricted Pod Security Standard forbids (hostPath and others)'),
  rule('policy/privilege-escalation', 'warning', 'a container that does not set allowPrivilegeEscalation: false (restricted Pod Security Standard)'),
  rule('policy/capabilities', 'warning', 'a container that does not drop ALL capabilities, or adds one other than NET_BIND_SERVICE (restricted Pod Security Standard)'),
  rule('policy/run-as-non-root', 'warning', 'a pod that may run as root: runAsNonRoot not true, or runAsUser 0 (restricted Pod Security Standard)'),
  rule('policy/seccomp', 'warning', 'a pod without a RuntimeDefault or Localhost seccomp profile (restricted Pod Security Standard)'),
  rule('policy/read-only-root-filesystem', 'warning', 'a container whose root filesystem is writable'),
  rule('policy/image-not-pinned', 'warning', 'an image without a version tag or digest, or tagged latest'),
  rule('policy/resources', 'warning', 'a container without cpu and memory requests and a memory limit'),
  rule('policy/probes', 'warning', 'a long-running container without a readiness or a liveness probe'),
  rule('policy/mount-in-read-only-volume', 'error', 'a volume mounted inside a ConfigMap, Secret, projected or downward API mount, which the kubelet keeps read-only: the container cannot start'),
  rule('policy/namespace', 'info', 'a namespaced object without metadata.namespace (it lands in the namespace of the context that applies it), or a cluster-scoped one with it'),
  rule('policy/labels', 'info', 'an object without the recommended app.kubernetes.io labels'),
];

const BY_ID = new Map(RULES.map((r) => [r.id, r]));

/** The rule with that id; throws for an unknown id (a programming error). */
export function ruleById(id: string): Rule {
  const found = BY_ID.get(id);
  if (!found) throw new Error(`unknown rule id '${id}'`);
  return found;
}

/** Whether `selector` names a rule or a family of rules (`policy`, `policy/probes`). */
export function ruleSelectorMatches(selector: string, id: string): boolean {
  return selector === id || id.startsWith(`${selector.replace(/\/$/, '')}/`);
}

/** Checks `--skip` values: each must name a rule or a family. Returns the unknown ones. */
export function unknownRuleSelectors(selectors: readonly string[]): string[] {
  return selectors.filter((s) => !RULES.some((r) => ruleSelectorMatches(s, r.id)));
}
