/** parseStructured: configuration texts read as YAML or JSON documents, each text read once. */
import { dump } from 'js-yaml';
import { parseStructured } from '../../constructs/wiring/_json';

describe('parseStructured', () => {
  const value = { receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' } } } }, list: [1, 'two', null, true] };

  test('a JSON text gives the value its YAML form gives', () => {
    expect(parseStructured(JSON.stringify(value))).toStrictEqual([value]);
    expect(parseStructured(`  ${JSON.stringify(value, null, 2)}\n`)).toStrictEqual([value]);
    expect(parseStructured(dump(value))).toStrictEqual([value]);
  });

  test('YAML flow style that is not JSON is read as YAML', () => {
    expect(parseStructured('{a: 1, b: [x, y]}')).toStrictEqual([{ a: 1, b: ['x', 'y'] }]);
  });

  test('several documents, and texts that are not structured', () => {
    expect(parseStructured('a: 1\n---\nb: 2\n')).toStrictEqual([{ a: 1 }, { b: 2 }]);
    expect(parseStructured('just a sentence')).toBeUndefined();
    expect(parseStructured('')).toBeUndefined();
    expect(parseStructured('a: [unclosed')).toBeUndefined();
  });

  test('the same text is read once: the same value is returned again', () => {
    const text = dump({ shared: { once: true } });
    expect(parseStructured(text)).toBe(parseStructured(text));
    expect(parseStructured(`${text}\n`)).not.toBe(parseStructured(text));
  });
});
