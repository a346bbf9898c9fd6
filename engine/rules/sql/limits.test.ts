/** Hostile SQL: deep nesting, catastrophic regexes and exploding strings are SqlParseException-style errors or bounded. */
import { describe, expect, it } from 'vitest';
import { check, compile, MessageContext, parse, print, serializeOutput, SqlError } from './index.js';
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
  ['parentheses around NOT', (d) => '(NOT '.repeat(d - 1) + 'x' + ')'.repeat(d - 1)],
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

  it('parentheses alone add no level to the tree: twice as many parse, then TooDeep', () => {
    expect(compile(`SELECT ${'('.repeat(2 * MAX_NESTING - 1)}x${')'.repeat(2 * MAX_NESTING - 1)} AS v FROM 'a/#'`).evaluate(ctx({ x: 1 }))).toEqual({ v: 1 });
    expect(sqlError(`SELECT ${'('.repeat(2 * MAX_NESTING)}x${')'.repeat(2 * MAX_NESTING)} AS v FROM 'a/#'`).diagnostics[0].code).toBe('TooDeep');
  });

  it('what print() writes for a tree at the limit parses again', () => {
    const sql = `SELECT ${'-'.repeat(MAX_NESTING - 1)}x AS v FROM 'a/#'`;
    expect(print(parse(print(parse(sql))))).toBe(print(parse(sql)));
  });

  it.each([['5,000 NOTs', 'NOT '.repeat(5000) + 'x'], ['30,000 parentheses', '('.repeat(30000) + 'x' + ')'.repeat(30000)],
    ['20,000 abs(', 'abs('.repeat(20000) + 'x' + ')'.repeat(20000)], ['60,000 ANDs', Array(60000).fill('x').join(' AND ')]])(
    '%s: a TooDeep error from parse and check', (_name, expr) => {
      const sql = `SELECT * FROM 'a/#' WHERE ${expr}`;
      expect(sqlError(sql).diagnostics[0].code).toBe('TooDeep');
      expect(check(sql)[0].code).toBe('TooDeep');
    });
});

describe('regular expressions run in linear time', () => {
  it('folds the catastrophic pattern from a literal at once', () => {
    const started = performance.now();
    const rule = compile("SELECT regexp_matches('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!', '(a+)+$') AS x FROM 'a/#'");
    expect(rule.evaluate(ctx({}))).toEqual({ x: false });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('applies it to a 100,000-character payload field quickly', () => {
    const rule = compile("SELECT regexp_matches(s, '(a+)+$') AS m, regexp_substr(s, '(a|aa)+') AS sub, regexp_replace(s, '(a+)+!', 'x') AS r FROM 'a/#'");
    const s = 'a'.repeat(100_000) + '!';
    const started = performance.now();
    const out = rule.evaluate(ctx({ s })) as Record<string, unknown>;
    expect(performance.now() - started).toBeLessThan(3000);
    expect(out.m).toBe(false);
    expect(out.sub).toBe('a'.repeat(100_000));
    expect(out.r).toBe('x');
  });

  it.each([
    ['(a)\\\\1', /backreference/], ['a++', /possessive/], ['(?=a)', /lookahead/], ['(?!a)', /lookahead/], ['(?>a)', /atomic group/],
    ['[a-z&&[^b]]', /intersection/], ['(?x)a b', /inline flag/], ['\\\\G', /\\G/], ['(a)\\\\k<x>', /named backreference/],
  ])("a constant pattern '%s' that RE2 cannot run is refused at compile time", (pattern, reason) => {
    const sql = `SELECT regexp_matches(s, '${pattern}') AS m FROM 'a/#'`;
    const e = sqlError(sql);
    expect(e.diagnostics[0]).toMatchObject({ code: 'UnsupportedRegex', severity: 'error' });
    expect(e.message).toMatch(reason);
    expect(check(sql)[0].code).toBe('UnsupportedRegex');
  });

  it('a pattern computed per message that RE2 cannot run fails the evaluation with the reason', () => {
    const rule = compile("SELECT regexp_replace(s, p, 'x') AS r FROM 'a/#'");
    expect(() => rule.evaluate(ctx({ s: 'aa', p: '(a)\\1' }))).toThrow(/backreference/);
    expect(rule.evaluate(ctx({ s: 'aa', p: '(' }))).toEqual({}); // invalid in every dialect: Undefined, as on AWS
  });

  it.each([
    ["regexp_replace('abcd', 'b(.*)d', '$1')", 'ac'], ["regexp_replace('abc', 'x*', '-')", '-a-b-c-'],
    ["regexp_replace('a1b2', '(?<d>[0-9])', '<${d}>')", 'a<1>b<2>'], ["regexp_replace('ab', '(a)', '\\\\$1')", '$1b'],
    ["regexp_matches('ABC', '(?i)abc')", true], ["regexp_matches('abc', '^\\\\p{Lower}+\\\\Z')", true],
    ["regexp_matches('ab', '(?<=a)b')", true], ["regexp_substr('hihihello', '(hi)*')", 'hihi'], ["regexp_matches('x', '(')", undefined],
  ])('%s = %j', (expr, expected) => {
    expect(compile(`SELECT VALUE ${expr} FROM 'a/#'`).evaluate(ctx({}))).toEqual(expected);
  });
});

describe('results are bounded by the 128 KB message limit', () => {
  const nestedReplace = (n: number) => "replace(".repeat(n) + "'aaaaaaaaaa'" + ", 'a', 'aaaaaaaaaa')".repeat(n);

  it('eight nested replace() in a constant expression are a LimitExceeded error at compile time, fast', () => {
    const started = performance.now();
    const e = sqlError(`SELECT ${nestedReplace(8)} AS x FROM 'a/#'`);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(e.diagnostics[0]).toMatchObject({ code: 'LimitExceeded', severity: 'error' });
    expect(e.message).toMatch(/128 KB/);
    expect(compile(`SELECT ${nestedReplace(4)} AS x FROM 'a/#'`).evaluate(ctx({}))).toEqual({ x: 'a'.repeat(100_000) });
  });

  it('nested queries over the same array stop at the limit instead of building n² values', () => {
    const rule = compile("SET @a = a SELECT VALUE (SELECT VALUE (SELECT VALUE 1 FROM @a) FROM @a) FROM 'a/#'");
    expect(rule.evaluate(ctx({ a: [0, 0] }))).toEqual([[1, 1], [1, 1]]);
    const started = performance.now();
    expect(() => rule.evaluate(ctx({ a: new Array(60_000).fill(0) }))).toThrow(/nested query: the result would exceed 128 KB/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('nested queries that build nothing still stop after a million elements visited for one message', () => {
    const rule = compile("SET @a = a SELECT VALUE (SELECT VALUE (SELECT VALUE 1 FROM @a WHERE FALSE) FROM @a) FROM 'a/#'");
    expect(rule.evaluate(ctx({ a: [0, 0] }))).toEqual([[], []]);
    const started = performance.now();
    expect(() => rule.evaluate(ctx({ a: new Array(60_000).fill(0) }))).toThrow(/more than 1,000,000 elements visited/);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(rule.evaluate(ctx({ a: new Array(900).fill(0) }))).toHaveLength(900); // 810,900 visits: within the budget, and the count restarts
  });

  it.each([
    ['replace', "SET @a = replace(s, 'a', 'aaaaaaaaaa'), @b = replace(@a, 'a', 'aaaaaaaaaa') SELECT replace(@b, 'a', 'aaaaaaaaaa') AS x FROM 'a/#'"],
    ['concat doubling', "SET @a = concat(s, s), @b = concat(@a, @a), @c = concat(@b, @b), @d = concat(@c, @c) SELECT concat(@d, @d, @d, @d, @d, @d, @d, @d, @d) AS x FROM 'a/#'"],
    ['+ doubling', "SET @a = s + s, @b = @a + @a, @c = @b + @b, @d = @c + @c SELECT @d + @d + @d + @d + @d + @d + @d + @d + @d AS x FROM 'a/#'"],
    ['shared arrays', "SET @a = [s, s], @b = [@a, @a], @c = [@b, @b], @d = [@c, @c], @e = [@d, @d] SELECT [@e, @e, @e, @e, @e] AS x FROM 'a/#'"],
    ['shared objects', "SET @a = {'p': s, 'q': s}, @b = {'p': @a, 'q': @a}, @c = {'p': @b, 'q': @b}, @d = {'p': @c, 'q': @c} SELECT @d AS a, @d AS b, @d AS c, @d AS d, @d AS e, @d AS f, @d AS g, @d AS h, @d AS i FROM 'a/#'"],
    ['array concat', "SET @a = concat([s], [s]), @b = concat(@a, @a, @a, @a), @c = concat(@b, @b, @b, @b) SELECT VALUE concat(@c, @c, @c, @c, @c, @c, @c, @c) FROM 'a/#'"],
    ['lpad', "SELECT lpad(s, 1000) AS x FROM 'a/#'"],
    ['regexp_replace', "SELECT regexp_replace(s, '', s) AS x FROM 'a/#'"],
    ['transform', "SELECT VALUE transform('enrichArray', {'s': s}, [{}, {}, {}, {}, {}, {}, {}, {}, {}, {}]) FROM 'a/#'"],
    ['encode', "SET @a = encode(s, 'base64'), @b = encode(@a, 'base64') SELECT encode(@b, 'base64') AS x FROM 'a/#'"],
  ])('%s past the limit fails the evaluation with LimitExceeded', (_name, sql) => {
    const rule = compile(sql);
    expect(rule.evaluate(ctx({ s: 'a'.repeat(10) }))).not.toBeUndefined();
    expect(() => rule.evaluate(ctx({ s: 'a'.repeat(130_500) }))).toThrow(/exceed 128 KB/);
  });
});

describe('deeply nested JSON', () => {
  const nested = (depth: number) => Buffer.from(`{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`);
  const raw = (payload: Buffer) => new MessageContext({ topic: 'a/b', payload });

  it('up to 1,000 levels is JSON: compared, selected and serialized', () => {
    const rule = compile("SELECT a, a = a AS same FROM 'a/#'");
    const c = raw(nested(1000));
    expect(c.payloadKind()).toBe('json');
    expect(serializeOutput(rule.evaluate(c) as never, c).length).toBeGreaterThan(1990);
  });

  it('deeper is not JSON (as a parser with a nesting limit sees it), so nothing recurses past the stack', () => {
    const rule = compile("SELECT a, a = a AS same FROM 'a/#'");
    const c = raw(nested(60_000));
    expect(c.payloadKind()).toBe('binary');
    expect(rule.evaluate(c)).toEqual({});
    expect(raw(Buffer.from(`{"s":"${'['.repeat(5000)}"}`)).payloadKind()).toBe('json'); // brackets inside strings do not count
    const b64 = nested(60_000).toString('base64');
    expect(typeof compile(`SELECT VALUE decode('${b64}', 'base64') FROM 'a/#'`).evaluate(raw(Buffer.from('{}')))).toBe('string');
  });
});

describe('time_to_epoch patterns', () => {
  it('adjacent variable-width fields against a long run of digits answer at once (no backtracking)', () => {
    const rule = compile(`SELECT VALUE time_to_epoch(s, '${'dM'.repeat(40)}') FROM 'a/#'`);
    const started = performance.now();
    expect(rule.evaluate(ctx({ s: '1'.repeat(120) + 'x' }))).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(compile("SELECT VALUE time_to_epoch('2024-03-05 10:20:30', 'yyyy-MM-dd HH:mm:ss') FROM 'a/#'").evaluate(ctx({}))).toBe(Date.UTC(2024, 2, 5, 10, 20, 30));
  });
});

describe('string functions stay linear', () => {
  it.each([['rtrim', ' '.repeat(120_000) + 'x'], ['trim', 'x' + ' \t'.repeat(60_000) + 'x'], ['ltrim', '\t'.repeat(120_000)]])('%s on a long run of blanks', (fn, s) => {
    const started = performance.now();
    const out = compile(`SELECT VALUE ${fn}(s) FROM 'a/#'`).evaluate(ctx({ s }));
    expect(performance.now() - started).toBeLessThan(2000); // linear: milliseconds; quadratic: many seconds
    expect(out).toBe(fn === 'ltrim' ? '' : fn === 'rtrim' ? s.trimEnd() : s);
  });

  it('regex translation scans a pattern of 100,000 backslashes at once', () => {
    const started = performance.now();
    expect(compile("SELECT VALUE regexp_matches(s, p) FROM 'a/#'").evaluate(ctx({ s: '\\'.repeat(10), p: '\\\\'.repeat(50_000) + 'Z' }))).toBe(false);
    // A quadratic scan of 100,000 characters takes minutes; a linear one well under a second, even on a busy machine.
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('parse_time output', () => {
  it('a pattern that expands past 128 KB is LimitExceeded', () => {
    expect(compile("SELECT VALUE parse_time('MMMM', 0) FROM 'a/#'").evaluate(ctx({}))).toBe('January');
    const rule = compile("SELECT VALUE parse_time(p, 0) FROM 'a/#'");
    expect(() => rule.evaluate(ctx({ p: 'MMMM '.repeat(26_000) }))).toThrow(/parse_time: the result would exceed 128 KB/);
  });
});
