import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { propError, requireDnsLabel } from '../_errors';
import { chartNamespace } from '../_namespace';
import { ISpanReceiver } from '../ingress/tracing-ingress';
import { SpanProtocol } from '../jaeger/jaeger-ports';
import { SamplingPolicy } from '../sampling/sampling-policy';
import { ServiceEndpoint } from '../service-endpoint';
import { CollectorExportTarget, CollectorQueueOptions, LoadBalancerResolver } from './collector-pipeline';
import { OtelCollector, OtelCollectorProps } from './otel-collector';
import { mergeWorkloadOptions, validateWorkloadOptions } from '../_workload';
import { WorkloadOptions } from '../workload-options';

/**
 * Settings of one tier of a {@link TailSamplingGateway}: its replicas, processors and
 * {@link WorkloadOptions}, which win over the gateway's own.
 */
export interface CollectorTierOptions extends WorkloadOptions, Pick<OtelCollectorProps, 'replicas' | 'autoscaling' | 'maxUnavailable' | 'memoryLimiter' | 'batch'> {}

/** Props of {@link TailSamplingGateway}; its {@link WorkloadOptions} apply to both tiers. */
export interface TailSamplingGatewayProps extends WorkloadOptions {
  /** The sampling policy; its `tail` settings configure the sampling tier. */
  readonly policy: SamplingPolicy;
  /** Where kept traces go: the stack's Jaeger and/or Tempo, by construct. */
  readonly exportTo: ReadonlyArray<CollectorExportTarget | ISpanReceiver>;
  /**
   * Base name: the tiers are `<name>-lb` and `<name>`.
   * @default 'otel-sampling'
   */
  readonly name?: string;
  /**
   * How the load-balancing tier finds the sampling instances.
   * @default LoadBalancerResolver.K8S
   */
  readonly resolver?: LoadBalancerResolver;
  /**
   * The load-balancing tier (routes each span by trace id).
   * @default - 2 replicas, gateway resources
   */
  readonly loadBalancer?: CollectorTierOptions;
  /**
   * The sampling tier (holds traces for `decisionWait`, then decides).
   * @default - 2 replicas, gateway resources
   */
  readonly sampler?: CollectorTierOptions;
  /**
   * Exporter queues and retries of both tiers.
   * @default - see {@link CollectorQueueOptions}
   */
  readonly queue?: CollectorQueueOptions;
  /** Log level of both tiers. @default 'info' */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/**
 * Tail sampling done right: every span of a trace must reach the same sampling instance, so two
 * collector tiers are generated.
 *
 * 1. The load-balancing tier (`<name>-lb`, what clients and agents send to) routes each span with the
 *    `loadbalancing` exporter by `traceID` to one instance of the sampling tier, found through the
 *    headless Service `<name>-headless` (k8s resolver: the EndpointSlices, with a Role and RoleBinding
 *    granting exactly `list` and `watch` on them; or DNS).
 * 2. The sampling tier (`<name>`) applies the policy's `tail_sampling` and exports what it keeps.
 *
 * ```ts
 * const gateway = new TailSamplingGateway(chart, 'sampling', {
 *   policy: new SamplingPolicy({ ratio: 0.01, tail: { keepSlowerThan: Duration.millis(500) } }),
 *   exportTo: [jaegerCollector, tempo],
 * });
 * instrumentWorkload(app, { exportTo: gateway, serviceName: 'checkout' });
 * ```
 */
export class TailSamplingGateway extends Construct implements ISpanReceiver {
  /** The load-balancing tier. */
  public readonly loadBalancer: OtelCollector;
  /** The sampling tier. */
  public readonly sampler: OtelCollector;
  /** The headless Service of the sampling tier, which the load balancer resolves. */
  public readonly headlessService: k8s.KubeService;
  /** The Role that lets the load balancer watch EndpointSlices (k8s resolver). */
  public readonly role?: k8s.KubeRole;
  /** Its binding to the load balancer's ServiceAccount. */
  public readonly roleBinding?: k8s.KubeRoleBinding;
  /** The policy. */
  public readonly policy: SamplingPolicy;

  constructor(scope: Construct, id: string, props: TailSamplingGatewayProps) {
    super(scope, id);
    if (!(props.policy instanceof SamplingPolicy) || !props.policy.tailSampling) {
      throw propError(this, 'policy', props.policy, 'a SamplingPolicy with tail settings (new SamplingPolicy({ tail: {...} }))');
    }
    this.policy = props.policy;
    const name = props.name ?? 'otel-sampling';
    requireDnsLabel(this, 'name', name, 38);
    const resolver = props.resolver ?? LoadBalancerResolver.K8S;
    if (!Object.values(LoadBalancerResolver).includes(resolver)) {
      throw propError(this, 'resolver', resolver, `one of ${Object.values(LoadBalancerResolver).join(', ')}`);
    }
    const namespace = chartNamespace(this);

    this.sampler = new OtelCollector(this, 'Sampler', {
      ...props.sampler,
      ...tierWorkload(this, 'sampler', props, props.sampler),
      name,
      logLevel: props.logLevel,
      exportTo: props.exportTo,
      tailSampling: props.policy,
      loadBalancedByTraceId: true,
      queue: props.queue,
    });

    // The load-balancing tier resolves the sampling tier's pods through its headless Service.
    this.headlessService = this.sampler.headlessService!;

    this.loadBalancer = new OtelCollector(this, 'LoadBalancer', {
      ...props.loadBalancer,
      ...tierWorkload(this, 'loadBalancer', props, props.loadBalancer),
      name: `${name}-lb`,
      logLevel: props.logLevel,
      loadBalanceTo: { endpoint: this.sampler.grpcReplicasEndpoint!, resolver },
      queue: props.queue,
    });

    if (resolver === LoadBalancerResolver.K8S) {
      this.role = new k8s.KubeRole(this, 'EndpointSliceReader', {
        metadata: { name: `${name}-lb-endpointslices`, labels: this.loadBalancer.labels },
        rules: [{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] }],
      });
      this.roleBinding = new k8s.KubeRoleBinding(this, 'EndpointSliceReaderBinding', {
        metadata: { name: `${name}-lb-endpointslices`, labels: this.loadBalancer.labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.role.name },
        subjects: [{ kind: 'ServiceAccount', name: this.loadBalancer.serviceAccount.name, ...(namespace ? { namespace } : {}) }],
      });
    }
  }

  /** Where clients and agents send spans: the load-balancing tier (OTLP HTTP by default). */
  public spanEndpoint(protocol: SpanProtocol = SpanProtocol.OTLP_HTTP): ServiceEndpoint {
    return this.loadBalancer.spanEndpoint(protocol);
  }

  /** The load-balancing tier's OTLP gRPC on its headless Service, for exporters that balance over its replicas. */
  public get grpcReplicasEndpoint(): ServiceEndpoint | undefined {
    return this.loadBalancer.grpcReplicasEndpoint;
  }
}

/** A tier's workload options over the gateway's, each checked under its own field names. */
function tierWorkload(scope: Construct, tier: string, gateway: WorkloadOptions, own: WorkloadOptions | undefined): WorkloadOptions {
  validateWorkloadOptions(scope, '', gateway);
  if (own) validateWorkloadOptions(scope, `${tier}.`, own);
  return mergeWorkloadOptions(gateway, own);
}
