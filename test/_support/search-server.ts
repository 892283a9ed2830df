/**
 * Real search servers on loopback for tests: OpenSearch 2.19.6, Elasticsearch 7.17.29 and
 * Elasticsearch 8.19.21, single nodes with plain HTTP and no security plugin, built from Maven
 * Central by `scripts/programs/search-servers.sh` (or any launcher given in `OPENSEARCH_BIN`,
 * `ELASTICSEARCH7_BIN`, `ELASTICSEARCH8_BIN` that takes the same arguments). Each takes 300-450 MB
 * and 10-35 s to start: start one per test file (in `beforeAll`), not per test.
 *
 * ```ts
 * const [describeOs, osBin] = describeWithProgram(SEARCH_SERVERS.opensearch);
 * describeOs('over OpenSearch', () => {
 *   let server: SearchServer;
 *   beforeAll(async () => { server = await startSearchServer(SEARCH_SERVERS.opensearch, osBin); }, SEARCH_SERVER_START_MS);
 *   afterAll(() => server?.stop(), SEARCH_SERVER_STOP_MS);
 *   test('...', async () => {
 *     // server.url is http://127.0.0.1:<port>; point Jaeger's server_urls at it
 *     await server.stop();  // SIGTERM; the data directory is kept
 *     await server.start(); // same ports, same data; resolves once the cluster is at least yellow
 *     const health = await server.call('GET', '/_cluster/health');
 *   });
 * });
 * ```
 */
import { SearchEngine } from '../../constructs';
import { freePort, ProgramSpec, RunningProgram, tempDir } from './programs';

/** A search server the suite builds. */
export interface SearchServerSpec extends ProgramSpec {
  /** What the constructs call it. */
  readonly engine: SearchEngine;
  /** Its version, as `GET /` reports it. */
  readonly version: string;
  /** Name for messages and test titles (`OpenSearch 2.19.6`). */
  readonly title: string;
}

const SCRIPT = 'scripts/programs/search-servers.sh';

/** The search servers `scripts/programs/search-servers.sh` builds; with `describeWithProgram(spec)` their tests skip locally (one line) or fail in CI when one is missing. */
export const SEARCH_SERVERS = {
  opensearch: { binary: 'search-server', folder: 'opensearch-2.19.6', envVar: 'OPENSEARCH_BIN', script: SCRIPT, engine: SearchEngine.OPENSEARCH, version: '2.19.6', title: 'OpenSearch 2.19.6' },
  elasticsearch7: { binary: 'search-server', folder: 'elasticsearch7-7.17.29', envVar: 'ELASTICSEARCH7_BIN', script: SCRIPT, engine: SearchEngine.ELASTICSEARCH, version: '7.17.29', title: 'Elasticsearch 7.17.29' },
  elasticsearch8: { binary: 'search-server', folder: 'elasticsearch8-8.19.21', envVar: 'ELASTICSEARCH8_BIN', script: SCRIPT, engine: SearchEngine.ELASTICSEARCH, version: '8.19.21', title: 'Elasticsearch 8.19.21' },
} as const satisfies Record<string, SearchServerSpec>;

/** A Jest timeout for `beforeAll` that starts one search server (a slow start on a busy machine included). */
export const SEARCH_SERVER_START_MS = 180_000;
/** A Jest timeout for `afterAll` that stops one. */
export const SEARCH_SERVER_STOP_MS = 30_000;

/** A running (or stopped, to be started again) search server. */
export interface SearchServer {
  readonly spec: SearchServerSpec;
  /** `http://127.0.0.1:<port>`; the same across restarts. */
  readonly url: string;
  /** The HTTP port. */
  readonly port: number;
  /** Its directory: `data/` (kept across restarts) and `logs/`. */
  readonly dir: string;
  /** Whether the process is running. */
  readonly running: boolean;
  /** How long the last start took until the cluster was at least yellow, in ms. */
  readonly lastStartMs: number;
  /** What the process printed in its current (or last) run: the last 4000 characters. */
  readonly log: string;
  /** Sends a request with a JSON body (if any); resolves with the parsed JSON answer, throws on an HTTP error. */
  call<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  /** SIGTERM, then SIGKILL after 20 s; resolves when the process is gone. The data stays. Does nothing when stopped. */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown at all; resolves when the process is gone. */
  kill(): Promise<void>;
  /** Starts the stopped server again on the same ports and data; resolves once it is ready (see {@link startSearchServer}). */
  start(): Promise<void>;
}

/** How to start a search server. */
export interface SearchServerOptions {
  /** How long a start may take until the cluster is at least yellow. @default 150 s */
  readonly deadlineMs?: number;
}

/**
 * Starts the search server of `spec` with launcher `bin` (from `describeWithProgram(spec)`) on free
 * loopback ports (HTTP and transport) in a fresh directory. Resolves once `GET /` reports
 * `spec.version` and the cluster health is at least yellow (after a restart, once the existing
 * indices' primaries are assigned); rejects with the server's output when it exits or the
 * deadline passes, and stops it then.
 */
export async function startSearchServer(spec: SearchServerSpec, bin: string, opts: SearchServerOptions = {}): Promise<SearchServer> {
  const dir = tempDir(spec.folder);
  const port = await freePort();
  const transportPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const deadlineMs = opts.deadlineMs ?? 150_000;
  let program: RunningProgram | undefined;
  let lastStartMs = 0;

  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${spec.title}: ${method} ${path} answered ${r.status}: ${text.slice(0, 1000)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };

  const start = async (): Promise<void> => {
    if (program?.running) throw new Error(`${spec.title} on ${url} is already running`);
    const begin = Date.now();
    const run = RunningProgram.start(bin, ['--http-port', String(port), '--transport-port', String(transportPort), '--dir', dir]);
    program = run;
    let failure: string | undefined;
    for (;;) {
      if (!run.running) {
        failure = `${spec.title} exited`;
        break;
      }
      if (Date.now() - begin > deadlineMs) {
        failure = `${spec.title} was not ready on ${url} within ${deadlineMs} ms`;
        break;
      }
      const root = await call<{ version?: { number?: string } }>('GET', '/').catch(() => undefined);
      if (root) {
        if (root.version?.number !== spec.version) {
          failure = `${url} answered version ${root.version?.number}, expected ${spec.version} (another server on the port?)`;
          break;
        }
        const health = await call<{ status: string }>('GET', '/_cluster/health?wait_for_status=yellow&timeout=5s').catch(() => undefined);
        if (health && health.status !== 'red') {
          lastStartMs = Date.now() - begin;
          return;
        }
      }
      await new Promise(r => setTimeout(r, 250));
    }
    await run.stop(5000);
    throw new Error(`${failure}\n${run.log}`);
  };

  await start();
  return {
    spec,
    url,
    port,
    dir,
    get running() { return program?.running ?? false; },
    get lastStartMs() { return lastStartMs; },
    get log() { return program?.log ?? ''; },
    call,
    stop: async () => { await program?.stop(20_000); },
    kill: async () => {
      if (!program?.running) return;
      await program.kill();
    },
    start,
  };
}
