import { Size } from 'cdk8s';
import { Construct } from 'constructs';
import { SpanProtocol } from '../jaeger/jaeger-ports';
import { ContainerResources } from '../resources';
import { ServiceEndpoint } from '../service-endpoint';
import { WorkloadOptions } from '../workload-options';
import { TempoBase } from './_tempo-base';
import { TempoVolumeOptions, TempoWorkload } from './_tempo-workload';
import { monolithicLocalStorage, tempo2MonolithicDocument, TempoPorts, TempoSettingsProps } from './tempo-settings';
import { TempoVersion } from './tempo-version';

/** Props of {@link TempoMonolithic}, its {@link WorkloadOptions} among them. */
export interface TempoMonolithicProps extends TempoSettingsProps, WorkloadOptions {
  /**
   * The persistent volume for the WAL, live-store (Tempo 2: ingester) data and (with local storage) blocks.
   * @default - 10Gi from the default StorageClass
   */
  readonly volume?: TempoVolumeOptions;
  /**
   * CPU and memory.
   * @default - 500m/1Gi requested, 2Gi limit
   */
  readonly resources?: ContainerResources;
}

/**
 * Grafana Tempo 3 in monolithic mode (`target: all`): every component in one process, no Kafka,
 * a StatefulSet of one pod whose persistent volume holds the WAL and, by default, the blocks.
 * With `version: TempoVersion.TEMPO_2` it renders the Tempo 2.8 configuration of the same mode
 * (an `ingester` and a `compactor` instead of the live-store and backend scheduler and worker).
 * For small clusters and development; use {@link TempoDistributed} to scale.
 */
export class TempoMonolithic extends TempoBase {
  /** The StatefulSet and its Service. */
  public readonly server: TempoWorkload;
  public readonly queryEndpoint: ServiceEndpoint;

  constructor(scope: Construct, id: string, props: TempoMonolithicProps = {}) {
    super(scope, id, props, monolithicLocalStorage(), s => {
      const tempo3 = s.document({ monolithic: true });
      return s.version === TempoVersion.TEMPO_2 ? tempo2MonolithicDocument(s, tempo3) : tempo3;
    });
    const name = this.settings.name;
    this.server = new TempoWorkload(this, 'Server', {
      resourceName: name,
      instance: name,
      component: 'monolithic',
      layers: [{ prefix: '', options: props }],
      defaultImage: this.settings.defaultImage,
      version: this.settings.version,
      kind: 'StatefulSet',
      replicas: 1,
      configMapName: this.configMap.name,
      overridesConfigMapName: this.overridesConfigMap?.name,
      configChecksum: this.checksum,
      ports: this.receiverPorts(),
      gossip: false,
      volume: props.volume ?? { size: Size.gibibytes(10) },
      binding: this.binding,
      defaultResources: { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '2Gi' },
      serviceAccountName: this.serviceAccount.name,
      terminationGracePeriodSeconds: 60,
    });
    this.queryEndpoint = this.endpoint(name, TempoPorts.HTTP);
  }

  public spanEndpoint(protocol: SpanProtocol = SpanProtocol.OTLP_HTTP): ServiceEndpoint {
    return this.receiverEndpoint(this.settings.name, protocol);
  }
}
