// In-process timings of the example app (main.ts), run as its own process by `npm run bench`:
//   node --import tsx scripts/bench/example-app.ts <runs> <outdir>
// prints one line of JSON: for each step, every run's milliseconds (after one warm-up run). The
// steps split `npm run synth`'s work once the modules are loaded: constructing the six stacks,
// validating the tree, cdk8s's own app.synth() for comparison, and synthesizeApp as main.ts calls
// it (validation, files, and the pictures of each chart: drawn once, then kept as unchanged).
import { App } from 'cdk8s';
import { synthesizeApp, validationErrors } from '../../constructs';
import { buildApp } from '../../main';

const [runsArg, outdir] = process.argv.slice(2);
const runs = Number(runsArg ?? 10);
if (!outdir) throw new Error('usage: example-app.ts <runs> <outdir>');

function times(fn: () => void): number[] {
  fn(); // warm-up
  const result: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    result.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return result;
}

const app = (): App => buildApp({ outdir });
const steps: Record<string, number[]> = {
  'build (constructs only)': times(() => { app(); }),
  'build + validate': times(() => { validationErrors(app()); }),
  'build + app.synth() (cdk8s\'s own: validates once per chart, yaml library)': times(() => { app().synth(); }),
  'build + synthesizeApp, no pictures': times(() => { synthesizeApp(app(), { diagrams: false }); }),
  'build + synthesizeApp (as main.ts)': times(() => { synthesizeApp(app()); }),
};
process.stdout.write(`${JSON.stringify(steps)}\n`);
