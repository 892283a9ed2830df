/**
 * The validator cache (KubernetesSchemas.load(..., { validatorCache })): validators compiled once
 * are kept as JavaScript and read back by later processes, with the same findings.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { CrdRegistry as CrdRegistryClass } from '../../constructs/check/crd-schemas';
import type { KubernetesSchemas as KubernetesSchemasClass } from '../../constructs/check/k8s-schemas';
import type { schemaFindings as schemaFindingsFunction } from '../../constructs/check/schema-check';
import type { Manifest } from '../../constructs/wiring/_json';
import { k8sSchemaDir } from '../_support/k8s-schema';
import { findingMessage } from '../_support/wiring';
import { describeWithSchemas } from '../_support/validate-manifests';

/** The check's modules as a new process has them: nothing compiled, nothing kept in memory. */
function freshModules(): { KubernetesSchemas: typeof KubernetesSchemasClass; CrdRegistry: typeof CrdRegistryClass; schemaFindings: typeof schemaFindingsFunction } {
  let modules: ReturnType<typeof freshModules> | undefined;
  jest.isolateModules(() => {
    modules = {
      KubernetesSchemas: require('../../constructs/check/k8s-schemas').KubernetesSchemas,
      CrdRegistry: require('../../constructs/check/crd-schemas').CrdRegistry,
      schemaFindings: require('../../constructs/check/schema-check').schemaFindings,
    };
  });
  return modules!;
}

const deployment = (spec: Record<string, unknown>): Manifest => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ns' }, spec });
const container = { name: 'web', image: 'web:1' };
const valid = deployment({ selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } } });
/** Wrong in ways the compiled code checks: an unknown field, a type, a required field. */
const invalid = deployment({
  replicas: 'two',
  selector: { matchLabels: { app: 'web' } },
  template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ ...container, colour: 'red' }, { image: 'x:1' }] } },
});
/** A custom resource, whose validator the CRD's schema makes (with ObjectMeta from the definitions). */
const crdDir = mkdtempSync(join(tmpdir(), 'crds-'));
writeFileSync(join(crdDir, 'widget.yaml'), [
  'apiVersion: apiextensions.k8s.io/v1',
  'kind: CustomResourceDefinition',
  'metadata: { name: widgets.example.com }',
  'spec:',
  '  group: example.com',
  '  names: { kind: Widget, plural: widgets }',
  '  scope: Namespaced',
  '  versions:',
  '    - { name: v1, served: true, storage: true, schema: { openAPIV3Schema: { type: object, properties: { spec: { type: object, properties: { size: { type: integer }, every: { type: string, format: duration }, code: { type: string, pattern: \'(?i)^[a-z]+$\' } } } } } } }',
].join('\n'));
const widget = (spec: Record<string, unknown>): Manifest => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'ns', labels: { 'a b': 'c' } }, spec });
const objects = [valid, invalid, widget({ size: 1, every: '90s', code: 'AbC' }), widget({ size: 'big', every: 'P1D', code: 'a-b', colour: 'red' })];

describeWithSchemas()('validator cache', () => {
  const check = (cache: string | undefined) => {
    const { KubernetesSchemas, CrdRegistry, schemaFindings } = freshModules();
    const kubernetes = KubernetesSchemas.load(k8sSchemaDir(), { validatorCache: cache });
    return schemaFindings(objects, { kubernetes, crds: CrdRegistry.fromPaths([crdDir]) }).map(findingMessage);
  };
  const uncached = check(undefined);

  test('the findings are those found without a cache', () => {
    expect(uncached).toEqual([
      'Deployment/web: /spec/replicas: must be integer, not string "two"',
      "Deployment/web: /spec/template/spec/containers/0/colour: unknown field 'colour'",
      "Deployment/web: /spec/template/spec/containers/1: missing required field 'name'",
      "Widget/w: /spec/colour: unknown field 'colour'",
      'Widget/w: /spec/size: must be integer, not string "big"',
      'Widget/w: /spec/every: must be a valid duration, not string "P1D"',
      'Widget/w: /spec/code: must match the pattern (?i)^[a-z]+$, not string "a-b"', // 'AbC' matched: RE2's (?i)
    ]);
    const cache = mkdtempSync(join(tmpdir(), 'validators-'));
    expect(check(cache)).toEqual(uncached); // compiled, and written
    expect(readdirSync(cache).filter((f) => f.endsWith('.js'))).toHaveLength(2); // Deployment, Widget
    expect(readdirSync(cache).filter((f) => !f.endsWith('.js'))).toEqual([]); // no temporary file left
    expect(check(cache)).toEqual(uncached); // read back
  });

  test('a later process validates with the cached code, without compiling', () => {
    const cache = mkdtempSync(join(tmpdir(), 'validators-'));
    check(cache);
    // Replace every cached validator by one that accepts anything: the next check finds nothing.
    for (const file of readdirSync(cache)) writeFileSync(join(cache, file), 'module.exports = function v() { v.errors = null; return true; };');
    expect(check(cache)).toEqual([]);
  });

  test('a cached file that does not run is compiled again and written whole', () => {
    const cache = mkdtempSync(join(tmpdir(), 'validators-'));
    check(cache);
    const files = readdirSync(cache);
    for (const file of files) writeFileSync(join(cache, file), 'module.exports = (');
    expect(check(cache)).toEqual(uncached);
    expect(readdirSync(cache)).toEqual(files);
    for (const file of files) expect(readFileSync(join(cache, file), 'utf8')).toMatch(/^"use strict";/);
  });

  test('another schema is another file', () => {
    const cache = mkdtempSync(join(tmpdir(), 'validators-'));
    const { KubernetesSchemas } = freshModules();
    const kubernetes = KubernetesSchemas.load(k8sSchemaDir(), { validatorCache: cache });
    kubernetes.compile({ type: 'object', properties: { a: { type: 'string' } } });
    kubernetes.compile({ type: 'object', properties: { a: { type: 'integer' } } });
    kubernetes.compile({ type: 'object', properties: { a: { type: 'string' } } });
    expect(readdirSync(cache)).toHaveLength(2);
  });

  test('a cache that cannot be written only costs the compilation', () => {
    const notAFolder = join(mkdtempSync(join(tmpdir(), 'validators-')), 'file');
    writeFileSync(notAFolder, '');
    expect(check(join(notAFolder, 'cache'))).toEqual(uncached);
  });
});
