import { Construct } from 'constructs';
import { atSynth } from '../_token';
import type {
  OpenTelemetryCollectorV1Beta1,
  OpenTelemetryCollectorV1Beta1SpecAffinity,
  OpenTelemetryCollectorV1Beta1SpecConfig,
  OpenTelemetryCollectorV1Beta1SpecTolerations,
  OpenTelemetryCollectorV1Beta1SpecTopologySpreadConstraints,
} from '../../imports/otelcollector-opentelemetry.io';
import { otelCollectorCrd } from '../_crds';
import { propError, requireDnsLabel, requireInteger } from '../_errors';
import { chartNamespace } from '../_namespace';
import { resolveWorkload } from '../_workload';
import { standardLabels } from '../_labels';
import { goMemLimitEnv, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../_pod';
import { ISpanReceiver } from '../ingress/tracing-ingress';
import { SpanProtocol } from '../jaeger/jaeger-ports';
import { MetricsProgram, registerMetricsSource } from '../monitoring/_metrics-sources';
import { ContainerResources } from '../resources';
import { WorkloadOptions } from '../workload-options';
import { ServiceEndpoint } from '../service-endpoint';
import { checkUniqueObjectNames } from '../synthesis';
import { Images } from '../versions';
import { CollectorConfig } from './collector-config';
import { CollectorPipelineOptions, collectorPipelineConfig } from './collector-pipeline';
import { collectorEndpoint } from './collector-ports';
import { CollectorMode, DEFAULT_AGENT_RESOURCES, DEFAULT_GATEWAY_RESOURCES } from './otel-collector';

/** Props of {@link OtelCollectorOperatorInstance}. */
/**
 * Props of {@link OtelCollectorOperatorInstance}. Its {@link WorkloadOptions} go to the resource's
 * pod fields, except `imagePullSecrets` (the operator's pods take them from their ServiceAccount)
 * and `podLabels` (the resource has no such field).
 */
export interface OtelCollectorOperatorInstanceProps extends Omit<CollectorPipelineOptions, 'loadBalanceTo'>, Omit<WorkloadOptions, 'imagePullSecrets' | 'podLabels'> {
  /**
   * Agent (operator mode `daemonset`) or gateway (`deployment`).
   * @default CollectorMode.GATEWAY
   */
  readonly mode?: CollectorMode;
  /**
   * Name of the `OpenTelemetryCollector`; the operator names its objects `<name>-collector`.
   * @default 'otel-gateway' or 'otel-agent'
   */
  readonly name?: string;
  /**
   * Replicas of a gateway.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * CPU and memory.
   * @default - agent 100m/128Mi requested, 256Mi limit; gateway 250m/512Mi requested, 1Gi limit
   */
  readonly resources?: ContainerResources;
}


/**
 * The same collector as {@link OtelCollector}, rendered as an OpenTelemetry Operator
 * `OpenTelemetryCollector` (opentelemetry.io/v1beta1) for clusters that run the operator. The
 * configuration is the same typed, reference-checked {@link CollectorConfig}; the operator creates
 * the workload and the Services (`<name>-collector`, port names `otlp-grpc`, `otlp-http`).
 */
export class OtelCollectorOperatorInstance extends Construct implements ISpanReceiver {
  /** The custom resource. */
  public readonly resource: OpenTelemetryCollectorV1Beta1;
  /** The configuration; add components to it before synthesis if needed. */
  public readonly config: CollectorConfig;
  /** The Service the operator creates. */
  public readonly serviceName: string;
  private readonly namespace?: string;

  constructor(scope: Construct, id: string, props: OtelCollectorOperatorInstanceProps) {
    super(scope, id);
    const mode = props.mode ?? CollectorMode.GATEWAY;
    if (!Object.values(CollectorMode).includes(mode)) throw propError(this, 'mode', mode, `one of ${Object.values(CollectorMode).join(', ')}`);
    const agent = mode === CollectorMode.AGENT;
    const name = props.name ?? (agent ? 'otel-agent' : 'otel-gateway');
    requireDnsLabel(this, 'name', name, 42);
    if (agent && props.replicas !== undefined) throw propError(this, 'replicas', props.replicas, 'unset for an agent (one pod per node)');
    if (agent && props.tailSampling) throw propError(this, 'tailSampling', 'set', 'unset for an agent (use TailSamplingGateway)');
    const replicas = agent ? undefined : props.replicas ?? 2;
    if (replicas !== undefined) requireInteger(this, 'replicas', replicas, 1, 1000);
    for (const field of ['imagePullSecrets', 'podLabels'] as const) {
      if ((props as WorkloadOptions)[field] !== undefined) throw propError(this, field, (props as WorkloadOptions)[field], 'unset: the OpenTelemetryCollector resource has no such field (pull Secrets come from the ServiceAccount; labels of the resource reach its pods)');
    }
    const workload = resolveWorkload(this, [{ prefix: '', options: props }], {
      image: Images.OTEL_COLLECTOR,
      resources: agent ? DEFAULT_AGENT_RESOURCES : DEFAULT_GATEWAY_RESOURCES,
    }, { pullSecrets: false });
    const image = workload.image;
    const resources = workload.resources;
    if (props.queue?.persistent) throw propError(this, 'queue.persistent', true, 'false for the operator rendering (use OtelCollector for a persistent queue)');

    this.namespace = chartNamespace(this);
    checkUniqueObjectNames(this);
    this.serviceName = `${name}-collector`;
    this.config = collectorPipelineConfig(this, name, props);
    if (props.tailSampling && replicas !== 1) {
      throw propError(this, 'tailSampling', 'set', `on one replica (replicas: 1): the operator's Service spreads a trace's spans over the replicas; replicas is ${replicas}`);
    }
    this.node.addValidation({ validate: () => this.config.validate() });
    const podAnnotations = { ...workload.chartAnnotations, ...workload.podAnnotations };
    const {
      OpenTelemetryCollectorV1Beta1, OpenTelemetryCollectorV1Beta1SpecMode, OpenTelemetryCollectorV1Beta1SpecPodDisruptionBudgetMaxUnavailable,
      OpenTelemetryCollectorV1Beta1SpecResourcesLimits, OpenTelemetryCollectorV1Beta1SpecUpgradeStrategy,
    } = otelCollectorCrd();
    const q = (v: string) => OpenTelemetryCollectorV1Beta1SpecResourcesLimits.fromString(v);

    this.resource = new OpenTelemetryCollectorV1Beta1(this, 'Resource', {
      metadata: { name, labels: standardLabels({ name: 'opentelemetry-collector', instance: name, component: agent ? 'agent' : 'gateway', version: image.versionLabel }) },
      spec: {
        mode: agent ? OpenTelemetryCollectorV1Beta1SpecMode.DAEMONSET : OpenTelemetryCollectorV1Beta1SpecMode.DEPLOYMENT,
        image: image.reference,
        imagePullPolicy: workload.imagePullPolicy,
        ...(workload.nodeSelector ? { nodeSelector: workload.nodeSelector } : {}),
        ...(workload.tolerations?.length ? { tolerations: workload.tolerations as OpenTelemetryCollectorV1Beta1SpecTolerations[] } : {}),
        ...(workload.affinity ? { affinity: workload.affinity as unknown as OpenTelemetryCollectorV1Beta1SpecAffinity } : {}),
        ...(workload.topologySpreadConstraints?.length ? { topologySpreadConstraints: workload.topologySpreadConstraints as unknown as OpenTelemetryCollectorV1Beta1SpecTopologySpreadConstraints[] } : {}),
        ...(workload.priorityClassName ? { priorityClassName: workload.priorityClassName } : {}),
        ...(Object.keys(podAnnotations).length ? { podAnnotations } : {}),
        ...(replicas !== undefined ? { replicas } : {}),
        // Our image is pinned: the operator must not rewrite the configuration for a newer collector.
        upgradeStrategy: OpenTelemetryCollectorV1Beta1SpecUpgradeStrategy.NONE,
        config: atSynth(() => this.config.document) as unknown as OpenTelemetryCollectorV1Beta1SpecConfig,
        resources: {
          requests: { cpu: q(resources.cpuRequest), memory: q(resources.memoryRequest) },
          limits: { ...(resources.cpuLimit ? { cpu: q(resources.cpuLimit) } : {}), memory: q(resources.memoryLimit) },
        },
        podSecurityContext: restrictedPodSecurityContext(),
        securityContext: restrictedContainerSecurityContext(),
        env: [goMemLimitEnv(this, 'resources', resources)],
        ...(agent ? {} : { podDisruptionBudget: { maxUnavailable: OpenTelemetryCollectorV1Beta1SpecPodDisruptionBudgetMaxUnavailable.fromNumber(1) } }),
      },
    });
    // The operator labels the pods it makes with the instance `<namespace>.<name>` and adds the
    // container port `metrics` for the collector's own telemetry.
    registerMetricsSource({
      scope: this,
      workload: this.resource,
      program: MetricsProgram.OTELCOL,
      selector: { 'app.kubernetes.io/instance': `${this.namespace ?? 'default'}.${name}`, 'app.kubernetes.io/managed-by': 'opentelemetry-operator' },
      component: agent ? 'agent' : 'gateway',
      portName: 'metrics',
      resources,
      tailSampling: props.tailSampling !== undefined,
    });
  }

  /** Where to send spans: the operator's `<name>-collector` Service. */
  public spanEndpoint(protocol: SpanProtocol = SpanProtocol.OTLP_HTTP): ServiceEndpoint {
    return collectorEndpoint(this, this.serviceName, this.namespace, protocol);
  }
}
