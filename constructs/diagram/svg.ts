/**
 * Flow diagrams drawn as SVG by Graphviz, compiled to WebAssembly (`@viz-js/viz`, MIT; Graphviz
 * is EPL): no program to install and no network. The module is loaded only when a picture is
 * drawn, so synthesis without diagrams and the code that only reads the model never pay for it.
 * @see https://github.com/mdaines/viz-js
 */
import { createHash } from 'crypto';
import { readFileSync } from 'fs';
import { dirname, join } from 'path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';
import { renderDot } from './dot';
import { FlowDiagram } from './flow-diagram';

/** The SVG of `diagram`. */
export async function renderSvg(diagram: FlowDiagram): Promise<string> {
  const dot = renderDot(diagram);
  const viz = await (await import('@viz-js/viz')).instance();
  return finishSvg(viz.renderString(dot, { format: 'svg', engine: 'dot' }), dot);
}

/**
 * What every SVG drawn here carries, so that a picture drawn before can be recognised and kept:
 * the SHA-256 of the DOT text and of the Graphviz build (`@viz-js/viz` version) it was drawn
 * from, in an XML comment after the document type.
 */
export function svgDrawingMark(dot: string): string {
  const hash = createHash('sha256').update(`${vizVersion()}\n${dot}`).digest('hex');
  return `<!-- cdk8s-tracing: drawn by @viz-js/viz ${vizVersion()} from DOT sha256:${hash} -->`;
}

let cachedVizVersion: string | undefined;
function vizVersion(): string {
  // The package's exports hide its package.json: read it next to the module, without loading Graphviz.
  cachedVizVersion ??= (JSON.parse(readFileSync(join(dirname(require.resolve('@viz-js/viz')), '..', 'package.json'), 'utf8')) as { version: string }).version;
  return cachedVizVersion;
}

/**
 * Graphviz sized the text by Helvetica's metrics and names `Helvetica,sans-Serif`; where Helvetica
 * is missing, the fonts of the same metrics (Arial, Liberation Sans) are named before any
 * sans-serif font, which may be wider and overflow the boxes. Then the drawing's mark
 * ({@link svgDrawingMark}) goes after the document type.
 */
function finishSvg(svg: string, dot: string): string {
  const fonts = svg.replace(/font-family="Helvetica,sans-Serif"/g, 'font-family="Helvetica,Arial,Liberation Sans,sans-serif"');
  const doctype = fonts.indexOf('>', fonts.indexOf('<!DOCTYPE'));
  const at = doctype < 0 ? 0 : doctype + 1;
  return `${fonts.slice(0, at)}\n${svgDrawingMark(dot)}${fonts.slice(at)}`;
}

/**
 * Runs in a worker: draws every DOT text of `workerData.dots`, posts `{ svgs }` or `{ error }` to
 * `workerData.port`, then wakes the waiting thread.
 */
const WORKER = `
const { workerData } = require('worker_threads');
const { vizPath, dots, port, signal } = workerData;
const done = (message) => { port.postMessage(message); Atomics.store(signal, 0, 1); Atomics.notify(signal, 0); };
Promise.resolve()
  .then(() => require(vizPath).instance())
  .then((viz) => done({ svgs: dots.map((dot) => viz.renderString(dot, { format: 'svg', engine: 'dot' })) }))
  .catch((e) => done({ error: String(e && e.stack || e) }));
`;

/** How long {@link SvgDrawing.wait} waits for Graphviz before it gives up. */
const TIMEOUT_MS = 60_000;

/** Pictures being drawn by Graphviz in a worker thread, while this thread goes on. */
export class SvgDrawing {
  /**
   * Starts drawing `diagrams` in a worker thread (WebAssembly is only instantiated asynchronously,
   * and the thread that started it can do other work meanwhile, as synthesis writes manifests).
   */
  public static start(diagrams: readonly FlowDiagram[]): SvgDrawing {
    return new SvgDrawing(diagrams.map(renderDot));
  }

  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private readonly worker?: Worker;

  private constructor(private readonly dots: readonly string[]) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    if (dots.length === 0) return;
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: { vizPath: require.resolve('@viz-js/viz'), dots, port: port2, signal: this.signal },
      transferList: [port2],
    });
  }

  /**
   * The SVG of each diagram, in order, once Graphviz has drawn them (this thread waits).
   * @throws if Graphviz fails or takes more than a minute
   */
  public wait(): string[] {
    if (!this.worker) return [];
    try {
      if (Atomics.wait(this.signal, 0, 0, TIMEOUT_MS) === 'timed-out') throw new Error(`diagrams: Graphviz did not finish within ${TIMEOUT_MS / 1000} s`);
      const message = receiveMessageOnPort(this.port)?.message as { svgs?: string[]; error?: string } | undefined;
      if (!message?.svgs) throw new Error(`diagrams: Graphviz failed: ${message?.error ?? 'no answer from its worker'}`);
      return message.svgs.map((svg, i) => finishSvg(svg, this.dots[i]));
    } finally {
      this.close();
    }
  }

  /** Stops the worker (when synthesis fails before the pictures are written). */
  public close(): void {
    this.port.close();
    void this.worker?.terminate();
  }
}

/**
 * The SVG of each of `diagrams`, drawn synchronously: Graphviz runs in a worker thread while this
 * one waits ({@link SvgDrawing}).
 * @throws if Graphviz fails or takes more than a minute
 */
export function renderSvgsSync(diagrams: readonly FlowDiagram[]): string[] {
  return SvgDrawing.start(diagrams).wait();
}
