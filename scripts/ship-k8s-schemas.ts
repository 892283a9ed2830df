// Build step (`npm run build`, after tsc): ships the Kubernetes 1.37 strict schemas in the package,
// for `cdk8s-tracing check` to read offline. Copies `_definitions.json` of the folder that
// scripts/k8s-schemas.sh caches from the kubernetes-validate==1.37.0 wheel (generated from the
// Kubernetes OpenAPI, Apache-2.0), unchanged and gzipped, to lib/schemas/kubernetes-1.37.0-strict.json.gz.
// The per-kind files of that folder are not needed: each is its definition with `type: object`,
// which constructs/check/k8s-schemas.ts builds from the definitions.
import { createHash } from 'crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join, relative, resolve } from 'path';
import { gzipSync } from 'zlib';
import { DEFINITIONS_FILE, SHIPPED_SCHEMA_FILE } from '../constructs/check/k8s-schemas';
import { k8sSchemaStatus } from '../test/_support/k8s-schema';

const root = resolve(__dirname, '..');
const status = k8sSchemaStatus();
if (!status.available) {
  process.stderr.write(`ship-k8s-schemas: ${status.hint}\n`);
  process.exit(1);
}
const definitions = readFileSync(join(status.dir, DEFINITIONS_FILE));
const parsed = JSON.parse(definitions.toString('utf8')) as { $id?: unknown; $defs?: Record<string, unknown> };
if (typeof parsed.$id !== 'string' || typeof parsed.$defs !== 'object') {
  process.stderr.write(`ship-k8s-schemas: ${join(status.dir, DEFINITIONS_FILE)} is not the definitions file (no $id or $defs)\n`);
  process.exit(1);
}
const dir = join(root, 'lib', 'schemas');
mkdirSync(dir, { recursive: true });
const out = join(dir, SHIPPED_SCHEMA_FILE);
const gz = gzipSync(definitions, { level: 9 });
writeFileSync(out, gz);
const sha = createHash('sha256').update(definitions).digest('hex').slice(0, 16);
process.stdout.write(`ship-k8s-schemas: ${relative(root, out)}: ${Object.keys(parsed.$defs!).length} definitions, ${Math.round(definitions.length / 1024)} kB -> ${Math.round(gz.length / 1024)} kB gzipped (sha256 of the JSON ${sha}…)\n`);
