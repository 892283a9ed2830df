/**
 * The pictures of an app's stacks, one per chart, written next to its manifests by
 * {@link synthesizeApp}: `<chart>.svg` (drawn by Graphviz) and `<chart>.md` (a Mermaid block).
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { Prerequisites } from '../prerequisites';
import { Manifest } from '../wiring/_json';
import { diagramsOfStacks, FlowDiagram } from './flow-diagram';
import { renderMermaidMarkdown } from './mermaid';
import { renderSvgsSync } from './svg';

/** A chart and its picture. */
export interface ChartDiagram {
  readonly chart: Chart;
  readonly diagram: FlowDiagram;
}

/**
 * The diagram of every chart of `app`, drawn together: an endpoint that one chart declares
 * (`Prerequisites`) and another serves is drawn as that chart's component.
 */
export function diagramsOfApp(app: App): ChartDiagram[] {
  return drawCharts(app, chart => chart.toJson() as Manifest[]);
}

function drawCharts(app: App, objectsOf: (chart: Chart) => Manifest[]): ChartDiagram[] {
  const charts = app.charts;
  const diagrams = diagramsOfStacks(charts.map(chart => ({
    name: chart.node.id,
    objects: objectsOf(chart),
    externalEndpoints: Prerequisites.of(chart).endpoints.map(e => e.name),
    defaultNamespace: chart.namespace,
  })));
  return charts.map((chart, i) => ({ chart, diagram: diagrams[i] }));
}

/**
 * The objects of a chart that `app.synth()` has just validated and written: rendered one by one,
 * without validating the whole app again for each chart as `chart.toJson()` does (most of the
 * time drawing would take).
 */
function synthesizedObjects(chart: Chart): Manifest[] {
  return chart.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c) && Chart.of(c) === chart).map(o => o.toJson() as Manifest);
}

/**
 * Writes `<chart id>.svg` and `<chart id>.md` for every chart of `app` into `outdir`, and returns
 * the paths written. Call it after `app.synth()` (as {@link synthesizeApp} does): it draws the
 * objects that synthesis validated.
 */
export function writeAppDiagrams(app: App, outdir: string = app.outdir): string[] {
  const drawn = drawCharts(app, synthesizedObjects);
  const svgs = renderSvgsSync(drawn.map(d => d.diagram));
  mkdirSync(outdir, { recursive: true });
  return drawn.flatMap(({ chart, diagram }, i) => {
    const svg = join(outdir, `${chart.node.id}.svg`);
    const md = join(outdir, `${chart.node.id}.md`);
    writeFileSync(svg, svgs[i]);
    writeFileSync(md, renderMermaidMarkdown(diagram));
    return [svg, md];
  });
}
