/**
 * Flow diagrams drawn as SVG by Graphviz, compiled to WebAssembly (`@viz-js/viz`, MIT; Graphviz
 * is EPL): no program to install and no network. The module is loaded only when a picture is
 * drawn, so synthesis without diagrams and the code that only reads the model never pay for it.
 * @see https://github.com/mdaines/viz-js
 */
import { MessageChannel, receiveMessageOnPort, Worker } from 'worker_threads';
import { renderDot } from './dot';
import { FlowDiagram } from './flow-diagram';

/** The SVG of `diagram`. */
export async function renderSvg(diagram: FlowDiagram): Promise<string> {
  const viz = await (await import('@viz-js/viz')).instance();
  return withFontFallbacks(viz.renderString(renderDot(diagram), { format: 'svg', engine: 'dot' }));
}

/**
 * Graphviz sized the text by Helvetica's metrics and names `Helvetica,sans-Serif`; where Helvetica
 * is missing, the fonts of the same metrics (Arial, Liberation Sans) are named before any
 * sans-serif font, which may be wider and overflow the boxes.
 */
function withFontFallbacks(svg: string): string {
  return svg.replace(/font-family="Helvetica,sans-Serif"/g, 'font-family="Helvetica,Arial,Liberation Sans,sans-serif"');
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

/** How long {@link renderSvgsSync} waits for Graphviz before it gives up. */
const TIMEOUT_MS = 60_000;

/**
 * The SVG of each of `diagrams`, drawn synchronously (for {@link synthesizeApp}, which is): Graphviz
 * runs in a worker thread while this one waits, because WebAssembly is only instantiated
 * asynchronously.
 * @throws if Graphviz fails or takes more than a minute
 */
export function renderSvgsSync(diagrams: readonly FlowDiagram[]): string[] {
  if (diagrams.length === 0) return [];
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { vizPath: require.resolve('@viz-js/viz'), dots: diagrams.map(renderDot), port: port2, signal },
    transferList: [port2],
  });
  try {
    if (Atomics.wait(signal, 0, 0, TIMEOUT_MS) === 'timed-out') throw new Error(`diagrams: Graphviz did not finish within ${TIMEOUT_MS / 1000} s`);
    const message = receiveMessageOnPort(port1)?.message as { svgs?: string[]; error?: string } | undefined;
    if (!message?.svgs) throw new Error(`diagrams: Graphviz failed: ${message?.error ?? 'no answer from its worker'}`);
    return message.svgs.map(withFontFallbacks);
  } finally {
    port1.close();
    void worker.terminate();
  }
}
