import { randomBytes } from 'crypto';
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { buildApp } from '../../main';
import { rewriteForLoopback } from '../_support/loopback';
import { podTemplateOf } from '../_support/policy';
import { RunningProgram, runProgram, tempDir, waitFor } from '../_support/programs';
import { Manifest } from '../_support/synth';

/**
 * Tempo 3 is not on the Go module mirror this machine can reach, so no Tempo 3 binary is built
 * here: these tests run against the binary named by TEMPO_BIN, when it is a 3.x release, and are
 * skipped otherwise (in CI too) with one printed line.
 */
function tempo3(): string | undefined {
  const bin = process.env.TEMPO_BIN;
  if (!bin) {
    process.stdout.write('skipping Tempo 3 tests: Tempo 3 is not on the Go module mirror; set TEMPO_BIN=<a Tempo 3.x binary> to run them\n');
    return undefined;
  }
  const run = runProgram(bin, ['-version']);
  const version = /version v?(\d+)\.(\d+)\.(\d+)/.exec(`${run.stdout}${run.stderr}`);
  if (!version) throw new Error(`TEMPO_BIN=${bin} does not answer -version: ${run.stdout}${run.stderr}`);
  if (version[1] !== '3') {
    process.stdout.write(`skipping Tempo 3 tests: TEMPO_BIN is Tempo ${version.slice(1).join('.')}\n`);
    return undefined;
  }
  return bin;
}

const bin = tempo3();
const describeTempo = bin ? describe : describe.skip;

interface TempoPod { readonly name: string; readonly args: string[]; readonly configMap: string; readonly overridesMap?: string; readonly namespace: string }

const objects: Manifest[] = buildApp().charts.flatMap(c => c.toJson() as Manifest[]);
const configMaps = new Map(objects.filter(o => o.kind === 'ConfigMap').map(o => [`${o.metadata.namespace}/${o.metadata.name}`, (o as any).data as Record<string, string>]));

/** Every Tempo container of the example stacks, with the arguments it runs with. */
const tempoPods: TempoPod[] = objects.flatMap(o => {
  const pod = podTemplateOf(o);
  const container = pod?.spec?.containers?.find((c: any) => String(c.image).startsWith('grafana/tempo:'));
  if (!container) return [];
  const volumes: any[] = pod!.spec.volumes ?? [];
  return [{
    name: `${o.metadata.namespace}/${o.kind}/${o.metadata.name}`,
    args: container.args,
    namespace: o.metadata.namespace!,
    configMap: volumes.find(v => v.name === 'config').configMap.name,
    overridesMap: volumes.find(v => v.name === 'overrides')?.configMap.name,
  }];
});

/** The pod's configuration and overrides written to a directory, the arguments pointed at them. */
function materialize(pod: TempoPod, dir: string, configYaml?: string): string[] {
  const config = configYaml ?? configMaps.get(`${pod.namespace}/${pod.configMap}`)!['tempo.yaml'];
  let text = config;
  if (pod.overridesMap) {
    writeFileSync(join(dir, 'overrides.yaml'), configMaps.get(`${pod.namespace}/${pod.overridesMap}`)!['overrides.yaml']);
    text = text.replace('/etc/tempo/overrides/overrides.yaml', join(dir, 'overrides.yaml'));
  }
  writeFileSync(join(dir, 'tempo.yaml'), text);
  return pod.args.map(a => a.replace(/^-config\.file=.*$/, `-config.file=${join(dir, 'tempo.yaml')}`));
}

describeTempo('Tempo 3, the real binary (TEMPO_BIN)', () => {
  test('the example stacks run Tempo in monolithic mode and as every microservice', () => {
    const targets = tempoPods.map(p => p.args.find(a => a.startsWith('-target='))?.slice(8) ?? 'all');
    expect([...new Set(targets)].sort()).toStrictEqual([
      'all', 'backend-scheduler', 'backend-worker', 'block-builder', 'distributor', 'live-store', 'metrics-generator', 'querier', 'query-frontend',
    ]);
    process.stdout.write(`Tempo containers checked with ${bin}: ${tempoPods.length}\n`);
  });

  test.each(tempoPods)('$name: -config.verify accepts its configuration with its own arguments', pod => {
    const args = materialize(pod, tempDir('tempo-verify'));
    const run = runProgram(bin!, [...args, '-config.verify=true'], { env: { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' } });
    expect({ status: run.status, output: run.status === 0 ? '' : `${run.stdout}${run.stderr}`.slice(-2000) }).toStrictEqual({ status: 0, output: '' });
  });

  test('-config.verify rejects a key Tempo 3 does not know (the check can fail)', () => {
    const pod = tempoPods.find(p => p.name.includes('tempo-dev'))!;
    const broken = configMaps.get(`${pod.namespace}/${pod.configMap}`)!['tempo.yaml'].replace('live_store:', 'ingester:\n  bogus: 1\nlive_store:');
    const run = runProgram(bin!, [...materialize(pod, tempDir('tempo-verify'), broken), '-config.verify=true']);
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/field ingester not found/);
  });

  describe('the monolithic example, run on loopback', () => {
    let program: RunningProgram | undefined;
    let ports: Map<number, number>;

    beforeAll(async () => {
      const pod = tempoPods.find(p => p.name.includes('tempo-dev'))!;
      const dir = tempDir('tempo-mono');
      mkdirSync(join(dir, 'var-tempo'));
      const loopback = await rewriteForLoopback(configMaps.get(`${pod.namespace}/${pod.configMap}`)!['tempo.yaml'], {
        pathPrefixes: { '/var/tempo': join(dir, 'var-tempo') },
        portKeys: ['http_listen_port', 'grpc_listen_port'],
      });
      ports = loopback.ports;
      process.stdout.write(`tempo configuration rewritten for loopback (addresses and paths only):\n  ${loopback.rewrites.join('\n  ')}\n`);
      program = RunningProgram.start(bin!, materialize(pod, dir, loopback.yaml));
      await waitFor('tempo /ready', async () => {
        if (!program!.running) throw new Error('tempo exited');
        const r = await fetch(`http://127.0.0.1:${ports.get(3200)}/ready`);
        return r.ok ? true : undefined;
      }, 60_000).catch(async e => {
        await program?.stop(1000);
        throw new Error(`${e}\n${program?.log}`);
      });
    }, 90_000);

    afterAll(async () => {
      // Tempo can take long to stop on SIGTERM: give it a few seconds, then SIGKILL.
      await program?.stop(5000);
    });

    test('a span sent over OTLP/HTTP is found by trace ID and by TraceQL search', async () => {
      const traceId = randomBytes(16).toString('hex');
      const now = BigInt(Date.now()) * 1_000_000n;
      const body = {
        resourceSpans: [{
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
          scopeSpans: [{ scope: { name: 'test' }, spans: [{ traceId, spanId: randomBytes(8).toString('hex'), name: 'GET /cart', kind: 2, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_500_000_000n) }] }],
        }],
      };
      const sent = await fetch(`http://127.0.0.1:${ports.get(4318)}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(sent.status).toBe(200);
      const trace = await waitFor(`trace ${traceId}`, async () => {
        const r = await fetch(`http://127.0.0.1:${ports.get(3200)}/api/v2/traces/${traceId}`, { headers: { accept: 'application/json' } });
        return r.ok ? await r.text() : undefined;
      }, 30_000);
      expect(trace).toContain('GET /cart');
      // Search ignores the last 30 s (query_end_cutoff): poll for up to a minute.
      const q = encodeURIComponent('{ resource.service.name = "checkout" && duration >= 1s }');
      const found = await waitFor('TraceQL search', async () => {
        const r = await fetch(`http://127.0.0.1:${ports.get(3200)}/api/search?q=${q}&start=${Math.floor(Date.now() / 1000) - 600}&end=${Math.floor(Date.now() / 1000) + 60}`);
        if (!r.ok) return undefined;
        const result = parse(await r.text()) as { traces?: Array<{ traceID: string }> };
        return result.traces?.find(t => t.traceID.replace(/^0+/, '') === traceId.replace(/^0+/, '')) ? true : undefined;
      }, 75_000, 2000);
      expect(found).toBe(true);
    }, 120_000);
  });
});
