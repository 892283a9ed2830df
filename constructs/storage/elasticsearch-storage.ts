import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { propError, requireDnsLabel, requireDnsSubdomain, requireInteger } from '../_errors';
import { standardLabels } from '../_labels';
import { hostPort, parseHttpUrl } from '../_url';
import { podTemplate, ResolvedWorkload, resolveWorkload, workloadOptionsOf } from '../_workload';
import { ElasticsearchStorageConfig } from '../jaeger/jaeger-config';
import { Prerequisites } from '../prerequisites';
import { Images } from '../versions';
import { WorkloadOptions } from '../workload-options';
import { SecretKeyReference } from './secret-key-reference';
import { ITraceStorage, TraceStorageBinding, TraceStorageKind } from './trace-storage';

/** Which search engine the cluster runs. */
export enum SearchEngine {
  /** Elasticsearch 7, 8 or 9. */
  ELASTICSEARCH = 'elasticsearch',
  /** OpenSearch 1, 2 or 3. */
  OPENSEARCH = 'opensearch',
}

/** Basic-auth credentials, read from a Secret the user creates. */
export interface ElasticsearchCredentials {
  /** Name of the Secret. */
  readonly secretName: string;
  /**
   * Key of the user name in the Secret.
   * @default 'username'
   */
  readonly usernameKey?: string;
  /**
   * Key of the password in the Secret.
   * @default 'password'
   */
  readonly passwordKey?: string;
}

/** TLS towards the cluster (for `https://` server URLs). */
export interface ElasticsearchTls {
  /**
   * CA certificate (PEM) that signed the cluster's certificate.
   * @default - the system trust store of the image
   */
  readonly ca?: SecretKeyReference;
  /**
   * Name to verify in the server certificate, when it differs from the URL's host.
   * @default - the URL's host
   */
  readonly serverName?: string;
}

/**
 * The index-cleaner CronJob, which deletes daily indices older than the retention. Its
 * {@link WorkloadOptions} win over `jobs`.
 */
export interface IndexCleanerOptions extends WorkloadOptions {
  /**
   * Run the index cleaner.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Days of traces to keep.
   * @default 7
   */
  readonly retentionDays?: number;
  /**
   * Cron schedule (UTC).
   * @default '55 23 * * *'
   */
  readonly schedule?: string;
}

/**
 * Index rollover: write aliases, an init Job and rollover/lookback CronJobs. Its
 * {@link WorkloadOptions} (image `jaegertracing/jaeger-es-rollover:1.76.0` by default) apply to
 * all three and win over `jobs`.
 */
export interface RolloverOptions extends WorkloadOptions {
  /**
   * Roll indices over by condition instead of daily index names.
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Conditions, as the Elasticsearch rollover API's `conditions` JSON.
   * @default '{"max_age": "1d"}'
   * @see https://www.jaegertracing.io/docs/latest/deployment/#elasticsearch-rollover
   */
  readonly conditions?: string;
  /**
   * Cron schedule of the rollover (UTC).
   * @default '0 0 * * *'
   */
  readonly schedule?: string;
  /**
   * Days of indices kept in the read alias; older ones are removed from it by the lookback job.
   * @default - the index cleaner's retention (7 days)
   */
  readonly readAliasDays?: number;
}

/** Props of {@link ElasticsearchStorage}. */
export interface ElasticsearchStorageProps {
  /**
   * Base name of the maintenance jobs (`<name>-es-index-cleaner`, ...).
   * @default 'jaeger'
   */
  readonly name?: string;
  /** URLs of the cluster's HTTP endpoint, `http(s)://host:port`. */
  readonly serverUrls: string[];
  /**
   * Elasticsearch or OpenSearch.
   * @default SearchEngine.ELASTICSEARCH
   */
  readonly engine?: SearchEngine;
  /**
   * Prefix of Jaeger's indices (`<prefix>-jaeger-span-2026-11-25`).
   * @default - none (`jaeger-span-2026-11-25`)
   */
  readonly indexPrefix?: string;
  /**
   * Primary shards of each new index.
   * @default 5
   */
  readonly shards?: number;
  /**
   * Replicas of each shard.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Basic-auth credentials from a Secret. The password is mounted as a file, never put in a
   * ConfigMap or an argument.
   * @default - no authentication
   */
  readonly credentials?: ElasticsearchCredentials;
  /**
   * TLS settings; only valid with `https://` URLs.
   * @default - plain HTTP for `http://` URLs, system trust store for `https://`
   */
  readonly tls?: ElasticsearchTls;
  /**
   * Elasticsearch major version whose index mappings Jaeger uses: 7, 8 or 9. OpenSearch 1 to 3
   * use the Elasticsearch 7 mappings, so only 7 is valid with OpenSearch.
   * @default - detected by Jaeger from the cluster at start
   */
  readonly version?: number;
  /** Index cleaner CronJob. @default - enabled, 7 days */
  readonly indexCleaner?: IndexCleanerOptions;
  /** Rollover jobs. @default - disabled */
  readonly rollover?: RolloverOptions;
  /**
   * Workload options of every maintenance Job and CronJob (index cleaner, rollover); the image is
   * set per tool, in `indexCleaner` and `rollover`.
   * @default - 50m/64Mi requested, 128Mi limit; no scheduling constraints
   */
  readonly jobs?: Omit<WorkloadOptions, 'image'>;
}

const CREDENTIALS_DIR = '/etc/jaeger/es-credentials';
const TLS_DIR = '/etc/jaeger/es-tls';
const CRON = /^(\S+\s+){4}\S+$/;
const INDEX_PREFIX = /^[a-z0-9][a-z0-9_.]*(-[a-z0-9_.]+)*$/;

/**
 * An Elasticsearch or OpenSearch cluster used as Jaeger's trace storage, with its index
 * maintenance (index cleaner, optional rollover). The cluster itself runs elsewhere (ECK, the
 * OpenSearch operator, a managed service): this construct connects to it.
 */
export class ElasticsearchStorage extends Construct implements ITraceStorage {
  public readonly kind: TraceStorageKind;
  public readonly shared = true;
  /** The URLs Jaeger connects to. */
  public readonly serverUrls: string[];
  /** Index prefix, or '' for none. */
  public readonly indexPrefix: string;
  /** Whether rollover (aliases) is on. */
  public readonly rollover: boolean;
  /** Days the index cleaner keeps, or undefined when it is off. */
  public readonly retentionDays?: number;

  private readonly props: ElasticsearchStorageProps;
  private readonly baseName: string;

  constructor(scope: Construct, id: string, props: ElasticsearchStorageProps) {
    super(scope, id);
    this.props = props;
    this.baseName = props.name ?? 'jaeger';
    requireDnsLabel(this, 'name', this.baseName, 30);
    this.kind = props.engine === SearchEngine.OPENSEARCH ? TraceStorageKind.OPENSEARCH : TraceStorageKind.ELASTICSEARCH;
    if (props.engine !== undefined && !Object.values(SearchEngine).includes(props.engine)) {
      throw propError(this, 'engine', props.engine, `one of ${Object.values(SearchEngine).join(', ')}`);
    }

    if (!Array.isArray(props.serverUrls) || props.serverUrls.length === 0) {
      throw propError(this, 'serverUrls', props.serverUrls, 'at least one http:// or https:// URL');
    }
    const urls = props.serverUrls.map((u, i) => parseHttpUrl(this, `serverUrls[${i}]`, u));
    const schemes = new Set(urls.map(u => u.protocol));
    if (schemes.size > 1) throw propError(this, 'serverUrls', props.serverUrls, 'URLs of one scheme (all http:// or all https://)');
    if (props.tls && !schemes.has('https:')) {
      throw propError(this, 'tls', props.tls, 'unset for http:// server URLs (TLS needs https:// URLs)');
    }
    this.serverUrls = [...props.serverUrls];

    this.indexPrefix = props.indexPrefix ?? '';
    if (props.indexPrefix !== undefined && (props.indexPrefix.length > 100 || !INDEX_PREFIX.test(props.indexPrefix))) {
      throw propError(this, 'indexPrefix', props.indexPrefix, 'lower-case letters, digits, \'_\', \'.\' and single inner \'-\' (an Elasticsearch index name part), at most 100 characters');
    }
    requireInteger(this, 'shards', props.shards ?? 5, 1, 1024);
    requireInteger(this, 'replicas', props.replicas ?? 1, 0, 32);
    if (props.version !== undefined) {
      if (this.kind === TraceStorageKind.OPENSEARCH) {
        if (props.version !== 7) throw propError(this, 'version', props.version, '7 with OpenSearch (OpenSearch 1 to 3 use the Elasticsearch 7 index mappings)');
      } else {
        requireInteger(this, 'version', props.version, 7, 9);
      }
    }
    if (props.credentials) {
      requireDnsSubdomain(this, 'credentials.secretName', props.credentials.secretName);
      Prerequisites.of(this).addSecret(props.credentials.secretName, `${this.engineLabel()} user name (key '${props.credentials.usernameKey ?? 'username'}') and password (key '${props.credentials.passwordKey ?? 'password'}')`);
    }
    if (props.tls?.ca) {
      requireDnsSubdomain(this, 'tls.ca.secretName', props.tls.ca.secretName);
      Prerequisites.of(this).addSecret(props.tls.ca.secretName, `CA certificate (key '${props.tls.ca.key}') of the ${this.engineLabel()} cluster`);
    }
    for (const u of urls) {
      Prerequisites.of(this).addEndpoint(hostPort(u), `${this.engineLabel()} HTTP endpoint`);
    }

    if ((props.jobs as WorkloadOptions | undefined)?.image !== undefined) {
      throw propError(this, 'jobs.image', (props.jobs as WorkloadOptions).image, 'unset: the index cleaner and rollover are different images (set indexCleaner.image, rollover.image)');
    }

    const cleaner = props.indexCleaner ?? {};
    const rollover = props.rollover ?? {};
    this.rollover = rollover.enabled ?? false;
    if (cleaner.enabled ?? true) {
      this.retentionDays = cleaner.retentionDays ?? 7;
      requireInteger(this, 'indexCleaner.retentionDays', this.retentionDays, 1, 3650);
      this.addIndexCleaner(cleaner.schedule ?? '55 23 * * *', this.toolWorkload('indexCleaner', cleaner, Images.JAEGER_ES_INDEX_CLEANER));
    }
    if (this.rollover) {
      const readDays = rollover.readAliasDays ?? this.retentionDays ?? 7;
      requireInteger(this, 'rollover.readAliasDays', readDays, 1, 3650);
      const conditions = rollover.conditions ?? '{"max_age": "1d"}';
      try {
        const parsed: unknown = JSON.parse(conditions);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.keys(parsed).length === 0) throw new Error('not an object');
      } catch {
        throw propError(this, 'rollover.conditions', conditions, 'a JSON object of rollover conditions such as {"max_age": "1d"}');
      }
      this.addRollover(conditions, rollover.schedule ?? '0 0 * * *', readDays, this.toolWorkload('rollover', rollover, Images.JAEGER_ES_ROLLOVER));
    }
  }

  /** Renders the backend for a Jaeger workload: the config entry, the credential and CA mounts. */
  public bind(_scope: Construct): TraceStorageBinding {
    const p = this.props;
    const prefixShards = { shards: p.shards ?? 5, replicas: p.replicas ?? 1 };
    const config: ElasticsearchStorageConfig = {
      server_urls: this.serverUrls,
      indices: {
        ...(this.indexPrefix ? { index_prefix: this.indexPrefix } : {}),
        spans: prefixShards,
        services: prefixShards,
        dependencies: prefixShards,
        sampling: prefixShards,
      },
      ...(p.credentials ? { auth: { basic: { username: '${env:ES_USERNAME}', password_file: `${CREDENTIALS_DIR}/password`, reload_interval: '1m' } } } : {}),
      ...(p.tls ? { tls: { ...(p.tls.ca ? { ca_file: `${TLS_DIR}/ca.crt` } : {}), ...(p.tls.serverName ? { server_name_override: p.tls.serverName } : {}) } } : {}),
      ...(this.rollover ? { use_aliases: true, create_mappings: false } : {}),
      ...(p.version ? { version: p.version } : {}),
    };
    return {
      backend: this.kind === TraceStorageKind.OPENSEARCH ? { opensearch: config } : { elasticsearch: config },
      volumes: this.secretVolumes(),
      volumeMounts: this.secretMounts(),
      env: p.credentials ? [this.usernameEnv()] : [],
    };
  }

  private engineLabel(): string {
    return this.kind === TraceStorageKind.OPENSEARCH ? 'OpenSearch' : 'Elasticsearch';
  }

  private usernameEnv(): k8s.EnvVar {
    const c = this.props.credentials!;
    return { name: 'ES_USERNAME', valueFrom: { secretKeyRef: { name: c.secretName, key: c.usernameKey ?? 'username' } } };
  }

  private passwordEnv(): k8s.EnvVar {
    const c = this.props.credentials!;
    return { name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: c.secretName, key: c.passwordKey ?? 'password' } } };
  }

  private secretVolumes(): k8s.Volume[] {
    const p = this.props;
    const volumes: k8s.Volume[] = [];
    if (p.credentials) {
      volumes.push({ name: 'es-credentials', secret: { secretName: p.credentials.secretName, items: [{ key: p.credentials.passwordKey ?? 'password', path: 'password' }] } });
    }
    if (p.tls?.ca) {
      volumes.push({ name: 'es-tls', secret: { secretName: p.tls.ca.secretName, items: [{ key: p.tls.ca.key, path: 'ca.crt' }] } });
    }
    return volumes;
  }

  private secretMounts(): k8s.VolumeMount[] {
    const p = this.props;
    return [
      ...(p.credentials ? [{ name: 'es-credentials', mountPath: CREDENTIALS_DIR, readOnly: true }] : []),
      ...(p.tls?.ca ? [{ name: 'es-tls', mountPath: TLS_DIR, readOnly: true }] : []),
    ];
  }

  /** Flags and environment shared by the v1 maintenance tools (index cleaner, rollover). */
  private toolOptions(): { flags: string[]; env: k8s.EnvVar[] } {
    const p = this.props;
    const flags: string[] = [];
    if (this.indexPrefix) flags.push(`--index-prefix=${this.indexPrefix}`);
    if (p.tls) {
      flags.push('--es.tls.enabled=true');
      if (p.tls.ca) flags.push(`--es.tls.ca=${TLS_DIR}/ca.crt`);
      if (p.tls.serverName) flags.push(`--es.tls.server-name=${p.tls.serverName}`);
    }
    // The tools read `--es.username`/`--es.password` from ES_USERNAME/ES_PASSWORD.
    const env = p.credentials ? [this.usernameEnv(), this.passwordEnv()] : [];
    return { flags, env };
  }

  /** The pods of one tool: `jobs`, then the tool's own options. */
  private toolWorkload(field: string, own: WorkloadOptions, image: string): ResolvedWorkload {
    return resolveWorkload(this, [{ prefix: 'jobs.', options: this.props.jobs }, { prefix: `${field}.`, options: workloadOptionsOf(own) }], {
      image,
      resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '128Mi' },
    });
  }

  private labels(component: string, workload: ResolvedWorkload): Record<string, string> {
    return standardLabels({ name: 'jaeger', instance: this.baseName, component, version: workload.image.versionLabel });
  }

  private jobSpec(component: string, workload: ResolvedWorkload, args: string[]): k8s.JobSpec {
    const tool = this.toolOptions();
    return {
      backoffLimit: 3,
      activeDeadlineSeconds: 3600,
      ttlSecondsAfterFinished: 86400,
      template: podTemplate(this, {
        workload,
        containerName: component,
        args: [...args.slice(0, -1), ...tool.flags, args[args.length - 1]],
        env: tool.env,
        volumes: this.secretVolumes().filter(v => v.name === 'es-tls'),
        volumeMounts: this.secretMounts().filter(m => m.name === 'es-tls'),
        labels: this.labels(component, workload),
        restartPolicy: 'OnFailure',
      }),
    };
  }

  private addCronJob(id: string, field: string, component: string, schedule: string, workload: ResolvedWorkload, args: string[]): k8s.KubeCronJob {
    if (!CRON.test(schedule)) throw propError(this, field, schedule, 'a five-field cron expression such as "55 23 * * *"');
    return new k8s.KubeCronJob(this, id, {
      metadata: { name: `${this.baseName}-${component}`, labels: this.labels(component, workload) },
      spec: {
        schedule,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: { metadata: { labels: this.labels(component, workload) }, spec: this.jobSpec(component, workload, args) },
      },
    });
  }

  private addIndexCleaner(schedule: string, workload: ResolvedWorkload): void {
    const args = [String(this.retentionDays), ...(this.rollover ? ['--rollover'] : []), this.serverUrls[0]];
    this.addCronJob('IndexCleaner', 'indexCleaner.schedule', 'es-index-cleaner', schedule, workload, args);
  }

  private addRollover(conditions: string, schedule: string, readDays: number, workload: ResolvedWorkload): void {
    const p = this.props;
    const url = this.serverUrls[0];
    new k8s.KubeJob(this, 'RolloverInit', {
      metadata: { name: `${this.baseName}-es-rollover-init`, labels: this.labels('es-rollover-init', workload) },
      spec: this.jobSpec('es-rollover-init', workload, ['init', `--shards=${p.shards ?? 5}`, `--replicas=${p.replicas ?? 1}`, url]),
    });
    this.addCronJob('Rollover', 'rollover.schedule', 'es-rollover', schedule, workload, ['rollover', `--conditions=${conditions}`, url]);
    this.addCronJob('Lookback', 'rollover.schedule', 'es-lookback', schedule, workload, ['lookback', '--unit=days', `--unit-count=${readDays}`, url]);
  }
}
