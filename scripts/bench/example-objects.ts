// Writes the example app's objects (main.ts, resolved as synthesized), chart by chart, to a JSON
// file, for the plain-cdk8s floor of `npm run bench` (scripts/bench/replay.cjs):
//   node --import tsx scripts/bench/example-objects.ts <file.json>
import { writeFileSync } from 'fs';
import { buildApp } from '../../main';

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: example-objects.ts <file.json>');
const app = buildApp();
writeFileSync(file, JSON.stringify(app.charts.map(chart => ({ id: chart.node.id, objects: chart.toJson() }))));
