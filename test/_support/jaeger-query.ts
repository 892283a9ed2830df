/**
 * Jaeger's query API (`/api/traces`, JSON) as the program tests read traces back, and a steady
 * stream of traces sent with the OpenTelemetry JS SDK to count through it:
 *
 * - {@link QueriedTrace}: a trace as the query returns it;
 * - {@link Sender}: two-span traces sent one after another until stopped, keeping what was
 *   acknowledged;
 * - {@link spanCounts}, {@link completeTraces} and {@link waitCompleteTraces}: which of those
 *   traces the query returns with both spans.
 */
import { LoopbackProcess } from './loopback-process';
import { SdkProtocol, sendTraceWithSdk } from './otel-sdk';
import { waitFor } from './programs';

/** A span as the query API returns it, as far as the tests read it. */
export interface QueriedSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  /** Microseconds. */
  duration: number;
  processID: string;
  references?: Array<{ refType: string; spanID: string }>;
  tags: Array<{ key: string; value: unknown }>;
}

/** A trace as the query API returns it (`data[0]` of `/api/traces/<id>`). */
export interface QueriedTrace { traceID: string; spans: QueriedSpan[]; processes: Record<string, { serviceName: string }> }

/** One acknowledged trace: both span exports answered with success. */
export interface Acked {
  readonly traceId: string;
  /** `Date.now()` when the second export was acknowledged. */
  readonly at: number;
}

/** The trace IDs of acknowledged traces. */
export const traceIds = (traces: readonly Acked[]) => traces.map(t => t.traceId);

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/**
 * Sends two-span traces through the JS SDK over OTLP/HTTP to `127.0.0.1:<port>`, one after
 * another with `pauseMs` between them, until stopped; keeps what was acknowledged.
 */
export class Sender {
  public readonly acked: Acked[] = [];
  /** Traces whose sending began. */
  public sent = 0;
  /** Traces with an export that failed or timed out. */
  public failed = 0;
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(port: number, service: string, pauseMs = 20) {
    this.loop = (async () => {
      while (!this.stopped) {
        this.sent++;
        try {
          const trace = await sendTraceWithSdk(SdkProtocol.OTLP_HTTP, { port }, service);
          this.acked.push({ traceId: trace.traceId, at: Date.now() });
        } catch {
          this.failed++;
        }
        await sleep(pauseMs);
      }
    })();
  }

  /** Stops sending; resolves with what was acknowledged. */
  public async stop(): Promise<Acked[]> {
    this.stopped = true;
    await this.loop;
    return this.acked;
  }
}

/** How many spans the query on `queryPort` returns for each of `ids` (0 when it does not know the trace), 25 requests at a time. */
export async function spanCounts(queryPort: number, ids: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < ids.length; i += 25) {
    await Promise.all(ids.slice(i, i + 25).map(async id => {
      const r = await fetch(`http://127.0.0.1:${queryPort}/api/traces/${id}`);
      const body = r.ok ? await r.json() as { data?: Array<{ spans: unknown[] }> } : await r.text().then(() => ({ data: [] }));
      counts.set(id, body.data?.[0]?.spans.length ?? 0);
    }));
  }
  return counts;
}

/** The trace IDs among `ids` that the query returns with both spans. */
export async function completeTraces(queryPort: number, ids: readonly string[]): Promise<Set<string>> {
  const counts = await spanCounts(queryPort, ids);
  return new Set(ids.filter(id => (counts.get(id) ?? 0) >= 2));
}

/**
 * Polls the query every `pollMs` until it returns both spans of every one of `ids`; resolves with
 * how long that took, or rejects with `what` (the wait's name), the missing ones and the log of
 * each of `processes`.
 */
export async function waitCompleteTraces(queryPort: number, what: string, ids: readonly string[], deadlineMs: number, pollMs: number,
  processes: Record<string, LoopbackProcess | undefined>): Promise<number> {
  const start = Date.now();
  const missing = new Set(ids);
  try {
    await waitFor(what, async () => {
      const found = await completeTraces(queryPort, [...missing]);
      found.forEach(id => missing.delete(id));
      return missing.size === 0 ? true : undefined;
    }, deadlineMs, pollMs);
  } catch (e) {
    const logs = Object.entries(processes).map(([name, p]) => `--- ${name} ---\n${p?.log}`).join('\n');
    throw new Error(`${e}; ${missing.size} of ${ids.length} missing: ${[...missing].slice(0, 5).join(', ')}...\n${logs}`);
  }
  return Date.now() - start;
}
