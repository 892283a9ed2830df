// Benchmark: how long building, validating and synthesizing the example app takes, and how long
// schema validation of every example object takes. Run: `npm run bench` (not part of the tests).
import { performance } from 'perf_hooks';
import { buildApp } from '../main';
import { validationErrors } from '../constructs';

function measure(label: string, runs: number, fn: () => void): void {
  fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  process.stdout.write(`${label}: median ${median.toFixed(2)} ms, min ${times[0].toFixed(2)} ms, max ${times[times.length - 1].toFixed(2)} ms over ${runs} runs\n`);
}

const runs = Number(process.env.BENCH_RUNS ?? 50);
measure('build the example app (constructs only)', runs, () => { buildApp(); });
measure('build + validate the whole tree', runs, () => { validationErrors(buildApp()); });
measure('build + validate + synthesize to YAML in memory', runs, () => {
  const app = buildApp();
  validationErrors(app);
  app.synthYaml();
});
