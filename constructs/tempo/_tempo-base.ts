import { createHash } from 'crypto';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { propError, requireDnsLabel } from '../_errors';
import { chartNamespace } from '../_namespace';
import { PinnedImage } from '../_image';
import { resolveImage } from '../_workload';
import { standardLabels } from '../_labels';
import { SPAN_PROTOCOLS, SpanProtocol } from '../jaeger/jaeger-ports';
import { ServiceEndpoint } from '../service-endpoint';
import { IObjectStorage, ObjectStorageBinding } from '../storage/object-storage';
import { checkUniqueObjectNames } from '../synthesis';
import { TempoConfigDocument, tempoYaml } from './tempo-config';
import { Tempo2ConfigDocument } from './tempo2-config';
import { TempoSettings, TempoSettingsProps } from './tempo-settings';

/** A Tempo configuration file of either release line. */
export type AnyTempoConfigDocument = TempoConfigDocument | Tempo2ConfigDocument;

/** The parts every Tempo deployment (monolithic or microservices) has. */
export abstract class TempoBase<C extends AnyTempoConfigDocument = AnyTempoConfigDocument> extends Construct {
  /** The validated settings. */
  public readonly settings: TempoSettings;
  /** The configuration, as a typed document (Tempo 3, or Tempo 2 when `version` says so). */
  public readonly config: C;
  /** The ConfigMap with `tempo.yaml`. */
  public readonly configMap: k8s.KubeConfigMap;
  /** The ConfigMap with the per-tenant overrides, when there are any. */
  public readonly overridesConfigMap?: k8s.KubeConfigMap;
  /** The ServiceAccount every Tempo pod runs as (workload identity for the object store). */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** Where blocks are kept. */
  public readonly storage: IObjectStorage;
  /** The image. */
  protected readonly image: PinnedImage;
  protected readonly namespace?: string;
  protected readonly binding: ObjectStorageBinding;
  protected readonly checksum: string;

  protected constructor(scope: Construct, id: string, props: TempoSettingsProps, defaultStorage: IObjectStorage | undefined, render: (s: TempoSettings, self: Construct) => C) {
    super(scope, id);
    this.settings = new TempoSettings(this, props, defaultStorage);
    requireDnsLabel(this, 'name', this.settings.name, 30);
    this.image = resolveImage(this, 'image', props.image ?? this.settings.defaultImage);
    this.namespace = chartNamespace(this);
    checkUniqueObjectNames(this);
    this.storage = this.settings.storage;
    this.binding = this.storage.bind();
    this.config = render(this.settings, this);

    const labels = standardLabels({ name: 'tempo', instance: this.settings.name, component: 'config', version: this.image.versionLabel });
    const yaml = tempoYaml(this.config);
    this.configMap = new k8s.KubeConfigMap(this, 'Config', { metadata: { name: `${this.settings.name}-config`, labels }, data: { 'tempo.yaml': yaml } });
    const hash = createHash('sha256').update(yaml);
    if (this.settings.hasTenantOverrides) {
      const overrides = tempoYaml(this.settings.overridesFile());
      hash.update(overrides);
      this.overridesConfigMap = new k8s.KubeConfigMap(this, 'Overrides', { metadata: { name: `${this.settings.name}-overrides`, labels }, data: { 'overrides.yaml': overrides } });
    }
    this.checksum = hash.digest('hex');
    // Shared by every component, so labelled as Helm's Tempo charts label it: without a component.
    const { 'app.kubernetes.io/component': _config, ...accountLabels } = labels;
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: {
        name: this.settings.name,
        labels: accountLabels,
        ...(Object.keys(this.binding.serviceAccountAnnotations).length ? { annotations: this.binding.serviceAccountAnnotations } : {}),
      },
      automountServiceAccountToken: false,
    });
  }

  /** The receiver ports the distributor exposes. */
  protected receiverPorts() {
    return this.settings.protocols.map(p => SPAN_PROTOCOLS[p].port);
  }

  /** The address of a port on a Service of this deployment. */
  protected endpoint(serviceName: string, port: { port: number; name: string }): ServiceEndpoint {
    return new ServiceEndpoint(serviceName, this.namespace, port.port, port.name);
  }

  /** Where to send spans over `protocol` (it must be one of `protocols`). */
  public abstract spanEndpoint(protocol?: SpanProtocol): ServiceEndpoint;

  /** The query API (HTTP 3200): Grafana's Tempo datasource URL, the ingress backend. */
  public abstract readonly queryEndpoint: ServiceEndpoint;

  /** The query API, as the ingress and Grafana see a UI: {@link queryEndpoint} at `/`. */
  public get uiEndpoint(): ServiceEndpoint {
    return this.queryEndpoint;
  }

  /** Path prefix of the API. */
  public readonly basePath = '/';
  /** The application name. */
  public readonly appName = 'tempo';

  /** `X-Scope-OrgID` when multitenancy is on: Tempo then refuses spans without a tenant. */
  public get tenantHeader(): string | undefined {
    return this.settings.multitenancy ? 'X-Scope-OrgID' : undefined;
  }

  /** The address of the receiver for `protocol` on the Service that receives spans. */
  protected receiverEndpoint(serviceName: string, protocol: SpanProtocol): ServiceEndpoint {
    if (!this.settings.protocols.includes(protocol)) {
      throw propError(this, 'protocol', protocol, `one the distributor receives (${this.settings.protocols.join(', ')})`);
    }
    return this.endpoint(serviceName, SPAN_PROTOCOLS[protocol].port);
  }
}
