import { k8s } from 'cdk8s-plus-28';
import { ErrorScope } from './_errors';
import { ContainerResources, parseQuantity } from './resources';

/** The user and group the Jaeger and Tempo images run as. */
export const DEFAULT_UID = 10001;

/** Pod-level security context that satisfies the `restricted` Pod Security Standard. */
export function restrictedPodSecurityContext(uid = DEFAULT_UID): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level security context: non-root, no escalation, no capabilities, read-only root. */
export function restrictedContainerSecurityContext(uid = DEFAULT_UID): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Requests and limits as the Kubernetes API wants them. */
export function resourceRequirements(r: ContainerResources): k8s.ResourceRequirements {
  return {
    requests: {
      cpu: k8s.Quantity.fromString(r.cpuRequest),
      memory: k8s.Quantity.fromString(r.memoryRequest),
    },
    limits: {
      ...(r.cpuLimit ? { cpu: k8s.Quantity.fromString(r.cpuLimit) } : {}),
      memory: k8s.Quantity.fromString(r.memoryLimit),
    },
  };
}

/**
 * `GOMEMLIMIT` at 80% of the container's memory limit, so that the Go runtime collects garbage
 * hard before the kernel's OOM killer acts.
 */
export function goMemLimitEnv(scope: ErrorScope, field: string, r: ContainerResources): k8s.EnvVar {
  const bytes = parseQuantity(scope, `${field}.memoryLimit`, r.memoryLimit);
  return { name: 'GOMEMLIMIT', value: `${Math.floor((bytes * 0.8) / 2 ** 20)}MiB` };
}

/** An HTTP GET probe against a named container port. */
export function httpProbe(path: string, port: string, opts: { initialDelaySeconds?: number; periodSeconds?: number; failureThreshold?: number } = {}): k8s.Probe {
  return {
    httpGet: { path, port: k8s.IntOrString.fromString(port) },
    initialDelaySeconds: opts.initialDelaySeconds ?? 5,
    periodSeconds: opts.periodSeconds ?? 10,
    timeoutSeconds: 5,
    failureThreshold: opts.failureThreshold ?? 3,
  };
}

/**
 * Spread the pods of one component over zones, then nodes, as far as the scheduler can
 * (`ScheduleAnyway`: a single-zone cluster still schedules every replica).
 */
export function spreadOverZonesAndNodes(selector: Record<string, string>): k8s.TopologySpreadConstraint[] {
  return [
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
    { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
  ];
}

/** Kinds whose manifest holds a pod template (a CronJob's inside its job template). */
const POD_TEMPLATE_OWNERS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);

/** Whether a manifest of `kind` holds a pod spec: a Pod, or a kind with a pod template. */
export function holdsPodSpec(kind: string): boolean {
  return kind === 'Pod' || POD_TEMPLATE_OWNERS.has(kind);
}

/** The pod spec of a workload's manifest (a Pod's own spec, a template's, a CronJob's job template's). */
export function podSpecOf(o: { readonly kind: string; readonly spec?: unknown }): Record<string, any> | undefined {
  const spec = o.spec as Record<string, any> | undefined;
  if (!spec || !holdsPodSpec(o.kind)) return undefined;
  if (o.kind === 'Pod') return spec;
  return o.kind === 'CronJob' ? spec.jobTemplate?.spec?.template?.spec : spec.template?.spec;
}
