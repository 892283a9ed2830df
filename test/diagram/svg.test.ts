/** The SVG pictures: drawn by Graphviz in WebAssembly, well-formed, naming every node and port. */
import { buildApp } from '../../main';
import { diagramsOfApp, DiagramNodeKind, DiagramTraffic, FlowDiagram, renderSvg, renderSvgsSync } from '../../constructs';
import { allElements, parseXml } from '../_support/xml';

const drawn = diagramsOfApp(buildApp()).map(({ diagram }) => diagram);
const svgs = renderSvgsSync(drawn);

/** The text of every `<text>` element of an SVG. */
function texts(svg: string): string[] {
  return allElements(parseXml(svg)).filter(e => e.name === 'text').map(e => e.text);
}

describe('the example stacks as SVG', () => {
  test.each(drawn.map((d, i) => [d.title, i] as const))('%s: well-formed SVG naming every node, every port and the sampling of each stage', (_, i) => {
    const d = drawn[i];
    const root = parseXml(svgs[i]);
    expect(root.name).toBe('svg');
    expect(root.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
    const words = texts(svgs[i]);
    expect(d.nodes.map(n => n.label).filter(label => !words.includes(label))).toStrictEqual([]);
    const ports = d.edges.filter(e => e.traffic !== DiagramTraffic.MEMBERSHIP).map(e => `${e.protocol} ${e.port}`);
    expect(ports.filter(p => !words.includes(p))).toStrictEqual([]);
    // The sampling notes, wrapped over lines: every word of them is there.
    const all = words.join(' ');
    expect(d.nodes.flatMap(n => (n.sampling ?? '').split(/[\s;]+/).filter(w => w)).filter(w => !all.includes(w))).toStrictEqual([]);
    expect(words[0]).toBe(`${d.title}: how spans flow`);
  });

  test('the fonts named are those Graphviz measured the text with, Helvetica or the same metrics, before any other', () => {
    const families = new Set(allElements(parseXml(svgs[0])).map(e => e.attributes['font-family']).filter(f => f !== undefined));
    expect([...families]).toStrictEqual(['Helvetica,Arial,Liberation Sans,sans-serif']);
  });

  test('drawn asynchronously (loading Graphviz by dynamic import) or in a worker, the picture is the same', async () => {
    expect(await renderSvg(drawn[0])).toBe(svgs[0]);
  });

  test('labels with markup characters are escaped, and appear as written', async () => {
    const weird = '<b>"x" & y</b> #1';
    const d: FlowDiagram = {
      title: weird,
      nodes: [
        { id: weird, kind: DiagramNodeKind.APPLICATION, label: weird, details: [weird], sampling: weird, external: false, namespace: weird },
        { id: 'b', kind: DiagramNodeKind.SEARCH, label: 'b', details: [], external: true },
      ],
      edges: [{ from: weird, to: 'b', protocol: weird, port: 1, traffic: DiagramTraffic.SPANS, pulls: false }],
    };
    const words = texts(await renderSvg(d));
    expect(words).toContain(weird);
    expect(words).toContain(`${weird} 1`);
    expect(words).toContain(`namespace ${weird}`);
  });

  test('nothing to draw, nothing drawn', () => {
    expect(renderSvgsSync([])).toStrictEqual([]);
  });
});

describe('the well-formedness check', () => {
  test('accepts what XML allows', () => {
    const root = parseXml('<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "a" "b">\n<!-- c --><svg a=\'1\' b="&lt;&#65;&#x42;"><g/><text>x &amp; y</text></svg>\n');
    expect(root.attributes).toStrictEqual({ a: '1', b: '<AB' });
    expect(allElements(root).map(e => `${e.name}:${e.text}`)).toStrictEqual(['svg:', 'g:', 'text:x & y']);
  });

  test.each([
    ['<svg><g></svg>', /<\/svg> closes <g>/],
    ['<svg>', /<svg> is not closed/],
    ['<svg a="1" a="2"/>', /attribute 'a' repeated/],
    ['<svg a=1/>', /malformed attribute/],
    ['<svg>&nbsp;</svg>', /unknown entity '&nbsp;'/],
    ['<svg>a & b</svg>', /unterminated entity reference/],
    ['<svg/><svg/>', /a second root element/],
    ['text<svg/>', /text outside the root element/],
    ['<!-- a -- b --><svg/>', /'--' inside a comment/],
    ['', /no root element/],
  ])('fails if %s', (xml, message) => {
    expect(() => parseXml(xml)).toThrow(message);
  });
});
