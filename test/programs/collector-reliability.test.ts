/**
 * What the generated gateway does when things fail, measured with the real collector
 * (otelcol v0.140.1, our OCB build) in front of a real Jaeger v2.13.0 with Badger storage, and
 * traces sent continuously by the OpenTelemetry JS SDK. A trace counts as acknowledged when the
 * gateway answered both of its span exports with success; it counts as delivered when Jaeger's
 * query API returns both spans.
 *
 * Everything runs as generated: only listen addresses, the exporter's target (the Jaeger Service
 * name, moved to Jaeger's loopback OTLP port) and file paths are rewritten. In particular the
 * retries are the generated defaults (`initial_interval` 5s, `max_interval` 30s,
 * `max_elapsed_time` 300s) and batching its generated 200ms / 8192 spans (the batch processor with
 * the in-memory queue; batching inside the queue, after the disk, with the persistent one). The one
 * change to a process's environment: Jaeger's tracing of itself is off (see `startJaeger`).
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import { Chart, Size, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { JaegerAllInOne, OtelCollector, SpanProtocol, TraceStorage } from '../../constructs';
import { Acked, completeTraces, Sender, spanCounts, traceIds as ids, waitCompleteTraces } from '../_support/jaeger-query';
import { LoopbackConfig, LoopbackProcess, retryOnPortClash, writeLoopbackConfig } from '../_support/loopback-process';
import { describeWithProgram, findProgram, PROGRAMS, tempDir } from '../_support/programs';
import { Manifest } from '../_support/synth';

const [describeCollector, otelcol] = describeWithProgram(PROGRAMS.otelcol);
const jaegerBin = otelcol ? findProgram(PROGRAMS.jaeger) : undefined;
const describeBoth = otelcol && jaegerBin ? describeCollector : describe.skip;

const app = Testing.app();
const chart = new Chart(app, 'tracing', { namespace: 'tracing' });
const jaeger = new JaegerAllInOne(chart, 'jaeger', { storage: TraceStorage.badger({ volume: { size: Size.gibibytes(1) } }) });
/** The default gateway: in-memory sending queue. */
const inMemoryGateway = new OtelCollector(chart, 'gateway', { exportTo: [jaeger] });
/** The same with `queue.persistent`: the sending queue in a `file_storage` extension. */
const persistentGateway = new OtelCollector(chart, 'persistent-gateway', { name: 'otel-gateway-persistent', exportTo: [jaeger], queue: { persistent: true } });
const objects = chart.toJson() as Array<Manifest & { data?: Record<string, string> }>;

function configMapData(name: string, key: string): string {
  const cm = objects.find(o => o.kind === 'ConfigMap' && o.metadata.name === name);
  const text = cm?.data?.[key];
  if (typeof text !== 'string') throw new Error(`ConfigMap/${name} has no ${key}`);
  return text;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Every process started, so that afterAll ends them whatever happened. */
const processes: LoopbackProcess[] = [];

/** A Jaeger and a gateway from the generated configurations, each restartable on the same ports and data. */
class Pipeline {
  public static async create(label: string, gateway: OtelCollector): Promise<Pipeline> {
    const data = tempDir(`reliability-${label}`);
    writeFileSync(join(data, 'strategies.json'), configMapData('jaeger-sampling', 'strategies.json'));
    const jaegerConfig = await writeLoopbackConfig(configMapData('jaeger-config', 'config.yaml'), {
      paths: {
        '/var/lib/jaeger/badger/keys': join(data, 'badger-keys'),
        '/var/lib/jaeger/badger/values': join(data, 'badger-values'),
        '/etc/jaeger/sampling/strategies.json': join(data, 'strategies.json'),
      },
    });
    const target = jaeger.spanEndpoint(SpanProtocol.OTLP_GRPC);
    const gatewayYaml = configMapData(`${gateway.serviceName}-config`, 'config.yaml');
    const gatewayConfig = await writeLoopbackConfig(gatewayYaml, {
      paths: {
        // The exporter's target: the Jaeger Service, here Jaeger's loopback OTLP gRPC port.
        [target.hostPort]: `127.0.0.1:${jaegerConfig.ports.get(target.port)}`,
        // The persistent queue's emptyDir (also file_storage's compaction directory).
        '/var/lib/otelcol/queue': tempDir(`${label}-queue`),
      },
    });
    return new Pipeline(label, gateway, jaegerConfig, gatewayConfig, parse(gatewayYaml));
  }

  /** A new pipeline with Jaeger and the gateway running (on fresh ports again if one was taken meanwhile). */
  public static async started(label: string, gateway: OtelCollector): Promise<Pipeline> {
    return retryOnPortClash(async () => {
      const p = await Pipeline.create(label, gateway);
      try {
        await p.startJaeger();
        await p.startGateway();
      } catch (e) {
        await p.stopAll();
        throw e;
      }
      return p;
    });
  }

  public jaeger?: LoopbackProcess;
  public gateway?: LoopbackProcess;

  private constructor(
    public readonly label: string,
    public readonly construct: OtelCollector,
    public readonly jaegerConfig: LoopbackConfig,
    public readonly gatewayConfig: LoopbackConfig,
    public readonly generated: any,
  ) {}

  public async startJaeger(): Promise<void> {
    this.jaeger = await LoopbackProcess.start(`${this.label} jaeger`, jaegerBin!, this.jaegerConfig, {
      healthPort: 13133,
      healthPath: '/status',
      // Jaeger traces its own query API and exports those spans with the Go SDK's OTLP gRPC
      // exporter to its default, localhost:4317: in the pod Jaeger's own receiver, here nothing.
      // After a query, SIGTERM then waits 10 s (the export timeout) to flush them; with its own
      // tracing off, Jaeger stops at once and the outage is as long as the test means it to be.
      env: { OTEL_TRACES_SAMPLER: 'always_off' },
    });
    processes.push(this.jaeger);
  }

  public async startGateway(): Promise<void> {
    this.gateway = await LoopbackProcess.start(`${this.label} gateway`, otelcol, this.gatewayConfig, { healthPort: 13133, healthPath: '/' });
    processes.push(this.gateway);
  }

  /** The gateway's OTLP/HTTP port on loopback, as `instrumentWorkload` would address it. */
  public get otlpHttpPort(): number {
    return this.gatewayConfig.ports.get(this.construct.spanEndpoint(SpanProtocol.OTLP_HTTP).port)!;
  }

  public get queryPort(): number {
    return this.jaegerConfig.ports.get(jaeger.uiEndpoint.port)!;
  }

  /** The gateway's batch timeout in milliseconds, from the generated configuration (processor or queue). */
  public get batchTimeoutMs(): number {
    const timeout = String(this.generated.processors.batch?.timeout ?? this.generated.exporters['otlp/jaeger'].sending_queue.batch.flush_timeout);
    const m = /^(\d+)ms$/.exec(timeout);
    if (!m) throw new Error(`unexpected batch timeout ${timeout}`);
    return Number(m[1]);
  }

  /** How many spans Jaeger returns for each of `ids` (0 when it does not know the trace). */
  public spanCounts(ids: readonly string[]): Promise<Map<string, number>> {
    return spanCounts(this.queryPort, ids);
  }

  /** The trace ids among `ids` that Jaeger returns with both spans. */
  public delivered(ids: readonly string[]): Promise<Set<string>> {
    return completeTraces(this.queryPort, ids);
  }

  /** Polls until every one of `ids` is delivered; resolves with how long that took, or rejects naming the missing ones. */
  public waitDelivered(what: string, ids: readonly string[], deadlineMs: number): Promise<number> {
    return waitCompleteTraces(this.queryPort, `${what}: ${ids.length} traces delivered`, ids, deadlineMs, 500, { gateway: this.gateway, jaeger: this.jaeger });
  }

  public async stopAll(): Promise<void> {
    await Promise.all([this.gateway?.stop(5000), this.jaeger?.stop(5000)]);
  }
}

/** Sends for `ms` and returns what was acknowledged. */
async function sendFor(p: Pipeline, service: string, ms: number): Promise<Acked[]> {
  const sender = new Sender(p.otlpHttpPort, service);
  await sleep(ms);
  return sender.stop();
}

describeBoth('the generated gateway (otelcol v0.140.1) in front of Jaeger v2.13.0 with Badger, while things fail', () => {
  afterAll(async () => {
    await Promise.all(processes.map(p => p.stop(5000)));
  });

  test('runs as generated: only addresses and paths are rewritten, retries and batching are the defaults', async () => {
    const p = await Pipeline.create('settings', persistentGateway);
    const run = parse(p.gatewayConfig.yaml) as any;
    const exporter = run.exporters['otlp/jaeger'];
    expect(exporter.endpoint).toBe(`127.0.0.1:${p.jaegerConfig.ports.get(4317)}`);
    expect(p.generated.exporters['otlp/jaeger'].endpoint).toBe('jaeger.tracing.svc:4317');
    expect(exporter.retry_on_failure).toStrictEqual({ enabled: true, initial_interval: '5s', max_interval: '30s', max_elapsed_time: '300s' });
    // Persistent: batching moves from the processor (memory, before the acknowledgement) into the queue (after the disk).
    expect(exporter.sending_queue).toStrictEqual({
      enabled: true, num_consumers: 10, queue_size: 1000, storage: 'file_storage/queue',
      batch: { flush_timeout: '200ms', sizer: 'items', min_size: 8192 },
    });
    expect(run.processors).toStrictEqual(p.generated.processors);
    expect(Object.keys(run.processors)).toStrictEqual(['memory_limiter']);
    const inMemory = parse(configMapData('otel-gateway-config', 'config.yaml')) as any;
    expect(inMemory.exporters['otlp/jaeger'].sending_queue).toStrictEqual({ enabled: true, num_consumers: 10, queue_size: 1000 });
    expect(inMemory.exporters['otlp/jaeger'].retry_on_failure).toStrictEqual(exporter.retry_on_failure);
    expect(inMemory.processors.batch).toStrictEqual({ timeout: '200ms', send_batch_size: 8192 });
    expect(p.gatewayConfig.rewrites.filter(r => !/: 0\.0\.0\.0:\d+ -> 127\.0\.0\.1:\d+$|prometheus\.(host|port)/.test(r))).toStrictEqual([
      `.exporters.otlp/jaeger.endpoint: jaeger.tracing.svc:4317 -> 127.0.0.1:${p.jaegerConfig.ports.get(4317)}`,
      expect.stringMatching(/^\.extensions\.file_storage\/queue\.directory: \/var\/lib\/otelcol\/queue -> \S+-queue-\w+$/),
      expect.stringMatching(/^\.extensions\.file_storage\/queue\.compaction\.directory: \/var\/lib\/otelcol\/queue -> \S+-queue-\w+$/),
    ]);
  });

  // The three runs are independent (each has its own Jaeger, gateway, ports and directories) and
  // mostly wait for retries, so they run at the same time.
  test.concurrent('Jaeger stopped (SIGTERM) for ~5 s and started again while traces keep coming: every acknowledged trace is delivered', async () => {
    const p = await Pipeline.started('backend-restart', inMemoryGateway);
    try {
      const sender = new Sender(p.otlpHttpPort, 'checkout-backend-restart');
      await sleep(3000);
      const downAt = Date.now();
      await p.jaeger!.stop();
      await sleep(5000);
      await p.startJaeger();
      const upAt = Date.now();
      await sleep(2000);
      const acked = await sender.stop();
      const whileDown = acked.filter(t => t.at >= downAt && t.at <= upAt);
      await p.waitDelivered('after the backend restart', ids(acked), 45_000);
      const deliveredAt = Date.now();
      const found = await p.delivered(ids(acked));
      process.stdout.write(`backend restart (in-memory queue): acknowledged ${acked.length} (${whileDown.length} while Jaeger was down), found ${found.size}, lost ${acked.length - found.size}; `
        + `Jaeger down ${seconds(upAt - downAt)} (SIGTERM to healthy again), everything delivered ${seconds(deliveredAt - upAt)} after it was back; ${sender.failed} exports refused by the gateway\n`);
      expect(whileDown.length).toBeGreaterThan(0);
      expect(sender.failed).toBe(0);
      expect(found.size).toBe(acked.length);
    } finally {
      await p.stopAll();
    }
  }, 90_000);

  test.concurrent('the gateway killed (SIGKILL) while Jaeger is down, in-memory queue: exactly the traces acknowledged while Jaeger was down are lost', async () => {
    const p = await Pipeline.started('in-memory-kill', inMemoryGateway);
    try {
      const before = await sendFor(p, 'checkout-in-memory-kill', 1500);
      await p.waitDelivered('before the outage', ids(before), 20_000);
      const downAt = Date.now();
      await p.jaeger!.stop();
      const whileDown = await sendFor(p, 'checkout-in-memory-kill', 4000);
      await p.gateway!.kill();
      const killedAt = Date.now();
      await p.startJaeger();
      const upAt = Date.now();
      await p.startGateway();
      const after = await sendFor(p, 'checkout-in-memory-kill', 1500);
      await p.waitDelivered('after the restart', ids(after), 30_000);
      // Anything still on its way would have arrived with the later traces; wait a little more anyway.
      await sleep(2000);
      const found = await p.delivered(ids(whileDown));
      process.stdout.write(`gateway SIGKILL, in-memory queue: acknowledged ${before.length + whileDown.length + after.length}, `
        + `${whileDown.length} of them while Jaeger was down (${seconds(killedAt - downAt)} before the kill; Jaeger down ${seconds(upAt - downAt)}); `
        + `lost ${whileDown.length - found.size}, all ${before.length} before and ${after.length} after delivered\n`);
      expect(whileDown.length).toBeGreaterThan(0);
      expect(found.size).toBe(0);
    } finally {
      await p.stopAll();
    }
  }, 90_000);

  test.concurrent('the gateway killed (SIGKILL) twice while Jaeger is down, persistent queue: the queue survives and nothing acknowledged is lost', async () => {
    const p = await Pipeline.started('persistent-kill', persistentGateway);
    try {
      const before = await sendFor(p, 'checkout-persistent-kill', 1500);
      await p.waitDelivered('before the outage', ids(before), 20_000);
      const downAt = Date.now();
      await p.jaeger!.stop();

      // First kill: sending stopped 1 s before.
      const settled = await sendFor(p, 'checkout-persistent-kill', 3000);
      await sleep(1000);
      await p.gateway!.kill();
      await p.startGateway();

      // Second kill: while traces keep coming; each span was acknowledged only once it was in the queue on disk.
      const sender = new Sender(p.otlpHttpPort, 'checkout-persistent-kill');
      await sleep(2500);
      const killedAt = Date.now();
      await p.gateway!.kill();
      const midStream = await sender.stop();
      await p.startGateway();
      await p.startJaeger();
      const upAt = Date.now();

      const after = await sendFor(p, 'checkout-persistent-kill', 1500);
      await p.waitDelivered('the queue kept over two kills, and the traces after', [...ids(settled), ...ids(after)], 60_000);
      const deliveredAt = Date.now();
      await sleep(2000);
      const counts = await p.spanCounts(ids(midStream));
      const found = new Set(ids(midStream).filter(id => counts.get(id)! >= 2));
      const lost = midStream.filter(t => !found.has(t.traceId));
      const ages = lost.map(t => killedAt - t.at);
      const spansLost = lost.reduce((n, t) => n + 2 - counts.get(t.traceId)!, 0);
      process.stdout.write(`gateway SIGKILL, persistent queue: acknowledged ${before.length + settled.length + midStream.length + after.length}; `
        + `killed 1 s after sending stopped: ${settled.length} of ${settled.length} delivered; `
        + `killed mid-stream: ${found.size} of ${midStream.length} delivered, lost ${lost.length} traces (${spansLost} spans) acknowledged ${ages.length ? `${Math.min(...ages)}..${Math.max(...ages)} ms` : '-'} before the kill `
        + `(batch timeout ${p.batchTimeoutMs} ms); Jaeger down ${seconds(upAt - downAt)}, queue delivered ${seconds(deliveredAt - upAt)} after Jaeger was back\n`);
      expect(settled.length).toBeGreaterThan(0);
      expect(midStream.length).toBeGreaterThan(0);
      expect(lost).toStrictEqual([]);
    } finally {
      await p.stopAll();
    }
  }, 120_000);
});
