import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { ErrorScope, propError, requireDnsSubdomain } from './_errors';
import { pinnedImage, PinnedImage } from './_image';
import { chartNamespace } from './_namespace';
import { goMemLimitEnv, resourceRequirements, restrictedContainerSecurityContext, restrictedPodSecurityContext } from './_pod';
import { registerNetworkPolicies } from './network/_network-policies';
import type { NetworkPolicyOptions } from './network/network-policy-options';
import { noteDeliberateFindings } from './_scanner-notes';
import { Prerequisites } from './prerequisites';
import { ContainerResources, validateResources } from './resources';
import { ImagePullPolicy, WORKLOAD_OPTION_KEYS, WorkloadOptions } from './workload-options';
import { validateAnnotations, validateLabels } from './_labels';

/** The chart-wide defaults as {@link TracingDefaults} registers them (kept here to avoid an import cycle). */
export interface ChartWorkloadDefaults extends Omit<WorkloadOptions, 'image' | 'resources'> {
  readonly imageRegistry?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly networkPolicy?: NetworkPolicyOptions;
}

/** The construct that sets a chart's defaults ({@link TracingDefaults}). */
export interface ChartDefaultsOwner extends IConstruct {
  readonly props: ChartWorkloadDefaults;
}

const DEFAULTS = new WeakMap<Chart, ChartDefaultsOwner>();
const BUILT = new WeakMap<Chart, string[]>();

/** Called by {@link TracingDefaults}. */
export function registerChartDefaults(chart: Chart, owner: ChartDefaultsOwner): void {
  DEFAULTS.set(chart, owner);
}

/** What sets the defaults of `chart`, if anything does. */
export function chartDefaultsOwner(chart: Chart): ChartDefaultsOwner | undefined {
  return DEFAULTS.get(chart);
}

/** Paths of the components that already resolved their workload options in `chart`. */
export function workloadsBuiltIn(chart: Chart): string[] {
  return [...new Set(BUILT.get(chart) ?? [])];
}

/** The chart-wide defaults of `scope`'s chart. */
export function chartDefaults(scope: IConstruct): ChartWorkloadDefaults {
  return DEFAULTS.get(Chart.of(scope))?.props ?? {};
}

const PULL_POLICIES: readonly ImagePullPolicy[] = ['Always', 'IfNotPresent', 'Never'];
const REGISTRY = /^(?<host>[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*(:\d{1,5})?)(?<path>(\/[a-z0-9]+([._-][a-z0-9]+)*)*)$/;

/** Label and annotation checks live with the labels (constructs/_labels.ts); re-exported for the components. */
export { validateAnnotations, validateLabels };

/** A registry host, with optional port and path, to put in front of image references. */
export function validateImageRegistry(scope: ErrorScope, field: string, registry: string): void {
  if (typeof registry !== 'string' || registry.length > 255 || !REGISTRY.test(registry)) {
    throw propError(scope, field, registry, 'a registry host with optional port and path, such as "registry.internal:5000" or "registry.internal/mirror" (no scheme, no trailing \'/\')');
  }
}

/**
 * `reference` pulled through `registry`: references without a registry of their own (Docker Hub)
 * or with `docker.io` are prefixed; any other registry is kept.
 */
export function imageThroughRegistry(reference: string, registry: string | undefined): string {
  if (!registry) return reference;
  const slash = reference.indexOf('/');
  const first = slash >= 0 ? reference.slice(0, slash) : '';
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) return `${registry}/${reference}`;
  if (first === 'docker.io' || first === 'index.docker.io' || first === 'registry-1.docker.io') return `${registry}/${reference.slice(slash + 1)}`;
  return reference;
}

/** An image reference of `scope`'s component, pinned and pulled through the chart's registry. */
export function resolveImage(scope: IConstruct, field: string, reference: string): PinnedImage {
  const pinned = pinnedImage(scope, field, reference);
  return pinnedImage(scope, field, imageThroughRegistry(pinned.reference, chartDefaults(scope).imageRegistry));
}

/**
 * Checks one layer of workload options (a component's props, a role's, or the chart defaults).
 * @param prefix the field prefix of the layer, e.g. `'liveStore.'`
 */
export function validateWorkloadOptions(scope: IConstruct, prefix: string, o: Omit<WorkloadOptions, 'image'> & { readonly image?: string }): void {
  if (o.image !== undefined) pinnedImage(scope, `${prefix}image`, o.image);
  if (o.imagePullPolicy !== undefined && !PULL_POLICIES.includes(o.imagePullPolicy)) {
    throw propError(scope, `${prefix}imagePullPolicy`, o.imagePullPolicy, `one of ${PULL_POLICIES.map(p => JSON.stringify(p)).join(', ')}`);
  }
  if (o.imagePullSecrets !== undefined) {
    if (!Array.isArray(o.imagePullSecrets)) throw propError(scope, `${prefix}imagePullSecrets`, o.imagePullSecrets, 'a list of Secret names');
    o.imagePullSecrets.forEach((name, i) => requireDnsSubdomain(scope, `${prefix}imagePullSecrets[${i}]`, name));
  }
  if (o.nodeSelector !== undefined) validateLabels(scope, `${prefix}nodeSelector`, o.nodeSelector);
  for (const field of ['tolerations', 'topologySpreadConstraints'] as const) {
    if (o[field] !== undefined && !Array.isArray(o[field])) throw propError(scope, `${prefix}${field}`, o[field], 'a list');
  }
  if (o.affinity !== undefined && (typeof o.affinity !== 'object' || o.affinity === null || Array.isArray(o.affinity))) {
    throw propError(scope, `${prefix}affinity`, o.affinity, 'an Affinity object (nodeAffinity, podAffinity, podAntiAffinity)');
  }
  if (o.priorityClassName !== undefined) requireDnsSubdomain(scope, `${prefix}priorityClassName`, o.priorityClassName);
  validateLabels(scope, `${prefix}podLabels`, o.podLabels);
  validateAnnotations(scope, `${prefix}podAnnotations`, o.podAnnotations);
  if (o.resources !== undefined) validateResources(scope, `${prefix}resources`, o.resources);
}

/** One layer of options: a component's props (`prefix` ''), or one of its roles (`'liveStore.'`). */
export interface WorkloadLayer {
  readonly prefix: string;
  readonly options?: WorkloadOptions;
}

/** The component's own choices, used where neither the chart nor the user says otherwise. */
export interface WorkloadFallback {
  readonly image: string;
  readonly resources: ContainerResources;
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
}

/** Every workload option of one pod, decided. */
export interface ResolvedWorkload {
  readonly image: PinnedImage;
  readonly imagePullPolicy: ImagePullPolicy;
  readonly imagePullSecrets: string[];
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: k8s.Toleration[];
  readonly affinity?: k8s.Affinity;
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  readonly priorityClassName?: string;
  readonly podLabels: Record<string, string>;
  readonly podAnnotations: Record<string, string>;
  /** `TracingDefaults.labels`: on the pod unless the component or the user sets the key. */
  readonly chartLabels: Record<string, string>;
  /** `TracingDefaults.annotations`: on the pod unless the component or the user sets the key. */
  readonly chartAnnotations: Record<string, string>;
  readonly resources: ContainerResources;
}

/**
 * Decides the workload options of one pod of `scope`: the chart defaults ({@link TracingDefaults}),
 * then each layer (component, role), then the component's fallback. Validates the chart's namespace
 * and each layer, declares pull Secrets as prerequisites, and records that `scope` was built
 * (defaults come first). Registers the chart's passes at synthesis: the scanner notes and the
 * NetworkPolicy of every workload made by a component that resolved its options here.
 */
export function resolveWorkload(scope: IConstruct, layers: readonly WorkloadLayer[], fallback: WorkloadFallback, opts: { readonly pullSecrets?: boolean } = {}): ResolvedWorkload {
  const chart = Chart.of(scope);
  chartNamespace(scope);
  noteDeliberateFindings(scope, () => chartDefaultsOwner(chart)?.props.annotations ?? {});
  registerNetworkPolicies(scope, () => chartDefaultsOwner(chart)?.props.networkPolicy, () => workloadsBuiltIn(chart));
  const built = BUILT.get(chart) ?? [];
  built.push(scope.node.path);
  BUILT.set(chart, built);

  for (const l of layers) if (l.options) validateWorkloadOptions(scope, l.prefix, l.options);
  const d = chartDefaults(scope);
  const o = layers.reduce<WorkloadOptions>((acc, l) => mergeWorkloadOptions(acc, l.options), workloadOptionsOf(d));

  let imageField = 'image';
  for (const l of layers) if (l.options?.image !== undefined) imageField = `${l.prefix}image`;
  const image = resolveImage(scope, imageField, o.image ?? fallback.image);
  const secrets = opts.pullSecrets === false ? [] : o.imagePullSecrets ?? [];
  for (const name of secrets) Prerequisites.of(scope).addSecret(name, 'image pull credentials (type kubernetes.io/dockerconfigjson)');
  const resources = o.resources ?? fallback.resources;
  validateResources(scope, 'resources', resources);
  return {
    image,
    imagePullPolicy: o.imagePullPolicy ?? 'IfNotPresent',
    imagePullSecrets: secrets,
    nodeSelector: o.nodeSelector,
    tolerations: o.tolerations,
    affinity: o.affinity,
    topologySpreadConstraints: o.topologySpreadConstraints ?? fallback.topologySpreadConstraints,
    priorityClassName: o.priorityClassName,
    podLabels: o.podLabels ?? {},
    podAnnotations: o.podAnnotations ?? {},
    chartLabels: d.labels ?? {},
    chartAnnotations: d.annotations ?? {},
    resources,
  };
}

/** The workload options of `props` alone (the {@link WorkloadOptions} fields), for passing on. */
export function workloadOptionsOf(props: WorkloadOptions | undefined): WorkloadOptions {
  const picked: Record<string, unknown> = {};
  for (const key of WORKLOAD_OPTION_KEYS) if (props?.[key] !== undefined) picked[key] = props[key];
  return picked as WorkloadOptions;
}

/**
 * `inner`'s workload options over `outer`'s (a role's over its component's, a component's over the
 * chart's): maps (`podLabels`, `podAnnotations`) merge key by key, `imagePullSecrets` add up, every
 * other option is replaced by the more specific value.
 */
export function mergeWorkloadOptions(outer: WorkloadOptions, inner: WorkloadOptions | undefined): WorkloadOptions {
  const i = workloadOptionsOf(inner);
  const mergeMaps = (a?: Record<string, string>, b?: Record<string, string>) => (a || b ? { ...a, ...b } : undefined);
  return {
    ...workloadOptionsOf(outer),
    ...i,
    podLabels: mergeMaps(outer.podLabels, i.podLabels),
    podAnnotations: mergeMaps(outer.podAnnotations, i.podAnnotations),
    imagePullSecrets: outer.imagePullSecrets || i.imagePullSecrets ? [...new Set([...(outer.imagePullSecrets ?? []), ...(i.imagePullSecrets ?? [])])] : undefined,
  };
}

/** Everything one single-container pod needs. */
export interface PodOptions {
  readonly containerName: string;
  /** Image, scheduling, pull Secrets, extra labels and annotations, resources. */
  readonly workload: ResolvedWorkload;
  readonly args?: string[];
  readonly env?: k8s.EnvVar[];
  readonly ports?: k8s.ContainerPort[];
  readonly volumes?: k8s.Volume[];
  readonly volumeMounts?: k8s.VolumeMount[];
  readonly readinessProbe?: k8s.Probe;
  readonly livenessProbe?: k8s.Probe;
  readonly startupProbe?: k8s.Probe;
  /** The component's own pod labels (its selector among them): user labels cannot override them. */
  readonly labels: Record<string, string>;
  /** The component's own annotations (the configuration checksum): they win over user annotations. */
  readonly annotations?: Record<string, string>;
  /** Node labels the component itself requires (a live-store's zone), added to the user's selector. */
  readonly requiredNodeSelector?: Record<string, string>;
  readonly serviceAccountName?: string;
  readonly restartPolicy?: string;
  readonly terminationGracePeriodSeconds?: number;
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
  const w = o.workload;
  for (const key of Object.keys(w.podLabels)) {
    if (key in o.labels) throw propError(scope, 'podLabels', key, `a label other than the component's own (${Object.keys(o.labels).join(', ')}), which its selectors use`);
  }
  const labels = { ...w.chartLabels, ...w.podLabels, ...o.labels };
  const annotations = { ...w.chartAnnotations, ...w.podAnnotations, ...(o.annotations ?? {}) };
  const nodeSelector = w.nodeSelector || o.requiredNodeSelector ? { ...(w.nodeSelector ?? {}), ...(o.requiredNodeSelector ?? {}) } : undefined;
  const tmp: k8s.Volume = { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } };
  const env = [...(o.env ?? [])];
  if (o.goMemLimit) env.push(goMemLimitEnv(scope, 'resources', w.resources));
  return {
    metadata: { labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: {
      ...(o.serviceAccountName ? { serviceAccountName: o.serviceAccountName } : {}),
      automountServiceAccountToken: o.automountServiceAccountToken ?? false,
      securityContext: restrictedPodSecurityContext(),
      ...(o.restartPolicy ? { restartPolicy: o.restartPolicy } : {}),
      ...(o.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: o.terminationGracePeriodSeconds } : {}),
      ...(nodeSelector ? { nodeSelector } : {}),
      ...(w.tolerations?.length ? { tolerations: w.tolerations } : {}),
      ...(w.affinity ? { affinity: w.affinity } : {}),
      ...(w.topologySpreadConstraints?.length ? { topologySpreadConstraints: w.topologySpreadConstraints } : {}),
      ...(w.priorityClassName ? { priorityClassName: w.priorityClassName } : {}),
      ...(w.imagePullSecrets.length ? { imagePullSecrets: w.imagePullSecrets.map(name => ({ name })) } : {}),
      containers: [
        {
          name: o.containerName,
          image: w.image.reference,
          imagePullPolicy: w.imagePullPolicy,
          ...(o.args ? { args: o.args } : {}),
          ...(env.length ? { env } : {}),
          ...(o.ports?.length ? { ports: o.ports } : {}),
          resources: resourceRequirements(w.resources),
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
