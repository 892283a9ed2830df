/**
 * Jaeger at scale, with the real programs: collector -> Kafka -> ingester -> OpenSearch, and the
 * query over OpenSearch, all from the configurations that `TracingStack`'s production preset with
 * `kafka` generates, run on loopback. Kafka 4.1.1 (scripts/programs/kafka.sh), OpenSearch 2.19.6
 * (scripts/programs/search-servers.sh) and Jaeger v2.13.0 (scripts/programs/jaeger.sh).
 *
 * Only listen addresses, the broker and OpenSearch addresses and the sampling file's path are
 * rewritten. Traces of two spans are sent one after another by the OpenTelemetry JS SDK over
 * OTLP/HTTP to the collector; a trace counts as acknowledged when the collector answered both of
 * its span exports with success, and as found when the query returns both spans.
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import { Chart, Testing } from 'cdk8s';
import { parse } from 'yaml';
import {
  ElasticsearchStorage, ExternalKafka, JaegerCollector, JaegerIngester, KafkaSaslMechanism, KafkaSpanEncoding, SearchEngine, SpanProtocol, StrimziKafka, TracingPreset, TracingStack,
} from '../../constructs';
import { completeTraces, Sender, traceIds as ids, waitCompleteTraces } from '../_support/jaeger-query';
import { KAFKA_SERVER, KafkaServer, startKafka } from '../_support/kafka-server';
import { LoopbackConfig, LoopbackProcess, writeLoopbackConfig } from '../_support/loopback-process';
import { SdkProtocol, sendTraceWithSdk } from '../_support/otel-sdk';
import { describeWithProgram, findProgram, PROGRAMS, runProgram, tempDir, waitFor } from '../_support/programs';
import { SEARCH_SERVER_START_MS, SEARCH_SERVER_STOP_MS, SEARCH_SERVERS, SearchServer, startSearchServer } from '../_support/search-server';

const [describeJaeger, jaegerBin] = describeWithProgram(PROGRAMS.jaeger);
const kafkaBin = jaegerBin ? findProgram(KAFKA_SERVER) : undefined;
const searchBin = kafkaBin ? findProgram(SEARCH_SERVERS.opensearch) : undefined;
const describeAll = jaegerBin && kafkaBin && searchBin ? describe : describe.skip;

// The generated stack: in-cluster names that the test maps to its loopback servers.
const KAFKA_BOOTSTRAP = 'kafka-kafka-bootstrap.queue.svc:9092';
const OPENSEARCH_URL = 'http://opensearch.search.svc:9200';
const TOPIC = 'jaeger-spans';
const PARTITIONS = 3;

const chart = new Chart(Testing.app(), 'kafka-stack', { namespace: 'tracing' });
const kafka = new ExternalKafka(chart, 'kafka', { bootstrapServers: [KAFKA_BOOTSTRAP], topic: TOPIC, partitions: PARTITIONS });
const stack = new TracingStack(chart, 'tracing', {
  preset: TracingPreset.PRODUCTION,
  kafka,
  // One shard, no replica: a single-node OpenSearch is then green.
  elasticsearch: { engine: SearchEngine.OPENSEARCH, serverUrls: [OPENSEARCH_URL], shards: 1, replicas: 0 },
});
const objects = chart.toJson() as Array<{ kind: string; metadata: { name: string }; data?: Record<string, string> }>;

function configMapData(name: string, key: string): string {
  const text = objects.find(o => o.kind === 'ConfigMap' && o.metadata.name === name)?.data?.[key];
  if (typeof text !== 'string') throw new Error(`ConfigMap/${name} has no ${key}`);
  return text;
}

/** Jaeger configurations of variants the stack above does not use (SASL, TLS, every encoding, Strimzi). */
function variantConfigs(): Array<{ name: string; yaml: string }> {
  const c = new Chart(Testing.app(), 'variants', { namespace: 'variants' });
  const secure = new ExternalKafka(c, 'msk', {
    bootstrapServers: ['b-1.msk.example.com:9096', 'b-2.msk.example.com:9096'], topic: 'jaeger-spans', partitions: 12,
    tls: { ca: { secretName: 'msk-ca', key: 'ca.crt' } },
    sasl: { mechanism: KafkaSaslMechanism.SCRAM_SHA_512, username: { secretName: 'msk-user', key: 'username' }, password: { secretName: 'msk-user', key: 'password' } },
  });
  const strimzi = new StrimziKafka(c, 'strimzi', { topic: 'jaeger-spans', tls: true });
  const storage = new ElasticsearchStorage(c, 'os', { engine: SearchEngine.OPENSEARCH, serverUrls: ['https://opensearch.example.com:9200'], indexCleaner: { enabled: false } });
  const out: Array<{ name: string; yaml: string }> = [];
  const add = (name: string, w: { config: { toYaml(): string } }) => out.push({ name, yaml: w.config.toYaml() });
  add('collector, SCRAM-SHA-512 over TLS', new JaegerCollector(c, 'secure-collector', { name: 'secure', kafka: { kafka: secure } }));
  add('ingester, SCRAM-SHA-512 over TLS', new JaegerIngester(c, 'secure-ingester', { name: 'secure', kafka: { kafka: secure }, storage }));
  add('collector, Strimzi TLS listener', new JaegerCollector(c, 'strimzi-collector', { name: 'strimzi', kafka: { kafka: strimzi } }));
  add('ingester, Strimzi TLS listener', new JaegerIngester(c, 'strimzi-ingester', { name: 'strimzi', kafka: { kafka: strimzi }, storage }));
  for (const encoding of Object.values(KafkaSpanEncoding)) {
    const name = encoding.replace('_', '-');
    add(`collector, ${encoding}`, new JaegerCollector(c, `${name}-collector`, { name, kafka: { kafka, encoding } }));
    add(`ingester, ${encoding}`, new JaegerIngester(c, `${name}-ingester`, { name, kafka: { kafka, encoding }, storage }));
  }
  return out;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describeJaeger('Jaeger v2.13.0 with Kafka between collector and storage: the configurations', () => {
  const configs = [
    { name: 'stack collector', yaml: configMapData('jaeger-collector-config', 'config.yaml') },
    { name: 'stack ingester', yaml: configMapData('jaeger-ingester-config', 'config.yaml') },
    { name: 'stack query', yaml: configMapData('jaeger-query-config', 'config.yaml') },
    ...variantConfigs(),
  ];

  test.each(configs)('jaeger validate accepts $name', ({ yaml }) => {
    const file = join(tempDir('jaeger-kafka-validate'), 'config.yaml');
    writeFileSync(file, yaml);
    // SASL credentials come from Secrets through the environment; validate needs them set.
    const run = runProgram(jaegerBin, ['validate', `--config=file:${file}`], { env: { KAFKA_SASL_USERNAME: 'jaeger', KAFKA_SASL_PASSWORD: 'secret' } });
    expect({ status: run.status, output: run.status === 0 ? '' : `${run.stdout}${run.stderr}` }).toStrictEqual({ status: 0, output: '' });
  });

  test('jaeger validate rejects a SASL mechanism the construct refuses too (the check can fail)', () => {
    const file = join(tempDir('jaeger-kafka-validate'), 'config.yaml');
    writeFileSync(file, configs.find(c => c.name === 'ingester, SCRAM-SHA-512 over TLS')!.yaml.replace('SCRAM-SHA-512', 'SCRAM-SHA-1'));
    const run = runProgram(jaegerBin, ['validate', `--config=file:${file}`], { env: { KAFKA_SASL_USERNAME: 'jaeger', KAFKA_SASL_PASSWORD: 'secret' } });
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/mechanism should be one of 'PLAIN', 'AWS_MSK_IAM_OAUTHBEARER', 'SCRAM-SHA-256' or 'SCRAM-SHA-512'/);
  });

  test('an encoding outside KafkaSpanEncoding passes jaeger validate but fails at start: the construct refuses it', async () => {
    const yaml = configMapData('jaeger-collector-config', 'config.yaml').replace('encoding: otlp_proto', 'encoding: avro');
    const strategies = join(tempDir('jaeger-kafka-avro'), 'strategies.json');
    writeFileSync(strategies, configMapData('jaeger-collector-sampling', 'strategies.json'));
    const config = await writeLoopbackConfig(yaml, { paths: { '/etc/jaeger/sampling/strategies.json': strategies } });
    expect(runProgram(jaegerBin, ['validate', `--config=file:${config.file}`]).status).toBe(0);
    await expect(LoopbackProcess.start('collector', jaegerBin, config, { healthPort: 13133, healthPath: '/status', deadlineMs: 15_000 }))
      .rejects.toThrow(/failed to start "kafka" exporter: unrecognized traces encoding "avro"/);
  }, 30_000);

  test('counts', () => {
    process.stdout.write(`Jaeger Kafka configurations validated by jaeger v2.13.0: ${configs.length}\n`);
    expect(configs.length).toBe(3 + 4 + 2 * Object.values(KafkaSpanEncoding).length);
  });
});

/** Every process started here, so that afterAll ends them whatever happened. */
const processes: LoopbackProcess[] = [];

/** The three Jaeger processes of the stack, each restartable on the same ports. */
class JaegerStack {
  public static async create(kafkaServer: KafkaServer, search: SearchServer): Promise<JaegerStack> {
    const dir = tempDir('jaeger-kafka');
    writeFileSync(join(dir, 'strategies.json'), configMapData('jaeger-collector-sampling', 'strategies.json'));
    const addresses = { [KAFKA_BOOTSTRAP]: kafkaServer.bootstrap, [OPENSEARCH_URL]: search.url };
    const write = (name: string, paths: Record<string, string> = {}) => writeLoopbackConfig(configMapData(`${name}-config`, 'config.yaml'), { addresses, paths });
    return new JaegerStack(
      await write('jaeger-collector', { '/etc/jaeger/sampling/strategies.json': join(dir, 'strategies.json') }),
      await write('jaeger-ingester'),
      await write('jaeger-query'),
    );
  }

  public collector?: LoopbackProcess;
  public ingester?: LoopbackProcess;
  public query?: LoopbackProcess;

  private constructor(public readonly collectorConfig: LoopbackConfig, public readonly ingesterConfig: LoopbackConfig, public readonly queryConfig: LoopbackConfig) {}

  private async launch(name: string, config: LoopbackConfig): Promise<LoopbackProcess> {
    const p = await LoopbackProcess.start(name, jaegerBin, config, { healthPort: 13133, healthPath: '/status', deadlineMs: 60_000 });
    processes.push(p);
    return p;
  }

  public async startCollector() { this.collector = await this.launch('collector', this.collectorConfig); }
  public async startIngester() { this.ingester = await this.launch('ingester', this.ingesterConfig); }
  public async startQuery() { this.query = await this.launch('query', this.queryConfig); }

  public get otlpHttpPort(): number {
    return this.collectorConfig.ports.get(stack.collector!.spanEndpoint(SpanProtocol.OTLP_HTTP).port)!;
  }

  public get queryPort(): number {
    return this.queryConfig.ports.get(stack.uiEndpoint.port)!;
  }

  /** Polls until the query returns both spans of every one of `ids`; resolves with how long that took, or rejects naming the missing. */
  public waitFound(what: string, ids: readonly string[], deadlineMs: number): Promise<number> {
    return waitCompleteTraces(this.queryPort, `${what}: ${ids.length} traces found`, ids, deadlineMs, 1000,
      { collector: this.collector, ingester: this.ingester, query: this.query });
  }

  /** The trace IDs among `ids` that the query returns with both spans. */
  public found(ids: readonly string[]): Promise<Set<string>> {
    return completeTraces(this.queryPort, ids);
  }
}

/**
 * How long before a SIGKILL of the ingester an acknowledged span may still be on its way through
 * the collector's batch (200 ms), Kafka and the storage writer's bulk buffer (200 ms): only those
 * may be lost. Generous, for a loaded machine.
 */
const KILL_WINDOW_MS = 2000;

/** Span documents OpenSearch holds for a service (more than the spans sent: some were stored twice). */
let spanDocuments: (service: string) => Promise<number>;

describeAll('Jaeger v2.13.0: collector -> Kafka 4.1.1 -> ingester -> OpenSearch 2.19.6, from the generated configurations', () => {
  let kafkaServer: KafkaServer;
  let search: SearchServer;
  let jaeger: JaegerStack;
  const began = Date.now();
  const summary: string[] = [];

  beforeAll(async () => {
    // One at a time: both are JVMs starting on two shared cores.
    kafkaServer = await startKafka(kafkaBin!);
    await kafkaServer.createTopic(TOPIC, PARTITIONS);
    search = await startSearchServer(SEARCH_SERVERS.opensearch, searchBin!);
    summary.push(`Kafka started in ${seconds(kafkaServer.startMs)}, OpenSearch in ${seconds(search.lastStartMs)}`);
    jaeger = await JaegerStack.create(kafkaServer, search);
    spanDocuments = async service => {
      await search.call('POST', '/jaeger-span-*/_refresh');
      return (await search.call<{ count: number }>('POST', '/jaeger-span-*/_count', { query: { term: { 'process.serviceName': service } } })).count;
    };
    await jaeger.startIngester();
    await jaeger.startQuery();
    await jaeger.startCollector();
  }, SEARCH_SERVER_START_MS + 120_000);

  afterAll(async () => {
    await Promise.all(processes.map(p => p.stop(5000)));
    await search?.stop();
    await kafkaServer?.stop();
    process.stdout.write(`${summary.join('\n')}\nwall time of the Kafka tests: ${seconds(Date.now() - began)}\n`);
  }, SEARCH_SERVER_STOP_MS + 60_000);

  test('runs as generated: only listen addresses, the broker and OpenSearch addresses and the sampling file are rewritten', () => {
    const notListen = (c: LoopbackConfig) => c.rewrites.filter(r => !/: 0\.0\.0\.0:\d+ -> 127\.0\.0\.1:\d+$|prometheus\.(host|port)/.test(r));
    expect(notListen(jaeger.collectorConfig)).toStrictEqual([
      expect.stringMatching(/^\.extensions\.remote_sampling\.file\.path: \/etc\/jaeger\/sampling\/strategies\.json -> \S+strategies\.json$/),
      `.exporters.kafka.brokers[0]: ${KAFKA_BOOTSTRAP} -> ${kafkaServer.bootstrap}`,
    ]);
    expect(notListen(jaeger.ingesterConfig)).toStrictEqual([
      `.extensions.jaeger_storage.backends.opensearch.opensearch.server_urls[0]: ${OPENSEARCH_URL} -> ${search.url}`,
      `.receivers.kafka.brokers[0]: ${KAFKA_BOOTSTRAP} -> ${kafkaServer.bootstrap}`,
    ]);
    expect(notListen(jaeger.queryConfig)).toStrictEqual([
      `.extensions.jaeger_storage.backends.opensearch.opensearch.server_urls[0]: ${OPENSEARCH_URL} -> ${search.url}`,
    ]);
    const ingester = parse(jaeger.ingesterConfig.yaml);
    expect(ingester.receivers.kafka.message_marking).toStrictEqual({ after: true, on_error: false, on_permanent_error: true });
    expect(parse(jaeger.collectorConfig.yaml).exporters.kafka.producer).toStrictEqual({ required_acks: -1, compression: 'none' });
  });

  test('spans sent to the collector go through Kafka and the ingester and are found by the query, by ID and by service', async () => {
    const sent = [];
    for (let i = 0; i < 20; i++) sent.push(await sendTraceWithSdk(SdkProtocol.OTLP_HTTP, { port: jaeger.otlpHttpPort }, 'checkout-kafka'));
    const tookMs = await jaeger.waitFound('the round trip', sent.map(t => t.traceId), 60_000);
    const r = await fetch(`http://127.0.0.1:${jaeger.queryPort}/api/traces?service=checkout-kafka&limit=100&lookback=1h`);
    const found = (await r.json() as { data: Array<{ traceID: string }> }).data.map(t => t.traceID).sort();
    expect(found).toStrictEqual(sent.map(t => t.traceId).sort());
    // Through Kafka: records in the topic, every one committed by the ingester's consumer group.
    const offsets = await waitFor('the ingester to commit every record', async () => {
      const o = await kafkaServer.offsets(TOPIC, stack.ingester!.consumerGroup);
      return o.end > 0 && o.committed === o.end ? o : undefined;
    }, 30_000, 1000);
    expect(offsets.partitions).toBe(PARTITIONS);
    // What to watch in production: the ingester's consumer lag, on the port its Service exposes.
    const metrics = await (await fetch(`http://127.0.0.1:${jaeger.ingesterConfig.ports.get(stack.ingester!.metricsEndpoint.port)}/metrics`)).text();
    const lag = [...metrics.matchAll(new RegExp(`^otelcol_kafka_receiver_offset_lag_ratio\\{[^}]*partition="(\\d+)",topic="${TOPIC}"\\} (\\d+)$`, 'gm'))];
    expect(lag.map(m => [m[1], m[2]]).sort()).toStrictEqual([['0', '0'], ['1', '0'], ['2', '0']]);
    summary.push(`round trip: 20 traces (40 spans) sent, acknowledged, found by ID and by service in ${seconds(tookMs)}; ${offsets.end} Kafka records over ${offsets.partitions} partitions, all committed by the ingester`);
  }, 120_000);

  test('the ingester stopped (SIGTERM, as for a rolling update) mid-stream and started again: nothing acknowledged is lost', async () => {
    const service = 'checkout-ingester-stop';
    const sender = new Sender(jaeger.otlpHttpPort, service);
    await sleep(4000);
    const stoppedAt = Date.now();
    await jaeger.ingester!.stop();
    await sleep(2000);
    await jaeger.startIngester();
    const upAt = Date.now();
    await sleep(2000);
    const acked = await sender.stop();
    const whileDown = acked.filter(t => t.at >= stoppedAt && t.at <= upAt).length;
    const tookMs = await jaeger.waitFound('after the ingester restart', ids(acked), 90_000);
    const found = await jaeger.found(ids(acked));
    const documents = await spanDocuments(service);
    summary.push(`ingester SIGTERM mid-stream: sent ${sender.sent}, acknowledged ${acked.length} (${whileDown} while the ingester was down, ${seconds(upAt - stoppedAt)}), `
      + `found ${found.size}, lost ${acked.length - found.size}; all found ${seconds(tookMs)} after the restart; ${documents - 2 * acked.length} span documents stored twice; ${sender.failed} exports refused`);
    expect(whileDown).toBeGreaterThan(0);
    expect(sender.failed).toBe(0);
    expect(found.size).toBe(acked.length);
  }, 180_000);

  test('the ingester SIGKILLed mid-stream and started again: at most the spans in its storage writer\'s bulk buffer are lost', async () => {
    // Jaeger 2.13's Elasticsearch/OpenSearch writer returns once a span is in its bulk buffer
    // (flushed every 200 ms or 1000 spans), so the Kafka receiver may commit a record's offset
    // before the span is in OpenSearch: a SIGKILL then loses what the buffer held, if the
    // receiver's offset commit (every second) came in between. Measured, not assumed.
    const service = 'checkout-ingester-kill';
    const sender = new Sender(jaeger.otlpHttpPort, service);
    await sleep(4000);
    const killedAt = Date.now();
    await jaeger.ingester!.kill();
    await sleep(3000);
    await jaeger.startIngester();
    const upAt = Date.now();
    await sleep(2000);
    const acked = await sender.stop();
    const whileDown = acked.filter(t => t.at >= killedAt && t.at <= upAt).length;
    // Everything acknowledged before the window, and everything after the kill, must arrive.
    const outsideWindow = acked.filter(t => t.at <= killedAt - KILL_WINDOW_MS || t.at > killedAt);
    const tookMs = await jaeger.waitFound('after the ingester restart', ids(outsideWindow), 90_000);
    const found = await jaeger.found(ids(acked));
    const lost = acked.filter(t => !found.has(t.traceId));
    const ages = lost.map(t => killedAt - t.at);
    const documents = await spanDocuments(service);
    summary.push(`ingester SIGKILL mid-stream: sent ${sender.sent}, acknowledged ${acked.length} (${whileDown} while the ingester was down, ${seconds(upAt - killedAt)}), `
      + `found ${found.size}, lost ${lost.length}${lost.length ? ` (acknowledged ${Math.min(...ages)}..${Math.max(...ages)} ms before the kill)` : ''}; `
      + `found ${seconds(tookMs)} after the restart; ${documents - 2 * found.size} span documents stored twice; ${sender.failed} exports refused`);
    expect(whileDown).toBeGreaterThan(0);
    expect(sender.failed).toBe(0);
    expect(lost.filter(t => t.at <= killedAt - KILL_WINDOW_MS || t.at > killedAt)).toStrictEqual([]);
  }, 180_000);

  test('OpenSearch stopped and started again behind the ingester while spans keep coming: nothing acknowledged is lost', async () => {
    const service = 'checkout-storage-restart';
    const sender = new Sender(jaeger.otlpHttpPort, service);
    await sleep(3000);
    const downAt = Date.now();
    await search.stop();
    await sleep(8000);
    const restartAt = Date.now();
    await search.start();
    const upAt = Date.now();
    await sleep(3000);
    const acked = await sender.stop();
    const whileDown = acked.filter(t => t.at >= downAt && t.at <= upAt).length;
    const tookMs = await jaeger.waitFound('after the OpenSearch restart', ids(acked), 120_000);
    const found = await jaeger.found(ids(acked));
    const documents = await spanDocuments(service);
    summary.push(`OpenSearch stopped (SIGTERM) for ${seconds(upAt - downAt)} (${seconds(upAt - restartAt)} of it starting again): sent ${sender.sent}, acknowledged ${acked.length} `
      + `(${whileDown} while it was down), found ${found.size}, lost ${acked.length - found.size}; all found ${seconds(tookMs)} after it was back; `
      + `${documents - 2 * acked.length} span documents stored twice; ${sender.failed} exports refused`);
    expect(whileDown).toBeGreaterThan(0);
    expect(sender.failed).toBe(0);
    expect(found.size).toBe(acked.length);
  }, SEARCH_SERVER_START_MS + 180_000);
});
