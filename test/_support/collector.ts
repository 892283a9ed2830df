/**
 * The OpenTelemetry Collector and Jaeger run from generated configurations on loopback, for the
 * end-to-end tests of the collector tiers (test/programs/otelcol.test.ts,
 * test/programs/collector-k8s-resolver.test.ts):
 *
 * - {@link startCollector}: a generated collector configuration with its listen addresses moved to
 *   free loopback ports, started until its health_check answers 200; {@link launchCollector}
 *   without that wait;
 * - {@link startJaeger}: a JaegerAllInOne's generated configuration, memory storage, on loopback;
 *   {@link spanIdsInJaeger} reads a trace back through its query API;
 * - {@link startedTogether}: starts several of them at once and stops every one that started.
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { QUEUE_DIRECTORY } from '../../constructs/otel/collector-pipeline';
import { CollectorPorts } from '../../constructs/otel/collector-ports';
import { rewriteForLoopback } from './loopback';
import { freePort, RunningProgram, tempDir, waitFor } from './programs';
import { find, Manifest } from './synth';

/** A collector configuration document, as far as these tests read it. */
export interface CollectorDoc {
  readonly receivers: Record<string, any>;
  readonly processors: Record<string, any>;
  readonly exporters: Record<string, any>;
  readonly extensions: Record<string, any>;
  readonly service: Record<string, any>;
}

/** How to make a generated collector configuration runnable on loopback. */
export interface LoopbackCollectorOptions {
  /** In-cluster addresses of other components -> their loopback addresses. @default - none (exporters keep their in-cluster targets: they connect lazily) */
  readonly addresses?: Record<string, string>;
  /**
   * Loopback `host:port`s of the sampling instances: a `k8s` load-balancing resolver becomes
   * `static` with these. Not with `kubeconfig`.
   * @default - one closed port
   */
  readonly samplingInstances?: string[];
  /**
   * Path of a kubeconfig for a real API server: a `k8s` load-balancing resolver is then kept exactly
   * as generated, and the collector runs with `KUBECONFIG` set to this path (its k8s client,
   * controller-runtime's `config.GetConfig()`, reads it there).
   * @default - the `k8s` resolver is made `static` (see `samplingInstances`)
   */
  readonly kubeconfig?: string;
  /** Variables added to the collector's environment. @default - none */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The generated configuration made runnable on this machine. `rewriteForLoopback` moves the listen
 * addresses to free loopback ports, the persistent queue's directory (an emptyDir in the pod) to a
 * temporary one, and maps `addresses`. One structural change unless `kubeconfig` is given: a `k8s`
 * load-balancing resolver becomes `static` with `samplingInstances`, because without an API server
 * there are no EndpointSlices of a headless Service to watch; the rest of the exporter is kept as
 * generated.
 */
export async function collectorOnLoopback(yaml: string, opts: LoopbackCollectorOptions = {}) {
  if (opts.kubeconfig !== undefined && opts.samplingInstances !== undefined) {
    throw new Error('collectorOnLoopback: give either kubeconfig (keep the k8s resolver) or samplingInstances (make it static), not both');
  }
  const loopback = await rewriteForLoopback(yaml, { pathPrefixes: { [QUEUE_DIRECTORY]: tempDir('otelcol-queue') }, addresses: opts.addresses });
  const doc = parse(loopback.yaml) as CollectorDoc;
  const lb = doc.exporters.loadbalancing;
  const rewrites = [...loopback.rewrites];
  if (lb?.resolver?.k8s && opts.kubeconfig === undefined) {
    const hostnames = opts.samplingInstances ?? [`127.0.0.1:${await freePort()}`];
    rewrites.push(`.exporters.loadbalancing.resolver: k8s ${JSON.stringify(lb.resolver.k8s)} -> static ${JSON.stringify({ hostnames })}`);
    lb.resolver = { static: { hostnames } };
  }
  return { yaml: stringify(doc, { lineWidth: 0 }), ports: loopback.ports, rewrites };
}

/** A collector started on loopback. */
export interface StartedCollector {
  readonly program: RunningProgram;
  /** Container port -> loopback port. */
  readonly ports: Map<number, number>;
  readonly rewrites: string[];
  /** The configuration it runs, as written to its file. */
  readonly yaml: string;
}

/** GET / on the health_check port: 200 once every component has started. */
export async function healthStatus(port: number): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
  await r.arrayBuffer();
  return r.status;
}

/** Starts the collector with a generated configuration made runnable on loopback, without waiting for it to be ready. */
export async function launchCollector(bin: string, yaml: string, opts: LoopbackCollectorOptions = {}): Promise<StartedCollector> {
  const run = await collectorOnLoopback(yaml, opts);
  const file = join(tempDir('otelcol-run'), 'config.yaml');
  writeFileSync(file, run.yaml);
  const env = { ...opts.env, ...(opts.kubeconfig === undefined ? {} : { KUBECONFIG: opts.kubeconfig }) };
  const program = RunningProgram.start(bin, [`--config=file:${file}`], { env });
  return { program, ports: run.ports, rewrites: run.rewrites, yaml: run.yaml };
}

/** Starts the collector with a generated configuration made runnable on loopback; resolves once health_check answers 200. */
export async function startCollector(bin: string, yaml: string, opts: LoopbackCollectorOptions = {}): Promise<StartedCollector> {
  const collector = await launchCollector(bin, yaml, opts);
  const { program } = collector;
  try {
    await waitFor('the collector health_check to answer 200', async () => {
      if (!program.running) throw new Error('the collector exited');
      return await healthStatus(collector.ports.get(CollectorPorts.HEALTH.port)!) === 200 ? true : undefined;
    }, 15_000);
  } catch (e) {
    await program.stop();
    throw new Error(`${e}\n${program.log}`);
  }
  return collector;
}

/** Whether a rewrite line only moved a listen address (or the metrics reader's host/port) to loopback. */
export const isListenRewrite = (line: string) => /: 0\.0\.0\.0(:\d+)? -> 127\.0\.0\.1(:\d+)?$|\.prometheus\.port: \d+ -> \d+$/.test(line);

/** A Jaeger started on loopback. */
/** A Jaeger started from a generated configuration on loopback. */
export interface StartedJaeger {
  readonly program: RunningProgram;
  /** Container port -> loopback port. */
  readonly ports: Map<number, number>;
  /** The generated configuration and the one run, both parsed. */
  readonly generated: unknown;
  readonly run: unknown;
  /** One line per rewritten value. */
  readonly rewrites: string[];
}

/**
 * Starts Jaeger with a generated configuration rewritten for loopback (addresses, and `paths` such
 * as the sampling file or Badger directories); resolves once `/status` is healthy.
 */
export async function startJaegerConfig(bin: string, configYaml: string, paths: Record<string, string>): Promise<StartedJaeger> {
  const dir = tempDir('jaeger-run');
  const loopback = await rewriteForLoopback(configYaml, { paths });
  writeFileSync(join(dir, 'config.yaml'), loopback.yaml);
  const program = RunningProgram.start(bin, [`--config=file:${join(dir, 'config.yaml')}`]);
  try {
    await waitFor('jaeger /status', async () => {
      if (!program.running) throw new Error('jaeger exited');
      const r = await fetch(`http://127.0.0.1:${loopback.ports.get(13133)}/status`);
      return r.ok ? true : undefined;
    });
  } catch (e) {
    await program.stop();
    throw new Error(`${e}\n${program.log}`);
  }
  return { program, ports: loopback.ports, generated: parse(configYaml), run: parse(loopback.yaml), rewrites: loopback.rewrites };
}

/** Starts a JaegerAllInOne's generated configuration on loopback (memory storage); resolves once /status is healthy. */
export async function startJaeger(bin: string, objects: Manifest[], name: string): Promise<StartedJaeger> {
  const dir = tempDir('jaeger-files');
  const config = (find(objects, 'ConfigMap', `${name}-config`) as any).data['config.yaml'] as string;
  const strategiesPath = parse(config).extensions.remote_sampling.file.path as string;
  writeFileSync(join(dir, 'strategies.json'), (find(objects, 'ConfigMap', `${name}-sampling`) as any).data['strategies.json']);
  return startJaegerConfig(bin, config, { [strategiesPath]: join(dir, 'strategies.json') });
}

/** The span ids Jaeger's query API holds for a trace (none: the trace is not there). */
export async function spanIdsInJaeger(jaeger: StartedJaeger, traceId: string): Promise<string[]> {
  const r = await fetch(`http://127.0.0.1:${jaeger.ports.get(16686)}/api/traces/${traceId}`, { signal: AbortSignal.timeout(5000) });
  if (r.status === 404) return [];
  if (!r.ok) throw new Error(`jaeger query answered ${r.status} for trace ${traceId}`);
  const body = await r.json() as { data: Array<{ spans: Array<{ spanID: string }> }> };
  return (body.data?.[0]?.spans ?? []).map(s => s.spanID).sort();
}

/**
 * Programs started together and stopped together: `startAll` starts them at once and keeps every
 * one that started, even when another failed (then it throws that failure); `stopAll` (in
 * `afterAll`) stops them all.
 */
export function startedTogether() {
  const running: Array<{ program: RunningProgram }> = [];
  return {
    async startAll<T extends { program: RunningProgram }>(starts: Array<Promise<T>>): Promise<T[]> {
      const results = await Promise.allSettled(starts);
      results.forEach(r => { if (r.status === 'fulfilled') running.push(r.value); });
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      return results.map(r => (r as PromiseFulfilledResult<T>).value);
    },
    async stopAll(): Promise<void> {
      await Promise.all(running.map(r => r.program.stop()));
    },
  };
}
