/**
 * synthesizeApp writes what app.synth() writes, byte for byte, for every output type; but it
 * validates the app once (app.synth() validates it again for each chart) and renders each object once.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import { ApiObject, App, AppProps, Chart, YamlOutputType } from 'cdk8s';
import { Construct } from 'constructs';
import { buildApp } from '../main';
import { JaegerAllInOne, OtelCollector, CollectorMode, synthesizeApp, TempoMonolithic } from '../constructs';

/** Every file under `dir`, by path relative to it, with its content. */
function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** What `app.synth()` and `synthesizeApp` write for two apps made by `make`, without pictures. */
function bothWays(make: (props: AppProps) => App): { synth: Record<string, string>; ours: Record<string, string> } {
  const a = mkdtempSync(join(tmpdir(), 'app-synth-'));
  const b = mkdtempSync(join(tmpdir(), 'synthesize-app-'));
  make({ outdir: a }).synth();
  synthesizeApp(make({ outdir: b }), { diagrams: false });
  return { synth: filesOf(a), ours: filesOf(b) };
}

/** Two stacks where the second's collector exports to the first's Tempo, and a dependency across charts. */
function linkedApp(props: AppProps): App {
  const app = new App(props);
  const backend = new Chart(app, 'backend', { namespace: 'tempo', disableResourceNameHashes: true });
  const tempo = new TempoMonolithic(backend, 'tempo');
  const pipeline = new Chart(app, 'pipeline', { namespace: 'pipeline', disableResourceNameHashes: true });
  const gateway = new OtelCollector(pipeline, 'gateway', { mode: CollectorMode.GATEWAY, exportTo: [tempo] });
  gateway.node.addDependency(tempo);
  return app;
}

describe('synthesizeApp writes what app.synth() writes', () => {
  test('the example app: one file per chart', () => {
    const { synth, ours } = bothWays(props => buildApp(props));
    expect(Object.keys(ours).sort()).toStrictEqual(['jaeger-dev', 'jaeger-operator', 'jaeger-production', 'tempo-monolithic', 'tempo-production', 'trace-pipeline']
      .map(c => `${c}.k8s.yaml`));
    expect(ours).toStrictEqual(synth);
  });

  test.each(['FILE_PER_CHART', 'FILE_PER_APP', 'FILE_PER_RESOURCE', 'FOLDER_PER_CHART_FILE_PER_RESOURCE'] as const)(
    'charts that depend on each other (named by index), output type %s', (type) => {
      const yamlOutputType = YamlOutputType[type];
      const { synth, ours } = bothWays(props => linkedApp({ ...props, yamlOutputType }));
      expect(Object.keys(ours).length).toBeGreaterThan(0);
      expect(ours).toStrictEqual(synth);
    });

  test('the dependencies order the objects: an object comes after the objects it depends on', () => {
    const make = (props: AppProps) => {
      const app = new App(props);
      const chart = new Chart(app, 'ordered', { namespace: 'ordered' });
      const later = new ApiObject(chart, 'later', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later' } });
      const first = new ApiObject(chart, 'first', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'first' } });
      later.node.addDependency(first);
      return app;
    };
    const { synth, ours } = bothWays(make);
    expect(ours['ordered.k8s.yaml'].indexOf('name: first')).toBeLessThan(ours['ordered.k8s.yaml'].indexOf('name: later'));
    expect(ours).toStrictEqual(synth);
  });

  test('construct metadata, another file extension, nested charts', () => {
    const make = (props: AppProps) => {
      const app = new App({ ...props, recordConstructMetadata: true, outputFileExtension: '.yml' });
      const outer = new Chart(app, 'outer', { namespace: 'outer' });
      new JaegerAllInOne(outer, 'jaeger');
      new ApiObject(new Chart(outer as unknown as Construct, 'inner'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap' });
      return app;
    };
    const { synth, ours } = bothWays(make);
    expect(Object.keys(ours)).toContain('construct-metadata.json');
    expect(ours).toStrictEqual(synth);
  });

  test('an app without charts writes nothing, as app.synth() does', () => {
    const { synth, ours } = bothWays(props => new App(props));
    expect(ours).toStrictEqual({});
    expect(synth).toStrictEqual({});
  });
});

describe('synthesizeApp validates once', () => {
  test('every validation of the example app runs once (app.synth() runs each once, then again for each of the six charts)', () => {
    const count = (synthesize: (app: App) => void) => {
      const app = buildApp({ outdir: mkdtempSync(join(tmpdir(), 'validations-')) });
      let runs = 0;
      app.node.findAll()[1].node.addValidation({ validate: () => { runs++; return []; } });
      synthesize(app);
      return runs;
    };
    expect(count(app => app.synth())).toBe(7);
    expect(count(app => synthesizeApp(app, { diagrams: false }))).toBe(1);
  });
});
