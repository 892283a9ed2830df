import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { propError, requireInteger } from '../_errors';
import { ContainerResources } from '../resources';
import { ServiceEndpoint } from '../service-endpoint';
import { ITraceStorage } from '../storage/trace-storage';
import { JaegerWorkload, JaegerWorkloadProps } from './_jaeger-workload';
import { JaegerPorts } from './jaeger-ports';

/** Props of {@link JaegerQuery}. */
export interface JaegerQueryProps extends JaegerWorkloadProps {
  /** Storage shared with {@link JaegerCollector}: Elasticsearch or OpenSearch. */
  readonly storage: ITraceStorage;
  /**
   * Replicas.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * URL path prefix of the UI and API, when served behind an ingress path such as `/jaeger`.
   * @default '/'
   */
  readonly basePath?: string;
  /**
   * Maximum clock-skew adjustment applied to spans when displaying traces, as a Go duration.
   * @default - no adjustment
   */
  readonly maxClockSkewAdjust?: string;
  /**
   * CPU and memory.
   * @default - 100m/256Mi requested, 512Mi limit
   */
  readonly resources?: ContainerResources;
}

/** Validates an ingress-style base path: `/` or `/segment[/segment...]` without a trailing slash. */
export function validateBasePath(scope: Construct, field: string, value: string): void {
  if (typeof value !== 'string' || !/^\/([A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*)?$/.test(value)) {
    throw propError(scope, field, value, '"/" or a path such as "/jaeger" (no trailing slash)');
  }
}

/**
 * The Jaeger v2 query service of a production deployment: UI, HTTP and gRPC query APIs over the
 * shared storage. Runs no span pipeline.
 */
export class JaegerQuery extends JaegerWorkload {
  /** The storage read from. */
  public readonly storage: ITraceStorage;
  /** URL path prefix of the UI. */
  public readonly basePath: string;
  /** The disruption budget. */
  public readonly disruptionBudget: k8s.KubePodDisruptionBudget;

  constructor(scope: Construct, id: string, props: JaegerQueryProps) {
    const basePath = props.basePath ?? '/';
    super(scope, id, props, {
      component: 'query',
      resourceName: `${props.name ?? 'jaeger'}-query`,
      storage: props.storage,
      query: { basePath, maxClockSkewAdjust: props.maxClockSkewAdjust },
      replicas: props.replicas ?? 2,
      topologySpread: true,
      defaultResources: { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
    });
    validateBasePath(this, 'basePath', basePath);
    if (props.maxClockSkewAdjust !== undefined && !/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(props.maxClockSkewAdjust)) {
      throw propError(this, 'maxClockSkewAdjust', props.maxClockSkewAdjust, 'a Go duration such as "500ms" or "1s"');
    }
    if (!props.storage.shared) {
      throw propError(this, 'storage', props.storage.kind, 'a storage shared by several processes (Elasticsearch, OpenSearch); memory and badger only serve JaegerAllInOne');
    }
    this.storage = props.storage;
    this.basePath = basePath;
    const replicas = props.replicas ?? 2;
    requireInteger(this, 'replicas', replicas, 1, 100);
    this.disruptionBudget = this.makeDisruptionBudget();
  }

  /** The UI and HTTP query API. */
  public get uiEndpoint(): ServiceEndpoint {
    return this.endpointOf(JaegerPorts.QUERY_HTTP);
  }

  /** The gRPC query API (`api_v2`/`api_v3`), for Grafana's Jaeger datasource and tools. */
  public get grpcEndpoint(): ServiceEndpoint {
    return this.endpointOf(JaegerPorts.QUERY_GRPC);
  }
}
