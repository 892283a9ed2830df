/**
 * `cdk8s-tracing check` as functions: the schema, wiring and policy checks over manifests read
 * from files (checkPaths), or over objects in memory (checkObjects, which the test suite calls on
 * every synthesized stack, so the suite and the command cannot drift apart).
 */
import type { Manifest } from '../wiring/_json';
import { CLUSTER_SCOPED_KINDS } from '../wiring/stack-index';
import { CrdRegistry } from './crd-schemas';
import type { Finding, ObjectFinding, ObjectId } from './finding';
import { KubernetesSchemas } from './k8s-schemas';
import { lineOf, readManifests, type ManifestInput, type ReadOptions, type SourceObject } from './manifest-files';
import { policyFindings } from './policy-check';
import { ruleSelectorMatches } from './rules';
import { schemaFindings } from './schema-check';
import { wiringFindings, type WiringCheckOptions } from './wiring-check';

/** Options of the check. */
export interface CheckOptions extends WiringCheckOptions {
  /**
   * The Kubernetes schemas: a kubernetes-validate schema folder (`v1.37.0-local-strict`), or its
   * `_definitions.json`, or a `.json.gz` of it.
   * @default - the Kubernetes 1.37 schemas shipped in the package
   */
  readonly schemas?: string;
  /** Folders or files of CustomResourceDefinitions, besides those in the input. @default - none */
  readonly crds?: readonly string[];
  /**
   * A folder that keeps the schema validators compiled in one run for the next ones (see
   * KubernetesSchemasOptions.validatorCache). Its files are run as code: a folder only the user writes to.
   * @default - none: validators are compiled in every run
   */
  readonly validatorCache?: string;
  /** Rule ids or families (`policy`, `policy/probes`) not to run. @default - none */
  readonly skip?: readonly string[];
}

/** Findings of every rule over `objects` (in memory: no file or line). */
export function checkObjects(objects: readonly Manifest[], options: CheckOptions = {}): ObjectFinding[] {
  const skip = options.skip ?? [];
  const runs = (family: string) => !skip.some((s) => s === family || s === `${family}/`);
  const findings: ObjectFinding[] = [];
  if (runs('schema')) {
    findings.push(...schemaFindings(objects, { kubernetes: KubernetesSchemas.load(options.schemas, { validatorCache: options.validatorCache }), crds: CrdRegistry.fromPaths(options.crds ?? []) }));
  }
  if (runs('wiring')) findings.push(...wiringFindings(objects, options));
  if (runs('policy')) findings.push(...policyFindings(objects, options));
  return findings.filter((f) => !skip.some((s) => ruleSelectorMatches(s, f.ruleId)));
}

/** Findings of every rule over what was read, each placed in its file at the line of its field. */
export function checkInput(input: ManifestInput, options: CheckOptions = {}): Finding[] {
  const sources = new Map<Manifest, SourceObject>(input.objects.map((s) => [s.object, s]));
  const defaultNamespace = options.defaultNamespace ?? 'default';
  return checkObjects(input.objects.map((s) => s.object), options).map((f) => {
    const source = sources.get(f.object);
    return {
      ruleId: f.ruleId,
      severity: f.severity,
      ...(source ? { file: source.file, line: lineOf(source, f.path) } : {}),
      object: objectId(f.object, defaultNamespace),
      path: f.path,
      message: f.message,
    };
  });
}

/** Reads `paths` (files, folders, `-`) and checks what they hold. Throws InputError for unreadable input. */
export function checkPaths(paths: readonly string[], options: CheckOptions = {}, read: ReadOptions = {}): { input: ManifestInput; findings: Finding[] } {
  const input = readManifests(paths, read);
  return { input, findings: checkInput(input, options) };
}

/** How a finding names its object. */
export function objectId(o: Manifest, defaultNamespace = 'default'): ObjectId {
  const kind = typeof o.kind === 'string' && o.kind !== '' ? o.kind : '<no kind>';
  const name = typeof o.metadata?.name === 'string' ? o.metadata.name : '<no name>';
  const namespace = CLUSTER_SCOPED_KINDS.has(kind) ? undefined : (typeof o.metadata?.namespace === 'string' ? o.metadata.namespace : defaultNamespace);
  return { ...(typeof o.apiVersion === 'string' ? { apiVersion: o.apiVersion } : {}), kind, ...(namespace !== undefined ? { namespace } : {}), name };
}
