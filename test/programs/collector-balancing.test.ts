/**
 * Even load on a receiver of several replicas, with the real collector: a gateway exports over
 * gRPC to a JaegerCollector of two replicas through its headless Service (`dns:///`, round-robin),
 * as generated. Two real receivers stand for the two replicas, on 127.0.0.1 and 127.0.0.2 with the
 * same port, and a DNS server of the test answers the headless Service's name with their addresses.
 * The exporter's target becomes `dns://127.0.0.153/<the same name>:<port>`, naming that server as
 * the gRPC resolver's authority; nothing else of the sender's configuration changes but its listen
 * addresses. (The exporter accepts an authority without a port only, so the server listens on
 * 127.0.0.153 port 53, which needs root, as the suite's etcd install does.) The receivers run the OTLP receiver
 * exactly as the library renders it for a gateway, keepalive included, with a debug exporter.
 *
 * 1. Both replicas there: each receives a share of the spans.
 * 2. A replica added while spans flow (the way an autoscaler adds one): the sender finds it within
 *    the receivers' `max_connection_age` (60 s) and its grace (15 s), because the receiver closes
 *    the connection and the client re-resolves. Through a ClusterIP Service, or without the
 *    keepalive, it would keep its one connection and the new replica would get nothing.
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import { stringify } from 'yaml';
import { ElasticsearchStorage, JaegerCollector, OtelCollector } from '../../constructs';
import { startCollector, StartedCollector } from '../_support/collector';
import { DnsServer } from '../_support/dns-server';
import { SdkProtocol, sendTraceWithSdk } from '../_support/otel-sdk';
import { describeWithProgram, freePort, OTELCOL_VERSION, PROGRAMS, RunningProgram, tempDir, waitFor } from '../_support/programs';
import { configFile, synth, testChart } from '../_support/synth';
import { CollectorPorts } from '../../constructs/otel/collector-ports';

const [describeOtelcol, otelcol] = describeWithProgram(PROGRAMS.otelcol);

const HEADLESS = 'jaeger-collector-headless.tracing.svc';
/** Where the test's DNS server listens: the authority of the rewritten target (port 53 implied). */
const DNS_AT = { host: '127.0.0.153', port: 53 };

/** The generated gateway configuration (exporting to a JaegerCollector of two replicas) and its receiver block. */
function generated() {
  const chart = testChart('tracing');
  const storage = new ElasticsearchStorage(chart, 'es', { serverUrls: ['https://es.example.com:9200'] });
  const collector = new JaegerCollector(chart, 'collector', { storage, replicas: 2, autoscaling: false });
  new OtelCollector(chart, 'gateway', { exportTo: [collector] });
  const objects = synth(chart);
  const yaml = (objects.find(o => o.kind === 'ConfigMap' && o.metadata.name === 'otel-gateway-config') as any).data['config.yaml'] as string;
  const doc = configFile(objects, 'otel-gateway-config', 'config.yaml');
  return { yaml, exporter: doc.exporters['otlp/jaeger-collector'], grpcReceiver: doc.receivers.otlp.protocols.grpc, headless: collector.grpcReplicasEndpoint! };
}

/** A receiver standing for one replica: the library's gRPC OTLP receiver on `ip:port`, a debug exporter, metrics on loopback. */
class Replica {
  public static async start(bin: string, ip: string, port: number, grpcReceiver: Record<string, unknown>): Promise<Replica> {
    const metricsPort = await freePort();
    const healthPort = await freePort();
    const config = {
      receivers: { otlp: { protocols: { grpc: { ...grpcReceiver, endpoint: `${ip}:${port}` } } } },
      exporters: { debug: { verbosity: 'basic' } },
      extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
      service: {
        extensions: ['health_check'],
        pipelines: { traces: { receivers: ['otlp'], exporters: ['debug'] } },
        telemetry: { metrics: { level: 'normal', readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: metricsPort } } } }] } },
      },
    };
    const file = join(tempDir('otelcol-replica'), 'config.yaml');
    writeFileSync(file, stringify(config));
    const program = RunningProgram.start(bin, [`--config=file:${file}`]);
    const replica = new Replica(ip, program, metricsPort);
    try {
      await waitFor(`the replica on ${ip} to be healthy`, async () => {
        if (!program.running) throw new Error('the replica exited');
        const r = await fetch(`http://127.0.0.1:${healthPort}/`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
        return r?.status === 200 ? true : undefined;
      }, 15_000);
    } catch (e) {
      await program.stop();
      throw new Error(`${e}\n${program.log}`);
    }
    return replica;
  }

  private constructor(public readonly ip: string, public readonly program: RunningProgram, private readonly metricsPort: number) {}

  /** Spans its OTLP receiver accepted (`otelcol_receiver_accepted_spans`). */
  public async acceptedSpans(): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    return text.split('\n')
      .filter(l => /^otelcol_receiver_accepted_spans(_total)?\{/.test(l) && l.includes('receiver="otlp"'))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  }
}

describeOtelcol(`otelcol ${OTELCOL_VERSION}: exports spread over every replica of a receiver`, () => {
  const stopping: Array<{ stop(): Promise<void> }> = [];
  afterEach(async () => {
    for (const s of stopping.splice(0).reverse()) await s.stop();
  }, 30_000);

  /** The sender (the generated gateway), its exporter pointed at `dns` for the headless name, on `port`. */
  async function sender(dns: DnsServer, port: number): Promise<StartedCollector> {
    const g = generated();
    const target = `dns:///${HEADLESS}:4317`;
    expect(g.exporter).toMatchObject({ endpoint: target, balancer_name: 'round_robin' });
    const started = await startCollector(otelcol, g.yaml, { addresses: { [target]: `dns://${dns.host}/${HEADLESS}:${port}` } });
    stopping.push(started.program);
    process.stdout.write(`sender rewrites:\n${started.rewrites.map(r => `  ${r}`).join('\n')}\n`);
    return started;
  }

  /** Sends one trace (2 spans) to the sender over OTLP gRPC. */
  async function sendTrace(s: StartedCollector, i: number): Promise<void> {
    await sendTraceWithSdk(SdkProtocol.OTLP_GRPC, { port: s.ports.get(CollectorPorts.OTLP_GRPC.port)! }, `balancing-${i}`);
  }

  test('the generated gateway spreads its exports over both replicas', async () => {
    const g = generated();
    expect(g.headless.hostPort).toBe(`${HEADLESS}:4317`);
    expect(g.grpcReceiver.keepalive).toStrictEqual({ server_parameters: { max_connection_age: '60s', max_connection_age_grace: '15s' } });
    const port = await freePort();
    const dns = await DnsServer.start({ [HEADLESS]: ['127.0.0.1', '127.0.0.2'] }, DNS_AT);
    stopping.push(dns);
    const replicas = [await Replica.start(otelcol, '127.0.0.1', port, g.grpcReceiver), await Replica.start(otelcol, '127.0.0.2', port, g.grpcReceiver)];
    stopping.push(...replicas.map(r => r.program));
    const s = await sender(dns, port);

    const traces = 40;
    for (let i = 0; i < traces; i++) {
      await sendTrace(s, i);
      await new Promise(r => setTimeout(r, 100)); // a few traces per 200 ms batch: many export calls
    }
    const counts = await waitFor('every span at a replica', async () => {
      const c = await Promise.all(replicas.map(r => r.acceptedSpans()));
      return c[0] + c[1] === traces * 2 ? c : undefined;
    }, 30_000, 500);
    process.stdout.write(`round-robin over 2 replicas: ${traces * 2} spans -> 127.0.0.1: ${counts[0]}, 127.0.0.2: ${counts[1]}; DNS queries: ${dns.queries.length}\n`);
    for (const c of counts) expect(c).toBeGreaterThanOrEqual(traces * 2 / 4);
    expect(dns.queries.some(q => q.name === HEADLESS && q.type === 1)).toBe(true);
  }, 120_000);

  test('a replica added while spans flow gets its share within the receivers\' max_connection_age', async () => {
    const g = generated();
    const port = await freePort();
    const dns = await DnsServer.start({ [HEADLESS]: ['127.0.0.1'] }, DNS_AT);
    stopping.push(dns);
    const first = await Replica.start(otelcol, '127.0.0.1', port, g.grpcReceiver);
    stopping.push(first.program);
    const s = await sender(dns, port);
    for (let i = 0; i < 10; i++) await sendTrace(s, i);
    await waitFor('the first replica to receive', async () => (await first.acceptedSpans()) === 20 ? true : undefined, 20_000, 250);

    // Scale up: a second replica, and the headless Service's name now answers both.
    const second = await Replica.start(otelcol, '127.0.0.2', port, g.grpcReceiver);
    stopping.push(second.program);
    dns.setRecords({ [HEADLESS]: ['127.0.0.1', '127.0.0.2'] });
    const added = Date.now();
    let sent = 10;
    let seconds = 0;
    while (true) {
      await sendTrace(s, sent++);
      if ((await second.acceptedSpans()) > 0) {
        seconds = (Date.now() - added) / 1000;
        break;
      }
      if (Date.now() - added > 100_000) throw new Error(`the added replica got nothing in 100 s (${sent} traces sent)\n${s.program.log}`);
      await new Promise(r => setTimeout(r, 250));
    }
    // max_connection_age 60 s (+-10% jitter in grpc-go) + 15 s grace, with some slack for the re-resolution.
    expect(seconds).toBeLessThan(90);
    const counts = [await first.acceptedSpans(), await second.acceptedSpans()];
    process.stdout.write(`replica added while sending: found after ${seconds.toFixed(1)} s; spans so far 127.0.0.1: ${counts[0]}, 127.0.0.2: ${counts[1]}\n`);
  }, 180_000);
});
