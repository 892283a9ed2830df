// The floor of `npm run bench` for the example app: plain cdk8s writing the same objects. Loads
// cdk8s and cdk8s-plus-28 (as an app of cdk8s-plus objects does), makes each chart's objects as
// plain ApiObjects from the JSON that scripts/bench/example-objects.ts wrote, and synthesizes them
// with app.synth() into <outdir>:
//   node scripts/bench/replay.cjs <objects.json> <outdir>
// Plain JavaScript, run by Node as it is: no transpilation, no bundle, no code cache.
'use strict';
const { readFileSync } = require('fs');
const { ApiObject, App, Chart, YamlOutputType } = require('cdk8s');
require('cdk8s-plus-28');

const [file, outdir] = process.argv.slice(2);
if (!file || !outdir) throw new Error('usage: replay.cjs <objects.json> <outdir>');
const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
for (const { id, objects } of JSON.parse(readFileSync(file, 'utf8'))) {
  const chart = new Chart(app, id, { disableResourceNameHashes: true });
  objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o));
}
app.synth();
