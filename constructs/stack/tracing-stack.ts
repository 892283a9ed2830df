import { Construct } from 'constructs';
import { propError } from '../_errors';
import { chartNamespace } from '../_namespace';
import { ISpanReceiver, TracingIngress } from '../ingress/tracing-ingress';
import { IRemoteSamplingSource } from '../sampling/head-sampler';
import { JaegerAllInOne, JaegerAllInOneProps } from '../jaeger/jaeger-all-in-one';
import { JaegerCollector, JaegerCollectorProps } from '../jaeger/jaeger-collector';
import { JaegerIngester, JaegerIngesterProps } from '../jaeger/jaeger-ingester';
import { IKafka } from '../kafka/kafka-connection';
import { SpanProtocol } from '../jaeger/jaeger-ports';
import { JaegerQuery, JaegerQueryProps } from '../jaeger/jaeger-query';
import { SamplingStrategies } from '../sampling/sampling-strategies';
import { SamplingStrategy } from '../sampling/sampling-strategy';
import { ServiceEndpoint } from '../service-endpoint';
import { ElasticsearchStorage, ElasticsearchStorageProps } from '../storage/elasticsearch-storage';
import { ITraceStorage, TraceStorage } from '../storage/trace-storage';
import { TracingNamespace } from './tracing-namespace';

/** Ready-made shapes of a tracing stack. */
export enum TracingPreset {
  /** Jaeger all-in-one, in-memory storage, sample everything: for a laptop or a dev cluster. */
  DEV = 'dev',
  /**
   * Separate collector (HPA, PDB) and query over Elasticsearch/OpenSearch, remote sampling at 1%;
   * with `kafka`, collector -> Kafka -> ingester -> storage.
   */
  PRODUCTION = 'production',
}

/** Ingress settings of the stack. */
export interface TracingStackIngress {
  /** Host of the UI, e.g. `jaeger.example.com`. */
  readonly host: string;
  /**
   * Path of the UI on the host, e.g. `/jaeger`; Jaeger is configured to serve under it.
   * @default '/'
   */
  readonly path?: string;
  /** IngressClass. @default - the cluster default */
  readonly ingressClassName?: string;
  /** TLS Secret for the host(s). @default - no TLS */
  readonly tlsSecretName?: string;
  /** Annotations of the Ingress. @default - none */
  readonly annotations?: Record<string, string>;
  /**
   * Also expose OTLP/HTTP at `/v1/traces`, on the UI host or on the given one.
   * @default false
   */
  readonly otlp?: boolean | { readonly host: string };
}

/** Props of {@link TracingStack}. */
export interface TracingStackProps {
  /** The shape of the stack. */
  readonly preset: TracingPreset;
  /**
   * Base name of the Jaeger objects.
   * @default 'jaeger'
   */
  readonly name?: string;
  /**
   * Elasticsearch or OpenSearch to store traces in; required by the production preset unless
   * `storage` is given.
   * @default - none
   */
  readonly elasticsearch?: ElasticsearchStorageProps;
  /**
   * Storage, instead of `elasticsearch`. Dev: memory or Badger; production: a shared storage.
   * @default - dev: TraceStorage.memory(); production: the `elasticsearch` cluster
   */
  readonly storage?: ITraceStorage;
  /**
   * Remote sampling strategies, served by the collector on 5778/5779.
   * @default - dev: sample everything; production: probabilistic 1% (the 1-10% the seed recommends)
   */
  readonly sampling?: SamplingStrategies;
  /**
   * Production preset: put Kafka between the collector and the storage. The collector writes
   * spans to the cluster's topic and a {@link JaegerIngester} writes them to the storage, so
   * bursts and storage outages wait in Kafka instead of in collector memory.
   * @default - the collector writes straight to the storage
   */
  readonly kafka?: IKafka;
  /** Ingress for the UI (and optionally OTLP). @default - no Ingress */
  readonly ingress?: TracingStackIngress;
  /**
   * Create the chart's Namespace, labelled to enforce the `restricted` Pod Security Standard.
   * @default true
   */
  readonly createNamespace?: boolean;
  /** Extra props of the all-in-one (dev). @default - none */
  readonly allInOne?: Omit<JaegerAllInOneProps, 'name' | 'storage' | 'sampling'>;
  /** Extra props of the collector (production). @default - none */
  readonly collector?: Omit<JaegerCollectorProps, 'name' | 'storage' | 'sampling' | 'kafka'>;
  /** Extra props of the query (production). @default - none */
  readonly query?: Omit<JaegerQueryProps, 'name' | 'storage'>;
  /** Extra props of the ingester (production with `kafka`). @default - none */
  readonly ingester?: Omit<JaegerIngesterProps, 'name' | 'storage' | 'kafka'>;
}

/**
 * A whole tracing stack in one construct: storage, Jaeger v2, remote sampling and ingress,
 * wired together. Put it in a Chart with a namespace; each part stays reachable for further
 * wiring (`collector`, `query`, `otlpEndpoint()`).
 */
export class TracingStack extends Construct implements ISpanReceiver, IRemoteSamplingSource {
  /** The namespace everything is in. */
  public readonly namespace: string;
  /** The storage traces are written to. */
  public readonly storage: ITraceStorage;
  /** The sampling strategies served. */
  public readonly sampling: SamplingStrategies;
  /** All-in-one (dev preset). */
  public readonly allInOne?: JaegerAllInOne;
  /** Collector (production preset). */
  public readonly collector?: JaegerCollector;
  /** Query (production preset). */
  public readonly query?: JaegerQuery;
  /** Ingester (production preset with `kafka`). */
  public readonly ingester?: JaegerIngester;
  /** The Ingress, when asked for. */
  public readonly ingress?: TracingIngress;
  /** The Namespace object, when created. */
  public readonly namespaceObject?: TracingNamespace;

  constructor(scope: Construct, id: string, props: TracingStackProps) {
    super(scope, id);
    if (!Object.values(TracingPreset).includes(props.preset)) {
      throw propError(this, 'preset', props.preset, `one of ${Object.values(TracingPreset).join(', ')}`);
    }
    const namespace = chartNamespace(this);
    if (!namespace) {
      throw propError(this, 'namespace', namespace, 'set on the enclosing Chart (new Chart(app, id, { namespace: "tracing" })) so that every object has one');
    }
    this.namespace = namespace;
    if (props.elasticsearch && props.storage) {
      throw propError(this, 'storage', props.storage.kind, 'unset when elasticsearch is given (one storage per stack)');
    }

    if (props.createNamespace ?? true) {
      this.namespaceObject = new TracingNamespace(this, 'Namespace');
    }

    const name = props.name ?? 'jaeger';
    if (props.preset === TracingPreset.DEV) {
      if (props.elasticsearch) throw propError(this, 'elasticsearch', 'set', 'unset with the dev preset (all-in-one keeps traces in memory or Badger); use the production preset');
      if (props.kafka) throw propError(this, 'kafka', props.kafka.topic, 'unset with the dev preset (all-in-one stores spans itself); use the production preset');
      if (props.ingester) throw propError(this, 'ingester', 'set', 'unset with the dev preset (there is no ingester); use the production preset with kafka');
      this.storage = props.storage ?? TraceStorage.memory();
      this.sampling = props.sampling ?? new SamplingStrategies({ defaultStrategy: SamplingStrategy.probabilistic(1) });
      this.allInOne = new JaegerAllInOne(this, 'Jaeger', { basePath: props.ingress?.path, ...props.allInOne, name, storage: this.storage, sampling: this.sampling });
    } else {
      if (props.elasticsearch) {
        this.storage = new ElasticsearchStorage(this, 'Storage', { name, ...props.elasticsearch });
      } else if (props.storage) {
        this.storage = props.storage;
      } else {
        throw propError(this, 'elasticsearch', undefined, 'the Elasticsearch/OpenSearch cluster (serverUrls, credentials) that the production preset stores traces in');
      }
      this.sampling = props.sampling ?? new SamplingStrategies({ defaultStrategy: SamplingStrategy.probabilistic(0.01) });
      if (props.ingester && !props.kafka) throw propError(this, 'ingester', 'set', 'unset without kafka (the collector writes to the storage itself)');
      const kafka = props.kafka ? { kafka: props.kafka } : undefined;
      this.collector = new JaegerCollector(this, 'Collector', {
        ...props.collector, name, sampling: this.sampling, ...(kafka ? { kafka } : { storage: this.storage }),
      });
      if (kafka) this.ingester = new JaegerIngester(this, 'Ingester', { ...props.ingester, name, storage: this.storage, kafka });
      this.query = new JaegerQuery(this, 'Query', { basePath: props.ingress?.path, ...props.query, name, storage: this.storage });
    }

    if (props.ingress) {
      const i = props.ingress;
      const receiver = (this.collector ?? this.allInOne)!;
      this.ingress = new TracingIngress(this, 'Ingress', {
        host: i.host,
        ui: (this.query ?? this.allInOne)!,
        ingressClassName: i.ingressClassName,
        tlsSecretName: i.tlsSecretName,
        annotations: i.annotations,
        otlp: i.otlp ? { receiver, host: typeof i.otlp === 'object' ? i.otlp.host : undefined } : undefined,
      });
    }
  }

  /** Where to send spans over `protocol` (the collector, or the all-in-one): makes the stack an export target. */
  public spanEndpoint(protocol: SpanProtocol = SpanProtocol.OTLP_HTTP): ServiceEndpoint {
    return (this.collector ?? this.allInOne)!.spanEndpoint(protocol);
  }

  /** Where applications send spans (OTLP/HTTP by default). */
  public otlpEndpoint(protocol: SpanProtocol.OTLP_HTTP | SpanProtocol.OTLP_GRPC = SpanProtocol.OTLP_HTTP): ServiceEndpoint {
    return this.spanEndpoint(protocol);
  }

  /** The collector's OTLP gRPC on its headless Service, for exporters that balance over its replicas (undefined for the all-in-one). */
  public get grpcReplicasEndpoint(): ServiceEndpoint | undefined {
    return this.collector?.grpcReplicasEndpoint;
  }

  /** Where SDKs poll for sampling strategies (HTTP). */
  public get samplingEndpoint(): ServiceEndpoint {
    return (this.collector ?? this.allInOne)!.samplingEndpoint;
  }

  /** Where SDKs ask for sampling strategies over gRPC. */
  public get samplingGrpcEndpoint(): ServiceEndpoint {
    return (this.collector ?? this.allInOne)!.samplingGrpcEndpoint;
  }

  /** The UI and HTTP query API inside the cluster. */
  public get uiEndpoint(): ServiceEndpoint {
    return (this.query ?? this.allInOne)!.uiEndpoint;
  }
}
