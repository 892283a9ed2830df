/**
 * A real Apache Kafka on loopback for tests: Kafka 4.1.1 in KRaft mode, broker and controller in
 * one process (built by scripts/programs/kafka.sh from Maven Central jars and a launcher of our
 * own, scripts/programs/kafka-server/KafkaServer.java), on free ports of 127.0.0.1, with its data
 * in a temporary directory. Topics are not auto-created: make them with `createTopic`.
 *
 * ```ts
 * const [describeKafka, kafkaBin] = describeWithProgram(KAFKA_SERVER);
 * describeKafka('...', () => {
 *   let kafka: KafkaServer;
 *   beforeAll(async () => { kafka = await startKafka(kafkaBin); await kafka.createTopic('spans', 3); }, 120_000);
 *   afterAll(() => kafka?.stop());
 *   // kafka.bootstrap is '127.0.0.1:<port>'; kafka.stop() then kafka.start() restarts it on the same data and ports
 * });
 * ```
 * Start it once per test file (about 4 s on an idle machine, 20 s under load; 400 MB).
 */
import { execFile } from 'child_process';
import { promisify } from 'util';
import { freePort, ProgramSpec, RunningProgram, tempDir, waitFor } from './programs';

export const KAFKA_VERSION = '4.1.1';

/** The Kafka launcher the suite builds. */
export const KAFKA_SERVER: ProgramSpec = { binary: 'kafka-server', folder: `kafka-${KAFKA_VERSION}`, envVar: 'KAFKA_SERVER_BIN', script: 'scripts/programs/kafka.sh' };

/** Offsets of a topic, summed over its partitions. */
export interface KafkaTopicOffsets {
  readonly partitions: number;
  /** Records ever written (the sum of the partitions' end offsets). */
  readonly end: number;
  /** The consumer group's committed offsets; -1 without a group. */
  readonly committed: number;
}

/** A running (or stopped, to be started again) single-node Kafka. */
export interface KafkaServer {
  /** `127.0.0.1:<port>`, PLAINTEXT: what clients take as bootstrap servers. */
  readonly bootstrap: string;
  /** The directory holding the configuration and the data (`data/`). */
  readonly dir: string;
  /** Whether the process runs. */
  readonly running: boolean;
  /** How long the last start took, until the broker logged `Kafka Server started`. */
  readonly startMs: number;
  /** Creates a topic (replication factor 1) and waits until every partition has a leader. */
  createTopic(name: string, partitions?: number): Promise<void>;
  /** End offsets of a topic and, with `group`, that consumer group's committed offsets. */
  offsets(topic: string, group?: string): Promise<KafkaTopicOffsets>;
  /** SIGTERM (a controlled shutdown, 2-5 s), SIGKILL after 20 s. The data stays for `start`. */
  stop(): Promise<void>;
  /** Starts it again on the same data and ports; resolves once the broker serves. */
  start(): Promise<void>;
  /** What the current process printed (slf4j at WARN, last 4000 characters). */
  readonly log: string;
}

/** Starts Kafka on loopback; resolves once the broker serves clients. */
export async function startKafka(bin: string, opts: { readonly startTimeoutMs?: number } = {}): Promise<KafkaServer> {
  const dir = tempDir('kafka');
  const port = await freePort();
  const controllerPort = await freePort();
  const bootstrap = `127.0.0.1:${port}`;
  const timeout = opts.startTimeoutMs ?? 90_000;
  let program: RunningProgram | undefined;
  let startMs = 0;

  const start = async () => {
    if (program?.running) throw new Error(`kafka on ${bootstrap} is already running`);
    const began = Date.now();
    const p = RunningProgram.start(bin, ['serve', '--dir', dir, '--port', String(port), '--controller-port', String(controllerPort)]);
    program = p;
    try {
      await waitFor(`kafka on ${bootstrap} to log "Kafka Server started"`, async () => {
        if (!p.running) throw new Error(`kafka-server exited:\n${p.log}`);
        return p.log.includes('Kafka Server started') ? true : undefined;
      }, timeout, 200);
    } catch (e) {
      await p.stop(5000);
      throw new Error(`${e}\n${p.log}`);
    }
    startMs = Date.now() - began;
  };

  /** Runs an admin command of the launcher (a short-lived Java client), without blocking the event loop. */
  const admin = async (args: string[]): Promise<string> => {
    try {
      return (await promisify(execFile)(bin, [...args, '--bootstrap', bootstrap], { timeout: 60_000, encoding: 'utf8' })).stdout;
    } catch (e) {
      const err = e as { code?: number | string; stdout?: string; stderr?: string };
      throw new Error(`kafka-server ${args.join(' ')} failed (${err.code}): ${err.stdout ?? ''}${err.stderr ?? ''}`);
    }
  };

  await start();
  return {
    bootstrap,
    dir,
    get running() { return program?.running ?? false; },
    get startMs() { return startMs; },
    async createTopic(name: string, partitions = 1) {
      await admin(['create-topic', '--topic', name, '--partitions', String(partitions)]);
    },
    async offsets(topic: string, group?: string) {
      const out = await admin(['offsets', '--topic', topic, ...(group ? ['--group', group] : [])]);
      return JSON.parse(out.trim().split('\n').pop()!) as KafkaTopicOffsets;
    },
    stop: async () => { await program?.stop(20_000); },
    start,
    get log() { return program?.log ?? ''; },
  };
}
