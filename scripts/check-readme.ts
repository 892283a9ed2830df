// Compiles and runs every TypeScript example of README.md against the built package, imported by
// its name (`cdk8s-tracing`, `cdk8s-tracing/pulumi`) through package.json `exports`, as another
// repository would. Pulumi programs are compiled only.
// Run after `npm run build`: `npx tsx scripts/check-readme.ts`.
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

const root = resolve(__dirname, '..');
const dir = join(root, '.cache', 'readme');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map(m => m[1]).filter(code => /from 'cdk8s-tracing(\/pulumi)?'/.test(code));
if (blocks.length === 0) throw new Error('README.md has no TypeScript example importing cdk8s-tracing');
const files = blocks.map((code, i) => {
  const file = join(dir, `example-${i + 1}.ts`);
  writeFileSync(file, code);
  return file;
});
writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
  compilerOptions: {
    target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true,
    skipLibCheck: true, types: ['node'], typeRoots: [join(root, 'node_modules', '@types')],
  },
  files,
}, null, 2));

const tsc = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
if (tsc.status !== 0) {
  process.stderr.write(`README examples do not compile:\n${tsc.stdout}${tsc.stderr}`);
  process.exit(1);
}

// A Pulumi program runs only inside the Pulumi engine: those examples are compiled, not run (the
// production example is run by test/programs/pulumi.test.ts and under mocks by check:consumer).
const runnable = files.filter((_, i) => !blocks[i].includes("from 'cdk8s-tracing/pulumi'"));
for (const file of runnable) {
  const outdir = mkdtempSync(join(tmpdir(), 'readme-'));
  const run = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [file], { encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: outdir } });
  const written = readdirSync(outdir);
  if (run.status !== 0 || written.length === 0) {
    process.stderr.write(`README example ${file} failed (exit ${run.status}, ${written.length} files):\n${run.stdout}${run.stderr}`);
    process.exit(1);
  }
  process.stdout.write(`README example ${file.slice(root.length + 1)}: compiled, ran, wrote ${written.join(', ')}\n`);
}
process.stdout.write(`${files.length} README examples compiled against the built package, ${runnable.length} of them ran (the others are Pulumi programs)\n`);
