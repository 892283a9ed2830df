/**
 * A flow diagram as a Graphviz graph: a small typed model of the DOT language (graph, clusters,
 * nodes, edges, attributes; HTML-like labels built from escaped text) and its serialization, so that
 * no label can break the document.
 * @see https://graphviz.org/doc/info/lang.html
 */
import { visibleDetails, wrap } from './_text';
import { DiagramEdge, DiagramNode, DiagramNodeKind, DiagramTraffic, FlowDiagram } from './flow-diagram';

/** An HTML-like label (`<...>` in DOT): build it with {@link HtmlLabel.text} and the other helpers, which escape text. */
export class HtmlLabel {
  /** Escaped text: `&`, `<`, `>` and `"` as entities. */
  public static text(text: string): HtmlLabel {
    return new HtmlLabel(text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'));
  }

  /** An element `<tag attr="v">children</tag>`; attribute values are escaped. */
  public static element(tag: string, attributes: Readonly<Record<string, string | number>>, ...children: HtmlLabel[]): HtmlLabel {
    const attrs = Object.entries(attributes).map(([k, v]) => ` ${k}="${HtmlLabel.text(String(v)).markup}"`).join('');
    return new HtmlLabel(children.length === 0 ? `<${tag}${attrs}/>` : `<${tag}${attrs}>${children.map(c => c.markup).join('')}</${tag}>`);
  }

  private constructor(public readonly markup: string) {}
}

/** An attribute value: a string (quoted and escaped), a number, a boolean, or an HTML-like label. */
export type DotValue = string | number | boolean | HtmlLabel;
/** Attributes of a graph, cluster, node or edge, by name. */
export type DotAttributes = Readonly<Record<string, DotValue>>;

/** A node statement (`"id" [attributes]`). */
export interface DotNode {
  readonly id: string;
  readonly attributes: DotAttributes;
}

/** An edge statement (`"tail" -> "head" [attributes]`). */
export interface DotEdge {
  readonly tail: string;
  readonly head: string;
  readonly attributes: DotAttributes;
}

/** A cluster (`subgraph cluster_...`), drawn as a box around its nodes. */
export interface DotCluster {
  readonly id: string;
  readonly attributes: DotAttributes;
  readonly nodes: readonly DotNode[];
}

/** A directed graph. */
export interface DotGraph {
  readonly id: string;
  readonly graph: DotAttributes;
  readonly nodeDefaults: DotAttributes;
  readonly edgeDefaults: DotAttributes;
  readonly clusters: readonly DotCluster[];
  readonly nodes: readonly DotNode[];
  readonly edges: readonly DotEdge[];
}

/** A DOT identifier or string, always quoted: `"` and `\` escaped, line breaks as `\n`. */
function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

function value(v: DotValue): string {
  if (v instanceof HtmlLabel) return `<${v.markup}>`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return quote(v);
}

function attributeList(a: DotAttributes): string {
  const entries = Object.entries(a);
  return entries.length === 0 ? '' : ` [${entries.map(([k, v]) => `${k}=${value(v)}`).join(', ')}]`;
}

/** The DOT text of `g`. */
export function serializeDot(g: DotGraph): string {
  const lines = [`digraph ${quote(g.id)} {`];
  const statements = (indent: string, attributes: DotAttributes) => Object.entries(attributes).map(([k, v]) => `${indent}${k}=${value(v)};`);
  lines.push(...statements('  ', g.graph));
  lines.push(`  node${attributeList(g.nodeDefaults)};`, `  edge${attributeList(g.edgeDefaults)};`);
  g.clusters.forEach(c => {
    lines.push(`  subgraph ${quote(`cluster_${c.id}`)} {`, ...statements('    ', c.attributes));
    for (const n of c.nodes) lines.push(`    ${quote(n.id)}${attributeList(n.attributes)};`);
    lines.push('  }');
  });
  for (const n of g.nodes) lines.push(`  ${quote(n.id)}${attributeList(n.attributes)};`);
  for (const e of g.edges) lines.push(`  ${quote(e.tail)} -> ${quote(e.head)}${attributeList(e.attributes)};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// the flow diagram's picture

// Graphviz measures text by the metrics of the fonts it knows: Helvetica (which Arial and Liberation Sans match)
// sizes boxes right; a list of fonts would be measured as Times, narrower.
const FONT = 'Helvetica';

/** Fill and border of each family of nodes. */
interface NodeStyle { readonly fill: string; readonly border: string; readonly shape: string }
const OTEL: NodeStyle = { fill: '#e8f5e9', border: '#2e7d32', shape: 'box' };
const JAEGER: NodeStyle = { fill: '#e3f2fd', border: '#1565c0', shape: 'box' };
const TEMPO: NodeStyle = { fill: '#fff3e0', border: '#e65100', shape: 'box' };
const STORE: NodeStyle = { fill: '#eceff1', border: '#455a64', shape: 'cylinder' };
const ACTOR: NodeStyle = { fill: '#ffffff', border: '#616161', shape: 'box' };

function styleOf(kind: DiagramNodeKind): NodeStyle {
  if (kind.startsWith('otel-')) return OTEL;
  if (kind.startsWith('jaeger-')) return JAEGER;
  if (kind.startsWith('tempo')) return TEMPO;
  switch (kind) {
    case DiagramNodeKind.KAFKA: return { fill: '#f3e5f5', border: '#6a1b9a', shape: 'cylinder' };
    case DiagramNodeKind.OBJECT_STORAGE: case DiagramNodeKind.SEARCH: case DiagramNodeKind.METRICS_STORE: return STORE;
    case DiagramNodeKind.MEMBERLIST: return { fill: '#fafafa', border: '#9e9e9e', shape: 'ellipse' };
    case DiagramNodeKind.APPLICATION: case DiagramNodeKind.WORKLOAD: return { fill: '#f5f5f5', border: '#424242', shape: 'box' };
    case DiagramNodeKind.UNRESOLVED: return { fill: '#ffebee', border: '#c62828', shape: 'box' };
    default: return ACTOR;
  }
}

/** Colour, line and arrow of each kind of traffic. */
const TRAFFIC_STYLES: Readonly<Record<DiagramTraffic, DotAttributes>> = {
  [DiagramTraffic.SPANS]: { color: '#263238', fontcolor: '#263238', penwidth: 1.6 },
  [DiagramTraffic.QUERIES]: { color: '#1565c0', fontcolor: '#1565c0' },
  // Polling strategies is not a stage of the spans' way: it does not place the nodes.
  [DiagramTraffic.SAMPLING]: { color: '#e65100', fontcolor: '#e65100', style: 'dashed', constraint: false },
  [DiagramTraffic.MAINTENANCE]: { color: '#78909c', fontcolor: '#546e7a' },
  [DiagramTraffic.MEMBERSHIP]: { color: '#9e9e9e', fontcolor: '#757575', style: 'dotted', arrowhead: 'none' },
  [DiagramTraffic.METRICS]: { color: '#6a1b9a', fontcolor: '#6a1b9a' },
  [DiagramTraffic.CONTROL]: { color: '#9e9e9e', fontcolor: '#757575', style: 'dashed' },
};

/** What the colour and line of each kind of traffic mean, for the legend. */
const TRAFFIC_LEGEND: Readonly<Record<DiagramTraffic, string>> = {
  [DiagramTraffic.SPANS]: 'black: spans',
  [DiagramTraffic.QUERIES]: 'blue: queries',
  [DiagramTraffic.SAMPLING]: 'orange, dashed: sampling strategies polled',
  [DiagramTraffic.MAINTENANCE]: 'grey: index and compaction jobs',
  [DiagramTraffic.MEMBERSHIP]: 'dotted: memberlist gossip',
  [DiagramTraffic.METRICS]: 'purple: metrics',
  [DiagramTraffic.CONTROL]: 'grey, dashed: Kubernetes API calls',
};

/** The legend of what `d` shows: the kinds of traffic it has, dashed boxes if anything is outside. */
function legend(d: FlowDiagram): string[] {
  const traffic = Object.values(DiagramTraffic).filter(t => d.edges.some(e => e.traffic === t)).map(t => TRAFFIC_LEGEND[t]);
  const text = [
    ...(d.edges.length > 0 ? [`Arrows point to the side that listens. ${traffic.join('; ').replace(/^./, c => c.toUpperCase())}.`] : []),
    ...(d.nodes.some(n => n.external) ? ['Dashed boxes are outside the stack.'] : []),
  ].join(' ');
  return wrap(text, 100);
}

/** A node's label: the title in bold, its details, and its sampling on a yellow band. */
function nodeLabel(n: DiagramNode): HtmlLabel {
  const { element: el, text } = HtmlLabel;
  const row = (cell: HtmlLabel, attributes: Record<string, string> = {}) => el('TR', {}, el('TD', { ALIGN: 'CENTER', ...attributes }, cell));
  const lines = (s: string, width: number) => wrap(s, width).flatMap((l, i) => (i === 0 ? [text(l)] : [el('BR', {}), text(l)]));
  const rows = [
    row(el('B', {}, text(n.label))),
    ...visibleDetails(n).map(d => row(el('FONT', { 'POINT-SIZE': 10, 'COLOR': '#37474f' }, ...lines(d, 44)))),
  ];
  if (n.sampling) {
    const parts = n.sampling.split('; ').map(p => lines(p, 40));
    rows.push(row(el('FONT', { 'POINT-SIZE': 10, 'COLOR': '#5d4037' }, ...parts.flatMap((p, i) => (i === 0 ? p : [el('BR', {}), ...p]))), { BGCOLOR: '#fff8c4' }));
  }
  return el('TABLE', { BORDER: 0, CELLBORDER: 0, CELLSPACING: 0, CELLPADDING: 2 }, ...rows);
}

function dotNode(n: DiagramNode): DotNode {
  const s = styleOf(n.kind);
  return {
    id: n.id,
    attributes: {
      label: nodeLabel(n), shape: s.shape, fillcolor: s.fill, color: s.border,
      style: [s.shape === 'box' ? 'rounded' : '', 'filled', n.external ? 'dashed' : ''].filter(x => x).join(','),
    },
  };
}

/**
 * The edges drawn: one per pair of nodes and kind of traffic, its ports on lines of the label.
 * Data that flows against the connection (a Kafka consumer, a reader, an SDK polling strategies) is
 * laid out the way the data goes (`dir=back`), the arrow still at the listening side, so that
 * spans read left to right from the applications to storage and on to the readers.
 */
function dotEdges(edges: readonly DiagramEdge[]): DotEdge[] {
  const merged = new Map<string, DiagramEdge[]>();
  for (const e of edges) {
    const key = `${e.from}\n${e.to}\n${e.traffic}\n${e.pulls}`;
    merged.set(key, [...(merged.get(key) ?? []), e]);
  }
  return [...merged.values()].map(group => {
    const e = group[0];
    // Gossip runs on one port, which the ring's node names: its many edges go unlabelled.
    const attributes: DotAttributes = e.traffic === DiagramTraffic.MEMBERSHIP
      ? { ...TRAFFIC_STYLES[e.traffic] }
      : { label: group.map(g => `${g.protocol} ${g.port}`).join('\n'), ...TRAFFIC_STYLES[e.traffic], ...(e.pulls ? { dir: 'back' } : {}) };
    return e.pulls ? { tail: e.to, head: e.from, attributes } : { tail: e.from, head: e.to, attributes };
  });
}

/** The graph's label, at the top: the title, then the legend. */
function titleLabel(d: FlowDiagram): HtmlLabel {
  const { element: el, text } = HtmlLabel;
  const rows = [el('TR', {}, el('TD', { ALIGN: 'LEFT' }, el('B', {}, text(d.title ? `${d.title}: how spans flow` : 'how spans flow'))))];
  const lines = legend(d);
  if (lines.length > 0) {
    rows.push(el('TR', {}, el('TD', { ALIGN: 'LEFT', BALIGN: 'LEFT' },
      el('FONT', { 'POINT-SIZE': 10, 'COLOR': '#616161' }, ...lines.flatMap((l, i) => (i === 0 ? [text(l)] : [el('BR', {}), text(l)]))))));
  }
  return el('TABLE', { BORDER: 0, CELLPADDING: 2 }, ...rows);
}

/** The Graphviz graph of a flow diagram: left to right, one cluster per namespace of the stack and per other stack. */
export function diagramToDot(d: FlowDiagram): DotGraph {
  const clusters = new Map<string, { label: string; nodes: DotNode[]; own: boolean }>();
  const loose: DotNode[] = [];
  for (const n of d.nodes) {
    const key = n.stack ? `stack ${n.stack}` : !n.external && n.namespace !== undefined ? `namespace ${n.namespace}` : undefined;
    if (!key) {
      loose.push(dotNode(n));
      continue;
    }
    const c = clusters.get(key) ?? { label: n.stack ? `stack ${n.stack}` : `namespace ${n.namespace}`, nodes: [], own: !n.stack };
    c.nodes.push(dotNode(n));
    clusters.set(key, c);
  }
  return {
    id: d.title || 'stack',
    graph: {
      rankdir: 'LR', newrank: true, nodesep: 0.3, ranksep: 0.55, fontname: FONT, fontsize: 16, labelloc: 't', labeljust: 'l',
      label: titleLabel(d),
      bgcolor: 'white', pad: 0.2,
    },
    nodeDefaults: { fontname: FONT, fontsize: 12, margin: '0.16,0.06', penwidth: 1.2 },
    edgeDefaults: { fontname: FONT, fontsize: 9, arrowsize: 0.7 },
    clusters: [...clusters.values()].map((c, i) => ({
      id: String(i),
      attributes: { label: c.label, fontsize: 11, fontcolor: '#616161', style: c.own ? 'rounded' : 'rounded,dashed', color: '#b0bec5', margin: 12 },
      nodes: c.nodes,
    })),
    nodes: loose,
    edges: dotEdges(d.edges),
  };
}

/** The DOT text of a flow diagram, for Graphviz. */
export function renderDot(d: FlowDiagram): string {
  return serializeDot(diagramToDot(d));
}
