/** `--crds`: CustomResourceDefinitions read from folders, several to a file, other documents skipped. */
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { checkObjects } from '../../constructs/check/check';
import { CrdRegistry } from '../../constructs/check/crd-schemas';
import type { Manifest } from '../../constructs/wiring/_json';
import { suiteSchemaOptions } from '../_support/k8s-schema';
import { findingMessage } from '../_support/wiring';
import { describeWithSchemas } from '../_support/validate-manifests';

function crd(group: string, kind: string, plural: string, versions: string[]): string {
  return [
    'apiVersion: apiextensions.k8s.io/v1',
    'kind: CustomResourceDefinition',
    `metadata: { name: ${plural}.${group} }`,
    'spec:',
    `  group: ${group}`,
    `  names: { kind: ${kind}, plural: ${plural} }`,
    '  scope: Namespaced',
    '  versions:',
    ...versions.map((v) => `    - { name: ${v}, served: ${v !== 'v0'}, storage: ${v === 'v1'}, schema: { openAPIV3Schema: { type: object, properties: { spec: { type: object, properties: { size: { type: integer } } } } } } }`),
  ].join('\n');
}

const cr = (apiVersion: string, kind: string, spec: Record<string, unknown>): Manifest => ({ apiVersion, kind, metadata: { name: 'x', namespace: 'ns' }, spec });

describeWithSchemas()('CRDs given with --crds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crds-'));
  writeFileSync(join(dir, 'crds.yaml'), [
    crd('example.com', 'Widget', 'widgets', ['v0', 'v1']),
    'apiVersion: v1\nkind: Namespace\nmetadata: { name: operators }',
    crd('example.com', 'Gizmo', 'gizmos', ['v1']),
  ].join('\n---\n'));
  writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [crds.yaml]\n');
  const check = (objects: Manifest[]) => checkObjects(objects, { ...suiteSchemaOptions(), crds: [dir], skip: ['wiring', 'policy'] }).map(findingMessage);

  test('every CRD of a file is found, and validates its kind', () => {
    expect(check([cr('example.com/v1', 'Widget', { size: 1 }), cr('example.com/v1', 'Gizmo', { size: 2 })])).toStrictEqual([]);
    expect(check([cr('example.com/v1', 'Widget', { size: 'big' }), cr('example.com/v1', 'Gizmo', { colour: 'red' })])).toStrictEqual([
      'Widget/x: /spec/size: must be integer, not string "big"',
      "Gizmo/x: /spec/colour: unknown field 'colour'",
    ]);
  });

  test('a version the CRD does not serve is an unknown kind; a kind no CRD defines only noted', () => {
    expect(check([cr('example.com/v0', 'Widget', {}), cr('example.com/v1', 'Doohickey', {})])).toStrictEqual([
      'Widget/x: /apiVersion: the CustomResourceDefinition of Widget in crds.yaml does not serve example.com/v0 (served: example.com/v1)',
      'Doohickey/x: /apiVersion: custom resource example.com/v1 Doohickey not validated: no CustomResourceDefinition for it in the input or in --crds',
    ]);
  });

  test('the registry of a folder is read once and kept', () => {
    expect(CrdRegistry.fromPaths([dir])).toBe(CrdRegistry.fromPaths([dir]));
    expect(CrdRegistry.fromPaths([dir]).has('example.com/v1', 'Gizmo')).toBe(true);
  });
});
