/**
 * Shared by the tests in which a real OpenTelemetry SDK reads the head samplers the library renders
 * (test/programs/sdk-sampling.test.ts: the Go SDK; test/programs/java-sdk-sampling.test.ts: the
 * Java SDK): the policy whose strategies a real Jaeger serves, the charts with that Jaeger, the SDK
 * variables `instrumentWorkload` renders, starting the Jaeger on loopback, running a probe and the
 * binomial check of its count.
 */
import { spawnSync } from 'child_process';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import {
  HeadSampler, instrumentWorkload, JaegerAllInOne, SamplingPolicy, SamplingStrategy,
} from '../../constructs';
import { LoopbackConfig, LoopbackProcess, retryOnPortClash, writeLoopbackConfig } from './loopback-process';
import { tempDir } from './programs';
import { Manifest } from './synth';

/** The policy whose strategies Jaeger serves. */
export function samplingPolicy(): SamplingPolicy {
  return new SamplingPolicy({
    ratio: 0.01,
    services: [{
      service: 'checkout',
      strategy: SamplingStrategy.probabilistic(0.25),
      operations: [{ operation: 'GET /health', strategy: SamplingStrategy.probabilistic(0) }],
    }],
  });
}

/** A `tracing` chart with a {@link JaegerAllInOne} serving {@link samplingPolicy}'s strategies, and a `shop` chart for workloads. */
export class SamplingFixture {
  public readonly policy = samplingPolicy();
  public readonly app: App = Testing.app();
  public readonly tracing = new Chart(this.app, 'tracing', { namespace: 'tracing' });
  public readonly jaeger = new JaegerAllInOne(this.tracing, 'jaeger', { sampling: this.policy.strategies });
  public readonly shop = new Chart(this.app, 'shop', { namespace: 'shop' });
  /** The strategies file the policy generated, parsed. */
  public readonly generatedStrategies = JSON.parse(this.policy.strategies.toJaegerJsonString()) as Record<string, unknown>;

  /**
   * The SDK variables `instrumentWorkload` puts on a Deployment's container, read back from the
   * synthesized object. Downward-API variables get fixed pod values and `$(VAR)` references are
   * expanded, as the kubelet does.
   */
  public renderedEnv(name: string, service: string, sampling: HeadSampler): Record<string, string> {
    const deployment = new k8s.KubeDeployment(this.shop, name, {
      metadata: { name },
      spec: {
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'example/app:1.0.0' }] } },
      },
    });
    instrumentWorkload(deployment, { exportTo: this.jaeger, serviceName: service, sampling });
    const synthesized = deployment.toJson() as Manifest & { spec: { template: { spec: { containers: k8s.Container[] } } } };
    const env = synthesized.spec.template.spec.containers[0].env ?? [];
    const pod: Record<string, string> = { 'metadata.namespace': 'shop', 'metadata.name': `${name}-7d9f8-x2x4q`, 'metadata.uid': '0d6c7e0e-1b1e-4c43-9a0a-6f0e9f1c2b3d', 'spec.nodeName': 'node-1' };
    const values: Record<string, string> = {};
    for (const v of env) {
      const raw = v.valueFrom?.fieldRef ? pod[v.valueFrom.fieldRef.fieldPath] : v.value;
      if (raw === undefined) throw new Error(`${name}: no value for ${v.name}`);
      values[v.name] = raw.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, ref: string) => values[ref] ?? m);
    }
    return values;
  }

  /**
   * Starts the generated Jaeger (its config.yaml and strategies.json ConfigMaps) on loopback, the
   * strategies file written to a fresh directory named after `prefix`.
   */
  public async startJaeger(jaegerBin: string, prefix: string): Promise<{ run: LoopbackProcess; config: LoopbackConfig }> {
    const objects = this.tracing.toJson() as Array<Manifest & { data?: Record<string, string> }>;
    const configYaml = objects.find(o => o.kind === 'ConfigMap' && o.metadata.name === 'jaeger-config')!.data!['config.yaml'];
    const strategiesJson = objects.find(o => o.kind === 'ConfigMap' && o.metadata.name === 'jaeger-sampling')!.data!['strategies.json'];
    const file = join(tempDir(prefix), 'strategies.json');
    writeFileSync(file, strategiesJson);
    let config: LoopbackConfig | undefined;
    const run = await retryOnPortClash(async () => {
      config = await writeLoopbackConfig(configYaml, { paths: { '/etc/jaeger/sampling/strategies.json': file } });
      return LoopbackProcess.start('jaeger', jaegerBin, config, { healthPort: 13133, healthPath: '/status' });
    });
    return { run, config: config! };
  }
}

/** How many of a probe's root spans were sampled. */
export interface SampledCount {
  sampled: number;
  total: number;
}

/**
 * Runs a sampling probe with the OTEL_* variables of `env` (and PATH only): its exit status, stderr
 * and, on success, its result line (the last line of stdout, JSON).
 */
export function runSamplingProbe<T>(bin: string, env: Record<string, string>, args: string[], timeoutMs = 30_000): { status: number | null; result?: T; stderr: string } {
  const sdkVars = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('OTEL_')));
  const run = spawnSync(bin, args, { encoding: 'utf8', timeout: timeoutMs, env: { PATH: process.env.PATH ?? '', ...sdkVars } });
  const line = run.stdout.trim().split('\n').filter(Boolean).pop();
  return { status: run.status, result: run.status === 0 && line ? JSON.parse(line) as T : undefined, stderr: run.stderr };
}

/**
 * Expects `sampled` of `total` draws at probability `p` within five standard deviations of the mean
 * (a false failure about once in 1.7 million runs; exact for 0 and 1).
 */
export function expectRate(r: SampledCount, p: number): void {
  const sd = Math.sqrt(r.total * p * (1 - p));
  const low = Math.max(0, Math.floor(r.total * p - 5 * sd));
  const high = Math.min(r.total, Math.ceil(r.total * p + 5 * sd));
  expect({ sampled: r.sampled, low, high, within: r.sampled >= low && r.sampled <= high }).toStrictEqual({ sampled: r.sampled, low, high, within: true });
}
