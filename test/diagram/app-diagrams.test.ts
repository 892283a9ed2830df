/** Synthesis draws each chart next to its manifests; the README's pictures are the current ones. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { App, Chart } from 'cdk8s';
import { buildApp } from '../../main';
import { diagramsOfApp, JaegerAllInOne, renderDot, renderMermaid, renderMermaidMarkdown, renderSvgsSync, svgDrawingMark, synthesizeApp, writeAppDiagrams } from '../../constructs';
import { readmePictures, README_PICTURES } from '../../scripts/docs-pictures';

const CHARTS = ['jaeger-dev', 'jaeger-operator', 'jaeger-production', 'tempo-monolithic', 'tempo-production', 'trace-pipeline'];

describe('synthesizeApp', () => {
  test('writes <chart>.svg and <chart>.md next to each chart\'s manifests: the SVG Graphviz draws and the Mermaid block', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'diagrams-'));
    const app = buildApp({ outdir });
    synthesizeApp(app);
    expect(readdirSync(outdir).sort()).toStrictEqual(CHARTS.flatMap(c => [`${c}.k8s.yaml`, `${c}.md`, `${c}.svg`]));
    const drawn = diagramsOfApp(app);
    const svgs = renderSvgsSync(drawn.map(d => d.diagram));
    drawn.forEach(({ chart, diagram }, i) => {
      expect(readFileSync(join(outdir, `${chart.node.id}.svg`), 'utf8')).toBe(svgs[i]);
      expect(readFileSync(join(outdir, `${chart.node.id}.md`), 'utf8')).toBe(renderMermaidMarkdown(diagram));
    });
  });

  test('with diagrams: false, writes the manifests only', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'no-diagrams-'));
    synthesizeApp(buildApp({ outdir }), { diagrams: false });
    expect(readdirSync(outdir).sort()).toStrictEqual(CHARTS.map(c => `${c}.k8s.yaml`));
  });

  test('fails if the app is invalid: no manifest and no picture is written', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'invalid-'));
    const app = new App({ outdir });
    const chart = new Chart(app, 'clash', { namespace: 'clash' });
    new JaegerAllInOne(chart, 'a');
    new JaegerAllInOne(chart, 'b');
    expect(() => synthesizeApp(app)).toThrow(/synthesis refused/);
    expect(readdirSync(outdir)).toStrictEqual([]);
  });

  test('keeps a picture drawn from the same graph, and draws again one drawn from another graph', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'redraw-'));
    const make = () => {
      const app = new App({ outdir });
      new JaegerAllInOne(new Chart(app, 'dev', { namespace: 'dev' }), 'jaeger');
      return app;
    };
    const app = make();
    synthesizeApp(app);
    const svg = join(outdir, 'dev.svg');
    const mark = svgDrawingMark(renderDot(diagramsOfApp(app)[0].diagram));
    expect(readFileSync(svg, 'utf8')).toContain(mark);
    // A file that carries the mark of the current graph is kept as it is (not drawn again) ...
    writeFileSync(svg, `<svg>kept</svg>\n${mark}\n`);
    synthesizeApp(make());
    expect(readFileSync(svg, 'utf8')).toBe(`<svg>kept</svg>\n${mark}\n`);
    // ... one without it is drawn again.
    writeFileSync(svg, `<svg>stale</svg>\n${svgDrawingMark('digraph "other" {}')}\n`);
    synthesizeApp(make());
    expect(readFileSync(svg, 'utf8')).toBe(renderSvgsSync([diagramsOfApp(make())[0].diagram])[0]);
  });

  test('the mark names the Graphviz build and the SHA-256 of the DOT text, and differs between graphs', () => {
    expect(svgDrawingMark('digraph "a" {}')).toMatch(/^<!-- cdk8s-tracing: drawn by @viz-js\/viz \d+\.\d+\.\d+ from DOT sha256:[0-9a-f]{64} -->$/);
    expect(svgDrawingMark('digraph "a" {}')).not.toBe(svgDrawingMark('digraph "b" {}'));
  });

  test('writeAppDiagrams writes into the directory it is given and returns what it wrote', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'write-'));
    const app = new App({ outdir: join(outdir, 'unused') });
    new JaegerAllInOne(new Chart(app, 'dev', { namespace: 'dev' }), 'jaeger');
    app.synth();
    expect(writeAppDiagrams(app, outdir)).toStrictEqual([join(outdir, 'dev.svg'), join(outdir, 'dev.md')]);
    expect(readFileSync(join(outdir, 'dev.svg'), 'utf8')).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*>dev: how spans flow<[\s\S]*<\/svg>\n$/);
  });
});

describe('the README\'s pictures', () => {
  const pictures = readmePictures();
  test.each(README_PICTURES)('docs/%s.svg is the picture npm run synth draws (npm run docs:pictures redraws it)', (chart) => {
    expect(readFileSync(resolve(__dirname, '..', '..', 'docs', `${chart}.svg`), 'utf8')).toBe(pictures.get(`${chart}.svg`));
  });

  test('the README shows them, and the Mermaid block of tempo-monolithic as synthesis writes it', () => {
    const readme = readFileSync(resolve(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const chart of README_PICTURES) expect(readme).toContain(`](docs/${chart}.svg)`);
    const monolithic = diagramsOfApp(buildApp()).find(({ chart }) => chart.node.id === 'tempo-monolithic')!.diagram;
    expect(readme).toContain(`\n\`dist/tempo-monolithic.md\` holds:\n\n\`\`\`mermaid\n${renderMermaid(monolithic)}\`\`\`\n`);
  });
});
