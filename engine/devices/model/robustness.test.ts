import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isEngineError } from '../../core/index.js';
import { compileExpression, compileTemplate, ExpressionError } from './expression.js';
import { loadDeviceModel } from './load.js';

const exprChars = fc.constantFrom(...'ab1.2 +-*/%()<>=!&|?:,[]\'"{}x_'.split(''));

describe('bad input never escapes as anything but a clear error', () => {
  it('any text either compiles as an expression or throws ExpressionError with an offset inside it', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.array(exprChars, { maxLength: 30 }).map((a) => a.join(''))), (src) => {
      try {
        compileExpression(src).evaluate({ a: 1, b: { c: 2 } });
      } catch (e) {
        expect(e).toBeInstanceOf(ExpressionError);
        expect((e as ExpressionError).offset).toBeGreaterThanOrEqual(0);
        expect((e as ExpressionError).offset).toBeLessThanOrEqual(src.length);
      }
    }), { numRuns: 2000 });
  });

  it('any text either compiles as a template or throws ExpressionError', () => {
    fc.assert(fc.property(fc.array(exprChars, { maxLength: 30 }).map((a) => a.join('')), (src) => {
      try { compileTemplate(src).render({ a: 1 }); } catch (e) { expect(e).toBeInstanceOf(ExpressionError); }
    }), { numRuns: 2000 });
  });

  it('any YAML-ish text either loads or is refused with InvalidInput and file:line:col problems', () => {
    const yamlish = fc.array(fc.constantFrom('name: x\n', 'telemetry:\n', '  - topic: a\n', '    interval: 1s\n', '    fields:\n',
      '      f: { gen: expr, expr: "a +" }\n', '      g: 3\n', ': :\n', '- [\n', '  x: {gen: nope}\n', 'protocol: 7\n', '\t\n', '"', 'vars: &a\n', '  b: *a\n', '*q\n'), { maxLength: 10 })
      .map((a) => a.join(''));
    fc.assert(fc.property(fc.oneof(yamlish, fc.string()), (text) => {
      try { loadDeviceModel(text, 'f.yaml'); } catch (e) {
        expect(isEngineError(e) && e.code).toBe('InvalidInput');
        for (const line of (e as Error).message.split('\n')) expect(line).toMatch(/^f\.yaml:\d+:\d+: \S/);
      }
    }), { numRuns: 500 });
  });
});
