import { k8s } from 'cdk8s-plus-28';
import { ContainerResources } from './resources';

/** When the kubelet pulls a container image. */
export type ImagePullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/**
 * The options of every pod the library makes, spelled the same on every component: Jaeger
 * (all-in-one, collector, query), the Elasticsearch maintenance Jobs, Tempo (monolithic and each
 * microservice), and the OpenTelemetry Collectors of every mode and tier. Chart-wide values come
 * from {@link TracingDefaults}; a component's own value wins over them, and where a component has
 * several roles (Tempo's microservices, the two tiers of a tail-sampling gateway, the maintenance
 * Jobs) a role's value wins over the component's.
 *
 * Maps (`podLabels`, `podAnnotations`) are merged key by key, `imagePullSecrets` are added
 * together; every other field is replaced by the more specific value.
 */
export interface WorkloadOptions {
  /**
   * Container image, pinned by tag or digest (never `:latest`).
   * @default - the version this library is tested with (see `Images`), rewritten to
   * `TracingDefaults.imageRegistry` when that is set
   */
  readonly image?: string;
  /**
   * Image pull policy.
   * @default 'IfNotPresent'
   */
  readonly imagePullPolicy?: ImagePullPolicy;
  /**
   * Names of Secrets (of type `kubernetes.io/dockerconfigjson`) for pulling the image; added to the
   * chart-wide ones and declared in the chart's `Prerequisites`.
   * @default - none
   * @see https://kubernetes.io/docs/tasks/configure-pod-container/pull-image-private-registry/
   */
  readonly imagePullSecrets?: string[];
  /**
   * Node selector of the pods.
   * @default - none (zone-pinned Tempo live-stores select their zone)
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Tolerations of the pods.
   * @default - none
   */
  readonly tolerations?: k8s.Toleration[];
  /**
   * Affinity of the pods.
   * @default - none
   */
  readonly affinity?: k8s.Affinity;
  /**
   * Topology spread constraints of the pods; replaces the component's own.
   * @default - replicated components spread over zones and nodes (`ScheduleAnyway`), others none
   */
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  /**
   * PriorityClass of the pods.
   * @default - none (the cluster default)
   */
  readonly priorityClassName?: string;
  /**
   * Extra labels of the pods. The component's own labels (`app.kubernetes.io/*`, which its
   * selectors use) cannot be overridden.
   * @default - none
   */
  readonly podLabels?: Record<string, string>;
  /**
   * Extra annotations of the pods.
   * @default - only the configuration checksum, where the component has a configuration
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * CPU and memory of the container.
   * @default - per component, see its props
   */
  readonly resources?: ContainerResources;
}

/** The field names of {@link WorkloadOptions}, for picking them out of a component's props. */
export const WORKLOAD_OPTION_KEYS: ReadonlyArray<keyof WorkloadOptions> = [
  'image', 'imagePullPolicy', 'imagePullSecrets', 'nodeSelector', 'tolerations', 'affinity',
  'topologySpreadConstraints', 'priorityClassName', 'podLabels', 'podAnnotations', 'resources',
];
