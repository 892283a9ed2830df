/**
 * The pictures of an app's stacks, one per chart, written next to its manifests by
 * {@link synthesizeApp}: `<chart>.svg` (drawn by Graphviz) and `<chart>.md` (a Mermaid block).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { App, Chart } from 'cdk8s';
import { renderApp } from '../_rendered-app';
import { Prerequisites } from '../prerequisites';
import { Manifest } from '../wiring/_json';
import { renderDot } from './dot';
import { diagramsOfStacks, FlowDiagram } from './flow-diagram';
import { renderMermaidMarkdown } from './mermaid';
import { SvgDrawing, svgDrawingMark } from './svg';

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
  return drawCharts(app.charts.map(chart => ({ chart, manifests: chart.toJson() as Manifest[] })));
}

/** The diagram of every chart of `charts` (in that order), drawn together, from its objects as rendered (`manifests`). */
export function drawCharts(charts: ReadonlyArray<{ readonly chart: Chart; readonly manifests: readonly Manifest[] }>): ChartDiagram[] {
  const diagrams = diagramsOfStacks(charts.map(({ chart, manifests }) => ({
    name: chart.node.id,
    objects: manifests,
    externalEndpoints: Prerequisites.of(chart).endpoints.map(e => e.name),
    defaultNamespace: chart.namespace,
  })));
  return charts.map(({ chart }, i) => ({ chart, diagram: diagrams[i] }));
}

/**
 * Writes `<chart id>.svg` and `<chart id>.md` for every chart of `app` into `outdir`, and returns
 * the paths written. Call it after `app.synth()` (as {@link synthesizeApp} does): it draws the
 * objects that synthesis validated. A picture already in `outdir` that was drawn from the same
 * graph by the same Graphviz (its {@link svgDrawingMark}) is kept as it is, not drawn again.
 */
export function writeAppDiagrams(app: App, outdir: string = app.outdir): string[] {
  // Rendered as synthesis renders them: each object once, without validating the app again for
  // each chart as `chart.toJson()` does (most of the time drawing would take).
  return startPictures(drawCharts(renderApp(app).charts), outdir).finish();
}

/** Pictures being drawn ({@link startPictures}). */
export interface PendingPictures {
  /** Waits for Graphviz, writes every picture and returns the paths of the SVG and Mermaid files. */
  finish(): string[];
  /** Gives up: stops Graphviz and writes nothing. */
  close(): void;
}

/**
 * Starts drawing the pictures of `drawn` that `outdir` does not hold already (Graphviz runs in a
 * worker thread, so the caller can write its manifests meanwhile).
 */
export function startPictures(drawn: readonly ChartDiagram[], outdir: string): PendingPictures {
  const files = drawn.map(({ chart, diagram }) => {
    const svg = join(outdir, `${chart.node.id}.svg`);
    return { diagram, svg, md: join(outdir, `${chart.node.id}.md`), current: holds(svg, svgDrawingMark(renderDot(diagram))) };
  });
  const toDraw = files.filter(f => !f.current);
  const drawing = SvgDrawing.start(toDraw.map(f => f.diagram));
  return {
    finish: () => {
      const svgs = drawing.wait();
      mkdirSync(outdir, { recursive: true });
      toDraw.forEach((f, i) => writeFileSync(f.svg, svgs[i]));
      return files.flatMap(({ diagram, svg, md }) => {
        writeFileSync(md, renderMermaidMarkdown(diagram));
        return [svg, md];
      });
    },
    close: () => drawing.close(),
  };
}

/** Whether the file at `path` exists and contains `text`. */
function holds(path: string, text: string): boolean {
  try {
    return readFileSync(path, 'utf8').includes(text);
  } catch {
    return false;
  }
}
