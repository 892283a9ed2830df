import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { propError, requireDnsSubdomain } from '../_errors';
import { Prerequisites } from '../prerequisites';
import { SecretKeyReference } from './secret-key-reference';

/** The object stores trace backends can keep blocks in. */
export enum ObjectStorageKind {
  S3 = 's3',
  GCS = 'gcs',
  AZURE = 'azure',
  LOCAL = 'local',
}

/** What a workload needs to reach a bucket: environment, mounts, ServiceAccount annotations. */
export interface ObjectStorageBinding {
  /** Environment variables (credentials from Secrets). */
  readonly env: k8s.EnvVar[];
  /** Volumes (a CA bundle, a local path). */
  readonly volumes: k8s.Volume[];
  /** Mounts of those volumes. */
  readonly volumeMounts: k8s.VolumeMount[];
  /** Annotations for the workload's ServiceAccount (workload identity). */
  readonly serviceAccountAnnotations: Record<string, string>;
  /** Labels for the pods (Azure workload identity needs one). */
  readonly podLabels: Record<string, string>;
}

/** A bucket (or container, or local path) that trace blocks are written to. */
export interface IObjectStorage {
  /** Which store. */
  readonly kind: ObjectStorageKind;
  /** Bucket, container or path. */
  readonly bucket: string;
  /** Key prefix inside the bucket, or '' for none. */
  readonly prefix: string;
  /** What a workload needs to use it. */
  bind(): ObjectStorageBinding;
}

/** Static credentials for S3, from a Secret the user creates. */
export interface S3Credentials {
  /** The Secret. */
  readonly secretName: string;
  /** Key of the access key id. @default 'AWS_ACCESS_KEY_ID' */
  readonly accessKeyIdKey?: string;
  /** Key of the secret access key. @default 'AWS_SECRET_ACCESS_KEY' */
  readonly secretAccessKeyKey?: string;
}

/** Props of {@link S3Bucket}. */
export interface S3BucketProps {
  /** Bucket name. */
  readonly bucket: string;
  /**
   * S3 endpoint, `host[:port]` without scheme (MinIO, Ceph, R2, ...).
   * @default - AWS S3 in `region` (`s3.<region>.amazonaws.com`)
   */
  readonly endpoint?: string;
  /**
   * Region.
   * @default - none (required for AWS without `endpoint`)
   */
  readonly region?: string;
  /**
   * Plain HTTP instead of HTTPS (in-cluster MinIO without TLS).
   * @default false
   */
  readonly insecure?: boolean;
  /**
   * Path-style addressing (`endpoint/bucket`), needed by most S3-compatible stores.
   * @default - true with a custom endpoint, false for AWS
   */
  readonly forcePathStyle?: boolean;
  /**
   * Key prefix for everything written.
   * @default - none
   */
  readonly prefix?: string;
  /**
   * Static credentials from a Secret, exposed as `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`
   * (read by the AWS credential chain, never written into a ConfigMap).
   * @default - none: the workload's identity (see `serviceAccountAnnotations`)
   */
  readonly credentials?: S3Credentials;
  /**
   * ServiceAccount annotations granting access through workload identity, e.g.
   * `{ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/tempo' }`.
   * @default - none
   */
  readonly serviceAccountAnnotations?: Record<string, string>;
  /**
   * CA bundle (PEM) that signed the endpoint's certificate.
   * @default - the image's trust store
   */
  readonly ca?: SecretKeyReference;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ENDPOINT = /^[a-zA-Z0-9.-]+(:\d{1,5})?$/;
const PREFIX = /^[A-Za-z0-9!_.*'()/-]*$/;
export const S3_CA_DIR = '/etc/object-storage/ca';

function checkPrefix(scope: Construct, value: string | undefined): string {
  if (value === undefined) return '';
  if (!PREFIX.test(value) || value.startsWith('/') || value.length > 512) {
    throw propError(scope, 'prefix', value, 'a relative key prefix of letters, digits and ! _ . * \' ( ) / - (no leading slash)');
  }
  return value.replace(/\/+$/, '');
}

/**
 * An S3 or S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Cloudflare R2, ...), reusable by every
 * part of the stack that stores blocks. The bucket itself is created elsewhere; credentials come
 * from a Secret or from workload identity, never from a ConfigMap.
 */
export class S3Bucket extends Construct implements IObjectStorage {
  public readonly kind = ObjectStorageKind.S3;
  public readonly bucket: string;
  public readonly prefix: string;
  /** `host[:port]` of the endpoint. */
  public readonly endpoint: string;
  /** Region, or '' when unset. */
  public readonly region: string;
  /** Plain HTTP. */
  public readonly insecure: boolean;
  /** Path-style addressing. */
  public readonly forcePathStyle: boolean;
  /** Whether a CA bundle is mounted (at {@link S3_CA_DIR}/ca.crt). */
  public readonly hasCa: boolean;

  private readonly props: S3BucketProps;

  constructor(scope: Construct, id: string, props: S3BucketProps) {
    super(scope, id);
    this.props = props;
    if (typeof props.bucket !== 'string' || !BUCKET.test(props.bucket) || props.bucket.includes('..')) {
      throw propError(this, 'bucket', props.bucket, 'an S3 bucket name: 3 to 63 lower-case letters, digits, \'.\' and \'-\'');
    }
    if (props.endpoint !== undefined && !ENDPOINT.test(props.endpoint)) {
      throw propError(this, 'endpoint', props.endpoint, 'host[:port] without a scheme, such as "minio.storage.svc:9000" (use insecure: true for plain HTTP)');
    }
    if (props.endpoint === undefined && !props.region) {
      throw propError(this, 'region', props.region, 'set when no endpoint is given (AWS S3 needs the bucket\'s region)');
    }
    if (props.region !== undefined && !/^[a-z0-9-]{2,32}$/.test(props.region)) {
      throw propError(this, 'region', props.region, 'a region name such as "eu-west-1"');
    }
    if (props.insecure && props.ca) throw propError(this, 'ca', props.ca.secretName, 'unset with insecure: true (no TLS, no CA)');
    if (props.credentials) {
      requireDnsSubdomain(this, 'credentials.secretName', props.credentials.secretName);
      Prerequisites.of(this).addSecret(props.credentials.secretName,
        `S3 access key id (key '${props.credentials.accessKeyIdKey ?? 'AWS_ACCESS_KEY_ID'}') and secret key (key '${props.credentials.secretAccessKeyKey ?? 'AWS_SECRET_ACCESS_KEY'}') for bucket ${props.bucket}`);
    }
    if (props.ca) {
      requireDnsSubdomain(this, 'ca.secretName', props.ca.secretName);
      Prerequisites.of(this).addSecret(props.ca.secretName, `CA bundle (key '${props.ca.key}') of the S3 endpoint`);
    }
    this.bucket = props.bucket;
    this.prefix = checkPrefix(this, props.prefix);
    this.region = props.region ?? '';
    this.endpoint = props.endpoint ?? `s3.${props.region}.amazonaws.com`;
    this.insecure = props.insecure ?? false;
    this.forcePathStyle = props.forcePathStyle ?? props.endpoint !== undefined;
    this.hasCa = props.ca !== undefined;
    Prerequisites.of(this).addEndpoint(this.endpoint.includes(':') ? this.endpoint : `${this.endpoint}:${this.insecure ? 80 : 443}`, `S3 endpoint of bucket ${this.bucket}`);
  }

  public bind(): ObjectStorageBinding {
    const p = this.props;
    const c = p.credentials;
    return {
      env: c
        ? [
          { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: c.secretName, key: c.accessKeyIdKey ?? 'AWS_ACCESS_KEY_ID' } } },
          { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: c.secretName, key: c.secretAccessKeyKey ?? 'AWS_SECRET_ACCESS_KEY' } } },
        ]
        : [],
      volumes: p.ca ? [{ name: 'object-storage-ca', secret: { secretName: p.ca.secretName, items: [{ key: p.ca.key, path: 'ca.crt' }] } }] : [],
      volumeMounts: p.ca ? [{ name: 'object-storage-ca', mountPath: S3_CA_DIR, readOnly: true }] : [],
      serviceAccountAnnotations: { ...(p.serviceAccountAnnotations ?? {}) },
      podLabels: {},
    };
  }
}

/** Props of {@link GcsBucket}. */
export interface GcsBucketProps {
  /** Bucket name. */
  readonly bucket: string;
  /** Key prefix. @default - none */
  readonly prefix?: string;
  /**
   * A service-account key JSON from a Secret, mounted and named by `GOOGLE_APPLICATION_CREDENTIALS`.
   * @default - none: GKE Workload Identity (see `serviceAccountAnnotations`)
   */
  readonly credentials?: SecretKeyReference;
  /**
   * ServiceAccount annotations, e.g. `{ 'iam.gke.io/gcp-service-account': 'tempo@project.iam.gserviceaccount.com' }`.
   * @default - none
   */
  readonly serviceAccountAnnotations?: Record<string, string>;
  /**
   * The JSON API endpoint, `https://host[:port]` with or without the `/storage/v1/` path (rendered
   * with it): a Private Service Connect endpoint (`https://storage-tempo.p.googleapis.com`), or a
   * GCS-compatible store or emulator (fake-gcs-server). Reads go through the JSON API too.
   * `http://` only with `insecure: true` (credentials would cross the network in clear).
   * @default - Google's public API, `https://storage.googleapis.com/storage/v1/`
   * @see https://grafana.com/docs/tempo/latest/configuration/#storage
   */
  readonly endpoint?: string;
  /**
   * Send no credentials at all and accept any TLS certificate: for an emulator (fake-gcs-server)
   * only. Needs `endpoint`; refuses `credentials`.
   * @default false
   */
  readonly insecure?: boolean;
}

const GCS_KEY_DIR = '/etc/object-storage/gcs';
const GCS_JSON_API = '/storage/v1/';

/** A Google Cloud Storage bucket. */
export class GcsBucket extends Construct implements IObjectStorage {
  public readonly kind = ObjectStorageKind.GCS;
  public readonly bucket: string;
  public readonly prefix: string;
  /** The JSON API endpoint set with `endpoint` (`<scheme>://<host>[:<port>]/storage/v1/`), or '' for Google's public API. */
  public readonly endpoint: string;
  /** No credentials sent, any certificate accepted. */
  public readonly insecure: boolean;
  private readonly props: GcsBucketProps;

  constructor(scope: Construct, id: string, props: GcsBucketProps) {
    super(scope, id);
    this.props = props;
    if (typeof props.bucket !== 'string' || !/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(props.bucket)) {
      throw propError(this, 'bucket', props.bucket, 'a GCS bucket name: 3 to 222 lower-case letters, digits, \'.\', \'_\' and \'-\'');
    }
    this.insecure = props.insecure ?? false;
    const url = props.endpoint === undefined ? undefined : gcsEndpoint(this, props.endpoint);
    if (url?.protocol === 'http:' && !this.insecure) {
      throw propError(this, 'endpoint', props.endpoint, 'an https:// URL, or http:// with insecure: true (an emulator; credentials would cross the network in clear)');
    }
    if (this.insecure && !url) {
      throw propError(this, 'insecure', true, 'false without an endpoint (Google\'s API needs credentials)');
    }
    if (this.insecure && props.credentials) {
      throw propError(this, 'credentials', props.credentials.secretName, 'unset with insecure: true (Tempo sends no credentials)');
    }
    if (props.credentials) {
      requireDnsSubdomain(this, 'credentials.secretName', props.credentials.secretName);
      Prerequisites.of(this).addSecret(props.credentials.secretName, `GCP service-account key JSON (key '${props.credentials.key}') for bucket ${props.bucket}`);
    }
    this.bucket = props.bucket;
    this.prefix = checkPrefix(this, props.prefix);
    this.endpoint = url ? `${url.protocol}//${url.host}${GCS_JSON_API}` : '';
    Prerequisites.of(this).addEndpoint(url ? `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}` : 'storage.googleapis.com:443', `Google Cloud Storage API for bucket ${props.bucket}`);
  }

  public bind(): ObjectStorageBinding {
    const c = this.props.credentials;
    return {
      env: c ? [{ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: `${GCS_KEY_DIR}/key.json` }] : [],
      volumes: c ? [{ name: 'gcs-credentials', secret: { secretName: c.secretName, items: [{ key: c.key, path: 'key.json' }] } }] : [],
      volumeMounts: c ? [{ name: 'gcs-credentials', mountPath: GCS_KEY_DIR, readOnly: true }] : [],
      serviceAccountAnnotations: { ...(this.props.serviceAccountAnnotations ?? {}) },
      podLabels: {},
    };
  }
}

/** The URL of a GCS JSON API endpoint, checked: http(s), a host, no user info, query or path other than `/storage/v1/`. */
function gcsEndpoint(scope: Construct, value: string): URL {
  let url: URL | undefined;
  try { url = new URL(value); } catch { url = undefined; }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname || url.username || url.password || url.search || url.hash
    || !['/', '/storage/v1', GCS_JSON_API].includes(url.pathname)) {
    throw propError(scope, 'endpoint', value, 'an https:// URL of a GCS JSON API, host[:port] with no path or the path /storage/v1/, such as "https://storage-tempo.p.googleapis.com"');
  }
  return url;
}

/** Props of {@link AzureBlobContainer}. */
export interface AzureBlobContainerProps {
  /** Storage account name. */
  readonly storageAccount: string;
  /** Container name. */
  readonly container: string;
  /** Key prefix. @default - none */
  readonly prefix?: string;
  /**
   * The storage account key from a Secret (as `AZURE_STORAGE_KEY`).
   * @default - none: Azure Workload Identity (federated token)
   */
  readonly accountKey?: SecretKeyReference;
  /**
   * Client id of the managed identity for workload identity (ServiceAccount annotation
   * `azure.workload.identity/client-id`).
   * @default - none
   */
  readonly workloadIdentityClientId?: string;
  /**
   * Endpoint suffix of the cloud: Tempo reaches `https://<storageAccount>.<endpointSuffix>`, e.g.
   * `blob.core.chinacloudapi.cn`, `blob.core.usgovcloudapi.net`, or an Azure Stack Hub's
   * `blob.<region>.<domain>`. A private endpoint keeps the public name (its DNS zone resolves it).
   * A suffix that does not start with `blob.` is, to Tempo, the `host[:port]` of an emulator
   * (Azurite) reached over plain HTTP at `http://<endpointSuffix>/<storageAccount>`: refused with
   * workload identity (the token would cross the network in clear) and for Azure's own domains.
   * @default 'blob.core.windows.net'
   * @see https://grafana.com/docs/tempo/latest/configuration/hosted-storage/azure/
   */
  readonly endpointSuffix?: string;
}

const AZURE_SUFFIX = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/;
/** Azure's own domains: under them, a suffix without `blob.` is a mistake, not an emulator. */
const AZURE_DOMAINS = /(^|\.)(windows\.net|azure\.net|chinacloudapi\.cn|usgovcloudapi\.net|cloudapi\.de)(:\d+)?$/;

/** An Azure Blob Storage container. */
export class AzureBlobContainer extends Construct implements IObjectStorage {
  public readonly kind = ObjectStorageKind.AZURE;
  public readonly bucket: string;
  public readonly prefix: string;
  /** Storage account name. */
  public readonly storageAccount: string;
  /** Endpoint suffix. */
  public readonly endpointSuffix: string;
  /**
   * The blob service URL Tempo derives from the account and suffix: `https://<account>.<suffix>`,
   * or `http://<suffix>/<account>` for an emulator (a suffix not starting with `blob.`).
   */
  public readonly blobServiceUrl: string;
  /** Whether authentication uses a federated token (workload identity). */
  public readonly federatedToken: boolean;
  private readonly props: AzureBlobContainerProps;

  constructor(scope: Construct, id: string, props: AzureBlobContainerProps) {
    super(scope, id);
    this.props = props;
    if (typeof props.storageAccount !== 'string' || !/^[a-z0-9]{3,24}$/.test(props.storageAccount)) {
      throw propError(this, 'storageAccount', props.storageAccount, 'an Azure storage account name: 3 to 24 lower-case letters and digits');
    }
    if (typeof props.container !== 'string' || !/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(props.container)) {
      throw propError(this, 'container', props.container, 'an Azure container name: 3 to 63 lower-case letters, digits and single \'-\'');
    }
    if (!props.accountKey && !props.workloadIdentityClientId) {
      throw propError(this, 'accountKey', undefined, 'set, or workloadIdentityClientId set: Tempo needs one way to authenticate');
    }
    if (props.accountKey && props.workloadIdentityClientId) {
      throw propError(this, 'workloadIdentityClientId', props.workloadIdentityClientId, 'unset when accountKey is given (one way to authenticate)');
    }
    if (props.accountKey) {
      requireDnsSubdomain(this, 'accountKey.secretName', props.accountKey.secretName);
      Prerequisites.of(this).addSecret(props.accountKey.secretName, `Azure storage account key (key '${props.accountKey.key}') of ${props.storageAccount}`);
    }
    const suffix = props.endpointSuffix ?? 'blob.core.windows.net';
    if (typeof suffix !== 'string' || !AZURE_SUFFIX.test(suffix) || suffix.length > 253) {
      throw propError(this, 'endpointSuffix', suffix, 'a DNS suffix such as "blob.core.chinacloudapi.cn", or the host[:port] of an emulator');
    }
    const emulator = !suffix.startsWith('blob.');
    if (emulator && AZURE_DOMAINS.test(suffix)) {
      throw propError(this, 'endpointSuffix', suffix, 'a suffix starting with \'blob.\' under Azure\'s domains (Tempo reaches any other as an emulator, over plain HTTP at http://<suffix>/<account>)');
    }
    if (emulator && props.workloadIdentityClientId !== undefined) {
      throw propError(this, 'endpointSuffix', suffix, 'a suffix starting with \'blob.\' with workload identity (Tempo reaches any other as an emulator over plain HTTP, and the federated token would cross the network in clear)');
    }
    this.bucket = props.container;
    this.prefix = checkPrefix(this, props.prefix);
    this.storageAccount = props.storageAccount;
    this.endpointSuffix = suffix;
    this.blobServiceUrl = emulator ? `http://${suffix}/${props.storageAccount}` : `https://${props.storageAccount}.${suffix}`;
    this.federatedToken = props.workloadIdentityClientId !== undefined;
    const host = emulator ? suffix : `${props.storageAccount}.${suffix}`;
    Prerequisites.of(this).addEndpoint(/:\d+$/.test(host) ? host : `${host}:${emulator ? 80 : 443}`, `Azure Blob Storage of container ${props.container}`);
  }

  public bind(): ObjectStorageBinding {
    const p = this.props;
    return {
      env: p.accountKey ? [{ name: 'AZURE_STORAGE_KEY', valueFrom: { secretKeyRef: { name: p.accountKey.secretName, key: p.accountKey.key } } }] : [],
      volumes: [],
      volumeMounts: [],
      serviceAccountAnnotations: p.workloadIdentityClientId ? { 'azure.workload.identity/client-id': p.workloadIdentityClientId } : {},
      podLabels: p.workloadIdentityClientId ? { 'azure.workload.identity/use': 'true' } : {},
    };
  }
}

/** Blocks on the pod's own volume: monolithic mode on one node, and development. */
export class LocalObjectStorage implements IObjectStorage {
  public readonly kind = ObjectStorageKind.LOCAL;
  public readonly prefix = '';
  /** Path of the blocks inside the container. */
  public readonly bucket: string;

  /** @param path where blocks are written, on the workload's persistent volume */
  constructor(path = '/var/tempo/blocks') {
    if (!/^\/[A-Za-z0-9._/-]+$/.test(path)) throw propError('LocalObjectStorage', 'path', path, 'an absolute path');
    this.bucket = path;
  }

  public bind(): ObjectStorageBinding {
    return { env: [], volumes: [], volumeMounts: [], serviceAccountAnnotations: {}, podLabels: {} };
  }
}
