import { Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { propError, requireDnsLabel } from '../_errors';
import { chartNamespace } from '../_namespace';
import { selectorLabels, standardLabels } from '../_labels';
import { SPAN_PROTOCOLS, SpanProtocol } from '../jaeger/jaeger-ports';
import { IKafka, KafkaSaslMechanism, requirePartitionsFor } from '../kafka/kafka-connection';
import { ContainerResources } from '../resources';
import { ServiceEndpoint } from '../service-endpoint';
import { workloadOptionsOf } from '../_workload';
import { replicasEndpoint, replicasService } from '../_replicas-service';
import { WorkloadOptions } from '../workload-options';
import { TempoBase } from './_tempo-base';
import { GOSSIP_LABEL, TempoVolumeOptions, TempoWorkload, TempoWorkloadSpec } from './_tempo-workload';
import { TempoConfigDocument, TempoKafkaConfig, TempoTarget } from './tempo-config';
import { TempoVersion } from './tempo-version';
import { requireReplicas, TempoPorts, TempoSettings, TempoSettingsProps } from './tempo-settings';

/**
 * Replicas and {@link WorkloadOptions} of one component; they win over the ones given to
 * {@link TempoDistributed} for every component.
 */
export interface TempoComponentOptions extends WorkloadOptions {
  /** Replicas. @default - per component: 2 for the stateless read and write paths, 1 otherwise */
  readonly replicas?: number;
}

/** The live-stores: the recent data, one pod per Kafka partition (per zone). */
export interface TempoLiveStoreOptions extends TempoComponentOptions {
  /**
   * Zones: one StatefulSet per zone, each owning every partition once, so a zone can fail.
   * @default - no zones: one StatefulSet
   */
  readonly zones?: string[];
  /**
   * Pin each zone's pods to nodes of that zone (`topology.kubernetes.io/zone`).
   * @default true when zones are given
   */
  readonly zoneNodeSelector?: boolean;
  /** The persistent volume of each pod (WAL). @default - 20Gi from the default StorageClass */
  readonly volume?: TempoVolumeOptions;
}

/**
 * Props of {@link TempoDistributed}. Its {@link WorkloadOptions} apply to every component; each
 * component's own (`distributor`, `liveStore`, ...) win over them.
 */
export interface TempoDistributedProps extends TempoSettingsProps, WorkloadOptions {
  /**
   * The Kafka-compatible queue between distributors and live-stores/block-builders: an
   * {@link ExternalKafka} or a {@link StrimziKafka}. Required: optional in the type only so that
   * its absence gets an error that explains why.
   * @default - none, which is an error
   */
  readonly kafka?: IKafka;
  /** Distributors (receive spans, write to Kafka). @default - 2 */
  readonly distributor?: TempoComponentOptions;
  /** Live-stores. @default - 2, no zones */
  readonly liveStore?: TempoLiveStoreOptions;
  /** Block-builders (Kafka to object storage). @default - 1 */
  readonly blockBuilder?: TempoComponentOptions;
  /** Queriers. @default - 2 */
  readonly querier?: TempoComponentOptions;
  /** Query-frontends (the query API). @default - 2 */
  readonly queryFrontend?: TempoComponentOptions;
  /** Backend scheduler (compaction and retention jobs); always one. @default - 1 */
  readonly backendScheduler?: Omit<TempoComponentOptions, 'replicas'>;
  /** Backend workers (run compaction and retention). @default - 1 */
  readonly backendWorker?: TempoComponentOptions;
  /** Metrics-generator pods, when `metricsGenerator` is set. @default - 1 */
  readonly generator?: TempoComponentOptions;
}

const STATELESS: ContainerResources = { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1Gi' };
const SMALL: ContainerResources = { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' };
const LIVE_STORE: ContainerResources = { cpuRequest: '500m', memoryRequest: '2Gi', memoryLimit: '4Gi' };

/**
 * Grafana Tempo 3 in microservices mode: distributors write spans to a Kafka-compatible queue;
 * live-stores (one per partition, StatefulSets with persistent volumes, optionally per zone)
 * serve recent data; block-builders write blocks to object storage; queriers and query-frontends
 * answer queries; a backend scheduler and workers compact and enforce retention; an optional
 * metrics-generator writes service graphs and span metrics to Prometheus. Components find each
 * other through Services this construct creates and a memberlist ring on a headless gossip Service.
 */
export class TempoDistributed extends TempoBase<TempoConfigDocument> {
  /** The Kafka queue. */
  public readonly kafka: IKafka;
  public readonly distributor: TempoWorkload;
  /** The headless Service of the distributors (`<name>-distributor-headless`, OTLP gRPC), when they receive OTLP gRPC. */
  public readonly distributorHeadless?: k8s.KubeService;
  /** One live-store StatefulSet per zone (or one). */
  public readonly liveStores: TempoWorkload[];
  public readonly blockBuilder: TempoWorkload;
  public readonly querier: TempoWorkload;
  public readonly queryFrontend: TempoWorkload;
  public readonly backendScheduler: TempoWorkload;
  public readonly backendWorker: TempoWorkload;
  public readonly metricsGeneratorWorkload?: TempoWorkload;
  /** The headless Service of the memberlist ring. */
  public readonly gossipService: k8s.KubeService;
  /** The headless Service queriers use to find every query-frontend. */
  public readonly queryFrontendDiscovery: k8s.KubeService;
  public readonly queryEndpoint: ServiceEndpoint;

  constructor(scope: Construct, id: string, props: TempoDistributedProps) {
    const name = props.name ?? 'tempo';
    let liveStoreReplicas = 0;
    let zones: string[] = [];
    super(scope, id, props, undefined, (s: TempoSettings, self: Construct) => {
      if (s.version !== TempoVersion.TEMPO_3) {
        throw propError(self, 'version', s.version, `${TempoVersion.TEMPO_3}: TempoDistributed renders the Tempo 3 microservices architecture (Kafka, live-stores, block-builders, backend scheduler and workers); the Tempo 2 microservices architecture (ingesters with replication, compactors) is not supported here. Use TempoMonolithic for Tempo 2`);
      }
      const kafka = props.kafka;
      if (!kafka) {
        throw propError(self, 'kafka', undefined, 'a Kafka-compatible queue (ExternalKafka or StrimziKafka): in Tempo 3 microservices mode distributors write spans to Kafka, and live-stores and block-builders consume them (use TempoMonolithic to run without Kafka)');
      }
      if (kafka.tls) {
        throw propError(self, 'kafka.tls', kafka.tls, 'unset: Tempo 3.0 has no TLS settings for Kafka (use a plain listener inside the cluster, or a TLS-terminating proxy)');
      }
      if (kafka.sasl && kafka.sasl.mechanism !== KafkaSaslMechanism.PLAIN) {
        throw propError(self, 'kafka.sasl.mechanism', kafka.sasl.mechanism, 'PLAIN: the only SASL mechanism Tempo 3.0 supports');
      }
      zones = props.liveStore?.zones ?? [];
      // A StatefulSet name over 52 characters makes its pods' controller-revision-hash label too long.
      const maxZone = Math.min(20, 52 - `${name}-live-store-`.length);
      zones.forEach((z, i) => requireDnsLabel(self, `liveStore.zones[${i}]`, z, maxZone));
      if (new Set(zones).size !== zones.length) throw propError(self, 'liveStore.zones', zones, 'a list without duplicates');
      liveStoreReplicas = props.liveStore?.replicas ?? 2;
      requireReplicas(self, 'liveStore.replicas', liveStoreReplicas);
      requirePartitionsFor(self, kafka, liveStoreReplicas, 'liveStore.replicas');
      const builders = props.blockBuilder?.replicas ?? 1;
      requireReplicas(self, 'blockBuilder.replicas', builders);
      if (builders > liveStoreReplicas) {
        throw propError(self, 'blockBuilder.replicas', builders, `at most liveStore.replicas (${liveStoreReplicas}): each block-builder consumes whole partitions, one more would idle`);
      }
      const workers = props.backendWorker?.replicas ?? 1;
      requireReplicas(self, 'backendWorker.replicas', workers);
      const ns = chartNamespace(self);
      const svc = (component: string) => `${name}-${component}${ns ? `.${ns}.svc` : ''}`;
      const ingest: TempoKafkaConfig = {
        address: kafka.bootstrapServers[0],
        topic: kafka.topic,
        client_id: name,
        ...(kafka.sasl ? { sasl_username: '${KAFKA_SASL_USERNAME}', sasl_password: '${KAFKA_SASL_PASSWORD}' } : {}),
        // Tempo would otherwise let clients create the topic and raise the brokers' num.partitions to 1000.
        auto_create_topic_enabled: false,
        auto_create_topic_default_partitions: 0,
      };
      return s.document({
        monolithic: false,
        memberlist: { join_members: [`dns+${svc('gossip-ring')}:${TempoPorts.GOSSIP.port}`], bind_port: TempoPorts.GOSSIP.port, abort_if_cluster_join_fails: false },
        ingest: { kafka: ingest },
        blockBuilder: { partitions_per_instance: Math.ceil(liveStoreReplicas / builders), wal: { path: '/var/tempo/block-builder/traces' } },
        querier: { frontend_worker: { frontend_address: `${svc('query-frontend-discovery')}:${TempoPorts.GRPC.port}` } },
        backendSchedulerAddress: `${svc('backend-scheduler')}:${TempoPorts.GRPC.port}`,
        shardedBackendWorkers: workers > 1,
        generatorAsDeployment: true,
      });
    });
    this.kafka = props.kafka!;

    const sasl = this.kafka.sasl;
    const kafkaEnv: k8s.EnvVar[] = sasl
      ? [
        { name: 'KAFKA_SASL_USERNAME', valueFrom: { secretKeyRef: { name: sasl.username.secretName, key: sasl.username.key } } },
        { name: 'KAFKA_SASL_PASSWORD', valueFrom: { secretKeyRef: { name: sasl.password.secretName, key: sasl.password.key } } },
      ]
      : [];
    const expandEnv = sasl ? ['-config.expand-env=true'] : [];

    const common = (component: string, target: TempoTarget, field: string, o: TempoComponentOptions | undefined, defaults: ContainerResources): Omit<TempoWorkloadSpec, 'kind' | 'replicas' | 'gossip' | 'ports'> => ({
      resourceName: `${name}-${component}`,
      instance: name,
      component,
      target,
      layers: [{ prefix: '', options: workloadOptionsOf(props) }, { prefix: `${field}.`, options: workloadOptionsOf(o) }],
      defaultImage: this.settings.defaultImage,
      version: this.settings.version,
      configMapName: this.configMap.name,
      overridesConfigMapName: this.overridesConfigMap?.name,
      configChecksum: this.checksum,
      binding: this.binding,
      defaultResources: defaults,
      serviceAccountName: this.serviceAccount.name,
      extraArgs: expandEnv,
      spread: true,
      disruptionBudget: true,
    });
    const replicas = (field: string, value: number | undefined, fallback: number) => {
      const r = value ?? fallback;
      requireReplicas(this, `${field}.replicas`, r);
      return r;
    };

    this.distributor = new TempoWorkload(this, 'Distributor', {
      ...common('distributor', TempoTarget.DISTRIBUTOR, 'distributor', props.distributor, STATELESS),
      kind: 'Deployment', replicas: replicas('distributor', props.distributor?.replicas, 2), gossip: true, ports: this.receiverPorts(), extraEnv: kafkaEnv,
    });

    const liveStoreVolume = props.liveStore?.volume ?? { size: Size.gibibytes(20) };
    const pinZones = props.liveStore?.zoneNodeSelector ?? true;
    this.liveStores = (zones.length ? zones : [undefined]).map(zone => new TempoWorkload(this, zone ? `LiveStore-${zone}` : 'LiveStore', {
      ...common(zone ? `live-store-${zone}` : 'live-store', TempoTarget.LIVE_STORE, 'liveStore', props.liveStore, LIVE_STORE),
      kind: 'StatefulSet',
      replicas: liveStoreReplicas,
      gossip: true,
      ports: [],
      volume: liveStoreVolume,
      extraEnv: kafkaEnv,
      // The pod name ends in -<ordinal>: that is the Kafka partition it owns.
      extraArgs: [...expandEnv, ...(zone ? [`-live-store.instance-availability-zone=${zone}`] : [])],
      requiredNodeSelector: zone && pinZones ? { 'topology.kubernetes.io/zone': zone } : undefined,
      // Flushing the WAL of a live-store takes time on shutdown.
      terminationGracePeriodSeconds: 300,
    }));

    this.blockBuilder = new TempoWorkload(this, 'BlockBuilder', {
      ...common('block-builder', TempoTarget.BLOCK_BUILDER, 'blockBuilder', props.blockBuilder, STATELESS),
      // A StatefulSet: the ordinal in the pod name selects the partitions each builder consumes.
      kind: 'StatefulSet', replicas: replicas('blockBuilder', props.blockBuilder?.replicas, 1), gossip: true, ports: [], extraEnv: kafkaEnv,
    });

    this.querier = new TempoWorkload(this, 'Querier', {
      ...common('querier', TempoTarget.QUERIER, 'querier', props.querier, STATELESS),
      kind: 'Deployment', replicas: replicas('querier', props.querier?.replicas, 2), gossip: true, ports: [],
    });

    this.queryFrontend = new TempoWorkload(this, 'QueryFrontend', {
      ...common('query-frontend', TempoTarget.QUERY_FRONTEND, 'queryFrontend', props.queryFrontend, SMALL),
      kind: 'Deployment', replicas: replicas('queryFrontend', props.queryFrontend?.replicas, 2), gossip: false, ports: [],
    });
    // Queriers dial every frontend, ready or not (a frontend is only ready once a querier is connected).
    this.queryFrontendDiscovery = new k8s.KubeService(this, 'QueryFrontendDiscovery', {
      metadata: { name: `${name}-query-frontend-discovery`, labels: this.queryFrontend.labels },
      spec: {
        clusterIp: 'None',
        publishNotReadyAddresses: true,
        selector: this.queryFrontend.selector,
        ports: [{ name: TempoPorts.GRPC.name, port: TempoPorts.GRPC.port, targetPort: k8s.IntOrString.fromString(TempoPorts.GRPC.name), protocol: 'TCP' }],
      },
    });

    this.backendScheduler = new TempoWorkload(this, 'BackendScheduler', {
      ...common('backend-scheduler', TempoTarget.BACKEND_SCHEDULER, 'backendScheduler', props.backendScheduler, SMALL),
      kind: 'Deployment', replicas: 1, gossip: false, ports: [], strategy: { type: 'Recreate' }, disruptionBudget: false,
    });

    const workers = props.backendWorker?.replicas ?? 1;
    this.backendWorker = new TempoWorkload(this, 'BackendWorker', {
      ...common('backend-worker', TempoTarget.BACKEND_WORKER, 'backendWorker', props.backendWorker, STATELESS),
      kind: 'Deployment', replicas: workers, gossip: workers > 1, ports: [],
    });

    if (this.settings.metricsGenerator) {
      this.metricsGeneratorWorkload = new TempoWorkload(this, 'MetricsGenerator', {
        ...common('metrics-generator', TempoTarget.METRICS_GENERATOR, 'generator', props.generator, STATELESS),
        kind: 'Deployment', replicas: replicas('generator', props.generator?.replicas, 1), gossip: true, ports: [], extraEnv: kafkaEnv,
      });
    } else if (props.generator) {
      throw propError(this, 'generator', props.generator, 'unset unless metricsGenerator is configured');
    }

    const gossipSelector = { ...selectorLabels({ name: 'tempo', instance: name, component: 'gossip-ring' }), [GOSSIP_LABEL]: 'true' };
    delete (gossipSelector as Record<string, string>)['app.kubernetes.io/component'];
    this.gossipService = new k8s.KubeService(this, 'GossipRing', {
      metadata: { name: `${name}-gossip-ring`, labels: standardLabels({ name: 'tempo', instance: name, component: 'gossip-ring', version: this.image.versionLabel }) },
      spec: {
        clusterIp: 'None',
        publishNotReadyAddresses: true,
        selector: gossipSelector,
        ports: [{ name: TempoPorts.GOSSIP.name, port: TempoPorts.GOSSIP.port, targetPort: k8s.IntOrString.fromString(TempoPorts.GOSSIP.name), protocol: 'TCP' }],
      },
    });
    this.queryEndpoint = this.endpoint(this.queryFrontend.service.name, TempoPorts.HTTP);
    if (this.settings.protocols.includes(SpanProtocol.OTLP_GRPC)) {
      this.distributorHeadless = replicasService(this.distributor, this.distributor.service.name, this.distributor.labels, this.distributor.selector, SPAN_PROTOCOLS[SpanProtocol.OTLP_GRPC].port);
    }
  }

  public spanEndpoint(protocol: SpanProtocol = SpanProtocol.OTLP_HTTP): ServiceEndpoint {
    return this.receiverEndpoint(this.distributor.service.name, protocol);
  }

  /** OTLP gRPC on the distributors' headless Service, for exporters that balance over them. */
  public get grpcReplicasEndpoint(): ServiceEndpoint | undefined {
    return this.distributorHeadless ? replicasEndpoint(this.distributorHeadless, this.namespace, SPAN_PROTOCOLS[SpanProtocol.OTLP_GRPC].port) : undefined;
  }
}
