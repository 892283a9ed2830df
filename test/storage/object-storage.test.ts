import { Chart } from 'cdk8s';
import {
  AzureBlobContainer, GcsBucket, IObjectStorage, LocalObjectStorage, ObjectStorageKind, Prerequisites, S3Bucket, TempoMonolithic,
} from '../../constructs';
import { configFile, find, synth, testChart } from '../_support/synth';

/** A store, what it binds, what it declares, and what it renders on its own (nothing). */
function make<T extends IObjectStorage>(factory: (chart: Chart) => T) {
  const chart = testChart();
  const storage = factory(chart);
  return { chart, storage, binding: storage.bind(), prerequisites: Prerequisites.of(chart).describe(), objects: synth(chart) };
}

/** The Tempo `storage.trace` block and pod that a store produces in a TempoMonolithic. */
function inTempo(factory: (chart: Chart) => IObjectStorage) {
  const chart = testChart();
  const tempo = new TempoMonolithic(chart, 'tempo', { storage: factory(chart) });
  const objects = synth(chart);
  const statefulSet = find(objects, 'StatefulSet', 'tempo');
  return {
    trace: configFile(objects, tempo.configMap.name, 'tempo.yaml').storage.trace,
    serviceAccount: find(objects, 'ServiceAccount', 'tempo'),
    podLabels: statefulSet.spec.template.metadata.labels,
    container: statefulSet.spec.template.spec.containers[0],
    volumes: statefulSet.spec.template.spec.volumes,
  };
}

const noBinding = { env: [], volumes: [], volumeMounts: [], serviceAccountAnnotations: {}, podLabels: {} };

describe('object storage', () => {
  test('defaults: each store with only what it needs, its binding and prerequisites', () => {
    const view = ({ storage, binding, prerequisites, objects }: ReturnType<typeof make>) => ({ kind: storage.kind, bucket: storage.bucket, prefix: storage.prefix, binding, prerequisites, objects });
    expect({
      s3: view(make(c => new S3Bucket(c, 's3', { bucket: 'tempo-traces', region: 'eu-west-1' }))),
      gcs: view(make(c => new GcsBucket(c, 'gcs', { bucket: 'tempo-traces' }))),
      azure: view(make(c => new AzureBlobContainer(c, 'azure', { storageAccount: 'tracesprod', container: 'tempo', workloadIdentityClientId: 'client-id' }))),
      local: { kind: new LocalObjectStorage().kind, bucket: new LocalObjectStorage().bucket, binding: new LocalObjectStorage().bind() },
    }).toMatchSnapshot();
  });

  test('no store renders Kubernetes objects of its own', () => {
    expect(make(c => new S3Bucket(c, 's3', { bucket: 'tempo-traces', region: 'eu-west-1', credentials: { secretName: 's3' } })).objects).toStrictEqual([]);
    expect(make(c => new GcsBucket(c, 'gcs', { bucket: 'tempo-traces' })).objects).toStrictEqual([]);
  });
});

describe('S3Bucket', () => {
  test('AWS: endpoint from the region, virtual-hosted addressing, HTTPS', () => {
    const { storage, prerequisites } = make(c => new S3Bucket(c, 's3', { bucket: 'tempo-traces', region: 'eu-west-1' }));
    expect([storage.kind, storage.endpoint, storage.region, storage.forcePathStyle, storage.insecure, storage.hasCa, storage.prefix])
      .toStrictEqual([ObjectStorageKind.S3, 's3.eu-west-1.amazonaws.com', 'eu-west-1', false, false, false, '']);
    expect(prerequisites).toStrictEqual(['endpoint s3.eu-west-1.amazonaws.com:443: S3 endpoint of bucket tempo-traces']);
  });

  test('S3-compatible endpoint: path-style by default, plain HTTP when insecure, the port as given', () => {
    const minio = make(c => new S3Bucket(c, 's3', { bucket: 'tempo', endpoint: 'minio.storage.svc:9000', insecure: true }));
    expect([minio.storage.forcePathStyle, minio.storage.region]).toStrictEqual([true, '']);
    expect(minio.prerequisites).toStrictEqual(['endpoint minio.storage.svc:9000: S3 endpoint of bucket tempo']);
    expect(make(c => new S3Bucket(c, 's3', { bucket: 'tempo', endpoint: 'ceph.storage.svc', insecure: true })).prerequisites)
      .toStrictEqual(['endpoint ceph.storage.svc:80: S3 endpoint of bucket tempo']);
    expect(make(c => new S3Bucket(c, 's3', { bucket: 'tempo', endpoint: 'r2.example.com', forcePathStyle: false })).storage.forcePathStyle).toBe(false);
  });

  test('prefix: a trailing slash is dropped', () => {
    expect(make(c => new S3Bucket(c, 's3', { bucket: 'tempo', region: 'us-east-1', prefix: 'prod/eu/' })).storage.prefix).toBe('prod/eu');
  });

  test('credentials: env from the Secret (default and custom keys), declared as a prerequisite', () => {
    const { binding, prerequisites } = make(c => new S3Bucket(c, 's3', { bucket: 'tempo', region: 'us-east-1', credentials: { secretName: 'tempo-s3' } }));
    expect(binding).toStrictEqual({
      ...noBinding,
      env: [
        { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'tempo-s3', key: 'AWS_ACCESS_KEY_ID' } } },
        { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'tempo-s3', key: 'AWS_SECRET_ACCESS_KEY' } } },
      ],
    });
    expect(prerequisites[0]).toBe('Secret tempo-s3: S3 access key id (key \'AWS_ACCESS_KEY_ID\') and secret key (key \'AWS_SECRET_ACCESS_KEY\') for bucket tempo');
    const custom = make(c => new S3Bucket(c, 's3', { bucket: 'tempo', region: 'us-east-1', credentials: { secretName: 'minio', accessKeyIdKey: 'user', secretAccessKeyKey: 'password' } }));
    expect(custom.binding.env.map(e => e.valueFrom?.secretKeyRef?.key)).toStrictEqual(['user', 'password']);
  });

  test('CA: the Secret key mounted as ca.crt, tls_ca_path in Tempo', () => {
    const { binding, storage, prerequisites } = make(c => new S3Bucket(c, 's3', { bucket: 'tempo', endpoint: 'minio.storage.svc:9000', ca: { secretName: 'minio-ca', key: 'tls.ca' } }));
    expect(storage.hasCa).toBe(true);
    expect(binding).toStrictEqual({
      ...noBinding,
      volumes: [{ name: 'object-storage-ca', secret: { secretName: 'minio-ca', items: [{ key: 'tls.ca', path: 'ca.crt' }] } }],
      volumeMounts: [{ name: 'object-storage-ca', mountPath: '/etc/object-storage/ca', readOnly: true }],
    });
    expect(prerequisites).toContain('Secret minio-ca: CA bundle (key \'tls.ca\') of the S3 endpoint');
  });

  test('workload identity: the ServiceAccount annotations, copied', () => {
    const annotations = { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/tempo' };
    const { binding } = make(c => new S3Bucket(c, 's3', { bucket: 'tempo', region: 'us-east-1', serviceAccountAnnotations: annotations }));
    expect(binding).toStrictEqual({ ...noBinding, serviceAccountAnnotations: annotations });
    expect(binding.serviceAccountAnnotations).not.toBe(annotations);
  });

  test('in Tempo: the s3 block, the env, the CA volume, the annotated ServiceAccount', () => {
    const t = inTempo(c => new S3Bucket(c, 's3', {
      bucket: 'tempo-traces', endpoint: 'minio.storage.svc:9000', region: 'us-east-1', prefix: 'prod', credentials: { secretName: 'tempo-s3' },
      ca: { secretName: 'minio-ca', key: 'ca.crt' }, serviceAccountAnnotations: { 'example.com/role': 'tempo' },
    }));
    expect(t.trace).toStrictEqual({
      backend: 's3',
      wal: { path: '/var/tempo/wal' },
      s3: { bucket: 'tempo-traces', prefix: 'prod', endpoint: 'minio.storage.svc:9000', region: 'us-east-1', insecure: false, forcepathstyle: true, tls_ca_path: '/etc/object-storage/ca/ca.crt' },
    });
    expect(t.container.env.map((e: any) => e.name)).toEqual(expect.arrayContaining(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']));
    expect(t.volumes).toContainEqual({ name: 'object-storage-ca', secret: { secretName: 'minio-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    expect(t.container.volumeMounts).toContainEqual({ name: 'object-storage-ca', mountPath: '/etc/object-storage/ca', readOnly: true });
    expect(t.serviceAccount.metadata.annotations).toStrictEqual({ 'example.com/role': 'tempo' });
  });

  test('fails if the bucket name is not an S3 bucket name', () => {
    for (const bucket of ['Tempo', 'ab', 'tempo_traces', 'tempo..traces', '-tempo', 'x'.repeat(64)]) {
      expect(() => new S3Bucket(testChart(), 's3', { bucket, region: 'us-east-1' }))
        .toThrow(new RegExp(`^test/s3: 'bucket' must be an S3 bucket name: 3 to 63 lower-case letters, digits, '\\.' and '-', got "${bucket.replace(/\./g, '\\.')}"$`));
    }
  });

  test('fails if there is neither a region nor an endpoint', () => {
    expect(() => new S3Bucket(testChart(), 's3', { bucket: 'tempo' }))
      .toThrow(/^test\/s3: 'region' must be set when no endpoint is given \(AWS S3 needs the bucket's region\), got undefined$/);
  });

  test('fails if the endpoint has a scheme or a path', () => {
    expect(() => new S3Bucket(testChart(), 's3', { bucket: 'tempo', endpoint: 'https://minio:9000' }))
      .toThrow(/^test\/s3: 'endpoint' must be host\[:port\] without a scheme, such as "minio.storage.svc:9000" .*, got "https:\/\/minio:9000"$/);
    expect(() => new S3Bucket(testChart(), 's3', { bucket: 'tempo', endpoint: 'minio:9000/tempo' })).toThrow(/'endpoint' must be host\[:port\] without a scheme/);
  });

  test('fails if the endpoint carries credentials, without repeating them', () => {
    expect(() => new S3Bucket(testChart(), 's3', { bucket: 'tempo', endpoint: 'https://AKIAEXAMPLE:s3cret@minio:9000' }))
      .toThrow(/^test\/s3: 'endpoint' must be host\[:port\] without a scheme, .*, got "https:\/\/\*\*\*@minio:9000"$/);
    expect(() => new S3Bucket(testChart(), 's3', { bucket: 'tempo', endpoint: 'AKIAEXAMPLE:s3cret@minio:9000' }))
      .toThrow(/^test\/s3: 'endpoint' must be host\[:port\] without a scheme, .*, got "\*\*\*@minio:9000"$/);
  });

  test('fails if the region is not a region name', () => {
    expect(() => new S3Bucket(testChart(), 's3', { bucket: 'tempo', region: 'EU West' })).toThrow(/^test\/s3: 'region' must be a region name such as "eu-west-1", got "EU West"$/);
  });

  test('fails if a CA is given for plain HTTP', () => {
    expect(() => new S3Bucket(testChart(), 's3', { bucket: 'tempo', endpoint: 'minio:9000', insecure: true, ca: { secretName: 'ca', key: 'ca.crt' } }))
      .toThrow(/^test\/s3: 'ca' must be unset with insecure: true \(no TLS, no CA\), got "ca"$/);
  });

  test('fails if the prefix is absolute or has odd characters', () => {
    expect(() => new S3Bucket(testChart(), 's3', { bucket: 'tempo', region: 'us-east-1', prefix: '/prod' }))
      .toThrow(/^test\/s3: 'prefix' must be a relative key prefix of letters, digits and .*\(no leading slash\), got "\/prod"$/);
    expect(() => new S3Bucket(testChart(), 's3', { bucket: 'tempo', region: 'us-east-1', prefix: 'a b' })).toThrow(/'prefix' must be a relative key prefix/);
  });

  test('fails if the credentials Secret name is not a DNS subdomain', () => {
    expect(() => new S3Bucket(testChart(), 's3', { bucket: 'tempo', region: 'us-east-1', credentials: { secretName: 'S3_Creds' } }))
      .toThrow(/^test\/s3: 'credentials.secretName' must be .*, got "S3_Creds"$/);
  });
});

describe('GcsBucket', () => {
  test('workload identity by default: only ServiceAccount annotations', () => {
    const annotations = { 'iam.gke.io/gcp-service-account': 'tempo@project.iam.gserviceaccount.com' };
    const { binding, prerequisites } = make(c => new GcsBucket(c, 'gcs', { bucket: 'tempo_traces.eu', serviceAccountAnnotations: annotations }));
    expect(binding).toStrictEqual({ ...noBinding, serviceAccountAnnotations: annotations });
    expect(prerequisites).toStrictEqual(['endpoint storage.googleapis.com:443: Google Cloud Storage API for bucket tempo_traces.eu']);
  });

  test('a key file: mounted from the Secret and named by GOOGLE_APPLICATION_CREDENTIALS', () => {
    const { binding, prerequisites } = make(c => new GcsBucket(c, 'gcs', { bucket: 'tempo', credentials: { secretName: 'tempo-gcs', key: 'sa.json' } }));
    expect(binding).toStrictEqual({
      ...noBinding,
      env: [{ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/etc/object-storage/gcs/key.json' }],
      volumes: [{ name: 'gcs-credentials', secret: { secretName: 'tempo-gcs', items: [{ key: 'sa.json', path: 'key.json' }] } }],
      volumeMounts: [{ name: 'gcs-credentials', mountPath: '/etc/object-storage/gcs', readOnly: true }],
    });
    expect(prerequisites[0]).toBe('Secret tempo-gcs: GCP service-account key JSON (key \'sa.json\') for bucket tempo');
  });

  test('in Tempo: the gcs block with its prefix', () => {
    const t = inTempo(c => new GcsBucket(c, 'gcs', { bucket: 'tempo-traces', prefix: 'eu/' }));
    expect(t.trace).toStrictEqual({ backend: 'gcs', wal: { path: '/var/tempo/wal' }, gcs: { bucket_name: 'tempo-traces', prefix: 'eu' } });
  });

  test('fails if the bucket name is not a GCS bucket name', () => {
    expect(() => new GcsBucket(testChart(), 'gcs', { bucket: 'Tempo' }))
      .toThrow(/^test\/gcs: 'bucket' must be a GCS bucket name: 3 to 222 lower-case letters, digits, '\.', '_' and '-', got "Tempo"$/);
  });

  test('an endpoint (Private Service Connect): the JSON API URL in the gcs block, authenticated, declared as the endpoint', () => {
    const { storage, prerequisites } = make(c => new GcsBucket(c, 'gcs', { bucket: 'tempo', endpoint: 'https://storage-tempo.p.googleapis.com', credentials: { secretName: 'tempo-gcs', key: 'key.json' } }));
    expect([storage.endpoint, storage.insecure]).toStrictEqual(['https://storage-tempo.p.googleapis.com/storage/v1/', false]);
    expect(prerequisites[1]).toBe('endpoint storage-tempo.p.googleapis.com:443: Google Cloud Storage API for bucket tempo');
    const t = inTempo(c => new GcsBucket(c, 'gcs', { bucket: 'tempo', endpoint: 'https://gcs.example.com:8443/storage/v1/', serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': 'tempo@p.iam.gserviceaccount.com' } }));
    expect(t.trace).toStrictEqual({ backend: 'gcs', wal: { path: '/var/tempo/wal' }, gcs: { bucket_name: 'tempo', endpoint: 'https://gcs.example.com:8443/storage/v1/', insecure: false } });
  });

  test('an emulator: plain HTTP with insecure (no credentials sent), the port as given', () => {
    const { storage, binding, prerequisites } = make(c => new GcsBucket(c, 'gcs', { bucket: 'tempo', endpoint: 'http://fake-gcs.storage.svc:4443/storage/v1', insecure: true }));
    expect([storage.endpoint, storage.insecure]).toStrictEqual(['http://fake-gcs.storage.svc:4443/storage/v1/', true]);
    expect(binding).toStrictEqual(noBinding);
    expect(prerequisites).toStrictEqual(['endpoint fake-gcs.storage.svc:4443: Google Cloud Storage API for bucket tempo']);
    expect(make(c => new GcsBucket(c, 'gcs', { bucket: 'tempo', endpoint: 'http://fake-gcs.storage.svc', insecure: true })).prerequisites)
      .toStrictEqual(['endpoint fake-gcs.storage.svc:80: Google Cloud Storage API for bucket tempo']);
    const t = inTempo(c => new GcsBucket(c, 'gcs', { bucket: 'tempo', prefix: 'blocks', endpoint: 'http://fake-gcs.storage.svc:4443', insecure: true }));
    expect(t.trace.gcs).toStrictEqual({ bucket_name: 'tempo', prefix: 'blocks', endpoint: 'http://fake-gcs.storage.svc:4443/storage/v1/', insecure: true });
  });

  test('fails if the endpoint is not a GCS JSON API URL', () => {
    for (const endpoint of ['storage-tempo.p.googleapis.com', 'ftp://gcs.example.com', 'https://gcs.example.com/storage/v2/', 'https://gcs.example.com/?alt=json', 'https://user:pw@gcs.example.com']) {
      expect(() => new GcsBucket(testChart(), 'gcs', { bucket: 'tempo', endpoint }))
        .toThrow(/^test\/gcs: 'endpoint' must be an https:\/\/ URL of a GCS JSON API, host\[:port\] with no path or the path \/storage\/v1\/, such as "https:\/\/storage-tempo\.p\.googleapis\.com", got "/);
    }
    expect(() => new GcsBucket(testChart(), 'gcs', { bucket: 'tempo', endpoint: 'https://user:pw@gcs.example.com' })).toThrow(/got "https:\/\/\*\*\*@gcs\.example\.com"$/);
  });

  test('fails if credentials would cross the network in clear, or insecure has nothing to apply to', () => {
    expect(() => new GcsBucket(testChart(), 'gcs', { bucket: 'tempo', endpoint: 'http://gcs.example.com', credentials: { secretName: 'tempo-gcs', key: 'key.json' } }))
      .toThrow(/^test\/gcs: 'endpoint' must be an https:\/\/ URL, or http:\/\/ with insecure: true \(an emulator; credentials would cross the network in clear\), got "http:\/\/gcs\.example\.com"$/);
    expect(() => new GcsBucket(testChart(), 'gcs', { bucket: 'tempo', insecure: true }))
      .toThrow(/^test\/gcs: 'insecure' must be false without an endpoint \(Google's API needs credentials\), got true$/);
    expect(() => new GcsBucket(testChart(), 'gcs', { bucket: 'tempo', endpoint: 'http://fake-gcs:4443', insecure: true, credentials: { secretName: 'tempo-gcs', key: 'key.json' } }))
      .toThrow(/^test\/gcs: 'credentials' must be unset with insecure: true \(Tempo sends no credentials\), got "tempo-gcs"$/);
  });
});

describe('AzureBlobContainer', () => {
  test('account key: AZURE_STORAGE_KEY from the Secret, no federated token', () => {
    const { binding, storage, prerequisites } = make(c => new AzureBlobContainer(c, 'azure', { storageAccount: 'tracesprod', container: 'tempo', accountKey: { secretName: 'tempo-azure', key: 'key' } }));
    expect(binding).toStrictEqual({ ...noBinding, env: [{ name: 'AZURE_STORAGE_KEY', valueFrom: { secretKeyRef: { name: 'tempo-azure', key: 'key' } } }] });
    expect([storage.kind, storage.storageAccount, storage.bucket, storage.endpointSuffix, storage.federatedToken])
      .toStrictEqual([ObjectStorageKind.AZURE, 'tracesprod', 'tempo', 'blob.core.windows.net', false]);
    expect(prerequisites).toStrictEqual([
      'Secret tempo-azure: Azure storage account key (key \'key\') of tracesprod',
      'endpoint tracesprod.blob.core.windows.net:443: Azure Blob Storage of container tempo',
    ]);
  });

  test('workload identity: the client-id annotation, the pod label the webhook looks for, a federated token', () => {
    const { binding, storage } = make(c => new AzureBlobContainer(c, 'azure', { storageAccount: 'tracesprod', container: 'tempo', workloadIdentityClientId: 'client-id' }));
    expect(binding).toStrictEqual({
      ...noBinding,
      serviceAccountAnnotations: { 'azure.workload.identity/client-id': 'client-id' },
      podLabels: { 'azure.workload.identity/use': 'true' },
    });
    expect(storage.federatedToken).toBe(true);
  });

  test('in Tempo: the azure block, the label on the pod and the annotation on its ServiceAccount', () => {
    const t = inTempo(c => new AzureBlobContainer(c, 'azure', {
      storageAccount: 'tracesgov', container: 'tempo', prefix: 'blocks', workloadIdentityClientId: 'client-id', endpointSuffix: 'blob.core.usgovcloudapi.net',
    }));
    expect(t.trace).toStrictEqual({
      backend: 'azure',
      wal: { path: '/var/tempo/wal' },
      azure: { storage_account_name: 'tracesgov', container_name: 'tempo', prefix: 'blocks', endpoint_suffix: 'blob.core.usgovcloudapi.net', use_federated_token: true },
    });
    expect(t.podLabels['azure.workload.identity/use']).toBe('true');
    expect(t.serviceAccount.metadata.annotations).toStrictEqual({ 'azure.workload.identity/client-id': 'client-id' });
  });

  test('in Tempo with an account key: the key only in env, never in the file', () => {
    const t = inTempo(c => new AzureBlobContainer(c, 'azure', { storageAccount: 'tracesprod', container: 'tempo', accountKey: { secretName: 'tempo-azure', key: 'key' } }));
    expect(t.trace.azure).toStrictEqual({ storage_account_name: 'tracesprod', container_name: 'tempo', endpoint_suffix: 'blob.core.windows.net', use_federated_token: false });
    expect(t.container.env).toContainEqual({ name: 'AZURE_STORAGE_KEY', valueFrom: { secretKeyRef: { name: 'tempo-azure', key: 'key' } } });
    expect(t.podLabels['azure.workload.identity/use']).toBeUndefined();
  });

  test('fails if there is no way to authenticate', () => {
    expect(() => new AzureBlobContainer(testChart(), 'azure', { storageAccount: 'tracesprod', container: 'tempo' }))
      .toThrow(/^test\/azure: 'accountKey' must be set, or workloadIdentityClientId set: Tempo needs one way to authenticate, got undefined$/);
  });

  test('fails if there are two ways to authenticate', () => {
    expect(() => new AzureBlobContainer(testChart(), 'azure', {
      storageAccount: 'tracesprod', container: 'tempo', accountKey: { secretName: 'k', key: 'k' }, workloadIdentityClientId: 'client-id',
    })).toThrow(/^test\/azure: 'workloadIdentityClientId' must be unset when accountKey is given \(one way to authenticate\), got "client-id"$/);
  });

  test('a sovereign cloud: https://<account>.<suffix>, declared with port 443', () => {
    const { storage, prerequisites } = make(c => new AzureBlobContainer(c, 'azure', { storageAccount: 'tracescn', container: 'tempo', accountKey: { secretName: 'k', key: 'k' }, endpointSuffix: 'blob.core.chinacloudapi.cn' }));
    expect([storage.endpointSuffix, storage.blobServiceUrl]).toStrictEqual(['blob.core.chinacloudapi.cn', 'https://tracescn.blob.core.chinacloudapi.cn']);
    expect(prerequisites[1]).toBe('endpoint tracescn.blob.core.chinacloudapi.cn:443: Azure Blob Storage of container tempo');
  });

  test('an emulator (a suffix not starting with blob.): http://<suffix>/<account>, declared as given (port 80 when none)', () => {
    const { storage, prerequisites } = make(c => new AzureBlobContainer(c, 'azure', { storageAccount: 'devstoreaccount1', container: 'tempo', accountKey: { secretName: 'k', key: 'k' }, endpointSuffix: 'azurite.storage.svc:10000' }));
    expect(storage.blobServiceUrl).toBe('http://azurite.storage.svc:10000/devstoreaccount1');
    expect(prerequisites[1]).toBe('endpoint azurite.storage.svc:10000: Azure Blob Storage of container tempo');
    expect(make(c => new AzureBlobContainer(c, 'azure', { storageAccount: 'dev', container: 'tempo', accountKey: { secretName: 'k', key: 'k' }, endpointSuffix: 'azurite' })).prerequisites[1])
      .toBe('endpoint azurite:80: Azure Blob Storage of container tempo');
    const t = inTempo(c => new AzureBlobContainer(c, 'azure', { storageAccount: 'devstoreaccount1', container: 'tempo', accountKey: { secretName: 'k', key: 'k' }, endpointSuffix: 'azurite.storage.svc:10000' }));
    expect(t.trace.azure).toStrictEqual({ storage_account_name: 'devstoreaccount1', container_name: 'tempo', endpoint_suffix: 'azurite.storage.svc:10000', use_federated_token: false });
  });

  test('fails if the endpoint suffix is not a DNS suffix or host[:port], or is an Azure domain without blob.', () => {
    const build = (endpointSuffix: string, auth: object = { accountKey: { secretName: 'k', key: 'k' } }) => () => new AzureBlobContainer(testChart(), 'azure', { storageAccount: 'tracesprod', container: 'tempo', endpointSuffix, ...auth });
    for (const bad of ['https://blob.core.windows.net', 'Blob.Core.Windows.Net', 'blob.core.windows.net/', '']) {
      expect(build(bad)).toThrow(/^test\/azure: 'endpointSuffix' must be a DNS suffix such as "blob\.core\.chinacloudapi\.cn", or the host\[:port\] of an emulator, got "/);
    }
    for (const azure of ['core.windows.net', 'privatelink.blob.core.windows.net', 'z01.blob.storage.azure.net', 'core.usgovcloudapi.net']) {
      expect(build(azure)).toThrow(new RegExp(`^test/azure: 'endpointSuffix' must be a suffix starting with 'blob\\.' under Azure's domains \\(Tempo reaches any other as an emulator, over plain HTTP at http://<suffix>/<account>\\), got "${azure.replace(/\./g, '\\.')}"$`));
    }
    expect(build('azurite.storage.svc:10000', { workloadIdentityClientId: 'client-id' }))
      .toThrow(/^test\/azure: 'endpointSuffix' must be a suffix starting with 'blob\.' with workload identity \(Tempo reaches any other as an emulator over plain HTTP, and the federated token would cross the network in clear\), got "azurite\.storage\.svc:10000"$/);
  });

  test('fails if the account or container name is not one Azure accepts', () => {
    expect(() => new AzureBlobContainer(testChart(), 'azure', { storageAccount: 'traces-prod', container: 'tempo', workloadIdentityClientId: 'x' }))
      .toThrow(/^test\/azure: 'storageAccount' must be an Azure storage account name: 3 to 24 lower-case letters and digits, got "traces-prod"$/);
    expect(() => new AzureBlobContainer(testChart(), 'azure', { storageAccount: 'tracesprod', container: 'tempo--traces', workloadIdentityClientId: 'x' }))
      .toThrow(/^test\/azure: 'container' must be an Azure container name: 3 to 63 lower-case letters, digits and single '-', got "tempo--traces"$/);
  });
});

describe('LocalObjectStorage', () => {
  test('blocks on the pod\'s volume: no binding, the monolithic default', () => {
    const local = new LocalObjectStorage();
    expect([local.kind, local.bucket, local.prefix]).toStrictEqual([ObjectStorageKind.LOCAL, '/var/tempo/blocks', '']);
    expect(local.bind()).toStrictEqual(noBinding);
    const t = inTempo(() => new LocalObjectStorage('/var/tempo/traces'));
    expect(t.trace).toStrictEqual({ backend: 'local', wal: { path: '/var/tempo/wal' }, local: { path: '/var/tempo/traces' } });
  });

  test('fails if the path is not absolute', () => {
    expect(() => new LocalObjectStorage('blocks')).toThrow(/^LocalObjectStorage: 'path' must be an absolute path, got "blocks"$/);
  });
});
