/**
 * Where the test suite finds the CustomResourceDefinitions its custom resources are validated
 * against: `$CRD_DIR` (default `<repo>/../shared/crds`, see its SOURCES.md; the files are never
 * copied into the project). The conversion and the validators are the product's
 * (constructs/check/crd-schemas.ts, what `cdk8s-tracing check --crds` uses).
 */
import * as fs from 'fs';
import * as path from 'path';
import { CrdRegistry } from '../../constructs/check/crd-schemas';
import type { SchemaSourceStatus } from './k8s-schema';

/** `<repo>/test/_support` -> `<repo>/../shared/crds`, unless `$CRD_DIR` says otherwise. */
export function crdDir(): string {
  return process.env.CRD_DIR ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'crds');
}

export function crdStatus(): SchemaSourceStatus {
  const dir = crdDir();
  const available = fs.existsSync(dir) && fs.readdirSync(dir).some((f) => /\.ya?ml$/.test(f));
  return {
    available,
    dir,
    hint: available ? '' : `no CustomResourceDefinitions (*.yaml) in ${dir}: set CRD_DIR to the folder that holds them`,
  };
}

/** The product's CRD registry over the suite's folder. Throws when it is missing. */
export function suiteCrds(): CrdRegistry {
  const status = crdStatus();
  if (!status.available) throw new Error(status.hint);
  return CrdRegistry.fromPaths([status.dir]);
}
