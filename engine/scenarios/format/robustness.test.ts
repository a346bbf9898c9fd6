import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../core/index.js';
import { parseJsonPath, JsonPathError } from '../match/jsonpath.js';
import { compileMatcher } from '../match/matchers.js';
import { RunVariables } from '../run/variables.js';
import { loadScenario } from './load.js';

const refusedClearly = (e: unknown) => {
  expect(e).toBeInstanceOf(EngineError);
  expect((e as EngineError).code).toBe('InvalidInput');
  for (const line of (e as EngineError).message.split('\n')) expect(line).toMatch(/^s\.yaml:\d+:\d+: \S/);
};

describe('bad scenario input never escapes as anything but a clear error', () => {
  it('any YAML-ish text either loads or is refused with file:line:col problems', () => {
    const lines = fc.array(fc.constantFrom(
      'name: x\n', 'steps:\n', '  - publish: { topic: a }\n', '  - expect: { topic: "a/#", where: [{ path: "$..x[*]", op: ">", value: 1 }] }\n',
      '  - wait: 5s\n', '  - repeat: { times: 2, steps: [ { wait: 1 } ] }\n', '  - include: other.yaml\n', '  - fault: { kind: drop }\n',
      'devices: { d: { model: m } }\n', '  - start: d\n', ': :\n', '- [\n', '\t\n', '"', 'variables: &a\n', '  b: *a\n', '*q\n', '  - {}\n',
      '  - expect: { topic: "#/a", regex: "(" }\n', 'timeout: soon\n', 'seed: -1\n',
    ), { maxLength: 12 }).map((a) => a.join(''));
    fc.assert(fc.property(lines, (text) => {
      try {
        loadScenario(text, 's.yaml', { readFile: () => { throw new Error('ENOENT'); } });
      } catch (e) {
        refusedClearly(e);
      }
    }), { numRuns: 1500 });
  });

  it('a ${…} string where a file, its steps, cleanup or devices belong is refused, not deferred to the run', () => {
    for (const doc of ['${', { name: 'x', steps: '${a}' }, { name: 'x', steps: [], cleanup: '${a}' }, { name: 'x', steps: [], devices: '${a}' },
      { name: 'x', steps: ['${a}'] }, { name: 'x', steps: [{ repeat: { times: 2, steps: '${a}' } }] }, { name: 'x', devices: { d: '${a}' }, steps: [] }]) {
      expect(() => loadScenario(stringify(doc), 's.yaml')).toThrow(EngineError);
      try {
        loadScenario(stringify(doc), 's.yaml');
      } catch (e) {
        refusedClearly(e);
      }
    }
  });

  it('any JSON document either loads or is refused with file:line:col problems', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom('publish', 'expect', 'wait', 'shadow.update', 'fault', 'repeat', 'capture'), (args, step) => {
      for (const doc of [args, { name: 'x', steps: [{ [step]: args }] }]) {
        try {
          loadScenario(stringify(doc), 's.yaml');
        } catch (e) {
          refusedClearly(e);
        }
      }
    }), { numRuns: 800 });
  });

  it('any text is a JSONPath or a JsonPathError; any match spec compiles or says why; interpolation throws only InvalidInput', () => {
    const vars = new RunVariables({ a: { b: [1, 2] }, s: 'x' });
    fc.assert(fc.property(fc.string({ maxLength: 20 }), (src) => {
      try { parseJsonPath(src); } catch (e) { expect(e).toBeInstanceOf(JsonPathError); }
      try { compileMatcher({ regex: src, where: [{ path: `$${src}` }] }).test(src); } catch (e) { expect((e as Error).message).toMatch(/^(regex|where|JSONPath)/); }
      try { vars.interpolate(`${src}\${${src}}`); } catch (e) { expect((e as EngineError).code).toBe('InvalidInput'); }
    }), { numRuns: 2000 });
  });
});
