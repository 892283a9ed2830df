/** Conversion of a CRD's structural schema to a closed JSON Schema (no CRD files needed). */
import { crdToJsonSchema, shareRepeatedSubschemas } from '../../constructs/check/crd-schemas';

const META = 'https://example.test/defs.json#/$defs/ObjectMeta';

function convert(spec: Record<string, unknown>): Record<string, unknown> {
  const root = crdToJsonSchema({ type: 'object', properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec } }, 'example.com', 'v1', 'Widget', META);
  return (root.properties as Record<string, Record<string, unknown>>).spec;
}

describe('crdToJsonSchema', () => {
  test('pins apiVersion and kind, checks metadata as ObjectMeta, closes the root', () => {
    const root = crdToJsonSchema({ type: 'object', properties: { spec: { type: 'object' } } }, 'example.com', 'v1', 'Widget', META);
    expect(root).toStrictEqual({
      type: 'object',
      properties: {
        spec: { type: 'object', additionalProperties: false },
        apiVersion: { const: 'example.com/v1' },
        kind: { const: 'Widget' },
        metadata: { $ref: META },
      },
      required: ['apiVersion', 'kind', 'metadata'],
      additionalProperties: false,
    });
  });

  test('closes objects the API server would prune, keeps maps and preserved objects open', () => {
    expect(convert({
      type: 'object',
      description: 'dropped',
      properties: {
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        options: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { mode: { type: 'object', properties: { a: { type: 'string' } } } } },
      },
    })).toStrictEqual({
      type: 'object',
      properties: {
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        options: { type: 'object' },
        config: { type: 'object', properties: { mode: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false } } },
      },
      additionalProperties: false,
    });
  });

  test('items of an array marked x-kubernetes-preserve-unknown-fields stay open', () => {
    expect(convert({ type: 'array', 'x-kubernetes-preserve-unknown-fields': true, items: { type: 'object' } }))
      .toStrictEqual({ type: 'array', items: { type: 'object' } });
    expect(convert({ type: 'array', items: { type: 'object' } }))
      .toStrictEqual({ type: 'array', items: { type: 'object', additionalProperties: false } });
  });

  test('int-or-string, nullable, exclusive bounds; x-kubernetes-* and annotations are dropped', () => {
    expect(convert({
      type: 'object',
      properties: {
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        mode: { type: 'string', nullable: true, enum: ['a', 'b'] },
        ratio: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, example: 0.5 },
        hosts: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set', 'x-kubernetes-validations': [{ rule: 'true' }] },
      },
    })).toStrictEqual({
      type: 'object',
      properties: {
        port: { anyOf: [{ type: 'integer' }, { type: 'string' }], type: ['integer', 'string'] },
        mode: { type: ['string', 'null'], enum: ['a', 'b', null] },
        ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        hosts: { type: 'array', items: { type: 'string' } },
      },
      additionalProperties: false,
    });
  });

  test('branches of anyOf/oneOf are not closed', () => {
    expect(convert({ type: 'object', properties: { a: { type: 'string' } }, oneOf: [{ required: ['a'] }, { properties: { a: { type: 'string' } } }] }))
      .toStrictEqual({
        type: 'object',
        properties: { a: { type: 'string' } },
        oneOf: [{ required: ['a'] }, { properties: { a: { type: 'string' } } }],
        additionalProperties: false,
      });
  });
});

describe('shareRepeatedSubschemas', () => {
  test('moves a large repeated subschema to $defs, once', () => {
    const big = { type: 'object', properties: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`field${i}`, { type: 'string' }])), additionalProperties: false };
    const shared = shareRepeatedSubschemas({ type: 'object', properties: { a: big, b: { type: 'array', items: big }, c: { type: 'string' } } });
    expect(shared).toStrictEqual({
      type: 'object',
      properties: { a: { $ref: '#/$defs/shared0' }, b: { type: 'array', items: { $ref: '#/$defs/shared0' } }, c: { type: 'string' } },
      $defs: { shared0: big },
    });
  });
});
