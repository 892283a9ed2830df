/**
 * synthesizeApp writes what app.synth() writes (the same files, objects and order, read back alike
 * by YAML 1.1 and 1.2 readers) for every output type; but it validates the app once (app.synth()
 * validates it again for each chart), renders each object once, and writes YAML with js-yaml.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import { ApiObject, App, AppProps, Chart, Yaml, YamlOutputType } from 'cdk8s';
import { Construct } from 'constructs';
import { parse, parseAllDocuments } from 'yaml';
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

/** The documents of a YAML text as a YAML 1.1 reader (kubectl's) and a YAML 1.2 reader read them. */
function read(text: string): { yaml11: unknown[]; yaml12: unknown[] } {
  const docs = (version: '1.1' | '1.2') => parseAllDocuments(text, { version }).map(d => {
    if (d.errors.length > 0) throw new Error(d.errors.join('\n'));
    return d.toJS();
  });
  return { yaml11: docs('1.1'), yaml12: docs('1.2') };
}

/**
 * What `app.synth()` and `synthesizeApp` write for two apps made by `make`, without pictures: each
 * file as read back ({@link read}), and the text synthesizeApp wrote.
 */
function bothWays(make: (props: AppProps) => App) {
  const a = mkdtempSync(join(tmpdir(), 'app-synth-'));
  const b = mkdtempSync(join(tmpdir(), 'synthesize-app-'));
  make({ outdir: a }).synth();
  synthesizeApp(make({ outdir: b }), { diagrams: false });
  const readAll = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([f, text]) => [f, f.endsWith('.json') ? text : read(text)]));
  const texts = filesOf(b);
  return { synth: readAll(filesOf(a)), ours: readAll(texts), texts };
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
    const { synth, ours, texts } = bothWays(props => buildApp(props));
    expect(Object.keys(ours).sort()).toStrictEqual(['jaeger-dev', 'jaeger-operator', 'jaeger-production', 'tempo-monolithic', 'tempo-production', 'trace-pipeline']
      .map(c => `${c}.k8s.yaml`));
    expect(ours).toStrictEqual(synth);
    // The text too, line for line, but for quoting: ours double-quotes a string cdk8s single-quotes
    // (one holding double quotes, or `::/0`) or leaves plain (an argument that starts with `-`).
    for (const chart of buildApp().charts) {
      const cdk8sLines = Yaml.stringify(...chart.toJson()).split('\n');
      const lines = texts[`${chart.node.id}.k8s.yaml`].split('\n');
      expect(lines).toHaveLength(cdk8sLines.length);
      const differ = lines.map((line, i) => [line, cdk8sLines[i]]).filter(([line, theirs]) => line !== theirs);
      for (const [line, theirs] of differ) {
        expect(parse(line.replace(/^\s*- /, ''))).toStrictEqual(parse(theirs.replace(/^\s*- /, ''))); // the same value
      }
      for (const [line] of differ) expect(line).toMatch(/"/); // where the two differ, ours is the quoted one
    }
  });

  test('strings a YAML 1.1 reader would take for another type stay strings, and text of every shape comes back as it was', () => {
    const values = ['yes', 'no', 'on', 'off', 'y', 'n', 'Y', 'N', 'true', 'False', 'null', '~', '', ' ', '0755', '0o17', '0x1F', '0b101', '1e3',
      '1_000', '1:30', '190:20:30', '.5', '+1', '-0', '.inf', '-.Inf', '.NaN', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '<<', '=', '- x',
      '? x', 'a: b', 'a #b', '#c', '@at', '`tick', '%pct', '!tag', '&anchor', '*alias', '|', '>', '{x}', '[x]', "it's", 'say "hi"',
      ' lead', 'trail ', 'tab\tin', 'line\nbreak\n', 'two\n\nbreaks', 'trailing newlines\n\n', '\u00e9t\u00e9 \u2603 \ud83d\ude80', '\u0007bell',
      '--conditions={"max_age": "1d"}', 'http://x:9200/a?b=c#d', '${VAR}', '{{ $labels.pod }}', 'key: value\nother: 1\n',
      '1_000.5', '-1_000', '0x1_F', '0b1_0', '07_5', '1_0:30', '1:30.5', '1_000e+3', '1e3', '1.', '.5e-3', '--rollover', '-', '-1', '- ', '-x: y', '2.13.0'];
    const data = Object.fromEntries(values.map((v, i) => [`k${i}`, v]));
    const make = (props: AppProps) => {
      const app = new App(props);
      new ApiObject(new Chart(app, 'strings'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'strings' }, data, binaryData: { list: values } } as never);
      return app;
    };
    // Against the values themselves, not app.synth()'s file: cdk8s writes 0o17 unquoted (an
    // integer to YAML 1.2 readers); js-yaml quotes it.
    const { ours } = bothWays(make);
    const written = (ours['strings.k8s.yaml'] as ReturnType<typeof read>);
    for (const docs of [written.yaml11, written.yaml12]) {
      expect((docs[0] as { data: unknown }).data).toStrictEqual(data);
      expect((docs[0] as { binaryData: unknown }).binaryData).toStrictEqual({ list: values });
    }
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
    const { synth, ours, texts } = bothWays(make);
    expect(texts['ordered.k8s.yaml'].indexOf('name: first')).toBeLessThan(texts['ordered.k8s.yaml'].indexOf('name: later'));
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
