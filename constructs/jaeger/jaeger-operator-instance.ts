import { Construct } from 'constructs';
import type { Jaeger, JaegerSpec } from '../../imports/jaeger-jaegertracing.io';
import { jaegerCrd } from '../_crds';
import { propError, requireDnsSubdomain, requireInteger } from '../_errors';
import { chartNamespace } from '../_namespace';
import { MetricsProgram, registerMetricsSource } from '../monitoring/_metrics-sources';
import { standardLabels } from '../_labels';
import { hostPort, parseHttpUrl } from '../_url';
import { ISpanReceiver } from '../ingress/tracing-ingress';
import { Prerequisites } from '../prerequisites';
import { ServiceEndpoint } from '../service-endpoint';
import { JaegerPorts, SpanProtocol } from './jaeger-ports';
import { SamplingStrategies } from '../sampling/sampling-strategies';

/** How the operator deploys Jaeger (`spec.strategy`). */
export enum JaegerOperatorStrategy {
  /** One pod with every component and in-memory or Badger storage. */
  ALL_IN_ONE = 'allInOne',
  /** Separate collector and query over shared storage. */
  PRODUCTION = 'production',
  /** Production with Kafka between collector and ingester. */
  STREAMING = 'streaming',
}

/** Storage types the operator knows (`spec.storage.type`). */
export enum JaegerOperatorStorageType {
  MEMORY = 'memory',
  BADGER = 'badger',
  ELASTICSEARCH = 'elasticsearch',
  CASSANDRA = 'cassandra',
  KAFKA = 'kafka',
  GRPC_PLUGIN = 'grpc-plugin',
}

/** Elasticsearch settings, rendered into the operator's `storage.options.es` flags. */
export interface JaegerOperatorElasticsearch {
  /** Server URLs (`es.server-urls`). */
  readonly serverUrls: string[];
  /** Index prefix (`es.index-prefix`). @default - none */
  readonly indexPrefix?: string;
  /** Primary shards (`es.num-shards`). @default - the operator's (5) */
  readonly shards?: number;
  /** Replicas (`es.num-replicas`). @default - the operator's (1) */
  readonly replicas?: number;
  /** Use aliases for rollover (`es.use-aliases`). @default - the operator's (false) */
  readonly useAliases?: boolean;
}

/** The operator's index-cleaner CronJob (`spec.storage.esIndexCleaner`). */
export interface JaegerOperatorIndexCleaner {
  /** Run it. @default true */
  readonly enabled?: boolean;
  /** Days to keep. @default - the operator's (7) */
  readonly numberOfDays?: number;
  /** Cron schedule. @default - the operator's ('55 23 * * *') */
  readonly schedule?: string;
}

/** Storage of an operator-managed Jaeger. */
export interface JaegerOperatorStorage {
  /** Storage type. */
  readonly type: JaegerOperatorStorageType;
  /** Elasticsearch flags, with `type: ELASTICSEARCH`. @default - none */
  readonly elasticsearch?: JaegerOperatorElasticsearch;
  /**
   * Secret whose keys become environment variables of the Jaeger pods (`ES_USERNAME`,
   * `ES_PASSWORD`), created by the user.
   * @default - none
   */
  readonly secretName?: string;
  /** Index cleaner, with Elasticsearch. @default - the operator's default */
  readonly indexCleaner?: JaegerOperatorIndexCleaner;
}

/** Ingress of the query UI created by the operator (`spec.ingress`). */
export interface JaegerOperatorIngress {
  /** Create an Ingress. */
  readonly enabled: boolean;
  /** Host names. @default - any host */
  readonly hosts?: string[];
  /** IngressClass. @default - the cluster default */
  readonly ingressClassName?: string;
  /** TLS Secret for `hosts`. @default - no TLS */
  readonly tlsSecretName?: string;
  /** Annotations. @default - none */
  readonly annotations?: Record<string, string>;
}

/** Replicas and autoscaling of the operator's collector (`spec.collector`). */
export interface JaegerOperatorCollector {
  /** Fixed replicas. @default - the operator's (1, autoscaled) */
  readonly replicas?: number;
  /** Autoscaling bounds. @default - the operator's */
  readonly minReplicas?: number;
  /** Autoscaling bounds. @default - the operator's */
  readonly maxReplicas?: number;
}

/** Props of {@link JaegerOperatorInstance}. */
export interface JaegerOperatorInstanceProps {
  /**
   * Name of the `Jaeger` resource; the operator derives its objects' names from it.
   * @default 'jaeger'
   */
  readonly name?: string;
  /**
   * Deployment strategy. `PRODUCTION` and `STREAMING` need a shared `storage`.
   * @default - JaegerOperatorStrategy.PRODUCTION with a shared storage (elasticsearch, cassandra,
   * kafka, grpc-plugin), JaegerOperatorStrategy.ALL_IN_ONE without storage or with memory or badger
   */
  readonly strategy?: JaegerOperatorStrategy;
  /** Storage; required with strategy `PRODUCTION` or `STREAMING`. @default - the operator's default (memory), with strategy `ALL_IN_ONE` only */
  readonly storage?: JaegerOperatorStorage;
  /** Ingress of the UI. @default - the operator's default */
  readonly ingress?: JaegerOperatorIngress;
  /** Collector replicas. @default - the operator's default */
  readonly collector?: JaegerOperatorCollector;
  /** Query replicas. @default - the operator's default (1) */
  readonly queryReplicas?: number;
  /** Remote sampling strategies (`spec.sampling.options`). @default - the operator's default */
  readonly sampling?: SamplingStrategies;
  /** Labels of the resource. @default - the standard `app.kubernetes.io/*` labels */
  readonly labels?: Record<string, string>;
}

/**
 * A `Jaeger` custom resource (jaegertracing.io/v1) for clusters that run the Jaeger Operator
 * (1.65). The operator deploys Jaeger v1 components: this is the compatibility path for users
 * who have not moved to Jaeger v2 ({@link JaegerCollector}, {@link JaegerQuery}).
 *
 * Only what is set is rendered: the operator fills in the rest, so a minimal instance reads
 * exactly like a hand-written one.
 */
export class JaegerOperatorInstance extends Construct implements ISpanReceiver {
  /** The custom resource. */
  public readonly resource: Jaeger;
  /** Name of the collector Service the operator creates (`<name>-collector`). */
  public readonly collectorServiceName: string;

  constructor(scope: Construct, id: string, props: JaegerOperatorInstanceProps = {}) {
    super(scope, id);
    chartNamespace(this);
    const name = props.name ?? 'jaeger';
    requireDnsSubdomain(this, 'name', name);
    const storage = props.storage;
    const sharedStorage = storage !== undefined && storage.type !== JaegerOperatorStorageType.MEMORY && storage.type !== JaegerOperatorStorageType.BADGER;
    const strategy = props.strategy ?? (sharedStorage ? JaegerOperatorStrategy.PRODUCTION : JaegerOperatorStrategy.ALL_IN_ONE);
    if (!Object.values(JaegerOperatorStrategy).includes(strategy)) {
      throw propError(this, 'strategy', strategy, `one of ${Object.values(JaegerOperatorStrategy).join(', ')}`);
    }
    if (!storage && strategy !== JaegerOperatorStrategy.ALL_IN_ONE) {
      throw propError(this, 'storage', storage, `a shared storage (elasticsearch, cassandra, kafka, grpc-plugin) with strategy '${strategy}': without one the operator runs its collector and query on separate in-memory stores; strategy 'allInOne' for in-memory storage`);
    }
    if (storage) {
      if (!Object.values(JaegerOperatorStorageType).includes(storage.type)) {
        throw propError(this, 'storage.type', storage.type, `one of ${Object.values(JaegerOperatorStorageType).join(', ')}`);
      }
      const singleProcess = storage.type === JaegerOperatorStorageType.MEMORY || storage.type === JaegerOperatorStorageType.BADGER;
      if (singleProcess && strategy !== JaegerOperatorStrategy.ALL_IN_ONE) {
        throw propError(this, 'storage.type', storage.type, `a shared storage (elasticsearch, cassandra, grpc-plugin) with strategy '${strategy}'; memory and badger need strategy 'allInOne'`);
      }
      if (storage.elasticsearch && storage.type !== JaegerOperatorStorageType.ELASTICSEARCH) {
        throw propError(this, 'storage.elasticsearch', 'set', `unset unless storage.type is 'elasticsearch' (it is '${storage.type}')`);
      }
      if (storage.type === JaegerOperatorStorageType.ELASTICSEARCH && !storage.elasticsearch) {
        throw propError(this, 'storage.elasticsearch', undefined, 'the Elasticsearch server URLs when storage.type is \'elasticsearch\'');
      }
      if (storage.secretName !== undefined) {
        requireDnsSubdomain(this, 'storage.secretName', storage.secretName);
        Prerequisites.of(this).addSecret(storage.secretName, 'environment of the Jaeger pods (ES_USERNAME, ES_PASSWORD) read by the Jaeger Operator');
      }
    }
    if (props.queryReplicas !== undefined) requireInteger(this, 'queryReplicas', props.queryReplicas, 1, 100);
    const c = props.collector;
    if (c?.replicas !== undefined) requireInteger(this, 'collector.replicas', c.replicas, 1, 1000);
    if (c?.minReplicas !== undefined) requireInteger(this, 'collector.minReplicas', c.minReplicas, 1, 1000);
    if (c?.maxReplicas !== undefined) requireInteger(this, 'collector.maxReplicas', c.maxReplicas, c.minReplicas ?? 1, 1000);
    if (props.ingress?.tlsSecretName) {
      requireDnsSubdomain(this, 'ingress.tlsSecretName', props.ingress.tlsSecretName);
      Prerequisites.of(this).addSecret(props.ingress.tlsSecretName, 'TLS certificate of the Jaeger Operator\'s query Ingress');
    }

    const spec: JaegerSpec = {
      strategy,
      ...(storage ? { storage: this.renderStorage(storage) } : {}),
      ...(props.ingress ? { ingress: this.renderIngress(props.ingress) } : {}),
      ...(c ? { collector: { ...(c.replicas !== undefined ? { replicas: c.replicas } : {}), ...(c.minReplicas !== undefined ? { minReplicas: c.minReplicas } : {}), ...(c.maxReplicas !== undefined ? { maxReplicas: c.maxReplicas } : {}) } } : {}),
      ...(props.queryReplicas !== undefined ? { query: { replicas: props.queryReplicas } } : {}),
      ...(props.sampling ? { sampling: { options: props.sampling.toJaegerJson() } } : {}),
    };
    this.collectorServiceName = `${name}-collector`;
    const { Jaeger } = jaegerCrd();
    this.resource = new Jaeger(this, 'Resource', {
      metadata: { name, labels: props.labels ?? standardLabels({ name: 'jaeger', instance: name, component: 'operator-instance' }) },
      spec,
    });
    // The operator's pods (Jaeger v1 images) serve their metrics on the admin port.
    registerMetricsSource({
      scope: this,
      workload: this.resource,
      program: MetricsProgram.JAEGER_OPERATOR,
      selector: { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/managed-by': 'jaeger-operator' },
      component: 'operator-instance',
      portName: 'admin-http',
    });
  }

  /**
   * Where to send spans: the collector Service the operator creates, OTLP on 4317 (gRPC) or 4318 (HTTP).
   * The Service is not in this chart's manifests, so the endpoint is declared a prerequisite.
   */
  public spanEndpoint(protocol: SpanProtocol = SpanProtocol.OTLP_HTTP): ServiceEndpoint {
    const port = protocol === SpanProtocol.OTLP_GRPC ? JaegerPorts.OTLP_GRPC : protocol === SpanProtocol.OTLP_HTTP ? JaegerPorts.OTLP_HTTP : undefined;
    if (!port) throw propError(this, 'protocol', protocol, 'otlp-grpc or otlp-http');
    const endpoint = new ServiceEndpoint(this.collectorServiceName, chartNamespace(this), port.port, port.name);
    Prerequisites.of(this).addEndpoint(endpoint.hostPort, `OTLP receiver of the Service that the Jaeger Operator creates for ${this.node.path}`);
    return endpoint;
  }

  private renderStorage(s: JaegerOperatorStorage): NonNullable<JaegerSpec['storage']> {
    let options: Record<string, unknown> | undefined;
    if (s.elasticsearch) {
      const es = s.elasticsearch;
      if (!Array.isArray(es.serverUrls) || es.serverUrls.length === 0) {
        throw propError(this, 'storage.elasticsearch.serverUrls', es.serverUrls, 'at least one http:// or https:// URL');
      }
      es.serverUrls.forEach((u, i) => {
        const url = parseHttpUrl(this, `storage.elasticsearch.serverUrls[${i}]`, u);
        Prerequisites.of(this).addEndpoint(hostPort(url), 'Elasticsearch for the Jaeger Operator instance');
      });
      if (es.shards !== undefined) requireInteger(this, 'storage.elasticsearch.shards', es.shards, 1, 1024);
      if (es.replicas !== undefined) requireInteger(this, 'storage.elasticsearch.replicas', es.replicas, 0, 32);
      options = {
        es: {
          'server-urls': es.serverUrls.join(','),
          ...(es.indexPrefix !== undefined ? { 'index-prefix': es.indexPrefix } : {}),
          ...(es.shards !== undefined ? { 'num-shards': es.shards } : {}),
          ...(es.replicas !== undefined ? { 'num-replicas': es.replicas } : {}),
          ...(es.useAliases !== undefined ? { 'use-aliases': es.useAliases } : {}),
        },
      };
    }
    const cleaner = s.indexCleaner;
    if (cleaner?.numberOfDays !== undefined) requireInteger(this, 'storage.indexCleaner.numberOfDays', cleaner.numberOfDays, 1, 3650);
    return {
      type: s.type,
      ...(options ? { options } : {}),
      ...(s.secretName ? { secretName: s.secretName } : {}),
      ...(cleaner ? {
        esIndexCleaner: {
          enabled: cleaner.enabled ?? true,
          ...(cleaner.numberOfDays !== undefined ? { numberOfDays: cleaner.numberOfDays } : {}),
          ...(cleaner.schedule !== undefined ? { schedule: cleaner.schedule } : {}),
        },
      } : {}),
    };
  }

  private renderIngress(i: JaegerOperatorIngress): NonNullable<JaegerSpec['ingress']> {
    (i.hosts ?? []).forEach((h, n) => requireDnsSubdomain(this, `ingress.hosts[${n}]`, h));
    if (i.ingressClassName !== undefined) requireDnsSubdomain(this, 'ingress.ingressClassName', i.ingressClassName);
    return {
      enabled: i.enabled,
      ...(i.hosts ? { hosts: i.hosts } : {}),
      ...(i.ingressClassName ? { ingressClassName: i.ingressClassName } : {}),
      ...(i.tlsSecretName ? { tls: [{ hosts: i.hosts, secretName: i.tlsSecretName }] } : {}),
      ...(i.annotations ? { annotations: i.annotations } : {}),
    };
  }
}
