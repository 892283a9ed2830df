/**
 * Real upstream programs in tests: finding their binaries, starting them on loopback with free
 * ports and temporary directories, and always stopping what was started.
 *
 * Binaries come from the cache that `scripts/programs/<program>.sh` fills
 * (`$CDK8S_TRACING_CACHE`, default `~/.cache/cdk8s-tracing`), or from an environment variable
 * (`JAEGER_BIN`, ...) that points at another build. With `CI=true` a missing program fails the
 * suite; locally its tests are skipped with one printed line saying how to enable them.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync } from 'fs';
import { createServer } from 'net';
import { homedir, tmpdir } from 'os';
import { join } from 'path';

/** A program the suite knows how to build. */
export interface ProgramSpec {
  /** Binary name inside the cache folder. */
  readonly binary: string;
  /** Cache folder name (`<program>-<version>`). */
  readonly folder: string;
  /** Environment variable that overrides the binary. */
  readonly envVar?: string;
  /** Script that builds it. */
  readonly script: string;
}

export const JAEGER_VERSION = '2.13.0';
export const OTELCOL_VERSION = '0.140.1';
/** The OpenTelemetry Java SDK of the java-sampler probe (scripts/programs/java-sampler.sh). */
export const JAVA_SDK_VERSION = '1.65.0';
/** Prometheus and promtool (scripts/programs/prometheus.sh; module github.com/prometheus/prometheus v0.316.0). */
export const PROMETHEUS_VERSION = '3.16.0';

export const PROGRAMS = {
  jaeger: { binary: 'jaeger', folder: `jaeger-${JAEGER_VERSION}`, envVar: 'JAEGER_BIN', script: 'scripts/programs/jaeger.sh' },
  esIndexCleaner: { binary: 'es-index-cleaner', folder: `jaeger-${JAEGER_VERSION}`, envVar: 'JAEGER_ES_INDEX_CLEANER_BIN', script: 'scripts/programs/jaeger.sh' },
  esRollover: { binary: 'es-rollover', folder: `jaeger-${JAEGER_VERSION}`, envVar: 'JAEGER_ES_ROLLOVER_BIN', script: 'scripts/programs/jaeger.sh' },
  otelcol: { binary: 'otelcol', folder: `otelcol-${OTELCOL_VERSION}`, envVar: 'OTELCOL_BIN', script: 'scripts/programs/otelcol.sh' },
  sdkSampler: { binary: 'sdk-sampler', folder: 'sdk-sampler-0.38.0', envVar: 'SDK_SAMPLER_BIN', script: 'scripts/programs/sdk-sampler.sh' },
  javaSampler: { binary: 'java-sampler', folder: `java-sampler-${JAVA_SDK_VERSION}`, envVar: 'JAVA_SAMPLER_BIN', script: 'scripts/programs/java-sampler.sh' },
  prometheus: { binary: 'prometheus', folder: `prometheus-${PROMETHEUS_VERSION}`, envVar: 'PROMETHEUS_BIN', script: 'scripts/programs/prometheus.sh' },
  promtool: { binary: 'promtool', folder: `prometheus-${PROMETHEUS_VERSION}`, envVar: 'PROMTOOL_BIN', script: 'scripts/programs/prometheus.sh' },
} as const satisfies Record<string, ProgramSpec>;

/** The cache folder of built programs. */
export function programCache(): string {
  return process.env.CDK8S_TRACING_CACHE ?? join(homedir(), '.cache', 'cdk8s-tracing');
}

/** The binary of a program, or undefined when it is not there (throws in CI). */
export function findProgram(spec: ProgramSpec): string | undefined {
  const fromEnv = spec.envVar ? process.env[spec.envVar] : undefined;
  const path = fromEnv || join(programCache(), spec.folder, spec.binary);
  if (existsSync(path)) return path;
  const hint = fromEnv
    ? `${spec.envVar}=${fromEnv} does not exist`
    : `${path} is missing: run \`bash ${spec.script}\` (or set ${spec.envVar})`;
  if (process.env.CI === 'true') throw new Error(`real-program tests are required in CI: ${hint}`);
  process.stdout.write(`skipping ${spec.binary} tests: ${hint}\n`);
  return undefined;
}

/** `describe` with the binary when the program is there, `describe.skip` (one printed line) when not. */
export function describeWithProgram(spec: ProgramSpec): [jest.Describe, string] {
  const bin = findProgram(spec);
  return bin ? [describe, bin] : [describe.skip, ''];
}

/** Runs a program to completion. */
export function runProgram(bin: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  return spawnSync(bin, args, { encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000, env: { ...process.env, ...(opts.env ?? {}) } });
}

const handedOut = new Set<number>();

/**
 * A free port on 127.0.0.1 below the kernel's ephemeral range (`ip_local_port_range`), from a
 * block of 2000 ports of its own per Jest worker. A port of the ephemeral range (what listening
 * on port 0 gives) may be taken by any outgoing connection before the program binds it, or while
 * a stopped program is down before its restart; ports below that range are only ever handed out
 * here, once per process.
 */
export async function freePort(): Promise<number> {
  const range = existsSync(EPHEMERAL_RANGE) ? readFileSync(EPHEMERAL_RANGE, 'utf8').trim().split(/\s+/).map(Number) : [32768];
  const worker = Number(process.env.JEST_WORKER_ID ?? '1');
  const low = 10_000 + ((worker - 1) * 2000) % Math.max(2000, range[0] - 12_000);
  const size = Math.min(2000, range[0] - low);
  // A random start, so that two test runs at once are unlikely to walk the same ports.
  const start = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i++) {
    const port = low + (start + i) % size;
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${low}..${low + size - 1} below the ephemeral range ${range.join('-')}`);
}

const EPHEMERAL_RANGE = '/proc/sys/net/ipv4/ip_local_port_range';

function canListen(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A fresh temporary directory. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, deadlineMs = 20_000, everyMs = 100): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    await new Promise(r => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** A started program: its output is kept for failure messages; `stop()` always ends it. */
export class RunningProgram {
  /** Starts `bin` with `args`. */
  public static start(bin: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunningProgram {
    return new RunningProgram(spawn(bin, args, { cwd: opts.cwd, env: { ...process.env, ...(opts.env ?? {}) }, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  private output = '';
  private exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', d => { this.output += String(d); });
    child.stderr?.on('data', d => { this.output += String(d); });
    this.exited = new Promise(resolve => child.once('exit', code => resolve(code)));
  }

  /** What the program printed so far (the last 4000 characters). */
  public get log(): string {
    return this.output.slice(-4000);
  }

  /** Whether it is still running. */
  public get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  public async stop(graceMs = 5000): Promise<void> {
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
