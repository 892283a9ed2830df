// Writes the pictures of the README (docs/<chart>.svg) from the example app of main.ts, drawn as
// `npm run synth` draws them. Run after changing a construct or the drawing: `npm run docs:pictures`;
// test/diagram/app-diagrams.test.ts fails while a picture is out of date.
import { writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { buildApp } from '../main';
import { diagramsOfApp, renderSvgsSync } from '../constructs';

/** The example stacks the README shows. */
export const README_PICTURES = ['tempo-production', 'trace-pipeline'];

/** The SVG of each README picture, by file name under docs/. */
export function readmePictures(): Map<string, string> {
  const drawn = diagramsOfApp(buildApp()).filter(({ chart }) => README_PICTURES.includes(chart.node.id));
  const svgs = renderSvgsSync(drawn.map(d => d.diagram));
  return new Map(drawn.map(({ chart }, i) => [`${chart.node.id}.svg`, svgs[i]]));
}

if (require.main === module) {
  const docs = join(resolve(__dirname, '..'), 'docs');
  for (const [file, svg] of readmePictures()) {
    writeFileSync(join(docs, file), svg);
    process.stdout.write(`docs/${file}: ${Math.round(svg.length / 1024)} kB\n`);
  }
}
