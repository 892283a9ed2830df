/**
 * Every head sampler the library renders is read by a real OpenTelemetry SDK: the Go SDK, through
 * the `sdk-sampler` probe (scripts/programs/sdk-sampler/main.go), which is configured by
 * OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG only and reports the sampler
 * the SDK built and how many of its root spans it sampled. The Jaeger remote samplers poll a real
 * Jaeger v2.13.0 that serves the strategies a {@link SamplingPolicy} generated.
 *
 * The probe's Go SDK reads `endpoint` as the full URL of Jaeger's `/sampling` path
 * ({@link RemoteSamplingProtocol.HTTP}). Jaeger's sampling HTTP server answers on any path, so a
 * wrong path would go unnoticed here; what the run proves is the host, port and service name.
 */
import { Duration } from 'cdk8s';
import { parse } from 'yaml';
import { HeadSampler } from '../../constructs';
import { LoopbackConfig, LoopbackProcess } from '../_support/loopback-process';
import { describeWithProgram, findProgram, PROGRAMS } from '../_support/programs';
import { expectRate, runSamplingProbe, SamplingFixture } from '../_support/sampling-probe';

const [describeProbe, probe] = describeWithProgram(PROGRAMS.sdkSampler);
const jaegerBin = probe ? findProgram(PROGRAMS.jaeger) : undefined;
const describeBoth = probe && jaegerBin ? describeProbe : describe.skip;

/** The policy's strategies served by a JaegerAllInOne; the workloads' SDK variables (`renderedEnv`). */
const fixture = new SamplingFixture();
const jaeger = fixture.jaeger;
const renderedEnv = fixture.renderedEnv.bind(fixture);

/** What sdk-sampler printed. */
interface ProbeResult {
  sampler: string;
  sampled: number;
  total: number;
  service: string;
  operation: string;
  strategy?: Record<string, unknown>;
  samplerAttributes?: Record<string, number>;
}

/** Runs sdk-sampler with the OTEL_* variables of `env` (and PATH only): its exit status, stderr and, on success, its result line. */
function runProbe(env: Record<string, string>, args: string[]): { status: number | null; result?: ProbeResult; stderr: string } {
  return runSamplingProbe<ProbeResult>(probe, env, args);
}

const PARENT_BASED = (root: string) =>
  `ParentBased{root:${root},remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}`;

describeBoth('head samplers, as the OpenTelemetry Go SDK reads them (sdk-sampler)', () => {
  const measured: string[] = [];
  afterAll(() => {
    process.stdout.write(`head samplers read by the Go SDK (sampled/total):\n  ${measured.join('\n  ')}\n`);
  });

  describe('the Jaeger remote samplers, polling a real Jaeger v2.13.0 that serves the policy\'s strategies', () => {
    let jaegerRun: LoopbackProcess | undefined;
    let config: LoopbackConfig;
    const generatedStrategies = fixture.generatedStrategies;

    beforeAll(async () => {
      ({ run: jaegerRun, config } = await fixture.startJaeger(jaegerBin!, 'sdk-sampling'));
    }, 40_000);

    afterAll(async () => {
      await jaegerRun?.stop();
    });

    /** The rendered variables with only the sampling endpoint's host:port moved to loopback. */
    function onLoopback(env: Record<string, string>): Record<string, string> {
      const generated = jaeger.samplingEndpoint;
      const local = `127.0.0.1:${config.ports.get(generated.port)}`;
      const arg = env.OTEL_TRACES_SAMPLER_ARG;
      expect(arg).toBe(`endpoint=http://${generated.hostPort}/sampling,pollingIntervalMs=200,initialSamplingRate=1`);
      expect(generated.hostPort).toBe('jaeger.tracing.svc:5778');
      const moved = arg.replace(generated.hostPort, local);
      expect(moved).toBe(`endpoint=http://${local}/sampling,pollingIntervalMs=200,initialSamplingRate=1`);
      return { ...env, OTEL_TRACES_SAMPLER_ARG: moved };
    }

    test('the served endpoint is the port Jaeger\'s remote_sampling extension listens on', () => {
      const run = parse(config.yaml) as { extensions: { remote_sampling: { http: { endpoint: string } } } };
      expect(run.extensions.remote_sampling.http.endpoint).toBe(`127.0.0.1:${config.ports.get(jaeger.samplingEndpoint.port)}`);
    });

    const remote = [
      { name: 'parentbased_jaeger_remote', head: () => HeadSampler.parentBasedJaegerRemote({ source: jaeger, pollingInterval: Duration.millis(200), initialSamplingRate: 1 }), description: PARENT_BASED('JaegerRemoteSampler{}') },
      { name: 'jaeger_remote', head: () => HeadSampler.jaegerRemote({ source: jaeger, pollingInterval: Duration.millis(200), initialSamplingRate: 1 }), description: 'JaegerRemoteSampler{}' },
    ];

    describe.each(remote)('$name', ({ name, head, description }) => {
      test('checkout gets its own strategy, probabilistic 0.25, from the generated file', () => {
        const env = onLoopback(renderedEnv(`checkout-${name.replace(/_/g, '-')}`, 'checkout', head()));
        const r = runProbe(env, ['-spans', '4000', '-operation', 'GET /cart']);
        expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toStrictEqual({ status: 0, stderr: '' });
        const result = r.result!;
        expect(result).toMatchObject({ sampler: description, service: 'checkout', operation: 'GET /cart', total: 4000 });
        expect(result.strategy).toMatchObject({
          probabilisticSampling: { samplingRate: 0.25 },
          operationSampling: { defaultSamplingProbability: 0.25, perOperationStrategies: [{ operation: 'GET /health', probabilisticSampling: { samplingRate: 0 } }] },
        });
        expect(generatedStrategies).toMatchObject({ service_strategies: [{ service: 'checkout', type: 'probabilistic', param: 0.25 }] });
        expectRate(result, 0.25);
        expect(result.samplerAttributes).toStrictEqual({ 'probabilistic:0.25': result.sampled });
        measured.push(`${name} checkout 'GET /cart': ${result.sampled}/${result.total} (strategy 0.25)`);
      });

      test('checkout\'s operation GET /health samples nothing (its per-operation strategy, 0)', () => {
        const env = onLoopback(renderedEnv(`health-${name.replace(/_/g, '-')}`, 'checkout', head()));
        const r = runProbe(env, ['-spans', '4000', '-operation', 'GET /health']);
        expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toStrictEqual({ status: 0, stderr: '' });
        expect(r.result).toMatchObject({ sampler: description, service: 'checkout', operation: 'GET /health', total: 4000, sampled: 0 });
        measured.push(`${name} checkout 'GET /health': ${r.result!.sampled}/${r.result!.total} (operation strategy 0)`);
      });

      test('a service the policy does not name gets the default strategy, probabilistic 0.01', () => {
        const service = `inventory-${name.replace(/_/g, '-')}`;
        const env = onLoopback(renderedEnv(service, service, head()));
        expect(env.OTEL_SERVICE_NAME).toBe(service);
        const r = runProbe(env, ['-spans', '40000', '-operation', 'GET /stock']);
        expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toStrictEqual({ status: 0, stderr: '' });
        const result = r.result!;
        expect(result).toMatchObject({ sampler: description, service, total: 40000 });
        expect(result.strategy).toMatchObject({ probabilisticSampling: { samplingRate: 0.01 } });
        expect(generatedStrategies).toMatchObject({ default_strategy: { type: 'probabilistic', param: 0.01 } });
        expectRate(result, 0.01);
        expect(result.samplerAttributes).toStrictEqual({ 'probabilistic:0.01': result.sampled });
        measured.push(`${name} ${service}: ${result.sampled}/${result.total} (default strategy 0.01)`);
      });
    });

    test('fails if OTEL_TRACES_SAMPLER_ARG is malformed (the check can fail)', () => {
      const env = onLoopback(renderedEnv('malformed', 'checkout', HeadSampler.parentBasedJaegerRemote({ source: jaeger, pollingInterval: Duration.millis(200), initialSamplingRate: 1 })));
      const broken = env.OTEL_TRACES_SAMPLER_ARG.replace('pollingIntervalMs=200', 'pollingIntervalMs=200ms');
      const r = runProbe({ ...env, OTEL_TRACES_SAMPLER_ARG: broken }, ['-spans', '10']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/pollingIntervalMs parsing failed/);
    });

    test('fails if the endpoint is not the Jaeger that serves the strategies (the check can fail)', () => {
      const env = onLoopback(renderedEnv('elsewhere', 'checkout', HeadSampler.parentBasedJaegerRemote({ source: jaeger, pollingInterval: Duration.millis(200), initialSamplingRate: 1 })));
      const wrong = env.OTEL_TRACES_SAMPLER_ARG.replace(`:${config.ports.get(5778)}/`, ':1/');
      const r = runProbe({ ...env, OTEL_TRACES_SAMPLER_ARG: wrong }, ['-spans', '10', '-timeout', '1s']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/no sampling strategy fetched within 1s: .*connection refused/);
    });
  });

  describe('the samplers the SDK builds from the variables itself', () => {
    const standard = [
      { head: HeadSampler.alwaysOn(), description: 'AlwaysOnSampler', p: 1 },
      { head: HeadSampler.alwaysOff(), description: 'AlwaysOffSampler', p: 0 },
      { head: HeadSampler.traceIdRatio(0.25), description: 'TraceIDRatioBased{0.25}', p: 0.25 },
      { head: HeadSampler.parentBasedTraceIdRatio(0.1), description: PARENT_BASED('TraceIDRatioBased{0.1}'), p: 0.1 },
      { head: HeadSampler.parentBasedAlwaysOn(), description: PARENT_BASED('AlwaysOnSampler'), p: 1 },
      { head: HeadSampler.parentBasedAlwaysOff(), description: PARENT_BASED('AlwaysOffSampler'), p: 0 },
    ];

    test.each(standard.map(s => ({ ...s, name: s.head.toString() })))('$name', ({ head, description, p }) => {
      const service = `svc-${head.sdkName.replace(/_/g, '-')}`;
      const env = renderedEnv(service, service, head);
      expect(env.OTEL_TRACES_SAMPLER).toBe(head.sdkName);
      const r = runProbe(env, ['-spans', '4000']);
      expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toStrictEqual({ status: 0, stderr: '' });
      expect(r.result).toMatchObject({ sampler: description, service, total: 4000 });
      expectRate(r.result!, p);
      measured.push(`${head}: ${r.result!.sampled}/${r.result!.total} (${description.replace(/,remoteParent.*$/, ',...}')})`);
    });

    test('fails if the ratio is malformed (the check can fail)', () => {
      const env = renderedEnv('malformed-ratio', 'checkout', HeadSampler.parentBasedTraceIdRatio(0.1));
      const r = runProbe({ ...env, OTEL_TRACES_SAMPLER_ARG: '0.1x' }, ['-spans', '10']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/parsing sampler argument: .*"0\.1x"/);
    });
  });
});
