import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { redactCredentials } from './_errors';
import { renderApp, writeRenderedApp } from './_rendered-app';
import { drawCharts, PendingPictures, startPictures } from './diagram/app-diagrams';

/** Every construct's validation error in `scope`'s tree, each prefixed with its construct path (credentials in URLs redacted). */
export function validationErrors(scope: IConstruct): string[] {
  return scope.node.findAll().flatMap(c => c.node.validate().map(message => redactCredentials(`${c.node.path}: ${message}`)));
}

/** Options of {@link synthesizeApp}. */
export interface SynthesizeOptions {
  /**
   * Write a picture of each chart's data flow next to its manifests: `<chart id>.svg` (Graphviz,
   * run in WebAssembly, offline) and `<chart id>.md` (the same diagram as a Mermaid block to paste
   * into documentation), both derived from the chart's wiring.
   * @default true
   */
  readonly diagrams?: boolean;
}

/**
 * Validates the whole app, then synthesizes it into `app.outdir`, with a picture of each chart
 * (see {@link SynthesizeOptions.diagrams}). An app with any error writes nothing: the errors are
 * all reported at once, in one thrown Error.
 *
 * The files, objects and order are those `app.synth()` writes, for every `yamlOutputType`, and
 * read back the same; but the app is validated once and each object rendered once (`app.synth()`
 * validates the whole app again for every chart), the YAML is written by js-yaml (faster than
 * cdk8s's writer; a string holding double quotes is double-quoted where cdk8s single-quotes it),
 * and the pictures are drawn by Graphviz in a worker thread while the manifests are written, only
 * where the graph changed since the picture in `app.outdir` was drawn.
 */
export function synthesizeApp(app: App, options: SynthesizeOptions = {}): void {
  const errors = validationErrors(app);
  if (errors.length > 0) {
    throw new Error(`synthesis refused, ${errors.length} error(s):\n${errors.map(e => `  ${e}`).join('\n')}`);
  }
  const rendered = renderApp(app);
  const pictures: PendingPictures | undefined = (options.diagrams ?? true) ? startPictures(drawCharts(rendered.charts), app.outdir) : undefined;
  try {
    writeRenderedApp(app, rendered);
    pictures?.finish();
  } finally {
    pictures?.close();
  }
}

const CHECKED = new WeakSet<Chart>();

/**
 * Registers, once per chart, a check that no two objects share apiVersion, kind, namespace and
 * name: `kubectl apply` would silently merge them into one.
 */
export function checkUniqueObjectNames(scope: IConstruct): void {
  const chart = Chart.of(scope);
  if (CHECKED.has(chart)) return;
  CHECKED.add(chart);
  chart.node.addValidation({
    validate: () => {
      const seen = new Map<string, string>();
      const problems: string[] = [];
      for (const c of chart.node.findAll()) {
        if (!(c instanceof ApiObject)) continue;
        const key = `${c.apiVersion} ${c.kind} ${c.metadata.namespace ?? ''}/${c.name}`;
        const other = seen.get(key);
        if (other) {
          problems.push(`'name' must be unique per kind and namespace: ${c.kind} '${c.name}' is defined by both ${other} and ${c.node.path} (give one of them another name)`);
        } else {
          seen.set(key, c.node.path);
        }
      }
      return problems;
    },
  });
}
