import { describe, expect, it } from 'vitest';
import { JsonPathError, parseJsonPath, queryJsonPath } from './jsonpath.js';

const doc = { a: { b: 1, c: [10, 20, { d: 'x' }] }, list: [{ id: 1, v: 'p' }, { id: 2, v: 'q' }], 'rotor-freq': 3, 'odd key': true };

describe('JSONPath subset', () => {
  it.each([
    ['$', [doc]],
    ['$.a.b', [1]],
    ['$.a.c[1]', [20]],
    ['$.a.c[-1].d', ['x']],
    ['$.list[*].id', [1, 2]],
    ['$.list.*.v', ['p', 'q']],
    ['$..id', [1, 2]],
    ['$..d', ['x']],
    ['$..[0]', [10, { id: 1, v: 'p' }]],
    ["$['odd key']", [true]],
    ['$.rotor-freq', [3]],
    ['$.missing', []],
    ['$.a.b.c', []],
    ['$.a.c[9]', []],
  ] as const)('%s', (path, want) => {
    expect(queryJsonPath(doc, path)).toEqual(want);
  });

  it.each(['a.b', '$.', '$[', '$[?(@.x)]', '$.a[1:2]', '$ a'])('refuses %s with what was expected', (path) => {
    expect(() => parseJsonPath(path)).toThrow(JsonPathError);
  });
});
