/** Hostile SQL: deep nesting, catastrophic regexes and exploding strings are SqlParseException-style errors or bounded. */
import { describe, expect, it } from 'vitest';
import { check, compile, MessageContext, parse, print, SqlError } from './index.js';
import { MAX_NESTING } from './parser.js';

const ctx = (payload: unknown) => new MessageContext({ topic: 'a/b', payload: Buffer.from(JSON.stringify(payload)) });

function sqlError(sql: string): SqlError {
  try {
    compile(sql);
  } catch (e) {
    expect(e).toBeInstanceOf(SqlError);
    return e as SqlError;
  }
  throw new Error(`compiled: ${sql.slice(0, 80)}`);
}

/** Expressions `depth` levels deep, built each way the grammar nests. */
const nestings: Array<[string, (depth: number) => string]> = [
  ['NOT', (d) => 'NOT '.repeat(d - 1) + 'x'],
  ['parentheses', (d) => '('.repeat(d - 1) + 'x' + ')'.repeat(d - 1)],
  ['abs(', (d) => 'abs('.repeat(d - 1) + 'x' + ')'.repeat(d - 1)],
  ['unary minus', (d) => '-'.repeat(d - 1) + 'x'],
  ['AND chain', (d) => Array(d).fill('x').join(' AND ')],
  ['+ chain', (d) => Array(d).fill('x').join(' + ')],
  ['field chain', (d) => 'x' + '.y'.repeat(d - 1)],
  ['index chain', (d) => 'x' + '[0]'.repeat(d - 1)],
  ['arrays', (d) => '['.repeat(d - 1) + 'x' + ']'.repeat(d - 1)],
  ['CASE', (d) => 'CASE x WHEN 1 THEN '.repeat(d - 1) + 'x' + ' END'.repeat(d - 1)],
];

describe('nesting limit', () => {
  it.each(nestings)('%s at the limit parses, checks, prints, compiles and evaluates', (_name, build) => {
    const sql = `SELECT ${build(MAX_NESTING)} AS v FROM 'a/#'`;
    expect(print(parse(sql))).toContain('SELECT');
    expect(check(sql).filter((d) => d.severity === 'error')).toEqual([]);
    const rule = compile(sql);
    expect(() => rule.evaluate(ctx({ x: 1 }))).not.toThrow();
  });

  it.each(nestings)('%s past the limit is a TooDeep error, not a stack overflow', (_name, build) => {
    const e = sqlError(`SELECT ${build(MAX_NESTING + 1)} AS v FROM 'a/#'`);
    expect(e.diagnostics[0]).toMatchObject({ code: 'TooDeep', severity: 'error' });
    expect(e.message).toMatch(/nested too deeply/);
  });

  it.each([['5,000 NOTs', 'NOT '.repeat(5000) + 'x'], ['30,000 parentheses', '('.repeat(30000) + 'x' + ')'.repeat(30000)],
    ['20,000 abs(', 'abs('.repeat(20000) + 'x' + ')'.repeat(20000)], ['60,000 ANDs', Array(60000).fill('x').join(' AND ')]])(
    '%s: a TooDeep error from parse and check', (_name, expr) => {
      const sql = `SELECT * FROM 'a/#' WHERE ${expr}`;
      expect(sqlError(sql).diagnostics[0].code).toBe('TooDeep');
      expect(check(sql)[0].code).toBe('TooDeep');
    });
});
