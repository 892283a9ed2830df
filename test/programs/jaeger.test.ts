import { spawnSync } from 'child_process';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { Chart, Size, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { buildApp } from '../../main';
import {
  ElasticsearchStorage, JaegerAllInOne, JaegerCollector, JaegerQuery, SearchEngine, TraceStorage,
} from '../../constructs';
import { StartedJaeger, startJaegerConfig } from '../_support/collector';
import { QueriedTrace } from '../_support/jaeger-query';
import { leafDifferences } from '../_support/loopback';
import { SDK_PROTOCOL_PORTS, SdkProtocol, SentTrace, sendTraceWithSdk } from '../_support/otel-sdk';
import { describeWithProgram, freePort, PROGRAMS, runProgram, tempDir, waitFor } from '../_support/programs';
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

/** Starts Jaeger with a generated configuration rewritten for loopback, printing the rewrites. */
async function startJaeger(bin: string, configYaml: string, paths: Record<string, string>): Promise<StartedJaeger> {
  const started = await startJaegerConfig(bin, configYaml, paths);
  process.stdout.write(`jaeger configuration rewritten for loopback (addresses and paths only):\n  ${started.rewrites.join('\n  ')}\n`);
  return started;
}

/** Polls the query API until the trace has `spans` spans. */
async function queryTrace(port: number, traceId: string, basePath = '', spans = 1): Promise<QueriedTrace> {
  return waitFor(`trace ${traceId} with ${spans} span(s) in the query API`, async () => {
    const r = await fetch(`http://127.0.0.1:${port}${basePath}/api/traces/${traceId}`);
    if (!r.ok) return undefined;
    const body = await r.json() as { data: QueriedTrace[] };
    const found = body.data?.[0];
    return found && found.spans.length >= spans ? found : undefined;
  });
}

/** What the query API returned for a trace, in the shape of what the SDK sent. */
function asSent(found: QueriedTrace, sent: SentTrace) {
  return {
    traceId: found.traceID,
    spans: [...found.spans].sort((a, b) => sent.spans.findIndex(s => s.spanId === a.spanID) - sent.spans.findIndex(s => s.spanId === b.spanID)).map(s => ({
      name: s.operationName,
      spanId: s.spanID,
      parentSpanId: s.references?.find(r => r.refType === 'CHILD_OF')?.spanID,
      service: found.processes[s.processID]?.serviceName,
      attributes: Object.fromEntries(s.tags.filter(t => t.key in (sent.spans.find(x => x.spanId === s.spanID)?.attributes ?? {})).map(t => [t.key, String(t.value)])),
    })),
  };
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
    let jaegerRun: StartedJaeger | undefined;
    const strategiesJson = configMapData('tracing', 'jaeger-collector-sampling', 'strategies.json');
    const roundTripped = new Map<SdkProtocol, number>();

    beforeAll(async () => {
      const dir = tempDir('jaeger-aio');
      writeFileSync(join(dir, 'strategies.json'), strategiesJson);
      jaegerRun = await startJaeger(jaeger, configMapData('tracing-dev', 'jaeger-config', 'config.yaml'), {
        '/etc/jaeger/sampling/strategies.json': join(dir, 'strategies.json'),
      });
    }, 30_000);

    afterAll(async () => {
      await jaegerRun?.program.stop();
      const counts = Object.values(SdkProtocol).map(p => `${p} ${roundTripped.get(p) ?? 0}`);
      process.stdout.write(`spans round-tripped through jaeger v2.13.0 from the OpenTelemetry JS SDK: ${counts.join(', ')}\n`);
    });

    test('only listen addresses and the strategies file path differ from the generated configuration', () => {
      const diffs = leafDifferences(jaegerRun!.generated, jaegerRun!.run);
      expect(diffs.map(([path]) => path).sort()).toStrictEqual([
        '.extensions.healthcheckv2.http.endpoint',
        '.extensions.jaeger_query.grpc.endpoint',
        '.extensions.jaeger_query.http.endpoint',
        '.extensions.remote_sampling.file.path',
        '.extensions.remote_sampling.grpc.endpoint',
        '.extensions.remote_sampling.http.endpoint',
        '.receivers.jaeger.protocols.grpc.endpoint',
        '.receivers.jaeger.protocols.thrift_binary.endpoint',
        '.receivers.jaeger.protocols.thrift_compact.endpoint',
        '.receivers.jaeger.protocols.thrift_http.endpoint',
        '.receivers.otlp.protocols.grpc.endpoint',
        '.receivers.otlp.protocols.http.endpoint',
        '.receivers.zipkin.endpoint',
        '.service.telemetry.metrics.readers[0].pull.exporter.prometheus.host',
        '.service.telemetry.metrics.readers[0].pull.exporter.prometheus.port',
      ]);
      for (const [path, before, after] of diffs) {
        if (path.endsWith('.endpoint')) expect([path, before, after]).toStrictEqual([path, expect.stringMatching(/^0\.0\.0\.0:\d+$/), expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);
      }
      expect(jaegerRun!.rewrites).toHaveLength(diffs.length);
    });

    test.each(Object.values(SdkProtocol))('a two-span trace sent with the OpenTelemetry JS SDK over %s comes back through the query API', async protocol => {
      const port = jaegerRun!.ports.get(SDK_PROTOCOL_PORTS[protocol]);
      expect(port).toEqual(expect.any(Number));
      const service = `checkout-${protocol.toLowerCase().replace(/[^a-z]+/g, '-')}`;
      const sent = await sendTraceWithSdk(protocol, { port: port! }, service);
      const found = await queryTrace(jaegerRun!.ports.get(16686)!, sent.traceId, '', 2);
      expect(asSent(found, sent)).toStrictEqual({
        traceId: sent.traceId,
        spans: sent.spans.map(s => ({ name: s.name, spanId: s.spanId, parentSpanId: s.parentSpanId, service, attributes: s.attributes })),
      });
      roundTripped.set(protocol, found.spans.length);
    });

    test.each(Object.values(SdkProtocol))('an SDK export over %s to a closed port fails the helper (the round trip can fail)', async protocol => {
      const closed = await freePort();
      await expect(sendTraceWithSdk(protocol, { port: closed }, 'nowhere')).rejects.toThrow(new RegExp(`export to 127\\.0\\.0\\.1:${closed} failed .*ECONNREFUSED`));
    });

    test('the sampling endpoint serves exactly the model, service by service', async () => {
      const model = parse(strategiesJson) as { default_strategy: { type: string; param: number }; service_strategies: Array<{ service: string; type: string; param: number; operation_strategies?: Array<{ operation: string; param: number }> }> };
      const expected = (type: string, param: number) => type === 'probabilistic'
        ? { strategyType: 0, probabilisticSampling: { samplingRate: param } }
        : { strategyType: 1, rateLimitingSampling: { maxTracesPerSecond: param } };
      const services = [...model.service_strategies.map(s => s.service), 'a-service-not-in-the-model'];
      for (const service of services) {
        const r = await fetch(`http://127.0.0.1:${jaegerRun!.ports.get(5778)}/api/sampling?service=${encodeURIComponent(service)}`);
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
      let sent: SentTrace;
      try {
        sent = await sendTraceWithSdk(SdkProtocol.OTLP_HTTP, { port: first.ports.get(4318)! }, 'inventory');
        await queryTrace(first.ports.get(16686)!, sent.traceId, '/jaeger', 2);
      } finally {
        await first.program.stop();
      }
      const second = await startJaeger(jaeger, config, paths);
      try {
        const r = await fetch(`http://127.0.0.1:${second.ports.get(16686)}/jaeger/api/traces/${sent.traceId}`);
        expect(r.status).toBe(200);
        const body = await r.json() as { data: QueriedTrace[] };
        expect(body.data[0].spans.map(s => s.operationName).sort()).toStrictEqual(['GET /cart', 'SELECT cart']);
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
