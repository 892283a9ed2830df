/**
 * Jaeger and the OpenTelemetry Collector run from a generated configuration on loopback, for tests
 * that stop, kill and restart them. The rewritten configuration is written to a file once, so a
 * restart listens on the same ports and uses the same data directories; `kill()` sends SIGKILL (no
 * shutdown hooks run), `stop()` SIGTERM (the program drains and exits).
 */
import { ChildProcess, spawn } from 'child_process';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { LoopbackOptions, rewriteForLoopback, Rewrites } from './loopback';
import { freePort, tempDir } from './programs';

/** A generated configuration rewritten for loopback and written to a file. */
export interface LoopbackConfig {
  /** The file the program is started with. */
  readonly file: string;
  /** Its text. */
  readonly yaml: string;
  /** Container port -> loopback port. */
  readonly ports: Map<number, number>;
  /** One line per rewritten value. */
  readonly rewrites: Rewrites;
}

/**
 * Rewrites `configYaml` for loopback (see {@link rewriteForLoopback}) and writes it to a fresh
 * directory. The listen ports are then moved below the kernel's ephemeral port range (see
 * {@link freePort}), so that a program restarted on the same ports finds them free.
 */
export async function writeLoopbackConfig(configYaml: string, opts: LoopbackOptions = {}): Promise<LoopbackConfig> {
  const loopback = await rewriteForLoopback(configYaml, opts);
  const moved = new Map<number, number>();
  for (const ephemeral of loopback.ports.values()) moved.set(ephemeral, await freePort());
  const move = (node: unknown, key?: string): unknown => {
    if (Array.isArray(node)) return node.map(v => move(v));
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, move(v, k)]));
    if (typeof node === 'string') return node.replace(/^127\.0\.0\.1:(\d+)$/, (m, port: string) => moved.has(Number(port)) ? `127.0.0.1:${moved.get(Number(port))}` : m);
    // The Prometheus reader's `port`.
    if (typeof node === 'number' && key === 'port' && moved.has(node)) return moved.get(node);
    return node;
  };
  const yaml = stringify(move(parse(loopback.yaml)), { lineWidth: 0, aliasDuplicateObjects: false });
  const ports = new Map([...loopback.ports].map(([container, ephemeral]) => [container, moved.get(ephemeral)!]));
  const rewrites = loopback.rewrites.map(r => r.replace(/(127\.0\.0\.1:|-> )(\d+)$/, (m, prefix: string, port: string) => moved.has(Number(port)) ? `${prefix}${moved.get(Number(port))}` : m));
  const file = join(tempDir('loopback-config'), 'config.yaml');
  writeFileSync(file, yaml);
  return { file, yaml, ports, rewrites };
}

/** Ports handed out by {@link freePort} in this process. */
/** How to start a {@link LoopbackProcess}. */
export interface LoopbackStartOptions {
  /** Container port of the health endpoint, looked up in the configuration's ports. */
  readonly healthPort: number;
  /** Path that answers 200 once the program is ready. */
  readonly healthPath: string;
  /** Variables added to the test's environment. @default - none */
  readonly env?: NodeJS.ProcessEnv;
  /** How long the program may take to become healthy. @default 30 s */
  readonly deadlineMs?: number;
}

/** What a collector-based program (the OpenTelemetry Collector, Jaeger v2) logs once every component started. */
const READY = 'Everything is ready. Begin running and processing data.';

/** One run of a program; `start` again for the next run with the same configuration. */
export class LoopbackProcess {
  /**
   * Starts `bin --config=file:<config.file>` and resolves once it logged that every component
   * started and its health endpoint answers 200.
   */
  public static async start(name: string, bin: string, config: LoopbackConfig, opts: LoopbackStartOptions): Promise<LoopbackProcess> {
    const { healthPort, healthPath } = opts;
    const port = config.ports.get(healthPort);
    if (port === undefined) throw new Error(`${name}: the configuration listens on no container port ${healthPort}`);
    const child = spawn(bin, [`--config=file:${config.file}`], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(opts.env ?? {}) } });
    const p = new LoopbackProcess(name, child);
    // Not `waitFor`, which retries a check that throws: an exit or a failed listener ends the wait at once.
    const deadline = Date.now() + (opts.deadlineMs ?? 30_000);
    let failure: string | undefined;
    while (!failure) {
      if (!p.running) {
        failure = `${name} exited`;
      } else if (/address already in use/.test(p.output)) {
        // A collector-based program may log a listener that failed and keep running, never ready.
        failure = `${name} could not listen: ${/.*address already in use.*/.exec(p.output)![0]}`;
      } else if (Date.now() > deadline) {
        failure = `${name} was not ready on 127.0.0.1:${port}${healthPath} within ${opts.deadlineMs ?? 30_000} ms`;
      } else if (p.output.includes(READY) && await fetch(`http://127.0.0.1:${port}${healthPath}`).then(r => r.ok, () => false)) {
        // Its own word first: after a port clash, the health port could be another process's.
        return p;
      } else {
        await new Promise(r => setTimeout(r, 100));
      }
    }
    await p.kill();
    throw new Error(`${failure}\n${p.log}`);
  }

  private output = '';
  private readonly exited: Promise<void>;

  private constructor(public readonly name: string, private readonly child: ChildProcess) {
    child.stdout?.on('data', d => { this.output += String(d); });
    child.stderr?.on('data', d => { this.output += String(d); });
    this.exited = new Promise(resolve => child.once('exit', () => resolve()));
  }

  /** What the program printed (the last 6000 characters). */
  public get log(): string {
    return this.output.slice(-6000);
  }

  /** Whether it is still running. */
  public get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  public async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL: the process ends at once, with no shutdown of any kind; resolves when it is gone. */
  public async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * Runs `attempt` again, up to `tries` times in all, when it failed because a program could not bind
 * a port: `freePort()` only finds a port free when asked, and another test process may take it
 * before the program binds it. `attempt` must rewrite the configuration again (fresh ports).
 */
export async function retryOnPortClash<T>(attempt: () => Promise<T>, tries = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      const clash = /.*address already in use.*/.exec(String(e));
      if (i >= tries || !clash) throw e;
      process.stdout.write(`a port was taken before the program bound it (${clash[0].slice(0, 300)}); trying again with fresh ports (${i}/${tries - 1})\n`);
    }
  }
}
