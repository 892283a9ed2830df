import { Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { propError, requireInteger } from '../_errors';
import { TraceBackendConfig } from '../jaeger/jaeger-config';

/** The kinds of trace storage Jaeger v2 can use here. */
export enum TraceStorageKind {
  MEMORY = 'memory',
  BADGER = 'badger',
  ELASTICSEARCH = 'elasticsearch',
  OPENSEARCH = 'opensearch',
}

/** What a Jaeger process needs in order to use a storage: its backend entry and pod additions. */
export interface TraceStorageBinding {
  /** The `jaeger_storage.backends.<name>` entry. */
  readonly backend: TraceBackendConfig;
  /** Volumes the pod needs (credentials, CA, data). */
  readonly volumes: k8s.Volume[];
  /** Mounts of those volumes into the Jaeger container. */
  readonly volumeMounts: k8s.VolumeMount[];
  /** Environment variables the configuration refers to (`${env:...}`). */
  readonly env: k8s.EnvVar[];
}

/** A storage backend that Jaeger v2 can write spans to and query them from. */
export interface ITraceStorage {
  /** What kind of storage this is. */
  readonly kind: TraceStorageKind;
  /**
   * Whether separate processes (collector replicas and query) can share it. Memory and Badger
   * live inside one process, so they only serve all-in-one.
   */
  readonly shared: boolean;
  /** Renders the storage for one Jaeger workload, creating what it needs (a PVC) under `scope`. */
  bind(scope: Construct): TraceStorageBinding;
}

/** Options of {@link TraceStorage.memory}. */
export interface MemoryStorageOptions {
  /**
   * Traces kept in memory; the oldest are evicted beyond it.
   * @default 100000
   */
  readonly maxTraces?: number;
}

/** A persistent volume for Badger's data. */
export interface BadgerVolumeOptions {
  /** Size of the PersistentVolumeClaim. */
  readonly size: Size;
  /**
   * StorageClass of the claim.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
}

/** Options of {@link TraceStorage.badger}. */
export interface BadgerStorageOptions {
  /**
   * How long spans are kept.
   * @default Duration.hours(72)
   */
  readonly retention?: Duration;
  /**
   * A PersistentVolumeClaim for the data, so that traces survive a restart.
   * @default - an emptyDir: data lives as long as the pod
   */
  readonly volume?: BadgerVolumeOptions;
}

const BADGER_MOUNT = '/var/lib/jaeger/badger';

/** Factories for the single-process storages. Elasticsearch and OpenSearch are {@link ElasticsearchStorage}. */
export class TraceStorage {
  /** In-memory storage: for development; everything is lost on restart. */
  public static memory(options: MemoryStorageOptions = {}): ITraceStorage {
    const maxTraces = options.maxTraces ?? 100_000;
    requireInteger('TraceStorage.memory', 'maxTraces', maxTraces, 1);
    return {
      kind: TraceStorageKind.MEMORY,
      shared: false,
      bind: () => ({ backend: { memory: { max_traces: maxTraces } }, volumes: [], volumeMounts: [], env: [] }),
    };
  }

  /** Badger, an embedded key-value store on local disk: for development and single-node setups. */
  public static badger(options: BadgerStorageOptions = {}): ITraceStorage {
    const retention = options.retention ?? Duration.hours(72);
    const hours = retention.toHours({ integral: false });
    if (!(hours > 0)) throw propError('TraceStorage.badger', 'retention', `${hours}h`, 'a positive duration');
    const volume = options.volume;
    if (volume && !(volume.size.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) >= 1)) {
      throw propError('TraceStorage.badger', 'volume.size', `${volume.size.toKibibytes({ rounding: SizeRoundingBehavior.NONE })}Ki`, 'at least 1Mi');
    }
    return {
      kind: TraceStorageKind.BADGER,
      shared: false,
      bind: (scope: Construct) => {
        let source: Partial<k8s.Volume> = { emptyDir: {} };
        if (volume) {
          const claim = new k8s.KubePersistentVolumeClaim(scope, 'BadgerData', {
            spec: {
              accessModes: ['ReadWriteOnce'],
              ...(volume.storageClassName ? { storageClassName: volume.storageClassName } : {}),
              resources: { requests: { storage: k8s.Quantity.fromString(`${Math.ceil(volume.size.toMebibytes({ rounding: SizeRoundingBehavior.NONE }))}Mi`) } },
            },
          });
          source = { persistentVolumeClaim: { claimName: claim.name } };
        }
        return {
          backend: {
            badger: {
              directories: { keys: `${BADGER_MOUNT}/keys`, values: `${BADGER_MOUNT}/values` },
              ephemeral: false,
              ttl: { spans: `${Math.round(retention.toSeconds())}s` },
            },
          },
          volumes: [{ name: 'badger-data', ...source }],
          volumeMounts: [{ name: 'badger-data', mountPath: BADGER_MOUNT }],
          env: [],
        };
      },
    };
  }

  private constructor() {}
}
