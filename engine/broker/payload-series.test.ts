import { describe, expect, it } from 'vitest';
import { numberAt, parseFieldPath } from './payload-series.js';

describe('field paths', () => {
  it('reads $.a.b, a.b, indexes and quoted names', () => {
    expect(parseFieldPath('$.a.b')).toEqual(['a', 'b']);
    expect(parseFieldPath('a.b')).toEqual(['a', 'b']);
    expect(parseFieldPath('a[2].b')).toEqual(['a', 2, 'b']);
    expect(parseFieldPath("$['a b'][\"c.d\"]")).toEqual(['a b', 'c.d']);
    expect(parseFieldPath('$[0]')).toEqual([0]);
  });

  it('refuses what names no field, saying where', () => {
    for (const [path, message] of [
      ['$', 'field path "$" names no field'],
      ['a..b', 'field path "a..b": expected a field name at character 3'],
      ['a[x]', "field path \"a[x]\": expected an index or a quoted name after '[' at character 2"],
      ['$a', "field path \"$a\": expected '.' or '[' at character 2"],
    ]) expect(() => parseFieldPath(path)).toThrow(expect.objectContaining({ code: 'InvalidInput', message }));
  });

  it('gives finite numbers only', () => {
    const p = parseFieldPath('a.b');
    expect(numberAt(Buffer.from('{"a":{"b":2.5}}'), p)).toBe(2.5);
    expect(numberAt(Buffer.from('{"a":{"b":"2.5"}}'), p)).toBeUndefined();
    expect(numberAt(Buffer.from('{"a":[{"b":1}]}'), p)).toBeUndefined();
    expect(numberAt(Buffer.from('{"a":{"b":1e999}}'), p)).toBeUndefined();
    expect(numberAt(Buffer.from('not json'), p)).toBeUndefined();
    expect(numberAt(Buffer.from('{"a":[{"b":1},{"b":7}]}'), parseFieldPath('a[1].b'))).toBe(7);
    expect(numberAt(Buffer.from('{"__proto__":{"b":3}}'), parseFieldPath('__proto__.b'))).toBe(3);
    expect(numberAt(Buffer.from('{}'), parseFieldPath('constructor.length'))).toBeUndefined();
  });
});
