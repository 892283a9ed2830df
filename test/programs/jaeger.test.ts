import { spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { Chart, Size, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { buildApp } from '../../main';
import {
  ElasticsearchStorage, JaegerAllInOne, JaegerCollector, JaegerQuery, SearchEngine, TraceStorage,
} from '../../constructs';
import { rewriteForLoopback } from '../_support/loopback';
import { describeWithProgram, freePort, PROGRAMS, RunningProgram, runProgram, tempDir, waitFor } from '../_support/programs';
import { Manifest } from '../_support/synth';
import { podTemplateOf } from '../_support/policy';

interface GeneratedConfig { readonly name: string; readonly yaml: string }

const exampleObjects: Manifest[] = buildApp().charts.flatMap(c => c.toJson() as Manifest[]);

const variants = new Chart(Testing.app(), 'variants', { namespace: 'variants' });
/** Jaeger configurations of the example stacks and of construct variants the examples do not use. */
function jaegerConfigs(): GeneratedConfig[] {
  new JaegerAllInOne(variants, 'badger', { name: 'badger', storage: TraceStorage.badger({ volume: { size: Size.gibibytes(1) } }), basePath: '/jaeger' });
  const os = new ElasticsearchStorage(variants, 'os', { name: 'os', engine: SearchEngine.OPENSEARCH, serverUrls: ['http://opensearch:9200'], version: 7 });
  new JaegerCollector(variants, 'os-collector', { name: 'os', storage: os, logLevel: 'debug' });
  new JaegerQuery(variants, 'os-query', { name: 'os', storage: os, basePath: '/traces', maxClockSkewAdjust: '1s' });
  const all = [...exampleObjects, ...(variants.toJson() as Manifest[])];
  return all
    .filter(o => o.kind === 'ConfigMap' && o.metadata.labels?.['app.kubernetes.io/name'] === 'jaeger' && typeof (o as any).data?.['config.yaml'] === 'string')
    .map(o => ({ name: `${o.metadata.namespace}/${o.metadata.name}`, yaml: (o as any).data['config.yaml'] as string }));
}

function configMapData(namespace: string, name: string, key: string): string {
  const all = [...exampleObjects, ...(variants.toJson() as Manifest[])];
  const cm = all.find(o => o.kind === 'ConfigMap' && o.metadata.namespace === namespace && o.metadata.name === name) as any;
  return cm.data[key];
}

/** Starts Jaeger with a generated configuration rewritten for loopback; resolves once /status is healthy. */
async function startJaeger(bin: string, configYaml: string, paths: Record<string, string>): Promise<{ program: RunningProgram; ports: Map<number, number> }> {
  const dir = tempDir('jaeger-run');
  const loopback = await rewriteForLoopback(configYaml, { paths });
  writeFileSync(join(dir, 'config.yaml'), loopback.yaml);
  process.stdout.write(`jaeger configuration rewritten for loopback (addresses and paths only):\n  ${loopback.rewrites.join('\n  ')}\n`);
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
  return { program, ports: loopback.ports };
}

/** Sends one span over OTLP/HTTP (JSON); returns its trace ID. */
async function sendOtlpSpan(port: number, service: string, name: string): Promise<string> {
  const traceId = randomBytes(16).toString('hex');
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{ scope: { name: 'test' }, spans: [{ traceId, spanId: randomBytes(8).toString('hex'), name, kind: 2, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 5_000_000n) }] }],
    }],
  };
  const sent = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (sent.status !== 200) throw new Error(`OTLP/HTTP answered ${sent.status}: ${await sent.text()}`);
  return traceId;
}

interface QueriedTrace { traceID: string; spans: Array<{ operationName: string }>; processes: Record<string, { serviceName: string }> }

/** Polls the query API for a trace. */
async function queryTrace(port: number, traceId: string, basePath = ''): Promise<QueriedTrace> {
  return waitFor(`trace ${traceId} in the query API`, async () => {
    const r = await fetch(`http://127.0.0.1:${port}${basePath}/api/traces/${traceId}`);
    if (!r.ok) return undefined;
    const body = await r.json() as { data: QueriedTrace[] };
    return body.data?.[0];
  });
}

const [describeJaeger, jaeger] = describeWithProgram(PROGRAMS.jaeger);

describeJaeger('Jaeger v2.13.0, the real binary', () => {
  const configs = jaegerConfigs();

  test('is the version the default image pins', () => {
    const run = runProgram(jaeger, ['version']);
    expect(`${run.stdout}${run.stderr}`).toMatch(/v2\.13\.0/);
  });

  test.each(configs)('jaeger validate accepts $name', ({ yaml }) => {
    const file = join(tempDir('jaeger-validate'), 'config.yaml');
    writeFileSync(file, yaml);
    const run = runProgram(jaeger, ['validate', `--config=file:${file}`], { env: { ES_USERNAME: 'jaeger' } });
    expect({ status: run.status, output: run.status === 0 ? '' : `${run.stdout}${run.stderr}` }).toStrictEqual({ status: 0, output: '' });
  });

  test('jaeger validate rejects an unknown key (the check can fail)', () => {
    const file = join(tempDir('jaeger-validate'), 'config.yaml');
    writeFileSync(file, configs[0].yaml.replace('max_traces:', 'bogus_key:'));
    const run = runProgram(jaeger, ['validate', `--config=file:${file}`]);
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/invalid keys: bogus_key/);
  });

  test('counts', () => {
    process.stdout.write(`Jaeger configurations validated by jaeger v2.13.0: ${configs.length} (${configs.map(c => c.name).join(', ')})\n`);
    expect(configs.length).toBeGreaterThanOrEqual(6);
  });

  describe('the dev all-in-one configuration, run on loopback with the production sampling strategies', () => {
    let program: RunningProgram | undefined;
    let ports: Map<number, number>;
    const strategiesJson = configMapData('tracing', 'jaeger-collector-sampling', 'strategies.json');
    let roundTripped = 0;

    beforeAll(async () => {
      const dir = tempDir('jaeger-aio');
      writeFileSync(join(dir, 'strategies.json'), strategiesJson);
      ({ program, ports } = await startJaeger(jaeger, configMapData('tracing-dev', 'jaeger-config', 'config.yaml'), {
        '/etc/jaeger/sampling/strategies.json': join(dir, 'strategies.json'),
      }));
    }, 30_000);

    afterAll(async () => {
      await program?.stop();
      process.stdout.write(`spans round-tripped through jaeger v2.13.0: ${roundTripped}\n`);
    });

    test('a span sent over OTLP/HTTP comes back through the query API', async () => {
      const traceId = await sendOtlpSpan(ports.get(4318)!, 'checkout', 'GET /cart');
      const trace = await queryTrace(ports.get(16686)!, traceId);
      expect(trace.traceID).toBe(traceId);
      expect(trace.spans.map(s => s.operationName)).toStrictEqual(['GET /cart']);
      expect(Object.values(trace.processes).map(p => p.serviceName)).toStrictEqual(['checkout']);
      roundTripped++;
    });

    test('a span sent to the Zipkin endpoint comes back through the query API', async () => {
      const traceId = randomBytes(16).toString('hex');
      const span = [{ traceId, id: randomBytes(8).toString('hex'), name: 'get /zipkin', timestamp: Date.now() * 1000, duration: 1500, kind: 'SERVER', localEndpoint: { serviceName: 'legacy-zipkin' } }];
      const sent = await fetch(`http://127.0.0.1:${ports.get(9411)}/api/v2/spans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(span) });
      expect(sent.status).toBe(202);
      const trace = await queryTrace(ports.get(16686)!, traceId);
      expect(trace.spans.map(s => s.operationName)).toStrictEqual(['get /zipkin']);
      expect(Object.values(trace.processes).map(p => p.serviceName)).toStrictEqual(['legacy-zipkin']);
      roundTripped++;
    });

    test('the sampling endpoint serves exactly the model, service by service', async () => {
      const model = parse(strategiesJson) as { default_strategy: { type: string; param: number }; service_strategies: Array<{ service: string; type: string; param: number; operation_strategies?: Array<{ operation: string; param: number }> }> };
      const expected = (type: string, param: number) => type === 'probabilistic'
        ? { strategyType: 0, probabilisticSampling: { samplingRate: param } }
        : { strategyType: 1, rateLimitingSampling: { maxTracesPerSecond: param } };
      const services = [...model.service_strategies.map(s => s.service), 'a-service-not-in-the-model'];
      for (const service of services) {
        const r = await fetch(`http://127.0.0.1:${ports.get(5778)}/api/sampling?service=${encodeURIComponent(service)}`);
        expect(r.status).toBe(200);
        const served = await r.json() as Record<string, any>;
        const s = model.service_strategies.find(x => x.service === service);
        const strategy = s ?? model.default_strategy;
        expect(served).toMatchObject(expected(strategy.type, strategy.param));
        const ops = s?.operation_strategies ?? [];
        expect((served.operationSampling?.perOperationStrategies ?? []).map((o: any) => [o.operation, o.probabilisticSampling.samplingRate]))
          .toStrictEqual(ops.map(o => [o.operation, o.param]));
      }
    });
  });

  describe('the Badger all-in-one configuration, run on loopback', () => {
    test('a trace written before a restart is found after it, under the base path', async () => {
      const data = tempDir('jaeger-badger');
      const paths = { '/var/lib/jaeger/badger/keys': join(data, 'keys'), '/var/lib/jaeger/badger/values': join(data, 'values'), '/etc/jaeger/sampling/strategies.json': join(data, 'strategies.json') };
      writeFileSync(join(data, 'strategies.json'), configMapData('variants', 'badger-sampling', 'strategies.json'));
      const config = configMapData('variants', 'badger-config', 'config.yaml');
      const first = await startJaeger(jaeger, config, paths);
      let traceId: string;
      try {
        traceId = await sendOtlpSpan(first.ports.get(4318)!, 'inventory', 'reserve');
        await queryTrace(first.ports.get(16686)!, traceId, '/jaeger');
      } finally {
        await first.program.stop();
      }
      const second = await startJaeger(jaeger, config, paths);
      try {
        const r = await fetch(`http://127.0.0.1:${second.ports.get(16686)}/jaeger/api/traces/${traceId}`);
        expect(r.status).toBe(200);
        const body = await r.json() as { data: QueriedTrace[] };
        expect(body.data[0].spans.map(s => s.operationName)).toStrictEqual(['reserve']);
      } finally {
        await second.program.stop();
      }
    }, 60_000);
  });
});

const [describeCleaner, cleaner] = describeWithProgram(PROGRAMS.esIndexCleaner);
const [describeTools, rollover] = cleaner ? describeWithProgram(PROGRAMS.esRollover) : [describeCleaner, ''];

describeTools('the Elasticsearch maintenance jobs, run by the real v1.76.0 tools', () => {
  const jobs = exampleObjects
    .map(o => ({ o, pod: podTemplateOf(o) }))
    .filter(({ pod }) => pod?.spec?.containers?.[0]?.image?.includes('jaeger-es-'))
    .map(({ o, pod }) => ({ name: `${o.kind}/${o.metadata.name}`, container: pod!.spec.containers[0] as { image: string; args: string[] } }));

  test('the production stack has the cleaner, rollover init, rollover and lookback', () => {
    expect(jobs.map(j => j.name).sort()).toStrictEqual(['CronJob/jaeger-es-index-cleaner', 'CronJob/jaeger-es-lookback', 'CronJob/jaeger-es-rollover', 'Job/jaeger-es-rollover-init']);
  });

  test.each(jobs)('$name: the tool accepts the generated arguments and connects to the URL it is given', async ({ container }) => {
    const dir = tempDir('es-tools');
    const ca = join(dir, 'ca.crt');
    const openssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'ca.key'), '-out', ca, '-days', '1', '-subj', '/CN=test-ca'], { encoding: 'utf8' });
    expect(openssl.status).toBe(0);
    const closed = await freePort();
    // Only the server URL (to a closed loopback port) and the CA path change.
    const args = container.args.map(a => a.replace(/^https?:\/\/[^/]+/, m => `${m.split(':')[0]}://127.0.0.1:${closed}`).replace('/etc/jaeger/es-tls/ca.crt', ca));
    const bin = container.image.includes('index-cleaner') ? cleaner : rollover;
    const run = runProgram(bin, args, { timeoutMs: 30_000 });
    const output = `${run.stdout}${run.stderr}`;
    expect(output).not.toMatch(/unknown (flag|command|shorthand)|accepts \d+ arg|invalid argument/);
    expect(output).toMatch(new RegExp(`127\\.0\\.0\\.1:${closed}.*connection refused`));
    expect(run.status).not.toBe(0);
  });

  test('a flag the tool does not know is rejected (the check can fail)', () => {
    const run = runProgram(cleaner, ['7', '--index-prefixx=prod', 'http://127.0.0.1:1']);
    expect(`${run.stdout}${run.stderr}`).toMatch(/unknown flag: --index-prefixx/);
  });
});
