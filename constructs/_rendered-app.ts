/**
 * An app's manifests rendered once and written as `app.synth()` writes them (the same files, objects
 * and order), for {@link synthesizeApp}. `app.synth()` itself validates the whole app once,
 * and again for every chart it renders (`chart.toJson()` validates the app before each chart), so
 * an app of six charts ran every validation seven times; here the caller validates once, each
 * object is rendered once, and the pictures draw the same rendered objects.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'fs';
import { join } from 'path';
import { ApiObject, App, Chart, DependencyGraph, Names, Yaml, YamlOutputType } from 'cdk8s';
import { IConstruct } from 'constructs';
import { DEFAULT_SCHEMA, dump, Type, type DumpOptions } from 'js-yaml-4';
import { renderObjects } from './network/_network-policies';
import { Manifest } from './wiring/_json';

/** One chart's objects in the order `app.synth()` writes them, each rendered once. */
export interface RenderedChart {
  readonly chart: Chart;
  readonly objects: readonly ApiObject[];
  /** `objects[i].toJson()`. */
  readonly manifests: readonly Manifest[];
}

/** The charts of an app, in the order `app.synth()` writes them, rendered. */
export interface RenderedApp {
  readonly charts: readonly RenderedChart[];
  /** Whether a chart depends on another: the file and folder names then start with the chart's index. */
  readonly dependantCharts: boolean;
}

/**
 * Renders every chart of `app`, as `app.synth()` would, without validating: the caller has. The
 * dependencies between constructs become dependencies between their charts and objects first
 * (as `app.synth()` infers them), which order the charts and each chart's objects.
 */
export function renderApp(app: App): RenderedApp {
  const dependantCharts = inferDependencies(app);
  const charts = app.charts.map(chart => {
    const objects = new DependencyGraph(chart.node).topology()
      .filter((c): c is ApiObject => ApiObject.isApiObject(c) && Chart.of(c) === chart);
    // The NetworkPolicies this library makes are computed from the others' rendering, not their own.
    return { chart, objects, manifests: renderObjects(objects) as Manifest[] };
  });
  return { charts, dependantCharts };
}

/**
 * Turns construct dependencies into the dependencies the output order follows, as `app.synth()`
 * does: a chart depends on the charts nested in it and on the charts of what its constructs depend
 * on; an object depends on every object (of the other construct's chart) under a construct that
 * a construct above it depends on. Returns whether any chart depends on another.
 */
function inferDependencies(app: App): boolean {
  const all = app.node.findAll();
  const under = new Map<IConstruct, IConstruct[]>();
  const objectsUnder = (c: IConstruct, chart: Chart): ApiObject[] => {
    let found = under.get(c);
    if (!found) under.set(c, found = c.node.findAll());
    return found.filter((x): x is ApiObject => ApiObject.isApiObject(x) && Chart.of(x) === chart);
  };
  const edges = () => all.flatMap(source => source.node.dependencies.map(target => ({ source, target })));
  let dependant = false;
  for (const parent of all) {
    if (!Chart.isChart(parent)) continue;
    for (const child of parent.node.children) {
      if (!Chart.isChart(child)) continue;
      parent.node.addDependency(child);
      dependant = true;
    }
  }
  for (const { source, target } of edges()) {
    const sourceChart = Chart.of(source);
    const targetChart = Chart.of(target);
    if (sourceChart === targetChart) continue;
    sourceChart.node.addDependency(targetChart);
    dependant = true;
  }
  for (const { source, target } of edges()) {
    const targets = objectsUnder(target, Chart.of(target));
    for (const s of objectsUnder(source, Chart.of(source))) {
      for (const t of targets) if (t !== s) s.node.addDependency(t);
    }
  }
  return dependant;
}

/**
 * The numbers a YAML 1.1 reader resolves (https://yaml.org/type/int.html, float.html), as kubectl's
 * (go-yaml v2) reads them: `_` separators (dropped before parsing), binary, hexadecimal, base 60,
 * exponents with or without a sign. YAML 1.2 and js-yaml 4 no longer read `1_000` or `1:30` as
 * numbers, so js-yaml 4 would write them plain, and kubectl would read 1000 and 90.
 */
const YAML11_NUMBER = /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?|\.(?:inf|Inf|INF))$|^\.(?:nan|NaN|NAN)$/;

/** A type the writer only consults: a string it resolves is quoted. Reading never uses it. */
const yaml11Numbers = new Type('tag:cdk8s-tracing,2026:yaml11-number', {
  kind: 'scalar',
  resolve: (text: string) => YAML11_NUMBER.test(text),
  construct: (text: string) => text,
});

/**
 * How manifests are written: block style, no line folding, no anchors, strings double-quoted when
 * they must be quoted (as cdk8s writes them, but for a string holding double quotes, which cdk8s
 * single-quotes, and one that starts with `-`, which js-yaml 4 quotes), and quoted wherever a
 * YAML 1.1 reader (kubectl's) would read another type: js-yaml 4 quotes YAML 1.1's booleans
 * (`yes`, `on`, `y`...) itself, and the numbers only YAML 1.1 has through yaml11Numbers.
 */
const MANIFEST_YAML: DumpOptions = { lineWidth: -1, noRefs: true, quotingType: '"', schema: DEFAULT_SCHEMA.extend({ implicit: [yaml11Numbers] }) };

/**
 * One manifest as a YAML document, by js-yaml 4 (`js-yaml-4`, an npm alias beside the js-yaml 5 that
 * reads YAML): several times faster than the `yaml` library that cdk8s writes with, for the same
 * values (test/synthesis.test.ts reads both back). js-yaml 5's writer builds a tree of every
 * document first; at 5,000 Deployments V8 moved those short-lived trees to its old generation,
 * which held 110 MB more at the peak and took 1.5 times as long. A value js-yaml refuses (an
 * `undefined` in a list, which cdk8s writes as null) goes to cdk8s's writer instead.
 */
function manifestYaml(doc: unknown): string {
  try {
    return dump(doc, MANIFEST_YAML);
  } catch {
    return Yaml.stringify(doc);
  }
}

/**
 * Writes `rendered` into `app.outdir` as `app.synth()` would for the app's `yamlOutputType`,
 * `outputFileExtension` and `recordConstructMetadata`, and returns the paths written.
 */
export function writeRenderedApp(app: App, rendered: RenderedApp): string[] {
  const { outdir, outputFileExtension: ext } = app;
  const written: string[] = [];
  // Document by document, so that a large chart's YAML is never held whole.
  const save = (file: string, docs: readonly unknown[]) => {
    const fd = openSync(file, 'w');
    try {
      docs.forEach((doc, i) => writeSync(fd, i === 0 ? manifestYaml(doc) : `---\n${manifestYaml(doc)}`, null, 'utf8'));
    } finally {
      closeSync(fd);
    }
    written.push(file);
  };
  const chartName = (chart: Chart, index: number) => (rendered.dependantCharts
    ? `${String(index).padStart(4, '0')}-${Names.toDnsLabel(chart)}` : Names.toDnsLabel(chart));
  const resourceFile = (m: Record<string, unknown>) => {
    const name = (m.metadata as { name?: string } | undefined)?.name;
    return `${m.kind}.${name}`.replace(/[^0-9a-zA-Z-_.]/g, '') + ext;
  };
  mkdirSync(outdir, { recursive: true });
  switch (app.yamlOutputType) {
    case YamlOutputType.FILE_PER_APP:
      if (rendered.charts.length > 0) save(join(outdir, `app${ext}`), rendered.charts.flatMap(c => c.manifests));
      break;
    case YamlOutputType.FILE_PER_CHART:
      rendered.charts.forEach((c, i) => save(join(outdir, chartName(c.chart, i) + ext), c.manifests));
      break;
    case YamlOutputType.FILE_PER_RESOURCE:
      for (const c of rendered.charts) for (const m of c.manifests) save(join(outdir, resourceFile(m)), [m]);
      break;
    case YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE:
      rendered.charts.forEach((c, i) => {
        const folder = join(outdir, chartName(c.chart, i));
        mkdirSync(folder, { recursive: true });
        for (const m of c.manifests) save(join(folder, resourceFile(m)), [m]);
      });
      break;
    default:
      break;
  }
  // App keeps the setting (its prop, or CDK8S_RECORD_CONSTRUCT_METADATA) in a field TypeScript calls private.
  if ((app as unknown as { readonly recordConstructMetadata?: boolean }).recordConstructMetadata) {
    const resources: Record<string, { path: string }> = {};
    for (const c of rendered.charts) for (const o of c.objects) resources[o.name] = { path: o.node.path };
    const file = join(outdir, 'construct-metadata.json');
    writeFileSync(file, JSON.stringify({ version: '1.0.0', resources }));
    written.push(file);
  }
  return written;
}
