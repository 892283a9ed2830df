/**
 * A collector gateway exporting to a Jaeger and a Tempo at once, as the `trace-pipeline` example's
 * sampling tier does (`exportTo: [jaeger, tempo]`), with the real programs on loopback: the
 * generated gateway configurations run by otelcol, a JaegerAllInOne (memory storage) and
 * monolithic Tempos (local storage) from their generated configurations, and traces sent by the
 * OpenTelemetry JS SDK.
 *
 * - `gateway`: OTLP gRPC exporters (the default) to Jaeger and to a single-tenant Tempo;
 * - `gateway-http`: OTLP/HTTP exporters to Jaeger and to a multitenant Tempo, with the header
 *   `X-Scope-OrgID: team-a` on every export.
 *
 * Every trace is read back from Jaeger by ID and from Tempo by ID, span by span (ID, parent, name,
 * service, attributes), and found by a TraceQL search on its service name; the multitenant Tempo
 * shows the traces to team-a only.
 *
 * Tempo is the binary the Tempo tests use (test/_support/tempo.ts): the Tempo 2 build of the
 * cache, rendered with `TempoVersion.TEMPO_2`, or TEMPO_BIN, rendered for its release line.
 */
import { randomBytes } from 'crypto';
import { parse } from 'yaml';
import { JaegerAllInOne, OtelCollector, SpanProtocol, TempoMonolithic, TempoVersion } from '../../constructs';
import { CollectorPorts } from '../../constructs/otel/collector-ports';
import { CollectorDoc, isListenRewrite, StartedCollector, startCollector, startedTogether, StartedJaeger, startJaeger } from '../_support/collector';
import { SdkProtocol, sendTraceWithSdk, SentTrace } from '../_support/otel-sdk';
import { findProgram, JAEGER_VERSION, OTELCOL_VERSION, PROGRAMS, tempDir, waitFor } from '../_support/programs';
import { find, synth, testChart } from '../_support/synth';
import { rendered, StartedTempo, startTempo, tempoInUse, tempoOnLoopback, traceById, traceqlSearch } from '../_support/tempo';

const otelcol = findProgram(PROGRAMS.otelcol);
const jaegerBin = findProgram(PROGRAMS.jaeger);
const tempoBin = tempoInUse();
const VERSIONS: Record<string, TempoVersion> = { 2: TempoVersion.TEMPO_2, 3: TempoVersion.TEMPO_3 };
const version = tempoBin.major === undefined ? undefined : VERSIONS[tempoBin.major];
if (tempoBin.bin && !version) process.stdout.write(`skipping collector -> Jaeger + Tempo tests: TEMPO_BIN is Tempo ${tempoBin.version}, for which there is no rendering\n`);
const describeAll = otelcol && jaegerBin && version ? describe : describe.skip;

/** The tenant `gateway-http` exports as. */
const TENANT = 'team-a';

/** One span as a backend returns it, in the form both backends are compared in. */
interface StoredSpan {
  readonly spanId: string;
  /** The parent's span ID; '' for the root. */
  readonly parent: string;
  readonly name: string;
  readonly service: string;
  /** The attributes the SDK set on the span (others the backend adds are left out). */
  readonly attributes: Record<string, string>;
}

/** What a backend should return for a sent trace, spans by ID. */
function expected(sent: SentTrace): StoredSpan[] {
  return sent.spans
    .map(s => ({ spanId: s.spanId, parent: s.parentSpanId ?? '', name: s.name, service: sent.serviceName, attributes: s.attributes }))
    .sort((a, b) => a.spanId.localeCompare(b.spanId));
}

/** Only the attributes the SDK set, in the order it set them. */
function sentAttributes(sent: SentTrace, spanId: string, stored: Record<string, string>): Record<string, string> {
  const keys = Object.keys(sent.spans.find(s => s.spanId === spanId)?.attributes ?? {});
  return Object.fromEntries(keys.filter(k => k in stored).map(k => [k, stored[k]]));
}

/** The trace as Jaeger's query API returns it (`/api/traces/<id>`); [] when not there. */
async function spansInJaeger(jaeger: StartedJaeger, sent: SentTrace): Promise<StoredSpan[]> {
  const r = await fetch(`http://127.0.0.1:${jaeger.ports.get(16686)}/api/traces/${sent.traceId}`, { signal: AbortSignal.timeout(5000) });
  if (r.status === 404) return [];
  if (!r.ok) throw new Error(`jaeger query answered ${r.status} for trace ${sent.traceId}`);
  interface JaegerSpan { spanID: string; operationName: string; processID: string; references: Array<{ refType: string; spanID: string }>; tags: Array<{ key: string; value: unknown }> }
  const body = await r.json() as { data: Array<{ spans: JaegerSpan[]; processes: Record<string, { serviceName: string }> }> };
  const t = body.data?.[0];
  return (t?.spans ?? []).map(s => ({
    spanId: s.spanID,
    parent: s.references.find(ref => ref.refType === 'CHILD_OF')?.spanID ?? '',
    name: s.operationName,
    service: t.processes[s.processID].serviceName,
    attributes: sentAttributes(sent, s.spanID, Object.fromEntries(s.tags.map(tag => [tag.key, String(tag.value)]))),
  })).sort((a, b) => a.spanId.localeCompare(b.spanId));
}

/** Tempo writes span IDs in base64 (protobuf JSON of bytes fields). */
const hex = (base64: string | undefined) => Buffer.from(base64 ?? '', 'base64').toString('hex');

/** The trace as Tempo's query API returns it by ID (as `tenant`); [] when not there. */
async function spansInTempo(tempo: StartedTempo, sent: SentTrace, tenant?: string): Promise<StoredSpan[]> {
  const text = await traceById(tempo.http, sent.traceId, tenant);
  if (text === undefined) return [];
  type Attribute = { key: string; value: { stringValue?: string } };
  interface TempoSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: Attribute[] }
  const body = JSON.parse(text) as { batches: Array<{ resource: { attributes: Attribute[] }; scopeSpans: Array<{ spans: TempoSpan[] }> }> };
  const attributes = (list: Attribute[] = []) => Object.fromEntries(list.map(a => [a.key, a.value.stringValue ?? JSON.stringify(a.value)]));
  return body.batches.flatMap(b => b.scopeSpans.flatMap(ss => ss.spans.map(s => {
    if (hex(s.traceId) !== sent.traceId) throw new Error(`tempo returned span ${hex(s.spanId)} of trace ${hex(s.traceId)} for ${sent.traceId}`);
    return {
      spanId: hex(s.spanId),
      parent: hex(s.parentSpanId),
      name: s.name,
      service: attributes(b.resource.attributes)['service.name'],
      attributes: sentAttributes(sent, hex(s.spanId), attributes(s.attributes)),
    };
  }))).sort((a, b) => a.spanId.localeCompare(b.spanId));
}

/** Whether a rewrite line only moved a Tempo listen port or a path under /var/tempo (to `<dir>/var-tempo`). */
function isTempoLoopbackRewrite(line: string, dir: string): boolean {
  if (/^\.server\.(http_listen_port: 3200|grpc_listen_port: 9095) -> \d+$/.test(line)) return true;
  const path = /^\S+: \/var\/tempo(\/\S*)? -> (\S+)$/.exec(line);
  return path !== null && path[2] === `${dir}/var-tempo${path[1] ?? ''}`;
}

/** Whether a Tempo answers a query by ID without a tenant: its HTTP status. */
async function statusWithoutTenant(tempo: StartedTempo, traceId: string): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${tempo.http}/api/traces/${traceId}`);
  await r.arrayBuffer();
  return r.status;
}

describeAll(`a collector gateway exporting to Jaeger and Tempo at once (otelcol ${OTELCOL_VERSION}, jaeger ${JAEGER_VERSION}, Tempo ${tempoBin.version ?? ''})`, () => {
  const chart = testChart('backends');
  const jaeger = new JaegerAllInOne(chart, 'jaeger');
  const tempo = new TempoMonolithic(chart, 'tempo', { version });
  const tenantTempo = new TempoMonolithic(chart, 'tempo-tenants', { name: 'tempo-tenants', version, multitenancy: true });
  new OtelCollector(chart, 'gateway', { name: 'gateway', exportTo: [jaeger, tempo] });
  new OtelCollector(chart, 'gateway-http', {
    name: 'gateway-http',
    exportTo: [
      { receiver: jaeger, protocol: SpanProtocol.OTLP_HTTP },
      { receiver: tenantTempo, protocol: SpanProtocol.OTLP_HTTP, headers: { 'X-Scope-OrgID': TENANT } },
    ],
  });
  const objects = synth(chart);
  const configOf = (name: string) => (find(objects, 'ConfigMap', `${name}-config`) as any).data['config.yaml'] as string;

  // The in-cluster addresses the exporters were generated with, from the constructs.
  const jaegerGrpc = jaeger.spanEndpoint(SpanProtocol.OTLP_GRPC).hostPort;
  const jaegerHttp = jaeger.spanEndpoint(SpanProtocol.OTLP_HTTP).url('http');
  const tempoGrpc = tempo.spanEndpoint(SpanProtocol.OTLP_GRPC).hostPort;
  const tenantTempoHttp = tenantTempo.spanEndpoint(SpanProtocol.OTLP_HTTP).url('http');

  const { startAll, stopAll } = startedTogether();
  const run = Math.random().toString(16).slice(2, 8);
  const services = { gateway: `checkout-${run}`, gatewayHttp: `payments-${run}` };
  let jaegerRun: StartedJaeger;
  let tempoRun: StartedTempo;
  let tenantTempoRun: StartedTempo;
  let gateway: StartedCollector;
  let gatewayHttp: StartedCollector;
  let startMs = 0;
  const sent = { gateway: [] as SentTrace[], gatewayHttp: [] as SentTrace[] };
  const took: Record<string, number> = {};

  test('the gateways are generated with one exporter per backend, to the constructs\' in-cluster addresses', () => {
    expect(parse(configOf('gateway')) as CollectorDoc).toMatchObject({
      exporters: { 'otlp/jaeger': { endpoint: 'jaeger.backends.svc:4317' }, 'otlp/tempo': { endpoint: 'tempo.backends.svc:4317' } },
      service: { pipelines: { traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp/jaeger', 'otlp/tempo'] } } },
    });
    expect(parse(configOf('gateway-http')) as CollectorDoc).toMatchObject({
      exporters: {
        'otlphttp/jaeger': { endpoint: 'http://jaeger.backends.svc:4318' },
        'otlphttp/tempo-tenants': { endpoint: 'http://tempo-tenants.backends.svc:4318', headers: { 'X-Scope-OrgID': TENANT } },
      },
      service: { pipelines: { traces: { exporters: ['otlphttp/jaeger', 'otlphttp/tempo-tenants'] } } },
    });
    expect(Object.keys((parse(configOf('gateway-http')) as CollectorDoc).exporters['otlphttp/jaeger'])).not.toContain('headers');
    expect([jaegerGrpc, jaegerHttp, tempoGrpc, tenantTempoHttp])
      .toStrictEqual(['jaeger.backends.svc:4317', 'http://jaeger.backends.svc:4318', 'tempo.backends.svc:4317', 'http://tempo-tenants.backends.svc:4318']);
    expect(tempo.settings.version).toBe(version);
    expect(parse(find(objects, 'ConfigMap', 'tempo-tenants-config').data['tempo.yaml'])).toMatchObject({ multitenancy_enabled: true });
  });

  describe('on loopback', () => {
    beforeAll(async () => {
      const started = Date.now();
      // Tempo's readiness (about 15 s: the ingester joining its ring) dominates: both Tempos start
      // at once, and Jaeger and the gateways while they warm up (the exporters connect lazily;
      // nothing is sent before every program is ready).
      const tempoDirs = [tempDir('backends-tempo'), tempDir('backends-tempo-tenants')];
      const [tempoLoop, tenantLoop] = await Promise.all([
        tempoOnLoopback(rendered('tempo', objects, 'tempo'), tempoDirs[0]),
        tempoOnLoopback(rendered('tempo-tenants', objects, 'tempo-tenants'), tempoDirs[1]),
      ]);
      for (const [loop, dir] of [[tempoLoop, tempoDirs[0]], [tenantLoop, tempoDirs[1]]] as const) {
        // Only listen ports and addresses, and /var/tempo moved to the temporary directory.
        expect(loop.rewrites.filter(line => !isListenRewrite(line) && !isTempoLoopbackRewrite(line, dir))).toStrictEqual([]);
      }
      const tempos = startAll([startTempo(tempoBin.bin!, tempoLoop), startTempo(tempoBin.bin!, tenantLoop)]);
      const rest = (async () => {
        const [j] = await startAll([startJaeger(jaegerBin!, objects, 'jaeger')]);
        const gateways = await startAll([
          startCollector(otelcol!, configOf('gateway'), {
            addresses: { [jaegerGrpc]: `127.0.0.1:${j.ports.get(4317)}`, [tempoGrpc]: `127.0.0.1:${tempoLoop.ports.get(4317)}` },
          }),
          startCollector(otelcol!, configOf('gateway-http'), {
            addresses: { [jaegerHttp]: `http://127.0.0.1:${j.ports.get(4318)}`, [tenantTempoHttp]: `http://127.0.0.1:${tenantLoop.ports.get(4318)}` },
          }),
        ]);
        return [j, ...gateways] as const;
      })();
      const [t, r] = await Promise.allSettled([tempos, rest]);
      if (t.status === 'rejected') throw t.reason;
      if (r.status === 'rejected') throw r.reason;
      [tempoRun, tenantTempoRun] = t.value;
      [jaegerRun, gateway, gatewayHttp] = r.value;
      startMs = Date.now() - started;

      // Only the listen addresses and the exporters' targets changed.
      expect(gateway.rewrites.filter(line => !isListenRewrite(line))).toStrictEqual([
        `.exporters.otlp/jaeger.endpoint: ${jaegerGrpc} -> 127.0.0.1:${jaegerRun.ports.get(4317)}`,
        `.exporters.otlp/tempo.endpoint: ${tempoGrpc} -> 127.0.0.1:${tempoRun.ports.get(4317)}`,
      ]);
      expect(gatewayHttp.rewrites.filter(line => !isListenRewrite(line))).toStrictEqual([
        `.exporters.otlphttp/jaeger.endpoint: ${jaegerHttp} -> http://127.0.0.1:${jaegerRun.ports.get(4318)}`,
        `.exporters.otlphttp/tempo-tenants.endpoint: ${tenantTempoHttp} -> http://127.0.0.1:${tenantTempoRun.ports.get(4318)}`,
      ]);

      // Three traces through each gateway, over both of the SDK's OTLP exporters; each resolves
      // once the gateway acknowledged it. Both gateways at once: Tempo's search sees a trace only
      // once the ingester cut it (after 10 to 20 s), so the waits of the two tests overlap.
      const sendThrough = (c: StartedCollector, service: string) => Promise.all([SdkProtocol.OTLP_GRPC, SdkProtocol.OTLP_HTTP, SdkProtocol.OTLP_GRPC]
        .map(p => sendTraceWithSdk(p, { port: c.ports.get(p === SdkProtocol.OTLP_GRPC ? CollectorPorts.OTLP_GRPC.port : CollectorPorts.OTLP_HTTP.port)! }, service)));
      [sent.gateway, sent.gatewayHttp] = await Promise.all([sendThrough(gateway, services.gateway), sendThrough(gatewayHttp, services.gatewayHttp)]);
    }, 120_000);

    afterAll(async () => {
      await stopAll();
      const spans = (ts: SentTrace[]) => ts.reduce((n, t) => n + t.spans.length, 0);
      process.stdout.write(`collector -> Jaeger + Tempo (otelcol ${OTELCOL_VERSION}, jaeger ${JAEGER_VERSION}, Tempo ${tempoBin.version}): `
        + `gateway (otlp gRPC exporters) ${sent.gateway.length} traces / ${spans(sent.gateway)} spans, `
        + `gateway-http (otlphttp exporters, tenant ${TENANT}) ${sent.gatewayHttp.length} traces / ${spans(sent.gatewayHttp)} spans, `
        + `each found by ID in Jaeger and in Tempo with every span and by TraceQL; `
        + `all programs ready in ${startMs} ms (Tempo ${tempoRun?.readyMs ?? '-'} / ${tenantTempoRun?.readyMs ?? '-'} ms); after sending: ${Object.entries(took).map(([k, v]) => `${k} ${v} ms`).join(', ')}\n`);
    });

    /** Polls until the backend returns every span of each trace; then asserts them span by span. */
    async function expectEverySpan(what: string, traces: SentTrace[], read: (t: SentTrace) => Promise<StoredSpan[]>, deadlineMs: number): Promise<void> {
      const from = Date.now();
      const stored = await Promise.all(traces.map(t => waitFor(`trace ${t.traceId} in ${what}`, async () => {
        const spans = await read(t);
        return spans.length >= t.spans.length ? spans : undefined;
      }, deadlineMs, 200)));
      took[what] = Date.now() - from;
      expect(stored).toStrictEqual(traces.map(expected));
    }

    /** Polls a TraceQL search on the service name until it returns every trace; then asserts it returns exactly those. */
    async function expectFoundByTraceql(what: string, t: StartedTempo, service: string, traces: SentTrace[], tenant?: string): Promise<void> {
      const from = Date.now();
      const query = `{ resource.service.name = "${service}" }`;
      const ids = traces.map(s => s.traceId.replace(/^0+/, '')).sort();
      const found = await waitFor(`TraceQL ${query} in ${what}`, async () => {
        const result = await traceqlSearch(t.http, query, tenant);
        return ids.every(id => result.includes(id)) ? result : undefined;
      }, 60_000, 1000);
      took[`${what} TraceQL`] = Date.now() - from;
      expect([...found].sort()).toStrictEqual(ids);
    }

    test('gateway (OTLP gRPC exporters): every trace is in Jaeger by ID with all its spans, and in Tempo by ID and by TraceQL', async () => {
      await Promise.all([
        expectEverySpan('jaeger (gRPC)', sent.gateway, t => spansInJaeger(jaegerRun, t), 15_000),
        expectEverySpan('tempo (gRPC)', sent.gateway, t => spansInTempo(tempoRun, t), 30_000),
      ]);
      await expectFoundByTraceql('tempo (gRPC)', tempoRun, services.gateway, sent.gateway);
      // The checks can fail: a trace ID never sent is in neither.
      const never = { ...sent.gateway[0], traceId: randomBytes(16).toString('hex') };
      expect(await spansInJaeger(jaegerRun, never)).toStrictEqual([]);
      expect(await spansInTempo(tempoRun, never)).toStrictEqual([]);
    }, 90_000);

    test(`gateway-http (OTLP/HTTP exporters, X-Scope-OrgID ${TENANT}): every trace is in Jaeger, and in the multitenant Tempo for ${TENANT} only`, async () => {
      await Promise.all([
        expectEverySpan('jaeger (HTTP)', sent.gatewayHttp, t => spansInJaeger(jaegerRun, t), 15_000),
        expectEverySpan(`tempo-tenants as ${TENANT}`, sent.gatewayHttp, t => spansInTempo(tenantTempoRun, t, TENANT), 30_000),
      ]);
      await expectFoundByTraceql(`tempo-tenants as ${TENANT}`, tenantTempoRun, services.gatewayHttp, sent.gatewayHttp, TENANT);
      // Another tenant sees none of them, by ID or by search; without a tenant Tempo refuses the query.
      for (const t of sent.gatewayHttp) expect(await spansInTempo(tenantTempoRun, t, 'team-b')).toStrictEqual([]);
      expect(await traceqlSearch(tenantTempoRun.http, `{ resource.service.name = "${services.gatewayHttp}" }`, 'team-b')).toStrictEqual([]);
      expect(await statusWithoutTenant(tenantTempoRun, sent.gatewayHttp[0].traceId)).toBe(401);
      // Each gateway sends only to its own Tempo.
      expect(await spansInTempo(tempoRun, sent.gatewayHttp[0])).toStrictEqual([]);
    }, 90_000);
  });
});
