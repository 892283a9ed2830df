/**
 * The Jaeger remote head samplers rendered for {@link RemoteSamplingProtocol.GRPC} are read by the
 * real OpenTelemetry Java SDK: the `java-sampler` probe (scripts/programs/java-sampler/Main.java)
 * builds the SDK with `AutoConfiguredOpenTelemetrySdk` from OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER
 * and OTEL_TRACES_SAMPLER_ARG only, with `opentelemetry-sdk-extension-jaeger-remote-sampler` on the
 * class path (what the Java agent bundles), waits until the SDK's `JaegerRemoteSampler` has applied
 * a strategy it fetched, and reports the sampler the SDK built and how many of its root spans it
 * sampled. The sampler polls a real Jaeger v2.13.0 that serves the strategies a SamplingPolicy
 * generated, over gRPC (`jaeger.api_v2.SamplingManager/GetSamplingStrategy` on port 5779).
 *
 * A control shows why the protocol option exists: the Java SDK given the HTTP rendering (the
 * `/sampling` URL on port 5778, right for the Go SDK) fetches no strategy. Its gRPC sender opens
 * HTTP/2 with prior knowledge; Jaeger's sampling HTTP server answers in HTTP/1.1, so the request
 * fails (seen: `FRAME_SIZE_ERROR: 4740180`, which is "HTT" read as a frame length, `Connection
 * reset by peer` or `Broken pipe`, depending on timing) and the sampler keeps its initial rate.
 */
import { Duration } from 'cdk8s';
import { parse } from 'yaml';
import { HeadSampler, RemoteSamplingProtocol } from '../../constructs';
import { LoopbackConfig, LoopbackProcess } from '../_support/loopback-process';
import { describeWithProgram, findProgram, PROGRAMS } from '../_support/programs';
import { expectRate, runSamplingProbe, SamplingFixture } from '../_support/sampling-probe';

const [describeProbe, probe] = describeWithProgram(PROGRAMS.javaSampler);
const jaegerBin = probe ? findProgram(PROGRAMS.jaeger) : undefined;
const describeBoth = probe && jaegerBin ? describeProbe : describe.skip;

const fixture = new SamplingFixture();
const jaeger = fixture.jaeger;

/** What java-sampler printed. */
interface ProbeResult {
  /** getDescription() of the SdkTracerProvider's sampler, after the spans. */
  sampler: string;
  sampled: number;
  total: number;
  service: string;
  operation: string;
  /** Remote samplers: the sampler the JaegerRemoteSampler built from the strategy it fetched. */
  strategy?: string;
}

/** The SDK's exporters are off: the probe only samples. */
const NO_EXPORT = { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' };

function runProbe(env: Record<string, string>, args: string[]): { status: number | null; result?: ProbeResult; stderr: string } {
  return runSamplingProbe<ProbeResult>(probe, { ...env, ...NO_EXPORT }, args, 60_000);
}

/** The Java SDK's ParentBased description around `root`. */
const PARENT_BASED = (root: string) =>
  `ParentBased{root:${root},remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}`;

const grpcHead = {
  parentbased_jaeger_remote: () => HeadSampler.parentBasedJaegerRemote({ source: jaeger, protocol: RemoteSamplingProtocol.GRPC, pollingInterval: Duration.millis(200), initialSamplingRate: 1 }),
  jaeger_remote: () => HeadSampler.jaegerRemote({ source: jaeger, protocol: RemoteSamplingProtocol.GRPC, pollingInterval: Duration.millis(200), initialSamplingRate: 1 }),
};

describeBoth('the Jaeger remote samplers over gRPC, as the OpenTelemetry Java SDK reads them (java-sampler)', () => {
  const measured: string[] = [];
  let jaegerRun: LoopbackProcess | undefined;
  let config: LoopbackConfig;

  beforeAll(async () => {
    ({ run: jaegerRun, config } = await fixture.startJaeger(jaegerBin!, 'java-sdk-sampling'));
  }, 40_000);

  afterAll(async () => {
    await jaegerRun?.stop();
    process.stdout.write(`Jaeger remote samplers read by the Java SDK (sampled/total):\n  ${measured.join('\n  ')}\n`);
  });

  /** The loopback address of a container port of the running Jaeger. */
  const local = (port: number) => `127.0.0.1:${config.ports.get(port)}`;

  /** The rendered variables with only the gRPC sampling endpoint's host:port moved to loopback. */
  function onLoopback(env: Record<string, string>): Record<string, string> {
    const generated = jaeger.samplingGrpcEndpoint;
    expect(generated.hostPort).toBe('jaeger.tracing.svc:5779');
    const arg = env.OTEL_TRACES_SAMPLER_ARG;
    expect(arg).toBe(`endpoint=http://${generated.hostPort},pollingIntervalMs=200,initialSamplingRate=1`);
    const moved = arg.replace(generated.hostPort, local(generated.port));
    expect(moved).toBe(`endpoint=http://${local(5779)},pollingIntervalMs=200,initialSamplingRate=1`);
    return { ...env, OTEL_TRACES_SAMPLER_ARG: moved };
  }

  /** What the SDK's JaegerRemoteSampler describes itself as, holding `sampler`. */
  const remoteDescription = (sampler: string) => `JaegerRemoteSampler{sampler=${sampler}, endpoint=http://${local(5779)}, pollingIntervalMs=200}`;

  test('the endpoint is the port Jaeger\'s remote_sampling extension serves gRPC on', () => {
    const run = parse(config.yaml) as { extensions: { remote_sampling: { grpc: { endpoint: string }; http: { endpoint: string } } } };
    expect(run.extensions.remote_sampling.grpc.endpoint).toBe(local(jaeger.samplingGrpcEndpoint.port));
    expect(run.extensions.remote_sampling.http.endpoint).toBe(local(jaeger.samplingEndpoint.port));
  });

  const remote = [
    { name: 'parentbased_jaeger_remote' as const, wrap: PARENT_BASED },
    { name: 'jaeger_remote' as const, wrap: (s: string) => s },
  ];

  describe.each(remote)('$name', ({ name, wrap }) => {
    const head = grpcHead[name];
    const slug = name.replace(/_/g, '-');
    /** checkout's strategy has a per-operation entry, so the SDK builds a PerOperationSampler. */
    const checkoutStrategy = PARENT_BASED('PerOperationSampler{default=TraceIdRatioBased{0.250000}, perOperation={GET /health=TraceIdRatioBased{0.000000}}}');

    test('the variables name the sampler and the gRPC endpoint', () => {
      const env = renderedEnvOf(`vars-${slug}`, 'checkout', head());
      expect(env.OTEL_TRACES_SAMPLER).toBe(name);
      expect(env.OTEL_SERVICE_NAME).toBe('checkout');
      expect(env.OTEL_TRACES_SAMPLER_ARG).toBe('endpoint=http://jaeger.tracing.svc:5779,pollingIntervalMs=200,initialSamplingRate=1');
    });

    test('checkout gets its own strategy, probabilistic 0.25, from the generated file', () => {
      const env = onLoopback(renderedEnvOf(`checkout-${slug}`, 'checkout', head()));
      const r = runProbe(env, ['-spans', '4000', '-operation', 'GET /cart']);
      expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toStrictEqual({ status: 0, stderr: '' });
      const result = r.result!;
      expect(result).toStrictEqual({
        sampler: wrap(remoteDescription(checkoutStrategy)), strategy: checkoutStrategy,
        service: 'checkout', operation: 'GET /cart', total: 4000, sampled: result.sampled,
      });
      expect(fixture.generatedStrategies).toMatchObject({ service_strategies: [{ service: 'checkout', type: 'probabilistic', param: 0.25 }] });
      expectRate(result, 0.25);
      measured.push(`${name} checkout 'GET /cart': ${result.sampled}/${result.total} (strategy 0.25)`);
    });

    test('checkout\'s operation GET /health samples nothing (its per-operation strategy, 0)', () => {
      const env = onLoopback(renderedEnvOf(`health-${slug}`, 'checkout', head()));
      const r = runProbe(env, ['-spans', '4000', '-operation', 'GET /health']);
      expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toStrictEqual({ status: 0, stderr: '' });
      expect(r.result).toMatchObject({ strategy: checkoutStrategy, service: 'checkout', operation: 'GET /health', total: 4000, sampled: 0 });
      measured.push(`${name} checkout 'GET /health': ${r.result!.sampled}/${r.result!.total} (operation strategy 0)`);
    });

    test('a service the policy does not name gets the default strategy, probabilistic 0.01', () => {
      const service = `inventory-${slug}`;
      const env = onLoopback(renderedEnvOf(service, service, head()));
      expect(env.OTEL_SERVICE_NAME).toBe(service);
      const r = runProbe(env, ['-spans', '40000', '-operation', 'GET /stock']);
      expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toStrictEqual({ status: 0, stderr: '' });
      const result = r.result!;
      const strategy = PARENT_BASED('TraceIdRatioBased{0.010000}');
      expect(result).toStrictEqual({
        sampler: wrap(remoteDescription(strategy)), strategy,
        service, operation: 'GET /stock', total: 40000, sampled: result.sampled,
      });
      expect(fixture.generatedStrategies).toMatchObject({ default_strategy: { type: 'probabilistic', param: 0.01 } });
      expectRate(result, 0.01);
      measured.push(`${name} ${service}: ${result.sampled}/${result.total} (default strategy 0.01)`);
    });
  });

  test('control: the HTTP rendering (the /sampling URL on port 5778, right for the Go SDK) gets the Java SDK no strategy', () => {
    const env = renderedEnvOf('http-control', 'checkout', HeadSampler.parentBasedJaegerRemote({ source: jaeger, pollingInterval: Duration.millis(200), initialSamplingRate: 1 }));
    const generated = jaeger.samplingEndpoint;
    expect(env.OTEL_TRACES_SAMPLER_ARG).toBe(`endpoint=http://${generated.hostPort}/sampling,pollingIntervalMs=200,initialSamplingRate=1`);
    const moved = env.OTEL_TRACES_SAMPLER_ARG.replace(generated.hostPort, local(generated.port));
    const r = runProbe({ ...env, OTEL_TRACES_SAMPLER_ARG: moved }, ['-spans', '10', '-timeout', '3s']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no sampling strategy fetched within 3s: .*Failed to execute remoteSamplings/);
    measured.push(`control, HTTP rendering: ${r.stderr.trim().split('\n').pop()}`);
  });

  test('fails if the endpoint is not the Jaeger that serves the strategies (the check can fail)', () => {
    const env = onLoopback(renderedEnvOf('elsewhere', 'checkout', grpcHead.parentbased_jaeger_remote()));
    const wrong = env.OTEL_TRACES_SAMPLER_ARG.replace(`:${config.ports.get(5779)},`, ':1,');
    const r = runProbe({ ...env, OTEL_TRACES_SAMPLER_ARG: wrong }, ['-spans', '10', '-timeout', '1s']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no sampling strategy fetched within 1s: .*Failed to connect to \/127\.0\.0\.1:1/);
  });

  test('fails if OTEL_TRACES_SAMPLER_ARG is malformed (the check can fail)', () => {
    const env = onLoopback(renderedEnvOf('malformed', 'checkout', grpcHead.parentbased_jaeger_remote()));
    const broken = env.OTEL_TRACES_SAMPLER_ARG.replace('pollingIntervalMs=200', 'pollingIntervalMs=200ms');
    const r = runProbe({ ...env, OTEL_TRACES_SAMPLER_ARG: broken }, ['-spans', '10']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the SDK rejected the configuration: .*NumberFormatException: For input string: "200ms"/);
  });
});

function renderedEnvOf(name: string, service: string, sampling: HeadSampler): Record<string, string> {
  return fixture.renderedEnv(name, service, sampling);
}
