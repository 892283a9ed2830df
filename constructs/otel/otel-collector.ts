import { createHash } from 'crypto';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { atSynth } from '../_token';
import { collectorAutoscaler } from '../_autoscaler';
import { propError, requireDnsLabel, requireInteger } from '../_errors';
import { chartNamespace } from '../_namespace';
import { selectorLabels, standardLabels } from '../_labels';
import { httpProbe, spreadOverZonesAndNodes } from '../_pod';
import { podTemplate, resolveWorkload } from '../_workload';
import { replicasEndpoint, replicasService } from '../_replicas-service';
import { ISpanReceiver } from '../ingress/tracing-ingress';
import { CollectorAutoscaling } from '../jaeger/jaeger-collector';
import { SpanProtocol } from '../jaeger/jaeger-ports';
import { MetricsProgram, registerMetricsSource } from '../monitoring/_metrics-sources';
import { ContainerResources } from '../resources';
import { ServiceEndpoint } from '../service-endpoint';
import { checkUniqueObjectNames } from '../synthesis';
import { Images } from '../versions';
import { WorkloadOptions } from '../workload-options';
import { CollectorConfig } from './collector-config';
import { CollectorPipelineOptions, LoadBalancerResolver, QUEUE_DIRECTORY, collectorPipelineConfig } from './collector-pipeline';
import { CollectorPorts, collectorEndpoint } from './collector-ports';

/** Where the collector runs. */
export enum CollectorMode {
  /** One pod per node (DaemonSet); its Service keeps traffic on the node (`internalTrafficPolicy: Local`). */
  AGENT = 'agent',
  /** A replicated Deployment behind a Service, with a PodDisruptionBudget. */
  GATEWAY = 'gateway',
}

/** Props of {@link OtelCollector}. */
export interface OtelCollectorProps extends CollectorPipelineOptions, WorkloadOptions {
  /**
   * Agent (DaemonSet) or gateway (Deployment).
   * @default CollectorMode.GATEWAY
   */
  readonly mode?: CollectorMode;
  /**
   * Base name of the Kubernetes objects.
   * @default 'otel-agent' or 'otel-gateway'
   */
  readonly name?: string;
  /**
   * Replicas of a gateway (not with `autoscaling`).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Horizontal Pod Autoscaler of a gateway. Off by default: scaling a tail-sampling tier moves traces
   * between instances mid-decision.
   * @default - no autoscaler
   */
  readonly autoscaling?: CollectorAutoscaling;
  /**
   * Most gateway pods unavailable at once during voluntary disruptions (PodDisruptionBudget).
   * @default 1
   */
  readonly maxUnavailable?: number;
  /**
   * CPU and memory; `memory_limiter` works in percent of the memory limit.
   * @default - agent 100m/128Mi requested, 256Mi limit; gateway 250m/512Mi requested, 1Gi limit
   */
  readonly resources?: ContainerResources;
  /** Annotations of the Service. @default - none */
  readonly serviceAnnotations?: Record<string, string>;
  /**
   * The instances sit behind a load balancer that routes by trace id, as the sampling tier of a
   * {@link TailSamplingGateway} does. Tail sampling on more than one replica needs it: behind a plain
   * Service the spans of one trace are spread over the replicas and each decides on a fragment.
   * @default false
   */
  readonly loadBalancedByTraceId?: boolean;
  /**
   * Mount the ServiceAccount token (the `k8s` load-balancing resolver needs it).
   * @default - only when `loadBalanceTo` uses the k8s resolver
   */
  readonly automountServiceAccountToken?: boolean;
}

const CONFIG_DIR = '/etc/otelcol';

/** Default CPU and memory of an agent (one per node, light). */
export const DEFAULT_AGENT_RESOURCES: ContainerResources = { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' };
/** Default CPU and memory of a gateway. */
export const DEFAULT_GATEWAY_RESOURCES: ContainerResources = { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1Gi' };

/**
 * An OpenTelemetry Collector that receives OTLP (gRPC 4317, HTTP 4318) and sends it on to the
 * stack's backends or another collector, by construct. Its configuration is a typed
 * {@link CollectorConfig} (exposed as `config`, rendered at synthesis, reference-checked).
 *
 * ```ts
 * const gateway = new OtelCollector(chart, 'gateway', { exportTo: [jaegerCollector, tempo] });
 * new OtelCollector(chart, 'agent', { mode: CollectorMode.AGENT, exportTo: [gateway] });
 * ```
 */
export class OtelCollector extends Construct implements ISpanReceiver {
  /** The configuration; add components to it before synthesis if needed. */
  public readonly config: CollectorConfig;
  /** The mode. */
  public readonly mode: CollectorMode;
  /** The DaemonSet (agent) or Deployment (gateway). */
  public readonly workload: k8s.KubeDaemonSet | k8s.KubeDeployment;
  /** The Service in front of the pods. */
  public readonly service: k8s.KubeService;
  /** The ConfigMap with `config.yaml`. */
  public readonly configMap: k8s.KubeConfigMap;
  /** The pods' ServiceAccount. */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** The disruption budget (gateway). */
  public readonly disruptionBudget?: k8s.KubePodDisruptionBudget;
  /** The autoscaler (gateway with `autoscaling`). */
  public readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  /** Name of the Service (and of the other objects). */
  public readonly serviceName: string;
  /** The standard labels of this collector's objects. */
  public readonly labels: Record<string, string>;
  /** Labels that select this collector's pods. */
  public readonly selector: Record<string, string>;
  /** The instances sit behind a load balancer by trace id (a sampling tier): nothing may export to this collector directly. */
  public readonly loadBalancedByTraceId: boolean;
  /** A gateway's headless Service (`<name>-headless`, OTLP gRPC): every replica's address, for exporters that balance over them. */
  public readonly headlessService?: k8s.KubeService;

  private readonly namespace?: string;

  constructor(scope: Construct, id: string, props: OtelCollectorProps) {
    super(scope, id);
    const mode = props.mode ?? CollectorMode.GATEWAY;
    if (!Object.values(CollectorMode).includes(mode)) throw propError(this, 'mode', mode, `one of ${Object.values(CollectorMode).join(', ')}`);
    this.mode = mode;
    this.loadBalancedByTraceId = props.loadBalancedByTraceId ?? false;
    const agent = mode === CollectorMode.AGENT;
    const name = props.name ?? (agent ? 'otel-agent' : 'otel-gateway');
    requireDnsLabel(this, 'name', name, 47);
    if (agent) {
      for (const field of ['replicas', 'autoscaling', 'maxUnavailable'] as const) {
        if (props[field] !== undefined) throw propError(this, field, props[field], 'unset for an agent (one pod per node)');
      }
      if (props.tailSampling) throw propError(this, 'tailSampling', 'set', 'unset for an agent: tail sampling needs every span of a trace, which only a gateway behind a load balancer by trace id gets (TailSamplingGateway)');
    }
    if (props.autoscaling && props.replicas !== undefined) {
      throw propError(this, 'replicas', props.replicas, 'unset while autoscaling is on (set autoscaling.minReplicas)');
    }
    const replicas = props.autoscaling ? undefined : props.replicas ?? 2;
    if (replicas !== undefined) requireInteger(this, 'replicas', replicas, 1, 1000);

    const workload = resolveWorkload(this, [{ prefix: '', options: props }], {
      image: Images.OTEL_COLLECTOR,
      resources: agent ? DEFAULT_AGENT_RESOURCES : DEFAULT_GATEWAY_RESOURCES,
      topologySpreadConstraints: agent ? undefined : spreadOverZonesAndNodes(selectorLabels({ name: 'opentelemetry-collector', instance: name, component: 'gateway' })),
    });
    const image = workload.image;

    this.namespace = chartNamespace(this);
    checkUniqueObjectNames(this);
    this.serviceName = name;
    const ids = { name: 'opentelemetry-collector', instance: name, component: agent ? 'agent' : 'gateway', version: image.versionLabel };
    this.labels = standardLabels(ids);
    this.selector = selectorLabels(ids);

    this.config = collectorPipelineConfig(this, name, props);
    if (props.tailSampling && replicas !== 1 && !props.loadBalancedByTraceId) {
      throw propError(this, 'tailSampling', 'set', `on one replica (replicas: 1), or on instances behind a load balancer by trace id (TailSamplingGateway); replicas is ${replicas ?? 'autoscaled'}`);
    }
    this.node.addValidation({ validate: () => this.config.validate() });
    const configYaml = () => this.config.toYaml();

    this.configMap = new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: `${name}-config`, labels: this.labels },
      data: { 'config.yaml': atSynth(configYaml) },
    });
    const checksum = atSynth(() => createHash('sha256').update(configYaml()).digest('hex'));

    const automount = props.automountServiceAccountToken ?? props.loadBalanceTo?.resolver === LoadBalancerResolver.K8S;
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name, labels: this.labels },
      automountServiceAccountToken: automount,
    });

    const volumes: k8s.Volume[] = [{ name: 'config', configMap: { name: this.configMap.name, items: [{ key: 'config.yaml', path: 'config.yaml' }] } }];
    const mounts: k8s.VolumeMount[] = [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }];
    if (props.queue?.persistent) {
      volumes.push({ name: 'queue', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } });
      mounts.push({ name: 'queue', mountPath: QUEUE_DIRECTORY });
    }
    const ports = [CollectorPorts.OTLP_GRPC, CollectorPorts.OTLP_HTTP, CollectorPorts.HEALTH, CollectorPorts.METRICS];
    const template = podTemplate(this, {
      workload,
      serviceAccountName: this.serviceAccount.name,
      automountServiceAccountToken: automount,
      containerName: 'otel-collector',
      args: [`--config=file:${CONFIG_DIR}/config.yaml`],
      ports: ports.map(p => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
      volumes,
      volumeMounts: mounts,
      readinessProbe: httpProbe('/', CollectorPorts.HEALTH.name, { initialDelaySeconds: 2, periodSeconds: 5 }),
      livenessProbe: httpProbe('/', CollectorPorts.HEALTH.name, { initialDelaySeconds: 10, periodSeconds: 15, failureThreshold: 4 }),
      labels: this.labels,
      annotations: { 'checksum/config': checksum },
      goMemLimit: true,
      // Long enough for the exporters to drain their queues on shutdown.
      terminationGracePeriodSeconds: 60,
    });

    this.workload = agent
      ? new k8s.KubeDaemonSet(this, 'Resource', {
        metadata: { name, labels: this.labels },
        spec: {
          revisionHistoryLimit: 5,
          selector: { matchLabels: this.selector },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
          template,
        },
      })
      : new k8s.KubeDeployment(this, 'Resource', {
        metadata: { name, labels: this.labels },
        spec: {
          ...(replicas !== undefined ? { replicas } : {}),
          revisionHistoryLimit: 5,
          selector: { matchLabels: this.selector },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromString('25%') } },
          template,
        },
      });

    registerMetricsSource({
      scope: this,
      workload: this.workload,
      program: MetricsProgram.OTELCOL,
      selector: this.selector,
      component: ids.component,
      portName: CollectorPorts.METRICS.name,
      resources: workload.resources,
      tailSampling: props.tailSampling !== undefined,
    });

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name, labels: this.labels, ...(props.serviceAnnotations ? { annotations: props.serviceAnnotations } : {}) },
      spec: {
        type: 'ClusterIP',
        selector: this.selector,
        // An agent's clients reach the pod on their own node.
        ...(agent ? { internalTrafficPolicy: 'Local' } : {}),
        ports: [CollectorPorts.OTLP_GRPC, CollectorPorts.OTLP_HTTP, CollectorPorts.METRICS]
          .map(p => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: 'TCP', ...(p.name === 'otlp-grpc' ? { appProtocol: 'grpc' } : {}) })),
      },
    });

    if (!agent) {
      this.headlessService = replicasService(this, name, this.labels, this.selector, CollectorPorts.OTLP_GRPC);
      const maxUnavailable = props.maxUnavailable ?? 1;
      requireInteger(this, 'maxUnavailable', maxUnavailable, 1, 1000);
      this.disruptionBudget = new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: { name, labels: this.labels },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(maxUnavailable), selector: { matchLabels: this.selector } },
      });
      if (props.autoscaling) this.autoscaler = collectorAutoscaler(this, name, this.labels, props.autoscaling);
    }
  }

  /** Where to send spans: OTLP gRPC (4317) or OTLP HTTP (4318, the default). */
  public spanEndpoint(protocol: SpanProtocol = SpanProtocol.OTLP_HTTP): ServiceEndpoint {
    return collectorEndpoint(this, this.serviceName, this.namespace, protocol);
  }

  /** A gateway's OTLP gRPC on its headless Service (undefined for an agent: its clients reach the pod on their node). */
  public get grpcReplicasEndpoint(): ServiceEndpoint | undefined {
    return this.headlessService ? replicasEndpoint(this.headlessService, this.namespace, CollectorPorts.OTLP_GRPC) : undefined;
  }
}
