/**
 * Tempo run from its generated configuration on loopback, for the end-to-end tests
 * (test/programs/tempo.test.ts, test/programs/collector-backends.test.ts):
 *
 * - {@link tempoInUse}: the Tempo binary (TEMPO_BIN, else the Tempo 2 that
 *   scripts/programs/tempo.sh builds) and its release line, from `-version`;
 * - {@link renderedWorkload} / {@link rendered}: a Tempo container's tempo.yaml, overrides file,
 *   arguments and env names, as the synthesized objects give them; {@link materialize} writes the
 *   files and points the arguments at them; {@link tempoOnLoopback} first moves the listen
 *   addresses and ports to free loopback ports and `/var/tempo` to a temporary directory;
 * - {@link startTempo}: runs that until `/ready` answers;
 * - {@link sendSpan}: one span over OTLP/HTTP JSON, answering the HTTP status;
 * - {@link traceById}, {@link traceqlFinds}, {@link searchFinds}: read a trace back through the
 *   query API (optionally as a tenant, `X-Scope-OrgID`).
 */
import { randomBytes } from 'crypto';
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { TEMPO_2_VERSION } from '../../constructs/tempo/tempo-version';
import { rewriteForLoopback, Rewrites } from './loopback';
import { podTemplateOf } from './policy';
import { findProgram, ProgramSpec, RunningProgram, runProgram, waitFor } from './programs';
import { Manifest } from './synth';

/**
 * The Tempo 2 build of scripts/programs/tempo.sh (Tempo 3 is not on the Go module mirror this
 * machine can reach: the newest Tempo there is a pre-release of 2.8); TEMPO_BIN overrides it with
 * a 2.x or 3.x build.
 */
export const TEMPO2_PROGRAM: ProgramSpec = { binary: 'tempo', folder: `tempo-${TEMPO_2_VERSION}`, envVar: 'TEMPO_BIN', script: 'scripts/programs/tempo.sh' };

/**
 * The Tempo binary in use and its release line (`-version`): TEMPO_BIN when set, else the Tempo 2
 * of the cache. Empty when there is none (throws in CI, like {@link findProgram}).
 */
export function tempoInUse(): { bin?: string; major?: string; version?: string } {
  const bin = findProgram(TEMPO2_PROGRAM);
  if (!bin) return {};
  const run = runProgram(bin, ['-version']);
  const version = /version v?(\d+)\.(\d+)\.(\d+)\S*/.exec(`${run.stdout}${run.stderr}`);
  if (!version) throw new Error(`${bin} does not answer -version: ${run.stdout}${run.stderr}`);
  return { bin, major: version[1], version: version[0].replace(/^version v?/, '') };
}

/** A rendered Tempo container: its tempo.yaml, its overrides file, its arguments and env names. */
export interface Rendered { readonly name: string; readonly config: string; readonly overrides?: string; readonly args: string[]; readonly env: string[] }

/** The Tempo container of `workload`: its tempo.yaml, overrides file, arguments and env names. */
export function renderedWorkload(name: string, workload: Manifest, objects: Manifest[]): Rendered {
  const pod = podTemplateOf(workload)!;
  const container = pod.spec.containers[0];
  const volumes: any[] = pod.spec.volumes ?? [];
  const data = (cm: string, key: string) => (objects.find(o => o.kind === 'ConfigMap' && o.metadata.name === cm) as any).data[key] as string;
  const overridesMap = volumes.find(v => v.name === 'overrides')?.configMap.name;
  return {
    name,
    config: data(volumes.find(v => v.name === 'config').configMap.name, 'tempo.yaml'),
    overrides: overridesMap ? data(overridesMap, 'overrides.yaml') : undefined,
    args: container.args,
    env: (container.env ?? []).map((e: any) => e.name),
  };
}

/** A rendered monolithic Tempo (the StatefulSet among `objects`, or the one named `statefulSet`). */
export function rendered(name: string, objects: Manifest[], statefulSet?: string): Rendered {
  return renderedWorkload(name, objects.find(o => o.kind === 'StatefulSet' && (statefulSet === undefined || o.metadata.name === statefulSet))!, objects);
}

/** Writes the files into `dir` and returns the container's arguments pointed at them. */
export function materialize(r: Rendered, dir: string, configYaml = r.config): string[] {
  let text = configYaml;
  if (r.overrides) {
    writeFileSync(join(dir, 'overrides.yaml'), r.overrides);
    text = text.replace('/etc/tempo/overrides/overrides.yaml', join(dir, 'overrides.yaml'));
  }
  writeFileSync(join(dir, 'tempo.yaml'), text);
  return r.args.map(a => a.replace(/^-config\.file=.*$/, `-config.file=${join(dir, 'tempo.yaml')}`));
}

/** A rendered Tempo made runnable on loopback: its arguments, its ports and what was rewritten. */
export interface TempoOnLoopback {
  /** The container's arguments, pointed at the rewritten files. */
  readonly args: string[];
  /** Loopback port of the HTTP API (3200). */
  readonly http: number;
  /** Loopback port of the OTLP/HTTP receiver (4318). */
  readonly otlp: number;
  /** Container port -> loopback port. */
  readonly ports: Map<number, number>;
  /** One line per change (addresses and paths only). */
  readonly rewrites: Rewrites;
}

/** Writes a rendered configuration into `dir` made runnable on loopback: free ports, `/var/tempo` in `dir`. */
export async function tempoOnLoopback(r: Rendered, dir: string): Promise<TempoOnLoopback> {
  mkdirSync(join(dir, 'var-tempo'), { recursive: true });
  const lb = await rewriteForLoopback(r.config, { pathPrefixes: { '/var/tempo': join(dir, 'var-tempo') }, portKeys: ['http_listen_port', 'grpc_listen_port'] });
  return { args: materialize(r, dir, lb.yaml), http: lb.ports.get(3200)!, otlp: lb.ports.get(4318)!, ports: lb.ports, rewrites: lb.rewrites };
}

/** A Tempo started on loopback. */
export interface StartedTempo extends TempoOnLoopback {
  readonly program: RunningProgram;
  /** Milliseconds from the start until `/ready` answered. */
  readonly readyMs: number;
}

/** Starts Tempo with a configuration made runnable by {@link tempoOnLoopback}; resolves once `/ready` answers 200. */
export async function startTempo(bin: string, loop: TempoOnLoopback, env: NodeJS.ProcessEnv = {}): Promise<StartedTempo> {
  const startedAt = Date.now();
  const program = RunningProgram.start(bin, loop.args, { env });
  try {
    await waitFor('tempo /ready', async () => {
      if (!program.running) throw new Error('tempo exited');
      const res = await fetch(`http://127.0.0.1:${loop.http}/ready`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return res.ok ? true : undefined;
    }, 90_000, 200);
  } catch (e) {
    await program.stop();
    throw new Error(`${e}\n${program.log}`);
  }
  return { ...loop, program, readyMs: Date.now() - startedAt };
}

/** The tenant header of a query (none: Tempo without multitenancy). */
const tenantHeader = (tenant?: string): Record<string, string> => (tenant === undefined ? {} : { 'X-Scope-OrgID': tenant });

/** The trace by ID (`/api/traces/<id>`, Tempo 2's v1 API), as text, or undefined when not found. */
export async function traceById(port: number, traceId: string, tenant?: string): Promise<string | undefined> {
  const r = await fetch(`http://127.0.0.1:${port}/api/traces/${traceId}`, { headers: { accept: 'application/json', ...tenantHeader(tenant) } });
  return r.ok ? r.text() : undefined;
}

/** The trace IDs a TraceQL search over the last ten minutes returns (leading zeros stripped, as Tempo writes them). */
export async function traceqlSearch(port: number, query: string, tenant?: string): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  const r = await fetch(`http://127.0.0.1:${port}/api/search?q=${encodeURIComponent(query)}&start=${now - 600}&end=${now + 60}&limit=100`, { headers: tenantHeader(tenant) });
  if (!r.ok) throw new Error(`tempo search answered ${r.status}: ${await r.text()}`);
  const result = parse(await r.text()) as { traces?: Array<{ traceID: string }> };
  return (result.traces ?? []).map(t => t.traceID.replace(/^0+/, ''));
}

/** Whether a TraceQL search finds the trace (polling; search sees new data about a second late). */
export async function traceqlFinds(port: number, query: string, traceId: string, tenant?: string, deadlineMs = 60_000): Promise<boolean> {
  return waitFor(`TraceQL search ${query} for ${traceId}`, async () => {
    const found = await traceqlSearch(port, query, tenant);
    return found.includes(traceId.replace(/^0+/, '')) ? true : undefined;
  }, deadlineMs, 1000);
}

/** Whether the TraceQL search for `service`'s spans of at least a second finds the trace (polling). */
export async function searchFinds(port: number, traceId: string, service: string): Promise<boolean> {
  return traceqlFinds(port, `{ resource.service.name = "${service}" && duration >= 1s }`, traceId);
}

/** Sends one span over OTLP/HTTP JSON; resolves to the HTTP status (0 when the connection failed). */
export async function sendSpan(port: number, traceId: string, service: string, name: string): Promise<number> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{ scope: { name: 'test' }, spans: [{ traceId, spanId: randomBytes(8).toString('hex'), name, kind: 2, startTimeUnixNano: String(now - 1_500_000_000n), endTimeUnixNano: String(now) }] }],
    }],
  };
  try {
    const r = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
    await r.arrayBuffer();
    return r.status;
  } catch {
    return 0;
  }
}

/** Posts one OTLP/HTTP span whose span ID is all zeros, which Tempo discards; the answer's status. */
export async function postInvalidSpan(port: number): Promise<number> {
  const now = Date.now() * 1_000_000;
  const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'invalid' } }] }, scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '0000000000000000', name: 'invalid', kind: 2, startTimeUnixNano: String(now - 1e6), endTimeUnixNano: String(now) }] }] }] };
  const r = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await r.arrayBuffer();
  return r.status;
}
