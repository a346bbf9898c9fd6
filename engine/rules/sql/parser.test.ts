/** Parser and printer: `print(parse(sql))` round-trips; syntax errors carry {code, offset} and what was expected. */
import { describe, expect, it } from 'vitest';
import { check, parse, print, type Query } from './index.js';

/** The tree without source positions, to compare trees parsed from different text. */
function shape(q: Query): unknown {
  return JSON.parse(JSON.stringify(q, (k, v) => (['start', 'end', 'opSpan', 'nameSpan', 'typeSpan', 'aliasSpan', 'fromSpan'].includes(k) ? undefined : v)));
}

const roundTrips: Array<[string, string]> = [
  ["SELECT * FROM 'a/b'", "SELECT * FROM 'a/b'"],
  ["select color as rgb from 'topic/subtopic' where temperature > 50", "SELECT color AS rgb FROM 'topic/subtopic' WHERE temperature > 50"],
  ["SELECT VALUE color FROM 'a/b'", "SELECT VALUE color FROM 'a/b'"],
  ["SELECT (temperature - 32) * 5 / 9 AS c FROM 't'", "SELECT (temperature - 32) * 5 / 9 AS c FROM 't'"],
  ["SELECT a - (b - c) AS x, (a - b) - c AS y, a * (b + c) AS z FROM 't'", "SELECT a - (b - c) AS x, a - b - c AS y, a * (b + c) AS z FROM 't'"],
  ["SELECT * FROM 't' WHERE NOT (a AND b) OR NOT c = 1", "SELECT * FROM 't' WHERE NOT (a AND b) OR NOT c = 1"],
  ["SELECT -(-5) AS x, -a.b AS y, - (1 + 2) AS z FROM 't'", "SELECT -(-5) AS x, -a.b AS y, -(1 + 2) AS z FROM 't'"],
  ["SELECT {'a': 1, \"b\": [1, 'x']} AS o FROM 't'", "SELECT {'a': 1, 'b': [1, 'x']} AS o FROM 't'"],
  ["SELECT get((SELECT v FROM e WHERE n = 'temperature'), 0).v as t FROM 'topic'", "SELECT get((SELECT v FROM e WHERE n = 'temperature'), 0).v AS t FROM 'topic'"],
  ["SELECT CASE color WHEN 'g' THEN 'go' ELSE 'stop' END AS i FROM 't'", "SELECT CASE color WHEN 'g' THEN 'go' ELSE 'stop' END AS i FROM 't'"],
  ["SELECT cast(x as Int) AS i FROM 't'", "SELECT cast(x AS Int) AS i FROM 't'"],
  ["SET @a = 1, @b = @a + 1 SELECT @b AS b FROM 't'", "SET @a = 1, @b = @a + 1 SELECT @b AS b FROM 't'"],
  ["SELECT 'it''s', 'a\\'b\\n' FROM 't'", "SELECT 'it\\'s', 'a\\'b\\n' FROM 't'"],
  ["SELECT a[0].b[1] AS x, state.value AS v, value FROM 't'", "SELECT a[0].b[1] AS x, state.value AS v, value FROM 't'"],
  ["SELECT *, principal() as principal, timestamp() as time FROM 'topic/subtopic'", "SELECT *, principal() AS principal, timestamp() AS time FROM 'topic/subtopic'"],
  ["SELECT foo.bar AS bar.baz FROM 't'", "SELECT foo.bar AS bar.baz FROM 't'"],
  ["SELECT 1e3 AS x, 2.50 AS y FROM 't'", "SELECT 1e3 AS x, 2.50 AS y FROM 't'"],
  ["SELECT a", 'SELECT a'],
  ["SELECT (*) AS c0, ((*)) AS c1 FROM 't'", "SELECT (*) AS c0, (*) AS c1 FROM 't'"],
  ["SELECT * FROM 't' WHERE IsUndefined(x) = False", "SELECT * FROM 't' WHERE IsUndefined(x) = FALSE"],
];

describe('print(parse(sql))', () => {
  it.each(roundTrips)('%s', (sql, canonical) => {
    const printed = print(parse(sql));
    expect(printed).toBe(canonical);
    expect(print(parse(printed))).toBe(printed);
    expect(shape(parse(printed))).toEqual(shape(parse(sql)));
  });
});

// [sql, code, offset, expected (subset)]
const errors: Array<[string, string, number, string[] | undefined]> = [
  ["SELECT FROM 't'", 'UnexpectedToken', 7, ['an expression']],
  ["SELECT a FROM 't' WHERE", 'UnexpectedToken', 23, ['an expression']],
  ['SELECT a FROM t', 'UnexpectedToken', 14, undefined],
  ["SELECT a b FROM 't'", 'UnexpectedToken', 9, ['FROM']],
  ["SELECT * FROM 't' WHERE a != 1", 'UnexpectedToken', 26, undefined],
  ["SELECT a FROM 'abc", 'UnterminatedString', 14, undefined],
  ["SELECT a # b FROM 't'", 'InvalidCharacter', 9, undefined],
  ["SELECT CASE a THEN 1 END FROM 't'", 'UnexpectedToken', 14, ['WHEN']],
  ["SELECT (a FROM 't'", 'UnexpectedToken', 10, ["')'"]],
  ["SELECT a.1 FROM 't'", 'UnexpectedToken', 9, ['a field name']],
  ["SELECT nosuch(a) FROM 't'", 'UnknownFunction', 7, undefined],
  ["SELECT cast(a AS Float) FROM 't'", 'UnknownCastType', 17, undefined],
  ["SELECT a FROM 'a/#/b'", 'InvalidTopicFilter', 14, undefined],
  ["SELECT a FROM 'a/b+'", 'InvalidTopicFilter', 14, undefined],
  ["SELECT decode(a, 'hex') FROM 't'", 'InvalidArgument', 17, ["'base64'", "'proto'"]],
  ["SELECT @nope AS x FROM 't'", 'UnknownVariable', 7, undefined],
];

describe('diagnostics', () => {
  it.each(errors)('%s → %s at %d', (sql, code, offset, expected) => {
    const [d] = check(sql).filter((x) => x.severity === 'error');
    expect(d).toMatchObject({ code, offset });
    expect(d.message.length).toBeGreaterThan(10);
    if (expected) expect(d.expected).toEqual(expect.arrayContaining(expected));
  });

  it('reports line and column for multi-line SQL', () => {
    const [d] = check("SELECT a,\n  b AS\nFROM 't'");
    expect(d).toMatchObject({ code: 'UnexpectedToken', line: 3, column: 1, offset: 17, length: 4 });
    expect(d.message).toBe("Expected an alias name but found 'FROM'");
  });

  it.each<[string, string, string]>([
    ["SELECT decode(a, 'base64') AS x FROM 't'", '2015-10-08', 'VersionMismatch'],
    ["SELECT {'a': 1} AS x FROM 't'", '2015-10-08', 'VersionMismatch'],
    ["SELECT (SELECT VALUE n FROM e) AS x FROM 't'", '2015-10-08', 'VersionMismatch'],
    ["SELECT cast(a AS Bool) AS x FROM 't'", '2015-10-08', 'VersionMismatch'],
  ])('%s is an error under %s', (sql, version, code) => {
    expect(check(sql, { version: version as '2015-10-08' })).toEqual([expect.objectContaining({ code, severity: 'error' })]);
    expect(check(sql, { version: '2016-03-23' })).toEqual([]);
  });

  it.each<[string, string]>([
    ["SELECT upper(a, b) AS x FROM 't'", 'WrongArgumentCount'],
    ["SELECT a + 1 FROM 't'", 'MissingAlias'],
    ["SELECT crc32(a) AS c FROM 't'", 'Extension'],
    ["SELECT aws_lambda('arn', *) AS c FROM 't'", 'NotAvailableLocally'],
    ["SELECT * FROM 't' WHERE 'abc' > 1", 'TypeMismatch'],
  ])('%s warns %s', (sql, code) => {
    expect(check(sql)).toEqual([expect.objectContaining({ code, severity: 'warning' })]);
  });
});
