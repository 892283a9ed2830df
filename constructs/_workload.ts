import { k8s } from 'cdk8s-plus-28';
import { ErrorScope } from './_errors';
import { goMemLimitEnv, resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from './_pod';
import { ContainerResources } from './resources';

/** Everything one single-container pod needs. */
export interface PodOptions {
  readonly containerName: string;
  readonly image: string;
  readonly imagePullPolicy?: string;
  readonly args?: string[];
  readonly env?: k8s.EnvVar[];
  readonly ports?: k8s.ContainerPort[];
  readonly volumes?: k8s.Volume[];
  readonly volumeMounts?: k8s.VolumeMount[];
  readonly resources: ContainerResources;
  readonly readinessProbe?: k8s.Probe;
  readonly livenessProbe?: k8s.Probe;
  readonly startupProbe?: k8s.Probe;
  readonly labels: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly serviceAccountName?: string;
  readonly restartPolicy?: string;
  readonly terminationGracePeriodSeconds?: number;
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: k8s.Toleration[];
  readonly affinity?: k8s.Affinity;
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  readonly priorityClassName?: string;
  readonly imagePullSecrets?: string[];
  /** Set GOMEMLIMIT from the memory limit (for Go programs). */
  readonly goMemLimit?: boolean;
  /** Mount the ServiceAccount's API token (only for pods that call the Kubernetes API). */
  readonly automountServiceAccountToken?: boolean;
}

/**
 * A pod template that meets the restricted Pod Security Standard, with a writable `/tmp`
 * (the root filesystem is read-only) and no service account token unless one is asked for.
 */
export function podTemplate(scope: ErrorScope, o: PodOptions): k8s.PodTemplateSpec {
  const tmp: k8s.Volume = { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } };
  const env = [...(o.env ?? [])];
  if (o.goMemLimit) env.push(goMemLimitEnv(scope, 'resources', o.resources));
  return {
    metadata: { labels: o.labels, ...(o.annotations && Object.keys(o.annotations).length ? { annotations: o.annotations } : {}) },
    spec: {
      ...(o.serviceAccountName ? { serviceAccountName: o.serviceAccountName } : {}),
      automountServiceAccountToken: o.automountServiceAccountToken ?? false,
      securityContext: restrictedPodSecurityContext(),
      ...(o.restartPolicy ? { restartPolicy: o.restartPolicy } : {}),
      ...(o.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: o.terminationGracePeriodSeconds } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
      ...(o.topologySpreadConstraints ? { topologySpreadConstraints: o.topologySpreadConstraints } : {}),
      ...(o.priorityClassName ? { priorityClassName: o.priorityClassName } : {}),
      ...(o.imagePullSecrets?.length ? { imagePullSecrets: o.imagePullSecrets.map(name => ({ name })) } : {}),
      containers: [
        {
          name: o.containerName,
          image: o.image,
          imagePullPolicy: o.imagePullPolicy ?? 'IfNotPresent',
          ...(o.args ? { args: o.args } : {}),
          ...(env.length ? { env } : {}),
          ...(o.ports?.length ? { ports: o.ports } : {}),
          resources: resourceRequirements(o.resources),
          securityContext: restrictedContainerSecurityContext(),
          ...(o.readinessProbe ? { readinessProbe: o.readinessProbe } : {}),
          ...(o.livenessProbe ? { livenessProbe: o.livenessProbe } : {}),
          ...(o.startupProbe ? { startupProbe: o.startupProbe } : {}),
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...(o.volumeMounts ?? [])],
        },
      ],
      volumes: [tmp, ...(o.volumes ?? [])],
    },
  };
}
