/** Reading manifests for `cdk8s-tracing check`: documents, lists, JSON, and the line of a field. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { InputError, lineOf, parseManifests, readManifests, type SourceObject } from '../../constructs/check/manifest-files';

const names = (objects: readonly SourceObject[]) => objects.map((o) => `${o.object.kind}/${o.object.metadata?.name}`);
const byName = (objects: readonly SourceObject[], name: string) => objects.find((o) => o.object.metadata?.name === name)!;

describe('parseManifests', () => {
  test('reads every document: comments, empty documents, content on the marker line, end markers, directives', () => {
    const text = [
      '# Source: chart/templates/a.yaml', // 1
      '---',                                // 2
      '---',                                // 3 (an empty document)
      'apiVersion: v1',                     // 4
      'kind: ConfigMap',
      'metadata: { name: a }',
      '--- { apiVersion: v1, kind: ConfigMap, metadata: { name: b } }', // 7
      '...',
      '%YAML 1.2',
      '---',                                // 10
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: c',                          // 14
      '  labels: { x: "1" }',
      '',
    ].join('\n');
    const objects = parseManifests(text, 'a.yaml');
    expect(names(objects)).toStrictEqual(['ConfigMap/a', 'ConfigMap/b', 'ConfigMap/c']);
    expect(lineOf(byName(objects, 'a'), '/metadata/name')).toBe(6);
    expect(lineOf(byName(objects, 'b'), '/metadata/name')).toBe(7);
    expect(lineOf(byName(objects, 'c'), '/metadata/name')).toBe(14);
    expect(lineOf(byName(objects, 'c'), '/metadata/labels/x')).toBe(15);
  });

  test('a List gives its items, a typed list lends them its apiVersion and kind', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: v1',                 // 4
      '    kind: Service',
      '    metadata: { name: web }',
      '    spec:',
      '      ports: [{ port: 80 }]',        // 8
      '  - apiVersion: apps/v1',
      '    kind: DeploymentList',
      '    items:',
      '      - metadata: { name: nested }', // 12
      '        spec: { replicas: 2 }',
    ].join('\n');
    const objects = parseManifests(text, 'list.yaml');
    expect(names(objects)).toStrictEqual(['Service/web', 'Deployment/nested']);
    expect(objects.map((o) => o.pointer)).toStrictEqual(['/items/0', '/items/1/items/0']);
    expect(byName(objects, 'nested').object.apiVersion).toBe('apps/v1');
    expect(lineOf(byName(objects, 'web'), '/spec/ports/0/port')).toBe(8);
    expect(lineOf(byName(objects, 'nested'), '/spec/replicas')).toBe(13);
  });

  test('JSON files are read as JSON, lines included', () => {
    const objects = parseManifests('{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": {\n    "name": "j"\n  }\n}\n', 'cm.json');
    expect(names(objects)).toStrictEqual(['ConfigMap/j']);
    expect(lineOf(objects[0], '/metadata/name')).toBe(5);
  });

  test('a missing field is placed at its parent; a field inside a literal block at its own line', () => {
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: c }',
      'data:',                                   // 4
      '  config.yaml: |',                        // 5
      '    exporters:',                          // 6
      '      otlp:',
      '        endpoint: tempo:4317',            // 8
      '  two.yaml: |',                           // 9
      '    a: 1',
      '    ---',
      '    b:',                                  // 12
      '      - url: http://x:80',                // 13
      '  folded: >',                             // 14
      '    url: http://y:80',
    ].join('\n');
    const [o] = parseManifests(text, 'c.yaml');
    expect(lineOf(o, '/data/nothing')).toBe(4);
    expect(lineOf(o, '/data/config.yaml#/exporters/otlp/endpoint')).toBe(8);
    expect(lineOf(o, '/data/config.yaml#/exporters/missing')).toBe(6);
    expect(lineOf(o, '/data/two.yaml#1/b/0/url')).toBe(13);
    expect(lineOf(o, '/data/folded#/url')).toBe(14);
  });

  test.each([
    ['a: 1\n---\nb: 2\n---\nc: d: e\n', /^bad\.yaml:5:5: not valid YAML: bad indentation of a mapping entry$/],
    ['metadata: { name: a, name: b }\n', /^bad\.yaml:1:\d+: not valid YAML: duplicated mapping key/],
    ['--- "just text"\n', /^bad\.yaml:1: a document is the string "just text", not a Kubernetes object$/],
  ])('fails with the file and line: %j', (text, message) => {
    expect(() => parseManifests(text, 'bad.yaml')).toThrow(InputError);
    expect(() => parseManifests(text, 'bad.yaml')).toThrow(message);
  });
});

describe('readManifests', () => {
  test('reads folders recursively, in name order, skipping hidden entries and other files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'read-manifests-'));
    mkdirSync(join(dir, 'sub'));
    mkdirSync(join(dir, '.git'));
    const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\n`;
    writeFileSync(join(dir, 'b.yml'), cm('b'));
    writeFileSync(join(dir, 'a.yaml'), cm('a'));
    writeFileSync(join(dir, 'sub', 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }));
    writeFileSync(join(dir, '.git', 'd.yaml'), cm('d'));
    writeFileSync(join(dir, 'README.md'), '# not a manifest');
    const input = readManifests([dir], { cwd: dir });
    expect(input.files).toStrictEqual(['a.yaml', 'b.yml', 'sub/c.json']);
    expect(names(input.objects)).toStrictEqual(['ConfigMap/a', 'ConfigMap/b', 'ConfigMap/c']);
  });

  test('reads standard input for -', () => {
    const input = readManifests(['-'], { stdin: () => 'apiVersion: v1\nkind: Namespace\nmetadata: { name: n }\n' });
    expect(input.files).toStrictEqual(['-']);
    expect(input.objects[0].file).toBe('-');
  });
});
