/**
 * Tempo's blocks in Google Cloud Storage and in Azure Blob Storage, with the real Tempo and the
 * real emulators on loopback: fake-gcs-server (scripts/programs/gcs.sh) and Azurite
 * (scripts/programs/azurite.sh), each started once for this file.
 *
 * A monolithic Tempo is rendered with `GcsBucket` / `AzureBlobContainer` pointed at an in-cluster
 * address, as a user would deploy the store; to run it, only listen addresses, `/var/tempo` and
 * that one store address are rewritten (printed), and the container's environment is built from
 * the rendered one as the kubelet would: literal values as rendered, `secretKeyRef`s and Secret
 * volumes from the Secrets the construct declares, mount paths moved to a temporary directory.
 *
 * - GCS, as against Google: HTTPS (a certificate made for 127.0.0.1, trusted through
 *   SSL_CERT_FILE), authenticated with a service-account key file from the Secret, named by
 *   GOOGLE_APPLICATION_CREDENTIALS; its `token_uri` is a token endpoint on loopback, which counts
 *   the exchanges (fake-gcs-server itself checks no credentials).
 * - Azure: Azurite with a storage account of its own and a random key (the published development
 *   account is off), the key from the Secret as AZURE_STORAGE_KEY: Azurite refuses any request not
 *   signed with it.
 *
 * Each sends traces through the OpenTelemetry SDK, finds them by ID and by TraceQL, makes Tempo
 * write its block to the store (Tempo 2: `POST /flush`; Tempo 3 cuts blocks by itself), lists the
 * block's objects through the store's own API, finds the traces again, and reads every trace back
 * by ID with a fresh Tempo whose WAL is empty. The rendering follows the binary in use (see
 * tempoInUse): the Tempo 2 build of the cache in CI, or TEMPO_BIN, rendered for its release line.
 */
import { randomBytes } from 'crypto';
import { mkdirSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { AzureBlobContainer, GcsBucket, IObjectStorage, TempoMonolithic, TempoVersion } from '../../constructs';
import { AZURE_SERVER, AzureServer, startAzureServer } from '../_support/azure-server';
import { rewriteForLoopback } from '../_support/loopback';
import { SdkProtocol, sendTraceWithSdk, SentTrace } from '../_support/otel-sdk';
import { podTemplateOf } from '../_support/policy';
import { findProgram, RunningProgram, tempDir, waitFor } from '../_support/programs';
import { GCS_SERVER, GcsServer, GcsTokenServer, serviceAccountKey, startGcsServer, startGcsTokenServer } from '../_support/gcs-server';
import { Manifest, synth, testChart } from '../_support/synth';
import { materialize, Rendered, rendered, StartedTempo, startTempo, tempoInUse, TempoOnLoopback, traceById, traceqlFinds } from '../_support/tempo';

const inUse = tempoInUse();
const VERSIONS: Record<string, TempoVersion> = { 2: TempoVersion.TEMPO_2, 3: TempoVersion.TEMPO_3 };
const version = inUse.major === undefined ? undefined : VERSIONS[inUse.major];
if (inUse.bin && inUse.major !== '3') {
  process.stdout.write(process.env.TEMPO_BIN
    ? `skipping Tempo 3 GCS and Azure tests: TEMPO_BIN is Tempo ${inUse.version}\n`
    : 'skipping Tempo 3 GCS and Azure tests: Tempo 3 is not on the Go module mirror; set TEMPO_BIN=<a Tempo 3.x binary> to run them\n');
}
if (inUse.bin && inUse.major === '3') process.stdout.write(`skipping Tempo 2 GCS and Azure tests: TEMPO_BIN is Tempo ${inUse.version}\n`);
if (inUse.bin && !version) process.stdout.write(`skipping GCS and Azure tests: TEMPO_BIN is Tempo ${inUse.version}, for which there is no rendering\n`);
// Only looked for when a Tempo runs (a skipped describe's body still runs).
const gcsBin = version ? findProgram(GCS_SERVER) : undefined;
const azureBin = version ? findProgram(AZURE_SERVER) : undefined;
const label = `Tempo ${inUse.version ?? ''}`;

/** The traces each test sends. */
const TRACES = 5;
/** Counts for the closing line: traces and spans sent, found live, after the flush and by a fresh Tempo, objects in the store. */
const results: Record<string, { sent: number; spans: number; foundLive: number; foundFlushed: number; foundFromStore: number; objects: number; blocks: number; tokenExchanges?: number }> = {};
afterAll(() => {
  if (Object.keys(results).length) process.stdout.write(`${label} object storage round trips: ${JSON.stringify(results)}\n`);
});

/** Tempo writes IDs in base64 (protobuf JSON of bytes fields). */
const hex = (base64: string) => Buffer.from(base64, 'base64').toString('hex');

/** The span IDs of a trace as Tempo returns it by ID, in hex; [] when not found. */
async function spanIds(port: number, traceId: string): Promise<string[]> {
  const text = await traceById(port, traceId);
  if (text === undefined) return [];
  const body = JSON.parse(text) as { batches: Array<{ scopeSpans: Array<{ spans: Array<{ spanId: string }> }> }> };
  return body.batches.flatMap(b => b.scopeSpans.flatMap(s => s.spans.map(span => hex(span.spanId)))).sort();
}

/** Every sent trace found by ID with exactly its spans, and (`search`) by TraceQL on its service; the number found. */
async function findAll(port: number, sent: SentTrace[], deadlineMs: number, search: boolean): Promise<number> {
  let found = 0;
  for (const t of sent) {
    const ids = await waitFor(`trace ${t.traceId} by ID`, async () => {
      const got = await spanIds(port, t.traceId);
      return got.length === t.spans.length ? got : undefined;
    }, deadlineMs, 500);
    expect(ids).toStrictEqual(t.spans.map(s => s.spanId).sort());
    if (search) expect(await traceqlFinds(port, `{ resource.service.name = "${t.serviceName}" && name = "GET /cart" }`, t.traceId, undefined, deadlineMs)).toBe(true);
    found++;
  }
  return found;
}

/**
 * The Tempo container's environment as the kubelet would give it: literal values as rendered,
 * `secretKeyRef`s from `secrets`; Secret volumes written under `dir` at their mount paths, and
 * those paths in values moved there. Throws on a Secret or key that is not in `secrets`.
 */
function containerEnvironment(objects: Manifest[], secrets: Record<string, Record<string, string>>, dir: string): { env: Record<string, string>; rewrites: string[] } {
  const pod = podTemplateOf(objects.find(o => o.kind === 'StatefulSet')!)!;
  const container = pod.spec.containers[0];
  const secret = (name: string, key: string) => {
    const value = secrets[name]?.[key];
    if (value === undefined) throw new Error(`the container needs key '${key}' of Secret ${name}, which the test does not have`);
    return value;
  };
  const moved: Array<[string, string]> = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = (pod.spec.volumes ?? []).find((v: any) => v.name === mount.name);
    if (!volume?.secret) continue;
    const local = join(dir, mount.mountPath);
    for (const item of volume.secret.items) {
      mkdirSync(dirname(join(local, item.path)), { recursive: true });
      writeFileSync(join(local, item.path), secret(volume.secret.secretName, item.key), { mode: 0o600 });
    }
    moved.push([mount.mountPath, local]);
  }
  const env: Record<string, string> = {};
  const rewrites: string[] = [];
  for (const e of container.env ?? []) {
    if (e.valueFrom?.secretKeyRef) {
      env[e.name] = secret(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
      rewrites.push(`env ${e.name}: from Secret ${e.valueFrom.secretKeyRef.name} key ${e.valueFrom.secretKeyRef.key}`);
    } else if (typeof e.value === 'string') {
      const m = moved.find(([from]) => e.value.startsWith(`${from}/`));
      env[e.name] = m ? `${m[1]}${e.value.slice(m[0].length)}` : e.value;
      if (m) rewrites.push(`env ${e.name}: ${e.value} -> ${env[e.name]} (Secret volume mounted at ${m[0]})`);
    } else {
      throw new Error(`env ${e.name}: a source the test does not provide: ${JSON.stringify(e.valueFrom)}`);
    }
  }
  return { env, rewrites };
}

/** What one store test needs from its store. */
interface Store {
  /** Name for the printed lines. */
  readonly name: string;
  /** The storage construct, pointed at the store's in-cluster address. */
  storage(chart: ReturnType<typeof testChart>): IObjectStorage;
  /** The store address as rendered in tempo.yaml -> where it runs on loopback. */
  readonly addresses: Record<string, string>;
  /** The Secrets the construct declares, with the store's real credentials. */
  readonly secrets: Record<string, Record<string, string>>;
  /** Environment of the test machine (not the pod): the trust store. */
  readonly machineEnv: Record<string, string>;
  /** The objects under the rendered prefix, as the store lists them. */
  listObjects(): Promise<string[]>;
}

/**
 * Tempo rendered on `store`, made runnable on loopback in `dir`: its arguments and ports, and the
 * container's environment (plus the machine's, unless `machineEnv` is false). Prints the rewrites.
 */
async function tempoOnStore(store: Store, r: Rendered, objects: Manifest[], dir: string, machineEnv = true): Promise<{ loop: TempoOnLoopback; env: Record<string, string> }> {
  mkdirSync(join(dir, 'var-tempo'), { recursive: true });
  const lb = await rewriteForLoopback(r.config, { pathPrefixes: { '/var/tempo': join(dir, 'var-tempo') }, portKeys: ['http_listen_port', 'grpc_listen_port'], addresses: store.addresses });
  const loop: TempoOnLoopback = { args: materialize(r, dir, lb.yaml), http: lb.ports.get(3200)!, otlp: lb.ports.get(4318)!, ports: lb.ports, rewrites: lb.rewrites };
  const { env, rewrites } = containerEnvironment(objects, store.secrets, dir);
  const machine = machineEnv ? store.machineEnv : {};
  process.stdout.write(`${r.name}: configuration rewritten for loopback (addresses and paths only):\n  ${[...lb.rewrites, ...rewrites, ...Object.keys(machine).map(k => `machine env ${k}=${machine[k]}`)].join('\n  ')}\n`);
  return { loop, env: { ...env, ...machine } };
}

/** Tempo rendered with `store` (monolithic, the rendering of the binary in use). */
function renderOn(store: Store): { r: Rendered; objects: Manifest[] } {
  const chart = testChart();
  new TempoMonolithic(chart, 'tempo', { version, storage: store.storage(chart) });
  const objects = synth(chart);
  return { r: rendered(`${label} monolithic on ${store.name}`, objects), objects };
}

/**
 * Renders Tempo on `store`, runs it on loopback, sends {@link TRACES} traces, finds them, makes
 * Tempo write its block to the store, lists the objects, and reads every trace back with a fresh
 * Tempo. Records the counts under `store.name`.
 */
async function roundTrip(store: Store, tokens?: GcsTokenServer): Promise<void> {
  const { r, objects } = renderOn(store);
  const exchangesBefore = tokens?.exchanges ?? 0;
  let tempo: StartedTempo | undefined;
  const run = async (dir: string): Promise<StartedTempo> => {
    const { loop, env } = await tempoOnStore(store, r, objects, dir);
    return startTempo(inUse.bin!, loop, env);
  };
  try {
    tempo = await run(tempDir('tempo-store'));
    process.stdout.write(`${r.name}: ready ${tempo.readyMs} ms after start\n`);
    const sent: SentTrace[] = [];
    for (let i = 0; i < TRACES; i++) sent.push(await sendTraceWithSdk(SdkProtocol.OTLP_HTTP, { port: tempo.otlp }, `shop-${store.name.toLowerCase()}-${i}`));
    // Tempo 3's live-store answers a TraceQL search about 30 s after the write (by ID at once).
    const foundLive = await findAll(tempo.http, sent, 90_000, true);

    // Tempo 2: cut and flush every block to the store (`POST /flush`). Tempo 3 has no such
    // endpoint: its live-store cuts a block after max_block_duration and flushes it by itself.
    const http = tempo.http;
    const flush = async () => {
      if (version !== TempoVersion.TEMPO_2) return;
      const res = await fetch(`http://127.0.0.1:${http}/flush`, { method: 'POST' });
      await res.arrayBuffer();
    };
    const listed = await waitFor(`a block (meta.json) in ${store.name}`, async () => {
      await flush();
      const names = await store.listObjects();
      return names.some(n => n.endsWith('/meta.json')) ? names : undefined;
    }, 150_000, 1000);
    const blocks = listed.filter(n => n.endsWith('/meta.json'));
    process.stdout.write(`${r.name}: ${listed.length} objects in the store: ${listed.join(', ')}\n`);
    const foundFlushed = await findAll(tempo.http, sent, 60_000, true);
    await tempo.program.stop();

    // A fresh Tempo with an empty WAL can only answer from the store. By ID only: the query
    // frontend searches the store just for data older than query_backend_after (15 m by default)
    // and the ingesters for anything newer, so a TraceQL search of these minutes-old traces asks
    // the fresh Tempo's empty ingester (seen: total_blocks=0).
    tempo = await run(tempDir('tempo-store-fresh'));
    const foundFromStore = await findAll(tempo.http, sent, 60_000, false);
    results[store.name] = {
      sent: sent.length, spans: sent.reduce((n, t) => n + t.spans.length, 0), foundLive, foundFlushed, foundFromStore, objects: listed.length, blocks: blocks.length,
      ...(tokens ? { tokenExchanges: tokens.exchanges - exchangesBefore } : {}),
    };
    expect([foundLive, foundFlushed, foundFromStore]).toStrictEqual([TRACES, TRACES, TRACES]);
  } catch (e) {
    throw new Error(`${e}\n${tempo?.program.log ?? ''}`);
  } finally {
    await tempo?.program.stop();
  }
}

const describeGcs = gcsBin ? describe : describe.skip;
const describeAzure = azureBin ? describe : describe.skip;

describeGcs(`${label} on Google Cloud Storage (fake-gcs-server ${gcsBin ?? ''})`, () => {
  let gcs: GcsServer | undefined;
  let tokens: GcsTokenServer | undefined;

  beforeAll(async () => {
    gcs = await startGcsServer(gcsBin!, { https: true });
    tokens = await startGcsTokenServer();
    await gcs.createBucket('tempo-traces');
  }, 60_000);

  afterAll(async () => {
    await gcs?.stop();
    await tokens?.stop();
  });

  const store = (): Store => ({
    name: 'GCS',
    storage: chart => new GcsBucket(chart, 'gcs', { bucket: 'tempo-traces', prefix: 'blocks', endpoint: 'https://gcs.storage.svc:4443', credentials: { secretName: 'tempo-gcs', key: 'key.json' } }),
    addresses: { 'https://gcs.storage.svc:4443/storage/v1/': `${gcs!.url}/storage/v1/` },
    secrets: { 'tempo-gcs': { 'key.json': serviceAccountKey(tokens!.tokenUri) } },
    machineEnv: { SSL_CERT_FILE: gcs!.certificateFile! },
    listObjects: () => gcs!.listObjects('tempo-traces', 'blocks/'),
  });

  test('the endpoint\'s certificate is checked: without it in the trust store Tempo does not start', async () => {
    const { r, objects } = renderOn(store());
    const { loop, env } = await tempoOnStore(store(), r, objects, tempDir('tempo-store-untrusted'), false);
    const tempo = RunningProgram.start(inUse.bin!, loop.args, { env });
    try {
      await waitFor('Tempo to exit', async () => (tempo.running ? undefined : true), 30_000);
      expect(tempo.log).toMatch(/getting bucket attrs: .*x509: certificate signed by unknown authority/);
    } finally {
      await tempo.stop();
    }
  }, 60_000);

  test('HTTPS endpoint, service-account key from the Secret: a block written, every trace read back by a fresh Tempo', async () => {
    await roundTrip(store(), tokens);
    // The key file was read and used: Tempo exchanged the key's signed JWT for tokens.
    expect(results.GCS.tokenExchanges).toBeGreaterThan(0);
  }, 400_000);
});

describeAzure(`${label} on Azure Blob Storage (Azurite ${azureBin ?? ''})`, () => {
  let azure: AzureServer | undefined;

  beforeAll(async () => {
    azure = await startAzureServer(azureBin!);
    await azure.createContainer('tempo-traces');
  }, 60_000);

  afterAll(async () => { await azure?.stop(); });

  test('the account key is checked: a request signed with another key is refused', async () => {
    await expect(azure!.listBlobs('tempo-traces', undefined, randomBytes(64).toString('base64'))).rejects.toThrow(/: 403 .*AuthorizationFailure/s);
    expect(await azure!.listBlobs('tempo-traces')).toStrictEqual([]);
  });

  test('emulator endpoint suffix, account key from the Secret: a block written, every trace read back by a fresh Tempo', async () => {
    await roundTrip({
      name: 'Azure',
      storage: chart => new AzureBlobContainer(chart, 'azure', {
        storageAccount: azure!.account, container: 'tempo-traces', prefix: 'blocks', endpointSuffix: 'azurite.storage.svc:10000', accountKey: { secretName: 'tempo-azure', key: 'account-key' },
      }),
      addresses: { 'azurite.storage.svc:10000': azure!.endpoint },
      secrets: { 'tempo-azure': { 'account-key': azure!.accountKey } },
      machineEnv: {},
      listObjects: () => azure!.listBlobs('tempo-traces', 'blocks/'),
    });
  }, 400_000);
});
