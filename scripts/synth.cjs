#!/usr/bin/env node
// Runs a TypeScript cdk8s app (by default main.ts) as fast as Node can start: `npm run synth`, and
// the `app` of cdk8s.yaml, so `cdk8s synth` too.
//
//   node scripts/synth.cjs [app.ts]
//
// The app and everything it imports (the library, cdk8s, cdk8s-plus-28, ...) are bundled by esbuild
// into one CommonJS file under node_modules/.cache/cdk8s-tracing/apps/ (or $CDK8S_TRACING_SYNTH_CACHE),
// built again only when a file that went into it changed (their sizes and modification times are
// kept next to it), and run with a V8 code cache made after its first run, so that a start neither transpiles
// TypeScript nor compiles JavaScript already seen. The bundle runs as the main module, with the
// process's arguments and environment (CDK8S_OUTDIR included), so the app behaves as under tsx.
//
// Plain JavaScript, because it has to run before anything is compiled.
'use strict';
const { createHash } = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');
const vm = require('vm');

const root = path.resolve(__dirname, '..');
const entry = path.resolve(process.argv[2] ?? path.join(root, 'main.ts'));
const cacheDir = path.join(process.env.CDK8S_TRACING_SYNTH_CACHE ?? path.join(root, 'node_modules', '.cache', 'cdk8s-tracing', 'apps'),
  createHash('sha256').update(`${entry}\n${process.version}`).digest('hex').slice(0, 16));
const bundleFile = path.join(cacheDir, 'app.js');
const inputsFile = path.join(cacheDir, 'inputs.json');
const codeCacheFile = path.join(cacheDir, 'app.js.v8-cache');

/** Whether the bundle exists and every file that went into it is as it was then. */
function bundleIsCurrent() {
  let inputs;
  try {
    inputs = JSON.parse(fs.readFileSync(inputsFile, 'utf8'));
  } catch {
    return false;
  }
  for (const [file, [size, mtimeMs]] of Object.entries(inputs)) {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat || stat.size !== size || stat.mtimeMs !== mtimeMs) return false;
  }
  return fs.existsSync(bundleFile);
}

/** Writes `data` to `file` through a temporary file, so that concurrent runs never read half a file. */
function writeAtomically(file, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** Bundles the app with esbuild and records what went into it. */
function buildBundle() {
  const esbuild = require('esbuild');
  fs.mkdirSync(cacheDir, { recursive: true });
  let result;
  try {
    result = esbuild.buildSync({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: `node${process.versions.node.split('.')[0]}`,
      outfile: bundleFile,
      write: false,
      metafile: true,
      logLevel: 'error',
      // Graphviz is loaded by path in a worker thread, only when a picture is drawn; the check
      // command's and Pulumi's dependencies are not needed to synthesize.
      external: ['@viz-js/viz', '@pulumi/*', 'ajv', 'ajv-formats', 'esbuild', 'typescript'],
    });
  } catch {
    // esbuild has printed what does not compile, with file and line.
    process.exit(1);
  }
  const inputs = {};
  // This script too: how the bundle is made and run.
  for (const input of [__filename, ...Object.keys(result.metafile.inputs)]) {
    const file = path.resolve(input);
    const stat = fs.statSync(file);
    inputs[file] = [stat.size, stat.mtimeMs];
  }
  fs.rmSync(codeCacheFile, { force: true });
  writeAtomically(bundleFile, result.outputFiles[0].contents);
  writeAtomically(inputsFile, JSON.stringify(inputs));
}

if (!bundleIsCurrent()) buildBundle();

const source = fs.readFileSync(bundleFile, 'utf8');
let cachedData;
try {
  cachedData = fs.readFileSync(codeCacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(Module.wrap(source), { filename: bundleFile, cachedData });

// The bundle is the main module: `require.main === module` holds in it, as when Node runs a file;
// what it leaves to `require` (Graphviz, above) is found from the app's folder, as for the app.
const app = new Module(bundleFile, null);
app.filename = bundleFile;
app.id = '.';
app.paths = Module._nodeModulePaths(path.dirname(entry));
process.mainModule = app;
const appRequire = Module.createRequire(entry);
process.argv.splice(1, 2, entry);

// A code cache holds what V8 compiled until it is made: made when the app has run (and only then,
// if there was none or V8 refused it), it spares the next start compiling what this one used.
if (cachedData === undefined || script.cachedDataRejected) {
  process.once('exit', (code) => {
    if (code !== 0) return;
    try {
      writeAtomically(codeCacheFile, script.createCachedData());
    } catch {
      // A cache that cannot be written is only a slower next start.
    }
  });
}
script.runInThisContext().call(app.exports, app.exports, appRequire, app, bundleFile, cacheDir);
app.loaded = true;
