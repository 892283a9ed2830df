/**
 * Tempo 3 in microservices mode over Kafka, on loopback: the `tempo-production` example (main.ts
 * buildApp(): TempoDistributed on S3 with a Kafka of three partitions and live-stores in two
 * zones) run component by component, each a Tempo process with the arguments of its container
 * (`-target=distributor`, `-target=live-store -live-store.instance-availability-zone=...`, ...),
 * against the real Kafka (test/_support/kafka-server.ts, the example's topic with its partitions)
 * and the S3 server (test/_support/s3-server.ts).
 *
 * Every StatefulSet pod runs (the three live-stores of each zone and the block-builder: each owns
 * partitions by its ordinal), one pod of each Deployment. To run the generated configuration only
 * loopback ports, `/var/tempo` and the endpoints of Kafka, S3, memberlist, the query-frontend, the
 * backend scheduler and the remote-write target are rewritten, each rewrite printed; the S3 server
 * speaks plain HTTP (`insecure: true`), and the StatefulSet pods get the instance ID Tempo takes
 * from the host name in the cluster, their pod name.
 *
 * What it shows: a trace sent to the distributor is found through the query-frontend by ID and by
 * TraceQL. With spans arriving, the live-store owning partition 0 in one zone is SIGKILLed and
 * restarted: the distributor acknowledged every span once it was in Kafka (one record each), yet
 * the restarted pod misses what it had consumed and committed but not yet cut to its WAL (the
 * last seconds before the kill); a query, which reads each partition from the first zone to
 * answer, misses those whenever that zone answers first. The block-builder, started afterwards,
 * consumes every partition, writes one block each to the bucket and commits; a fresh querier and
 * query-frontend then find the traces the restarted pod lost by ID, from the bucket (not by
 * TraceQL: searches of the last 15 minutes read only the live-stores). The
 * metrics-generator reads the same records and remote-writes metrics to a sink of the test.
 *
 * Runs only when TEMPO_BIN is a 3.x release (Tempo 3 is not on the Go module mirror CI reaches);
 * skipped with one line otherwise, as test/programs/tempo.test.ts is.
 */
import { randomBytes } from 'crypto';
import { existsSync, mkdirSync, readdirSync, statSync } from 'fs';
import { createServer, Server } from 'http';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { buildApp } from '../../main';
import { KAFKA_SERVER, KafkaServer, startKafka } from '../_support/kafka-server';
import { rewriteForLoopback, Rewrites } from '../_support/loopback';
import { SdkProtocol, sendTraceWithSdk, SentTrace } from '../_support/otel-sdk';
import { podTemplateOf } from '../_support/policy';
import { findProgram, freePort, tempDir, waitFor } from '../_support/programs';
import { exposedMetricNames, metricNamesIn } from '../_support/prometheus';
import { S3_SERVER, S3Server, startS3Server } from '../_support/s3-server';
import { Manifest } from '../_support/synth';
import { materialize, postInvalidSpan, Rendered, renderedWorkload, sendSpan, StartedTempo, startTempo, tempoInUse, TempoOnLoopback, traceqlFinds, traceqlSearch } from '../_support/tempo';

const inUse = tempoInUse();
if (inUse.bin && inUse.major !== '3') {
  process.stdout.write(process.env.TEMPO_BIN
    ? `skipping Tempo 3 microservices tests: TEMPO_BIN is Tempo ${inUse.version}\n`
    : 'skipping Tempo 3 microservices tests: Tempo 3 is not on the Go module mirror; set TEMPO_BIN=<a Tempo 3.x binary> to run them\n');
}
const bin = inUse.major === '3' ? inUse.bin : undefined;
// Only looked for when Tempo 3 runs (a skipped describe's body still runs).
const kafkaBin = bin ? findProgram(KAFKA_SERVER) : undefined;
const s3Bin = bin ? findProgram(S3_SERVER) : undefined;
const describeTempo3 = bin && kafkaBin && s3Bin ? describe : describe.skip;
const label = `Tempo ${inUse.version ?? ''}`;

/** One Tempo process: a pod of the example. */
interface Pod {
  /** The pod name in the cluster (`tempo-live-store-eu-west-1a-0`). */
  readonly name: string;
  readonly target: string;
  /** The workload's StatefulSet, when it is one (its pods own partitions by their ordinal). */
  readonly statefulSet?: string;
  readonly rendered: Rendered;
}

/** The example's chart: its Tempo pods, the Kafka topic and the S3 bucket as generated. */
function example() {
  const objects = buildApp().charts.find(c => c.node.id === 'tempo-production')!.toJson() as Manifest[];
  const pods: Pod[] = objects
    .filter(o => podTemplateOf(o)?.spec?.containers?.some((c: any) => String(c.image).startsWith('grafana/tempo:')))
    .flatMap(o => {
      const r = renderedWorkload(`${o.kind}/${o.metadata.name}`, o, objects);
      const target = r.args.find(a => a.startsWith('-target='))!.slice('-target='.length);
      const replicas = o.kind === 'StatefulSet' ? (o as any).spec.replicas as number : 1;
      return Array.from({ length: replicas }, (_, i) => ({
        name: `${o.metadata.name}-${o.kind === 'StatefulSet' ? i : 'pod'}`, target, rendered: r, statefulSet: o.kind === 'StatefulSet' ? o.metadata.name : undefined,
      }));
    });
  const topic = objects.find(o => o.kind === 'KafkaTopic') as any;
  const config = parse(pods[0].rendered.config);
  return {
    pods,
    rule: objects.find(o => o.kind === 'PrometheusRule') as any,
    topic: { name: (topic.spec.topicName ?? topic.metadata.name) as string, partitions: topic.spec.partitions as number },
    config,
  };
}

/** Sets `path` (dotted) in a parsed configuration and records the change. */
function setKey(doc: any, path: string, value: unknown, why: string, rewrites: Rewrites): void {
  const keys = path.split('.');
  let node = doc;
  for (const k of keys.slice(0, -1)) node = node[k] ??= {};
  const last = keys[keys.length - 1];
  rewrites.push(`.${path}: ${JSON.stringify(node[last]) ?? '(unset)'} -> ${JSON.stringify(value)} (${why})`);
  node[last] = value;
}

/** Every file under `dir`. */
function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap(f => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/**
 * Whether the trace is found by ID through the query-frontend: 200 true, 404 false; any other
 * answer (a component still starting, a dead one not yet out of the ring) is retried.
 */
async function foundById(port: number, traceId: string): Promise<boolean> {
  return waitFor(`trace ${traceId} by ID (an answer other than 200 or 404)`, async () => {
    const r = await fetch(`http://127.0.0.1:${port}/api/traces/${traceId}`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(20_000) });
    await r.arrayBuffer();
    if (r.status === 200) return true;
    if (r.status === 404) return false;
    throw new Error(`answered ${r.status}`);
  }, 60_000, 500);
}

/** Looks every trace up by ID, 8 at a time; the IDs not found. */
async function lookUp(port: number, traceIds: string[]): Promise<{ missing: string[]; ms: number }> {
  const started = Date.now();
  const queue = [...traceIds];
  const missing: string[] = [];
  const worker = async () => {
    for (let id = queue.shift(); id; id = queue.shift()) if (!(await foundById(port, id))) missing.push(id);
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { missing, ms: Date.now() - started };
}

describeTempo3(`${label} microservices over Kafka and S3 on loopback (the tempo-production example)`, () => {
  const { pods, topic, config, rule } = example();
  let kafka: KafkaServer | undefined;
  let s3: S3Server | undefined;
  let remoteWrite: Server | undefined;
  let remoteWrites = 0;
  let bucketDir: string;
  const loops = new Map<string, TempoOnLoopback>();
  const running = new Map<string, StartedTempo>();
  let env: NodeJS.ProcessEnv;
  /** When the Tempo processes were started. */
  let startedAt: number;
  const counts: Record<string, unknown> = {};

  const pod = (name: string) => pods.find(p => p.name === name)!;
  const ofTarget = (target: string) => pods.filter(p => p.target === target);
  const http = (name: string) => loops.get(name)!.http;
  const frontend = () => http(ofTarget('query-frontend')[0].name);

  /** Starts a pod (again, with the same files, ports and data, when it ran before). */
  const start = async (p: Pod): Promise<StartedTempo> => {
    const started = await startTempo(bin!, loops.get(p.name)!, env).catch(e => { throw new Error(`${p.name}: ${e}`); });
    running.set(p.name, started);
    return started;
  };
  /** SIGTERM (SIGKILL after 10 s): the pod's graceful shutdown. */
  const stop = async (name: string) => {
    await running.get(name)?.program.stop(10_000);
    running.delete(name);
  };

  beforeAll(async () => {
    const began = Date.now();
    const s3Config = config.storage.trace.s3;
    [kafka, s3] = await Promise.all([startKafka(kafkaBin!), startS3Server(s3Bin!, { region: s3Config.region })]);
    await kafka.createTopic(topic.name, topic.partitions);
    bucketDir = s3.createBucket(s3Config.bucket);
    remoteWrite = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'POST') remoteWrites++;
        res.writeHead(204).end();
      });
    });
    const remoteWritePort = await freePort();
    await new Promise<void>(resolve => remoteWrite!.listen(remoteWritePort, '127.0.0.1', resolve));
    // Every pod runs as the ServiceAccount whose IRSA role reaches the bucket; here the S3
    // server's own credentials stand in for that role.
    env = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };

    // First pass: each pod's listen ports and paths. Second: the addresses of the others.
    const firstPass = new Map<string, { dir: string; yaml: string; ports: Map<number, number>; rewrites: Rewrites }>();
    for (const p of pods) {
      const dir = tempDir(`tempo3-${p.name}`);
      mkdirSync(join(dir, 'var-tempo'));
      const lb = await rewriteForLoopback(p.rendered.config, { pathPrefixes: { '/var/tempo': join(dir, 'var-tempo') }, portKeys: ['http_listen_port', 'grpc_listen_port', 'bind_port'] });
      firstPass.set(p.name, { dir, ...lb });
    }
    const grpcOf = (target: string) => `127.0.0.1:${firstPass.get(ofTarget(target)[0].name)!.ports.get(config.server.grpc_listen_port)}`;
    const addresses: Record<string, string> = {
      [config.ingest.kafka.address]: kafka.bootstrap,
      [s3Config.endpoint]: s3.endpoint,
      [config.querier.frontend_worker.frontend_address]: grpcOf('query-frontend'),
      [config.backend_worker.backend_scheduler_addr]: grpcOf('backend-scheduler'),
      ...Object.fromEntries((config.metrics_generator.storage.remote_write as Array<{ url: string }>).map(w => [w.url, `http://127.0.0.1:${remoteWritePort}/api/v1/write`])),
    };
    const gossip = [...firstPass.values()].map(f => `127.0.0.1:${f.ports.get(config.memberlist.bind_port)}`);
    for (const p of pods) {
      const first = firstPass.get(p.name)!;
      const second = await rewriteForLoopback(first.yaml, { addresses });
      const doc = parse(second.yaml);
      const rewrites = [...first.rewrites, ...second.rewrites];
      setKey(doc, 'memberlist.join_members', gossip, `every pod's gossip port, as ${config.memberlist.join_members.join(', ')} resolves in the cluster`, rewrites);
      setKey(doc, 'storage.trace.s3.insecure', true, 'the S3 server speaks plain HTTP', rewrites);
      if (p.target === 'live-store') setKey(doc, 'live_store.ring.instance_id', p.name, 'the pod name, the host name Tempo takes by default', rewrites);
      if (p.target === 'block-builder') setKey(doc, 'block_builder.instance_id', p.name, 'the pod name, the host name Tempo takes by default', rewrites);
      const args = materialize(p.rendered, first.dir, stringify(doc, { lineWidth: 0 }));
      loops.set(p.name, { args, http: first.ports.get(config.server.http_listen_port)!, otlp: first.ports.get(4318)!, ports: first.ports, rewrites });
      process.stdout.write(`${p.name} (${args.slice(1).join(' ')}): configuration rewritten for loopback:\n  ${rewrites.join('\n  ')}\n`);
    }
    process.stdout.write(`environment of every pod: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY of the S3 server (in the cluster: the IRSA role of ServiceAccount tempo); GOMEMLIMIT (from the memory limit) not set\n`);

    // Everything but the block-builder, which is started once spans are in Kafka.
    startedAt = Date.now();
    const up = await Promise.all(pods.filter(p => p.target !== 'block-builder').map(start));
    process.stdout.write(`Kafka ready in ${kafka.startMs} ms; ${up.length} Tempo processes ready ${Date.now() - startedAt} ms after start (slowest ${Math.max(...up.map(u => u.readyMs))} ms); setup ${Date.now() - began} ms\n`);
  }, 300_000);

  afterAll(async () => {
    await Promise.all([...running.keys()].map(stop));
    await Promise.all([kafka?.stop(), s3?.stop(), new Promise(resolve => remoteWrite ? remoteWrite.close(resolve) : resolve(undefined))]);
    process.stdout.write(`${label} microservices over Kafka: ${JSON.stringify(counts)}\n`);
  }, 120_000);

  const distributorOtlp = () => loops.get(ofTarget('distributor')[0].name)!.otlp;
  let first: SentTrace;
  /** The traces the distributor acknowledged in the live-store test. */
  let ackedIds: string[] = [];
  /** Those the SIGKILLed live-store, restarted, did not have. */
  let lostByRestartedPod: string[] = [];
  /** The live-store SIGKILLed: the first pod of the first zone (partition 0). */
  const victim = () => pod(`${ofTarget('live-store')[0].statefulSet}-0`);
  /** Its partner: the pod of the other zone that owns the same partition. */
  const partner = () => pod(`${ofTarget('live-store').find(p => p.statefulSet !== victim().statefulSet)!.statefulSet}-0`);

  test('the example runs every microservice, with one live-store per partition in each zone', () => {
    expect([...new Set(pods.map(p => p.target))].sort()).toStrictEqual([
      'backend-scheduler', 'backend-worker', 'block-builder', 'distributor', 'live-store', 'metrics-generator', 'querier', 'query-frontend',
    ]);
    expect(ofTarget('live-store').length).toBe(2 * topic.partitions);
    counts.processes = pods.length;
  });

  test('a trace sent by the SDK to the distributor is found through the query-frontend by ID and by TraceQL', async () => {
    // The distributor writes to ACTIVE partitions only: the live-stores' partitions turn ACTIVE
    // min_partition_owners_duration (10 s) after their owners registered.
    const probe = randomBytes(16).toString('hex');
    await waitFor('the distributor to accept a span (partitions ACTIVE)', async () => ((await sendSpan(distributorOtlp(), probe, 'probe', 'probe')) === 200 ? true : undefined), 90_000, 1000);
    const acceptedAfterMs = Date.now() - startedAt;
    first = await sendTraceWithSdk(SdkProtocol.OTLP_HTTP, { port: distributorOtlp() }, 'checkout');
    const sentAt = Date.now();
    await waitFor(`trace ${first.traceId} by ID`, async () => ((await foundById(frontend(), first.traceId)) ? true : undefined), 60_000, 1000);
    const byIdMs = Date.now() - sentAt;
    expect(await traceqlFinds(frontend(), `{ resource.service.name = "checkout" && name = "${first.spans[0].name}" }`, first.traceId)).toBe(true);
    const records = await kafka!.offsets(topic.name);
    counts.roundTrip = { traces: 2, kafkaRecords: records.end, distributorAcceptedAfterMs: acceptedAfterMs, foundByIdAfterMs: byIdMs, foundByTraceqlAfterMs: Date.now() - sentAt };
  }, 180_000);

  test('a live-store SIGKILLed while spans arrive: every acknowledged span is in Kafka; what the restarted pod lost is measured', async () => {
    const recordsBefore = (await kafka!.offsets(topic.name)).end;
    // Four senders, one single-span trace per request, until the end; each 200 is recorded.
    const acked: Array<{ traceId: string; at: number }> = [];
    let sent = 0;
    let refused = 0;
    let sending = true;
    const sender = async () => {
      while (sending) {
        const traceId = randomBytes(16).toString('hex');
        sent++;
        const status = await sendSpan(distributorOtlp(), traceId, 'durability', 'write');
        if (status === 200) acked.push({ traceId, at: Date.now() });
        else refused++;
        await new Promise(resolve => setTimeout(resolve, 50));
      }
    };
    const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));
    const senders = [sender(), sender(), sender(), sender()];
    await sleep(15_000);
    const killedAt = Date.now();
    await running.get(victim().name)!.program.kill();
    running.delete(victim().name);
    await sleep(5_000);
    const restarted = await start(victim());
    await sleep(10_000);
    sending = false;
    await Promise.all(senders);
    ackedIds = acked.map(a => a.traceId);
    const records = (await kafka!.offsets(topic.name)).end - recordsBefore;

    // Both zones serving. A query reads each partition from the first zone that answers, so a
    // trace the restarted pod lost is missed when its zone answers first.
    const bothZones = await lookUp(frontend(), ackedIds);
    // The restarted pod alone on its partition: its partner in the other zone stopped, reads of
    // that partition come only from what the restarted pod kept in its WAL or read again from Kafka.
    await stop(partner().name);
    const alone = await lookUp(frontend(), ackedIds);
    lostByRestartedPod = alone.missing;
    const ages = alone.missing.map(id => killedAt - acked.find(a => a.traceId === id)!.at);

    counts.liveStoreKill = {
      sent, acknowledged: acked.length, ackedBeforeKill: acked.filter(a => a.at <= killedAt).length, refused, kafkaRecords: records, restartReadyMs: restarted.readyMs,
      foundBothZones: {
        found: acked.length - bothZones.missing.length, missed: bothZones.missing.length, lookupMs: bothZones.ms,
        missedThoughTheRestartedPodHasThem: bothZones.missing.filter(id => !alone.missing.includes(id)).length,
      },
      foundRestartedPodAlone: { found: acked.length - alone.missing.length, missed: alone.missing.length, lookupMs: alone.ms, ackedBeforeKillMs: ages.length ? [Math.min(...ages), Math.max(...ages)] : [] },
    };
    process.stdout.write(`live-store ${victim().name} SIGKILLed after 15 s of ingest, restarted 5 s later: ${JSON.stringify(counts.liveStoreKill)}\n`);
    expect(acked.length).toBeGreaterThan(100);
    // Tempo 3 acknowledges once the records are in Kafka: one record per single-span request.
    expect(records).toBeGreaterThanOrEqual(acked.length);
    // The live-store commits its Kafka offset every commit_interval (5 s) for what it consumed,
    // and writes a trace to its WAL once idle for max_trace_idle (5 s), checked every
    // flush_check_period (5 s): a SIGKILL loses from that pod what was consumed and committed but
    // not yet in the WAL, at most the last 10 s before the kill (2 s of slack for the load).
    expect(ages.filter(age => age < -2000 || age > 12_000)).toStrictEqual([]);
  }, 400_000);

  test('the block-builder writes every record to the bucket; a fresh querier and query-frontend find every acknowledged trace', async () => {
    const builder = ofTarget('block-builder')[0];
    const builderStarted = Date.now();
    await start(builder);
    // The block-builder commits a partition's offset once that partition's block is in the bucket.
    const offsets = await waitFor('the block-builder to commit every record', async () => {
      const o = await kafka!.offsets(topic.name, 'block-builder');
      return o.committed === o.end ? o : undefined;
    }, 120_000, 1000);
    const flushMs = Date.now() - builderStarted;
    const objects = walk(bucketDir).map(f => f.slice(bucketDir.length + 1));
    const blocks = objects.filter(o => o.endsWith('/meta.json'));
    process.stdout.write(`bucket ${config.storage.trace.s3.bucket} after the block-builder (${flushMs} ms): ${objects.length} objects:\n  ${objects.join('\n  ')}\n`);
    expect(blocks.length).toBe(topic.partitions);

    // Queriers list the bucket at start and every blocklist_poll (5 m): a fresh querier and
    // query-frontend see the new blocks. The killed pod's partner stays stopped, so the traces the
    // restarted pod lost can only come from the bucket. (Every other acknowledged trace was found
    // with the restarted pod alone; a trace by ID from the bucket costs a job per block shard,
    // about 1 s each here, so they are not looked up again.)
    for (const p of [...ofTarget('querier'), ...ofTarget('query-frontend')]) await stop(p.name);
    await Promise.all([...ofTarget('querier'), ...ofTarget('query-frontend')].map(start));
    const lookedUp = [first.traceId, ...lostByRestartedPod];
    const again = await lookUp(frontend(), lookedUp);
    // Searches over the last 15 minutes (query_backend_after) read only the live-stores: the first
    // trace is found, the ones the restarted pod lost are not, though they are in the bucket.
    expect(await traceqlFinds(frontend(), `{ resource.service.name = "checkout" && name = "${first.spans[0].name}" }`, first.traceId)).toBe(true);
    const kept = ackedIds.find(id => !lostByRestartedPod.includes(id))!;
    expect(await traceqlSearch(frontend(), `{ trace:id = "${kept}" }`)).toStrictEqual([kept.replace(/^0+/, '')]);
    const sample = lostByRestartedPod.slice(0, 10);
    let searchFound = 0;
    for (const id of sample) if ((await traceqlSearch(frontend(), `{ trace:id = "${id}" }`)).length) searchFound++;
    counts.bucket = {
      kafkaRecords: offsets.end, objects: objects.length, blocks: blocks.length, flushMs,
      lookedUp: lookedUp.length, found: lookedUp.length - again.missing.length, lost: again.missing.length, lookupMs: again.ms,
      acknowledgedFound: ackedIds.length - again.missing.filter(id => id !== first.traceId).length, of: ackedIds.length,
      lostByRestartedPodFoundByTraceqlLast10Minutes: `${searchFound} of ${sample.length}`,
    };
    process.stdout.write(`after the block-builder, with the restarted pod alone on its partition: ${JSON.stringify(counts.bucket)}\n`);
    expect(again.missing).toStrictEqual([]);
  }, 400_000);

  test('every metric name the generated Tempo alerts read is served by a pod of the workloads each alert selects', async () => {
    // The block-builder and the live-stores have consumed by now: their lag metrics exist. Tempo
    // counts discarded spans only once it discards one: a span with an all-zero span ID is refused
    // by the distributor (reason invalid_span_id).
    expect(await postInvalidSpan(distributorOtlp())).toBe(400);
    const served = new Map<string, Set<string>>();
    for (const p of pods.filter(q => running.has(q.name))) {
      const text = await (await fetch(`http://127.0.0.1:${http(p.name)}/metrics`)).text();
      const workload = p.name.replace(/-(\d+|pod)$/, '');
      served.set(workload, new Set([...(served.get(workload) ?? []), ...exposedMetricNames(text)]));
    }
    const tempoAlerts = (rule.spec.groups as any[]).flatMap(g => g.rules).filter((r: any) => /^Tempo/.test(r.alert ?? ''));
    const missing: string[] = [];
    for (const r of tempoAlerts) {
      const jobs = [...(r.expr as string).matchAll(/job(?:=~|=)"([^"]+)"/g)].flatMap(m => m[1].split('|').map(j => j.replace(/^[^/]+\//, '')));
      for (const n of metricNamesIn(r.expr)) if (!jobs.some(j => served.get(j)?.has(n))) missing.push(`${r.alert}: ${n} (jobs ${jobs.join(', ')})`);
    }
    counts.tempoAlertsChecked = tempoAlerts.length;
    expect(missing).toStrictEqual([]);
    expect(tempoAlerts.map((r: any) => r.alert)).toEqual(expect.arrayContaining(['TempoKafkaConsumerLagging', 'TempoBackendJobsFailing', 'TempoFlushesFailing', 'TempoQueryErrors', 'TempoDiscardingSpans']));
  }, 60_000);

  test('the metrics-generator read the spans from Kafka and remote-wrote their metrics', async () => {
    await waitFor('a remote write from the metrics-generator', async () => (remoteWrites > 0 ? true : undefined), 60_000, 1000);
    counts.remoteWrites = remoteWrites;
  }, 90_000);
});
