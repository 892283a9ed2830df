// One measurement of `npm run bench` (scripts/bench.ts), run as its own Node process:
//   node --import tsx scripts/bench/sizes.ts <scenario> <mode> <services> <outdir> [<fixture.json>]
// builds and synthesizes an app of <services> services, into <outdir>, and prints one line of JSON:
// the time of building and of synthesizing (after the modules are loaded), the objects written, and
// the process's peak memory (maxRSS, which includes loading the modules).
//
// Scenarios (mode `library` uses cdk8s-tracing; mode `plain` makes the same objects without it and
// never loads it):
// - `instrument`: N cdk8s-plus Deployments, each wired by `instrumentWorkload` to one `OtelCollector`
//   gateway; plain: the same N cdk8s-plus Deployments, not instrumented, and no gateway.
// - `sampling`: a dev `TracingStack` whose `SamplingStrategies` has one strategy per service (with
//   one operation strategy each); plain: the objects the library wrote, replayed from <fixture.json>
//   as cdk8s `ApiObject`s.
// - `tenants`: a multitenant `TempoMonolithic` with overrides for one tenant per service; plain:
//   replayed from <fixture.json> as for `sampling`.
// The library is loaded from BENCH_LIBRARY when set (npm run bench sets it to the built
// lib/constructs when lib/ is newer than every source), else from constructs/ through tsx.
// Mode `export` builds the library app and writes its objects (resolved, as synthesized) to
// <fixture.json>, for the plain mode of `sampling` and `tenants`.
import { readFileSync, writeFileSync } from 'fs';

export type Scenario = 'instrument' | 'sampling' | 'tenants';
export type Mode = 'library' | 'plain' | 'export';

/** What one measurement prints (one JSON line on stdout). */
export interface SizeResult {
  readonly scenario: Scenario;
  readonly mode: Mode;
  readonly services: number;
  /** Milliseconds to load the modules this mode needs (cdk8s, cdk8s-plus-28, and the library). */
  readonly loadMs: number;
  /** Milliseconds to construct the app (constructs only). */
  readonly buildMs: number;
  /** Milliseconds to validate and write the manifests. */
  readonly synthMs: number;
  /** Objects written. */
  readonly objects: number;
  /** Peak resident memory of this process, MB. */
  readonly maxRssMb: number;
}

const NAMESPACE = 'bench';

function main(): void {
  const [scenario, mode, servicesArg, outdir, fixture] = process.argv.slice(2) as [Scenario, Mode, string, string, string?];
  const services = Number(servicesArg);
  if (!['instrument', 'sampling', 'tenants'].includes(scenario) || !['library', 'plain', 'export'].includes(mode)
    || !Number.isInteger(services) || services < 1 || !outdir) {
    throw new Error('usage: sizes.ts <instrument|sampling|tenants> <library|plain|export> <services> <outdir> [<fixture.json>]');
  }
  if (mode !== 'library' && scenario !== 'instrument' && !fixture) throw new Error(`${scenario} ${mode} needs a fixture path`);

  const t0 = process.hrtime.bigint();
  // Loaded here, not at the top, so that the plain mode never loads the library.
  const cdk8s = require('cdk8s') as typeof import('cdk8s');
  const plus = require('cdk8s-plus-28') as typeof import('cdk8s-plus-28');
  // The library as users install it (compiled, lib/constructs) when BENCH_LIBRARY names it; else
  // its TypeScript sources, which tsx transpiles as they load.
  const lib = mode === 'plain' ? undefined : require(process.env.BENCH_LIBRARY ?? '../../constructs') as typeof import('../../constructs');
  const t1 = process.hrtime.bigint();

  const app = new cdk8s.App({ outdir, yamlOutputType: cdk8s.YamlOutputType.FILE_PER_CHART });
  const chart = new cdk8s.Chart(app, 'bench', { namespace: NAMESPACE, disableResourceNameHashes: true });

  if (mode === 'plain' && scenario !== 'instrument') {
    // The library's objects, as plain ApiObjects: the cost of cdk8s itself for the same output.
    const objects = JSON.parse(readFileSync(fixture!, 'utf8')) as Array<Record<string, unknown>>;
    const start = process.hrtime.bigint();
    objects.forEach((o, i) => new cdk8s.ApiObject(chart, `o${i}`, o as unknown as import('cdk8s').ApiObjectProps));
    return finish(scenario, mode, services, t0, t1, start, app, () => app.synth());
  }

  const start = process.hrtime.bigint();
  if (scenario === 'instrument') {
    // The gateway exports to a Tempo (a fixed cost of a few objects; without a backend it is refused).
    const gateway = lib ? new lib.OtelCollector(chart, 'gateway', { mode: lib.CollectorMode.GATEWAY, exportTo: [new lib.TempoMonolithic(chart, 'tempo')] }) : undefined;
    for (let i = 0; i < services; i++) {
      const deployment = deploymentOf(plus, chart, `svc-${i}`);
      if (lib && gateway) lib.instrumentWorkload(deployment, { exportTo: gateway, resourceAttributes: { 'service.version': '1.0.0' } });
    }
  } else if (scenario === 'sampling') {
    const l = lib!;
    new l.TracingStack(chart, 'tracing', {
      preset: l.TracingPreset.DEV,
      createNamespace: false,
      sampling: new l.SamplingStrategies({
        defaultStrategy: l.SamplingStrategy.probabilistic(0.01),
        // Half probabilistic with an operation strategy, half rate-limited (which allows none).
        services: Array.from({ length: services }, (_, i) => (i % 2 === 0
          ? { service: `svc-${i}`, strategy: l.SamplingStrategy.probabilistic(0.1), operations: [{ operation: 'GET /healthz', strategy: l.SamplingStrategy.probabilistic(0) }] }
          : { service: `svc-${i}`, strategy: l.SamplingStrategy.rateLimiting(100) })),
      }),
    });
  } else {
    const l = lib!;
    const tenants: Record<string, import('../../constructs').TenantOverrides> = {};
    for (let i = 0; i < services; i++) {
      tenants[`tenant-${i}`] = { ingestionRateLimitBytes: 10_000_000 + i, maxTracesPerUser: 20_000, retention: cdk8s.Duration.days(7) };
    }
    new l.TempoMonolithic(chart, 'tempo', { multitenancy: true, overrides: { defaults: { maxBytesPerTrace: 5_000_000 }, tenants } });
  }

  if (mode === 'export') {
    writeFileSync(fixture!, JSON.stringify(app.charts.flatMap(c => c.toJson())));
    return;
  }
  finish(scenario, mode, services, t0, t1, start, app, () => (mode === 'library' ? lib!.synthesizeApp(app, { diagrams: false }) : app.synth()));
}

/** A cdk8s-plus Deployment of one service, as a platform team writes it. */
function deploymentOf(plus: typeof import('cdk8s-plus-28'), chart: import('cdk8s').Chart, name: string): import('cdk8s-plus-28').Deployment {
  const { Size } = require('cdk8s') as typeof import('cdk8s');
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'bench' };
  const deployment = new plus.Deployment(chart, name, {
    metadata: { name, labels },
    podMetadata: { labels },
    replicas: 2,
    automountServiceAccountToken: false,
    securityContext: { ensureNonRoot: true, user: 10001, group: 10001 },
  });
  deployment.addContainer({
    name,
    image: `registry.example.com/${name}:1.0.0`,
    portNumber: 8080,
    imagePullPolicy: plus.ImagePullPolicy.IF_NOT_PRESENT,
    securityContext: { ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, user: 10001, group: 10001 },
    resources: { cpu: { request: plus.Cpu.millis(100) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) } },
    readiness: plus.Probe.fromHttpGet('/readyz', { port: 8080 }),
  });
  return deployment;
}

function finish(scenario: Scenario, mode: Mode, services: number, t0: bigint, t1: bigint, start: bigint,
  app: import('cdk8s').App, synth: () => void): void {
  const built = process.hrtime.bigint();
  synth();
  const done = process.hrtime.bigint();
  const { ApiObject } = require('cdk8s') as typeof import('cdk8s');
  const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;
  const result: SizeResult = {
    scenario, mode, services,
    loadMs: ms(t0, t1),
    buildMs: ms(start, built),
    synthMs: ms(built, done),
    objects: app.node.findAll().filter(c => c instanceof ApiObject).length,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) main();
