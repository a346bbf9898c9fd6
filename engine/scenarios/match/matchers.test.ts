import { describe, expect, it } from 'vitest';
import { compileMatcher, matchProblems, type MatchSpec } from './matchers.js';

const msg = JSON.stringify({ device: 'd-1', temperature: 31.5, tags: ['hot', 'east'], reading: { unit: 'C', values: [1, 2] } });

describe('message matchers', () => {
  it.each<[string, MatchSpec, boolean]>([
    ['no test: anything', {}, true],
    ['json subset', { json: { device: 'd-1', reading: { unit: 'C' } } }, true],
    ['json subset, wrong value', { json: { device: 'd-2' } }, false],
    ['json subset, arrays element by element', { json: { reading: { values: [1, 2] } } }, true],
    ['json subset, array of another length', { json: { reading: { values: [1] } } }, false],
    ['exact payload as JSON', { payload: JSON.parse(msg) }, true],
    ['exact payload as text', { payload: 'nope' }, false],
    ['where >', { where: [{ path: '$.temperature', op: '>', value: 30 }] }, true],
    ['where <=', { where: [{ path: '$.temperature', op: '<=', value: 30 }] }, false],
    ['where == by default', { where: [{ path: '$.reading.unit', value: 'C' }] }, true],
    ['where exists by default', { where: [{ path: '$.reading.values[1]' }] }, true],
    ['where absent', { where: [{ path: '$.humidity', op: 'absent' }] }, true],
    ['where [*] holds when one value does', { where: [{ path: '$.tags[*]', op: '==', value: 'east' }] }, true],
    ['where != holds when no value equals', { where: [{ path: '$.tags[*]', op: '!=', value: 'east' }] }, false],
    ['where in', { where: [{ path: '$.device', op: 'in', value: ['d-1', 'd-2'] }] }, true],
    ['where contains', { where: [{ path: '$.tags', op: 'contains', value: 'hot' }] }, true],
    ['where matches', { where: [{ path: '$.device', op: 'matches', value: '^d-\\d$' }] }, true],
    ['where .. ', { where: [{ path: '$..unit', value: 'C' }] }, true],
    ['regex on the text', { regex: '"temperature":3\\d' }, true],
    ['schema', { schema: { type: 'object', required: ['device'], properties: { temperature: { type: 'number', minimum: 30 } } } }, true],
    ['schema, failing', { schema: { type: 'object', properties: { temperature: { type: 'string' } } } }, false],
    ['every test must hold', { json: { device: 'd-1' }, regex: 'west' }, false],
  ])('%s', (_name, spec, want) => {
    expect(compileMatcher(spec).test(Buffer.from(msg))).toBe(want);
  });

  it('a payload that is not JSON fails JSON tests and passes text ones', () => {
    expect(compileMatcher({ json: {} }).test('hello')).toBe(false);
    expect(compileMatcher({ regex: 'ell' }).test('hello')).toBe(true);
  });

  it('reports bad JSONPath, regex and schema in one sentence', () => {
    expect(matchProblems({ where: [{ path: 'a.b' }] })[0]).toMatch(/starts with \$/);
    expect(matchProblems({ regex: '(' })[0]).toMatch(/^regex: not a valid RE2/);
    expect(matchProblems({ regex: '(?=x)' })[0]).toMatch(/^regex: not a valid RE2/);
    expect(matchProblems({ schema: { type: 'nope' } })[0]).toMatch(/^schema: not a valid JSON Schema/);
    expect(matchProblems({ where: [{ path: '$.a', op: 'in', value: 3 }] })[0]).toMatch(/needs a list/);
  });
});
