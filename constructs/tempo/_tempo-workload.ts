import { Size, SizeRoundingBehavior } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { propError } from '../_errors';
import { selectorLabels, standardLabels } from '../_labels';
import { httpProbe } from '../_pod';
import { podTemplate, resolveWorkload, WorkloadLayer } from '../_workload';
import { JaegerPort } from '../jaeger/jaeger-ports';
import { MetricsProgram, registerMetricsSource } from '../monitoring/_metrics-sources';
import { ContainerResources } from '../resources';
import { TempoVersion } from './tempo-version';
import { ObjectStorageBinding } from '../storage/object-storage';
import { TEMPO_CONFIG_DIR, TEMPO_DATA_DIR, TEMPO_OVERRIDES_DIR, TempoPorts } from './tempo-settings';

/** The label that makes a pod a member of the memberlist ring. */
export const GOSSIP_LABEL = 'tempo-gossip-member';

/** A persistent volume for `/var/tempo`. */
export interface TempoVolumeOptions {
  /** Size of the claim. */
  readonly size: Size;
  /** StorageClass. @default - the cluster default */
  readonly storageClassName?: string;
}

/** What one Tempo component needs. */
export interface TempoWorkloadSpec {
  readonly resourceName: string;
  readonly instance: string;
  readonly component: string;
  readonly target?: string;
  /** Workload options, least specific first (the component's props, then the role's). */
  readonly layers: readonly WorkloadLayer[];
  /** The image of the Tempo release line, when no option sets one. */
  readonly defaultImage: string;
  /** The Tempo release line (its metric names differ). */
  readonly version: TempoVersion;
  readonly kind: 'Deployment' | 'StatefulSet';
  readonly replicas: number;
  readonly configMapName: string;
  readonly overridesConfigMapName?: string;
  readonly configChecksum: string;
  readonly ports: readonly JaegerPort[];
  readonly gossip: boolean;
  readonly volume?: TempoVolumeOptions;
  readonly extraArgs?: string[];
  readonly extraEnv?: k8s.EnvVar[];
  readonly binding: ObjectStorageBinding;
  /** CPU and memory when no option sets them. */
  readonly defaultResources: ContainerResources;
  readonly serviceAccountName: string;
  readonly terminationGracePeriodSeconds?: number;
  /** Node labels the component requires (its zone), added to the user's node selector. */
  readonly requiredNodeSelector?: Record<string, string>;
  readonly strategy?: k8s.DeploymentStrategy;
  readonly spread?: boolean;
  readonly disruptionBudget?: boolean;
}

/** One Tempo component's workload and Service. */
export class TempoWorkload extends Construct {
  public readonly workload: k8s.KubeDeployment | k8s.KubeStatefulSet;
  public readonly service: k8s.KubeService;
  public readonly selector: Record<string, string>;
  public readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, spec: TempoWorkloadSpec) {
    super(scope, id);
    this.selector = selectorLabels({ name: 'tempo', instance: spec.instance, component: spec.component });
    const workload = resolveWorkload(this, spec.layers, {
      image: spec.defaultImage,
      resources: spec.defaultResources,
      topologySpreadConstraints: spec.spread
        ? [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: this.selector } }]
        : undefined,
    });
    this.labels = standardLabels({ name: 'tempo', instance: spec.instance, component: spec.component, version: workload.image.versionLabel });
    const podLabels = { ...this.labels, ...(spec.gossip ? { [GOSSIP_LABEL]: 'true' } : {}), ...spec.binding.podLabels };

    const volumes: k8s.Volume[] = [
      { name: 'config', configMap: { name: spec.configMapName, items: [{ key: 'tempo.yaml', path: 'tempo.yaml' }] } },
      ...(spec.overridesConfigMapName ? [{ name: 'overrides', configMap: { name: spec.overridesConfigMapName, items: [{ key: 'overrides.yaml', path: 'overrides.yaml' }] } }] : []),
      ...spec.binding.volumes,
    ];
    const mounts: k8s.VolumeMount[] = [
      { name: 'config', mountPath: TEMPO_CONFIG_DIR, readOnly: true },
      ...(spec.overridesConfigMapName ? [{ name: 'overrides', mountPath: TEMPO_OVERRIDES_DIR, readOnly: true }] : []),
      { name: 'data', mountPath: TEMPO_DATA_DIR },
      ...spec.binding.volumeMounts,
    ];
    if (spec.volume) {
      const mib = spec.volume.size.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
      if (!(mib >= 1)) throw propError(this, 'volume.size', `${mib}Mi`, 'at least 1Mi');
    }
    if (!spec.volume || spec.kind === 'Deployment') {
      volumes.push({ name: 'data', emptyDir: {} });
    }

    const allPorts = [...spec.ports, TempoPorts.HTTP, TempoPorts.GRPC, ...(spec.gossip ? [TempoPorts.GOSSIP] : [])];
    const template = podTemplate(this, {
      workload,
      containerName: 'tempo',
      args: [`-config.file=${TEMPO_CONFIG_DIR}/tempo.yaml`, ...(spec.target ? [`-target=${spec.target}`] : []), ...(spec.extraArgs ?? [])],
      env: [...spec.binding.env, ...(spec.extraEnv ?? [])],
      ports: allPorts.map(p => ({ name: p.name, containerPort: p.port, protocol: p.protocol })),
      volumes,
      volumeMounts: mounts,
      // /ready covers every module, the live-store's catch-up and the frontend's queriers.
      readinessProbe: httpProbe('/ready', TempoPorts.HTTP.name, { initialDelaySeconds: 5, periodSeconds: 10 }),
      // Liveness only asks whether the process serves at all: a not-ready Tempo must not be restarted.
      livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString(TempoPorts.HTTP.name) }, initialDelaySeconds: 30, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
      labels: podLabels,
      annotations: { 'checksum/config': spec.configChecksum },
      serviceAccountName: spec.serviceAccountName,
      terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 30,
      requiredNodeSelector: spec.requiredNodeSelector,
      goMemLimit: true,
    });

    const headless = spec.kind === 'StatefulSet';
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: spec.resourceName, labels: this.labels },
      spec: {
        ...(headless ? { clusterIp: 'None' } : {}),
        selector: this.selector,
        ports: [...spec.ports, TempoPorts.HTTP, TempoPorts.GRPC].map(p => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: p.protocol })),
      },
    });

    if (spec.kind === 'StatefulSet') {
      this.workload = new k8s.KubeStatefulSet(this, 'Resource', {
        metadata: { name: spec.resourceName, labels: this.labels },
        spec: {
          serviceName: this.service.name,
          replicas: spec.replicas,
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: this.selector },
          template,
          ...(spec.volume ? {
            volumeClaimTemplates: [{
              metadata: { name: 'data', labels: this.selector },
              spec: {
                accessModes: ['ReadWriteOnce'],
                ...(spec.volume.storageClassName ? { storageClassName: spec.volume.storageClassName } : {}),
                resources: { requests: { storage: k8s.Quantity.fromString(`${Math.ceil(spec.volume.size.toMebibytes({ rounding: SizeRoundingBehavior.NONE }))}Mi`) } },
              },
            }],
            persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
          } : {}),
        },
      });
    } else {
      this.workload = new k8s.KubeDeployment(this, 'Resource', {
        metadata: { name: spec.resourceName, labels: this.labels },
        spec: { replicas: spec.replicas, revisionHistoryLimit: 5, selector: { matchLabels: this.selector }, ...(spec.strategy ? { strategy: spec.strategy } : {}), template },
      });
    }

    registerMetricsSource({
      scope: this,
      workload: this.workload,
      program: MetricsProgram.TEMPO,
      selector: this.selector,
      component: spec.component,
      portName: TempoPorts.HTTP.name,
      resources: workload.resources,
      majorVersion: spec.version === TempoVersion.TEMPO_2 ? 2 : 3,
    });

    if (spec.disruptionBudget && spec.replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: { name: spec.resourceName, labels: this.labels },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.selector } },
      });
    }
  }
}
