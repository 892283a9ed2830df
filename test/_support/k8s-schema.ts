/**
 * Where the test suite finds the Kubernetes 1.37 schemas: the folder that `scripts/k8s-schemas.sh`
 * fills from the `kubernetes-validate==1.37.0` wheel, `$K8S_SCHEMA_DIR` (default
 * `~/.cache/cdk8s-tracing/kubernetes-json-schema-v1.37.0`). The build ships that folder's
 * `_definitions.json` in the package (scripts/ship-k8s-schemas.ts); the checks themselves are the
 * product's (constructs/check/k8s-schemas.ts), loaded once per test file. The validators Ajv
 * compiles are kept in `node_modules/.cache/cdk8s-tracing/validators` (the product's validator
 * cache), so that each test file reads them instead of compiling them again.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DEFINITIONS_FILE, K8S_VERSION, KubernetesSchemas } from '../../constructs/check/k8s-schemas';

export { K8S_VERSION };

/** Folder holding `_definitions.json` and one `<kind>[-<package>]-<version>.json` per kind. */
export function k8sSchemaDir(): string {
  return process.env.K8S_SCHEMA_DIR
    ?? path.join(os.homedir(), '.cache', 'cdk8s-tracing', `kubernetes-json-schema-v${K8S_VERSION}`);
}

export const K8S_SCHEMA_HINT = 'run `bash scripts/k8s-schemas.sh` (or `npm test`, whose pretest hook runs it)';

export interface SchemaSourceStatus {
  readonly available: boolean;
  readonly dir: string;
  /** Why it is unavailable and how to fix it; empty when available. */
  readonly hint: string;
}

export function k8sSchemaStatus(): SchemaSourceStatus {
  const dir = k8sSchemaDir();
  const available = fs.existsSync(path.join(dir, DEFINITIONS_FILE));
  return {
    available,
    dir,
    hint: available ? '' : `Kubernetes ${K8S_VERSION} JSON Schemas not found in ${dir}: ${K8S_SCHEMA_HINT}`,
  };
}

/** Where the suite keeps compiled validators between test files and runs. */
export const SUITE_VALIDATOR_CACHE = path.resolve(__dirname, '..', '..', 'node_modules', '.cache', 'cdk8s-tracing', 'validators');

/** The check's options for the suite's schemas and validator cache (CheckOptions.schemas and .validatorCache). */
export function suiteSchemaOptions(): { readonly schemas: string; readonly validatorCache: string } {
  return { schemas: k8sSchemaDir(), validatorCache: SUITE_VALIDATOR_CACHE };
}

/** The same as command-line options of `cdk8s-tracing check`. */
export function suiteSchemaArgs(): string[] {
  return ['--schemas', k8sSchemaDir(), '--cache', SUITE_VALIDATOR_CACHE];
}

/** The product's schemas, read from the suite's folder. Throws when it is missing. */
export function suiteKubernetesSchemas(): KubernetesSchemas {
  const status = k8sSchemaStatus();
  if (!status.available) throw new Error(status.hint);
  return KubernetesSchemas.load(status.dir, { validatorCache: SUITE_VALIDATOR_CACHE });
}
