import { createHash } from 'crypto';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { atSynth } from '../_token';
import { propError, requireDnsLabel, requireInteger } from '../_errors';
import { chartNamespace } from '../_namespace';
import { selectorLabels, standardLabels } from '../_labels';
import { httpProbe, spreadOverZonesAndNodes } from '../_pod';
import { podTemplate, resolveWorkload } from '../_workload';
import { MetricsProgram, registerMetricsSource } from '../monitoring/_metrics-sources';
import { ContainerResources } from '../resources';
import { checkUniqueObjectNames } from '../synthesis';
import { SamplingStrategies } from '../sampling/sampling-strategies';
import { ServiceEndpoint } from '../service-endpoint';
import { ITraceStorage, TraceStorageKind } from '../storage/trace-storage';
import { Images } from '../versions';
import { WorkloadOptions } from '../workload-options';
import { JaegerConfig, JaegerIngestOptions, JaegerQueryOptions, JaegerReceiveOptions } from './jaeger-config';
import { JaegerKafkaBinding } from './jaeger-kafka';
import { JaegerPort, JaegerPorts, SPAN_PROTOCOLS, SpanProtocol } from './jaeger-ports';

/** How the Service of a Jaeger component is exposed. */
export enum JaegerServiceType {
  CLUSTER_IP = 'ClusterIP',
  NODE_PORT = 'NodePort',
  LOAD_BALANCER = 'LoadBalancer',
}

/** Props every Jaeger workload shares, the {@link WorkloadOptions} among them. */
export interface JaegerWorkloadProps extends WorkloadOptions {
  /**
   * Base name of the Kubernetes objects (Deployment, Service, ConfigMap).
   * @default 'jaeger'
   */
  readonly name?: string;
  /**
   * Log level of the Jaeger process.
   * @default 'info'
   */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Type of the Service.
   * @default JaegerServiceType.CLUSTER_IP
   */
  readonly serviceType?: JaegerServiceType;
  /**
   * Annotations of the Service (for cloud load balancers, say).
   * @default - none
   */
  readonly serviceAnnotations?: Record<string, string>;
  /**
   * Annotations of the component's ServiceAccount (workload identity, say).
   * @default - none
   */
  readonly serviceAccountAnnotations?: Record<string, string>;
}

/** What a concrete component passes to {@link JaegerWorkload}. */
export interface JaegerWorkloadSpec {
  readonly component: string;
  readonly resourceName: string;
  /** The storage written or read; none for a collector writing to Kafka. */
  readonly storage?: ITraceStorage;
  readonly receive?: Omit<JaegerReceiveOptions, 'samplingStrategiesFile'>;
  readonly ingest?: JaegerIngestOptions;
  /** Environment, volumes and mounts for Kafka (SASL credentials, CA). */
  readonly kafka?: Pick<JaegerKafkaBinding, 'env' | 'volumes' | 'volumeMounts'>;
  readonly sampling?: SamplingStrategies;
  readonly query?: JaegerQueryOptions;
  readonly replicas?: number;
  readonly defaultResources: ContainerResources;
  readonly strategy?: k8s.DeploymentStrategy;
  readonly topologySpread?: boolean;
}

// Sibling folders, never nested: a mount point inside a (read-only) ConfigMap volume cannot be created.
const CONFIG_DIR = '/etc/jaeger/config';
const SAMPLING_DIR = '/etc/jaeger/sampling';

/**
 * One Jaeger v2 process: its configuration (ConfigMap), Deployment and Service. The concrete
 * constructs (all-in-one, collector, query) choose what the process does.
 */
export abstract class JaegerWorkload extends Construct {
  /** The Jaeger configuration this workload runs. */
  public readonly config: JaegerConfig;
  /** The Deployment. */
  public readonly deployment: k8s.KubeDeployment;
  /** The Service in front of the pods. */
  public readonly service: k8s.KubeService;
  /** The ConfigMap with `config.yaml`. */
  public readonly configMap: k8s.KubeConfigMap;
  /** The pods' own ServiceAccount (no API token is mounted). */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** Name of the Service. */
  public readonly serviceName: string;
  /** The standard labels of this workload's objects. */
  public readonly labels: Record<string, string>;
  /** Labels that select this workload's pods. */
  public readonly selector: Record<string, string>;
  /** Ports the Service exposes. */
  public readonly ports: readonly JaegerPort[];
  /** The application name. */
  public readonly appName = 'jaeger';
  /** The sampling strategies served, if any. */
  public readonly sampling?: SamplingStrategies;

  protected readonly namespace?: string;

  protected constructor(scope: Construct, id: string, props: JaegerWorkloadProps, spec: JaegerWorkloadSpec) {
    super(scope, id);
    requireDnsLabel(this, 'name', spec.resourceName, 47);
    if (props.serviceType !== undefined && !Object.values(JaegerServiceType).includes(props.serviceType)) {
      throw propError(this, 'serviceType', props.serviceType, `one of ${Object.values(JaegerServiceType).join(', ')}`);
    }
    if (spec.replicas !== undefined) requireInteger(this, 'replicas', spec.replicas, 1, 1000);
    const selector = selectorLabels({ name: 'jaeger', instance: spec.resourceName, component: spec.component });
    const workload = resolveWorkload(this, [{ prefix: '', options: props }], {
      image: Images.JAEGER,
      resources: spec.defaultResources,
      topologySpreadConstraints: spec.topologySpread ? spreadOverZonesAndNodes(selector) : undefined,
    });
    const image = workload.image;

    this.namespace = chartNamespace(this);
    checkUniqueObjectNames(this);
    this.serviceName = spec.resourceName;
    this.sampling = spec.sampling;
    const ids = { name: 'jaeger', instance: spec.resourceName, component: spec.component, version: image.versionLabel };
    const labels = standardLabels(ids);
    this.labels = labels;
    this.selector = selectorLabels(ids);

    const binding = spec.storage?.bind(this);
    this.config = new JaegerConfig(this, {
      serviceName: spec.resourceName,
      storageName: spec.storage?.kind,
      storage: binding?.backend,
      receive: spec.receive && { ...spec.receive, samplingStrategiesFile: spec.sampling ? `${SAMPLING_DIR}/strategies.json` : undefined },
      ingest: spec.ingest,
      query: spec.query,
      logLevel: props.logLevel,
    });
    this.node.addValidation({ validate: () => this.config.validate() });

    const configYaml = this.config.toYaml();
    this.configMap = new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: `${spec.resourceName}-config`, labels },
      data: { 'config.yaml': configYaml },
    });
    const volumes: k8s.Volume[] = [{ name: 'config', configMap: { name: this.configMap.name, items: [{ key: 'config.yaml', path: 'config.yaml' }] } }];
    const mounts: k8s.VolumeMount[] = [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }];
    // Rendered at synth time: strategies may still be added (`addService`) after this point.
    const strategies = () => spec.sampling?.toJaegerJsonString() ?? '';
    const checksum = atSynth(() => createHash('sha256').update(configYaml).update(strategies()).digest('hex'));

    if (spec.sampling) {
      const samplingMap = new k8s.KubeConfigMap(this, 'Sampling', {
        metadata: { name: `${spec.resourceName}-sampling`, labels },
        data: { 'strategies.json': atSynth(strategies) },
      });
      volumes.push({ name: 'sampling', configMap: { name: samplingMap.name, items: [{ key: 'strategies.json', path: 'strategies.json' }] } });
      mounts.push({ name: 'sampling', mountPath: SAMPLING_DIR, readOnly: true });
    }
    volumes.push(...binding?.volumes ?? [], ...spec.kafka?.volumes ?? []);
    mounts.push(...binding?.volumeMounts ?? [], ...spec.kafka?.volumeMounts ?? []);

    const ports: JaegerPort[] = [];
    for (const protocol of spec.receive?.protocols ?? []) ports.push(SPAN_PROTOCOLS[protocol].port);
    if (spec.sampling) ports.push(JaegerPorts.SAMPLING_HTTP, JaegerPorts.SAMPLING_GRPC);
    if (spec.query) ports.push(JaegerPorts.QUERY_HTTP, JaegerPorts.QUERY_GRPC);
    this.ports = ports;
    const allContainerPorts = [...ports, JaegerPorts.HEALTH, JaegerPorts.METRICS];

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: spec.resourceName, labels, ...(props.serviceAccountAnnotations ? { annotations: props.serviceAccountAnnotations } : {}) },
      automountServiceAccountToken: false,
    });

    const template = podTemplate(this, {
      workload,
      serviceAccountName: this.serviceAccount.name,
      containerName: 'jaeger',
      args: [`--config=file:${CONFIG_DIR}/config.yaml`],
      env: [...binding?.env ?? [], ...spec.kafka?.env ?? []],
      ports: allContainerPorts.map(p => ({ name: p.name, containerPort: p.port, protocol: p.protocol })),
      volumes,
      volumeMounts: mounts,
      readinessProbe: httpProbe('/status', JaegerPorts.HEALTH.name, { initialDelaySeconds: 2, periodSeconds: 5 }),
      livenessProbe: httpProbe('/status', JaegerPorts.HEALTH.name, { initialDelaySeconds: 10, periodSeconds: 15, failureThreshold: 4 }),
      labels,
      annotations: { 'checksum/config': checksum },
      goMemLimit: true,
      terminationGracePeriodSeconds: 30,
    });

    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name: spec.resourceName, labels },
      spec: {
        ...(spec.replicas !== undefined ? { replicas: spec.replicas } : {}),
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selector },
        ...(spec.strategy ? { strategy: spec.strategy } : {}),
        template,
      },
    });

    registerMetricsSource({
      scope: this,
      workload: this.deployment,
      program: MetricsProgram.JAEGER,
      selector: this.selector,
      component: spec.component,
      portName: JaegerPorts.METRICS.name,
      resources: workload.resources,
      // Every component but the query writes spans to its storage.
      storageExporter: spec.storage && spec.component !== 'query' ? 'jaeger_storage_exporter' : undefined,
      searchStorage: spec.storage?.kind === TraceStorageKind.ELASTICSEARCH || spec.storage?.kind === TraceStorageKind.OPENSEARCH,
      servesQuery: ports.some(p => p.name === JaegerPorts.QUERY_HTTP.name),
    });

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: spec.resourceName, labels, ...(props.serviceAnnotations ? { annotations: props.serviceAnnotations } : {}) },
      spec: {
        type: props.serviceType ?? JaegerServiceType.CLUSTER_IP,
        selector: this.selector,
        ports: [...ports, JaegerPorts.METRICS].map(p => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: p.protocol })),
      },
    });
  }

  /**
   * The workload's PodDisruptionBudget (id `DisruptionBudget`, named like the Service, over the
   * Deployment's pods): at most `maxUnavailable` pods (1 to 1000) down at once during voluntary
   * disruptions.
   */
  protected makeDisruptionBudget(maxUnavailable = 1): k8s.KubePodDisruptionBudget {
    requireInteger(this, 'maxUnavailable', maxUnavailable, 1, 1000);
    return new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: { name: this.serviceName, labels: this.labels },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(maxUnavailable), selector: { matchLabels: this.selector } },
    });
  }

  /** The address of one of this workload's ports. */
  protected endpointOf(port: JaegerPort): ServiceEndpoint {
    if (!this.ports.includes(port) && port !== JaegerPorts.METRICS) {
      throw propError(this, 'port', port.name, `one this component serves: ${this.ports.map(p => p.name).join(', ')}`);
    }
    return new ServiceEndpoint(this.serviceName, this.namespace, port.port, port.name);
  }

  /** The address where this workload receives spans over `protocol`. */
  protected spanEndpointOf(protocol: SpanProtocol): ServiceEndpoint {
    return this.endpointOf(SPAN_PROTOCOLS[protocol].port);
  }
}
