/** Every function example from [DG:iot-sql-functions], plus the type-table rows that decide Undefined. */
import { describe, expect, it } from 'vitest';
import { compileExpression, MessageContext, type SqlEnvironment, type SqlMessage, type SqlValue } from './index.js';

function evaluate(expr: string, message: Partial<SqlMessage> = {}, env: SqlEnvironment = {}): SqlValue {
  const ctx = new MessageContext({ topic: 'things/myThings/thingOne', payload: Buffer.from('{"n":5,"s":"x"}'), ...message }, env);
  return compileExpression(expr)(ctx);
}

// [expression, expected]; `undefined` is SQL Undefined.
const docExamples: Array<[string, SqlValue]> = [
  ['abs(-5)', 5], ['abs("-5.123")', 5.123], ['abs(true)', undefined], ['abs(NULL)', undefined],
  ['acos(0)', 1.5707963267948966], ['acos(2)', undefined], ['asin(0)', 0], ['atan(0)', 0], ['atan2(1, 0)', 1.5707963267948966],
  ['bitand(13, 5)', 5], ['bitor(8, 5)', 13], ['bitxor(13, 5)', 8], ['bitand(13.7, "5")', 5], ['bitand("x", 5)', undefined],
  ['cast(true as Int)', 1], ['cast(false AS Decimal)', 0], ['cast("12.7" AS Int)', 12], ['cast(12.7 AS Integer)', 12],
  ['cast(0 AS Boolean)', false], ['cast(3.5 AS Bool)', true], ['cast("TRUE" AS Boolean)', true], ['cast(5 AS String)', '5'],
  ['cast([1,"a"] AS String)', '[1,"a"]'], ['cast(NULL AS String)', undefined], ['cast("abc" AS Int)', undefined], ['cast("5E-12" AS Double)', 5e-12],
  ['ceil(1.2)', 2], ['ceil(-1.2)', -1], ['chr(65)', 'A'], ['chr(49)', '1'], ['chr(300)', undefined],
  ['concat()', undefined], ['concat([1, 2, 3], 4)', [1, 2, 3, 4]], ['concat([1, 2, 3], "hello")', [1, 2, 3, 'hello']],
  ['concat("con", "cat")', 'concat'], ['concat(1, "hello")', '1hello'], ['concat("he","is","man")', 'heisman'],
  ['concat([1, 2, 3], "hello", [4, 5, 6])', [1, 2, 3, 'hello', 4, 5, 6]],
  ['cos(0)', 1], ['cosh(2.3)', 5.037220649268761],
  ['endswith("cat","at")', true], ['endswith(NULL,"at")', undefined], ['exp(1)', Math.E],
  ['floor(1.2)', 1], ['floor(-1.2)', -2],
  ['get(["a", "b", "c"], 1)', 'b'], ['get({"a":"b"}, "a")', 'b'], ['get(["a"], 5)', undefined], ['get(5, 0)', undefined],
  ['md2("hello")', 'a9046c73e00331af68917d3804f70655'], ['md5("hello")', '5d41402abc4b2a76b9719d911017c592'],
  ['sha1("hello")', 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d'],
  ['sha224("hello")', 'ea09ae9cc6768c50fcee903ed054556e5bfc8347907f12598aa24193'],
  ['sha256("hello")', '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'],
  ['sha384("hello")', '59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90125a3c79f90397bdf5f6a13de828684f'],
  ['sha512("hello")', '9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043'],
  ['crc32("hello")', '3610a686'], ['md5(NULL)', undefined],
  ['indexof("abcd", "bc")', 1], ['isNull(5)', false], ['isNull(Null)', true], ['isNull(nothing)', false],
  ['isUndefined(5)', false], ['isUndefined(floor([1,2,3]))', true],
  ['length("hi")', 2], ['length(false)', 5], ['ln(exp(1))', 1], ['log(100)', 2],
  ['lower("HELLO")', 'hello'], ['lower(["HELLO"])', '["hello"]'],
  ['lpad("hello", 2)', '  hello'], ['lpad(1, 3)', '   1'], ['rpad("hello", 2)', 'hello  '], ['rpad(1, 3)', '1   '], ['lpad("a", -4)', 'a'], ['lpad("a", [1])', undefined],
  ['ltrim(" h i ")', 'h i '], ['rtrim(" h i ")', ' h i'], ['trim(" hi ")', 'hi'], ['ltrim(NULL)', undefined],
  ['mod(8, 3)', 2], ['remainder(8, 3)', 2], ['8 % 3', 2], ['mod(8.5, 3)', 2.5],
  ['nanvl(8, 3)', 8], ['nanvl(NULL, 3)', 3], ['nanvl(missing, 3)', 3],
  ['numbytes("hi")', 2], ['numbytes("€")', 3],
  ['power(2, 5)', 32], ['power("2", "x")', undefined],
  ['regexp_matches("aaaa", "a{2,}")', true], ['regexp_matches("aaaa", "b")', false], ['regexp_matches("a", "(")', undefined],
  ['regexp_matches("ABC", "(?i)abc")', true],
  ['regexp_replace("abcd", "bc", "x")', 'axd'], ['regexp_replace("abcd", "b(.*)d", "$1")', 'ac'],
  ['regexp_substr("hihihello", "hi")', 'hi'], ['regexp_substr("hihihello", "(hi)*")', 'hihi'],
  ['replace("abcd", "bc", "x")', 'axd'], ['replace("abcdabcd", "b", "x")', 'axcdaxcd'],
  ['round(1.2)', 1], ['round(1.5)', 2], ['round(1.7)', 2], ['round(-1.1)', -1], ['round(-1.5)', -2],
  ['sign(-7)', -1], ['sign(0)', 0], ['sign(13)', 1],
  ['sin(0)', 0], ['sinh(2.3)', 4.936961805545957], ['sqrt(9)', 3], ['sqrt(-1)', undefined],
  ['startswith("ranger","ran")', true],
  ['substring("012345", 0)', '012345'], ['substring("012345", 2)', '2345'], ['substring("012345", 2.745)', '2345'],
  ['substring(123, 2)', '3'], ['substring("012345", -1)', '012345'], ['substring(true, 1.2)', 'rue'],
  ['substring(false, -2.411E247)', 'false'], ['substring("012345", 1, 3)', '12'], ['substring("012345", -50, 50)', '012345'],
  ['substring("012345", 3, 1)', ''],
  ['sql_version()', '2016-03-23'],
  ['tan(3)', -0.1425465430742778], ['tanh(2.3)', 0.9800963962661914],
  ['time_to_epoch("2020-04-03 09:45:18 UTC+01:00", "yyyy-MM-dd HH:mm:ss VV")', 1585903518000],
  ['time_to_epoch("18 December 2015", "dd MMMM yyyy")', 1450396800000],
  ['time_to_epoch("2007-12-03 10:15:30.592 America/Los_Angeles", "yyyy-MM-dd HH:mm:ss.SSS z")', 1196705730592],
  ['parse_time("yyyy.MM.dd G \'at\' HH:mm:ss z", 100000000, "America/Belize")', '1970.01.01 AD at 21:46:40 CST'],
  ['parse_time("yyyy", 1496992786000, "UTC")', '2017'], ['parse_time("yyyy-MM-dd\'T\'HH:mm:ss.SSSZZ", 1496992786123)', '2017-06-09T07:19:46.123+00:00'],
  ['parse_time("yyyy", 0, "Not/AZone")', undefined],
  ['trunc(2.3, 0)', 2], ['trunc(2.3123, 2)', 2.31], ['trunc(2.888, 2)', 2.88], ['trunc(2.00, 5)', 2], ['trunc(4.35, 2)', 4.35], ['trunc(-2.888, 1)', -2.8],
  ['upper("hello")', 'HELLO'], ['upper(["hello"])', '["HELLO"]'],
  ['encode("hello", "base64")', 'aGVsbG8='], ['decode("aGVsbG8=", "base64")', 'hello'], ['decode("not base64!", "base64")', null],
  ['decode(encode({"a": 1}, "base64"), "base64").a', 1],
  ['transform("other", {"a":1}, [{"b":2}])', undefined],
  ['get_or_default(missing, 7)', 7], ['get_or_default(n, 7)', 5],
];

describe('AWS IoT SQL functions: documented examples', () => {
  it.each(docExamples)('%s', (expr, expected) => {
    const v = evaluate(expr);
    if (typeof expected === 'number' && !Number.isInteger(expected)) expect(v).toBeCloseTo(expected, 12);
    else expect(v).toEqual(expected);
  });
});

describe('message functions', () => {
  const message: Partial<SqlMessage> = { clientId: 'dev-1', principal: 'abc123', traceId: '12345678-1234-1234-1234-123456789012', timestamp: 1481825251155, sourceIp: '10.0.0.5' };
  it.each<[string, SqlValue]>([
    ['topic()', 'things/myThings/thingOne'], ['topic(1)', 'things'], ['topic(3)', 'thingOne'], ['topic(4)', undefined], ['topic(0)', undefined],
    ['clientid()', 'dev-1'], ['principal()', 'abc123'], ['traceid()', '12345678-1234-1234-1234-123456789012'],
    ['timestamp()', 1481825251155], ['sourceip()', '10.0.0.5'],
  ])('%s', (expr, expected) => expect(evaluate(expr, message)).toEqual(expected));

  it('clientid() is "n/a" and traceid() Undefined when the message did not come over MQTT', () => {
    expect(evaluate('clientid()', { clientId: null })).toBe('n/a');
    expect(evaluate('traceid()')).toBeUndefined();
  });

  it('newuuid(), rand() and accountid() come from the environment', () => {
    expect(evaluate('newuuid()')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(evaluate('newuuid()', {}, { newUuid: () => 'fixed' })).toBe('fixed');
    expect(evaluate('rand()', {}, { random: () => 0.25 })).toBe(0.25);
    const r = evaluate('rand()') as number;
    expect(r >= 0 && r < 1).toBe(true);
    expect(evaluate('accountid()', {}, { accountId: '123456789012' })).toBe('123456789012');
  });

  it('get_thing_shadow calls the injected reader (classic and named)', () => {
    const calls: Array<[string, string | undefined]> = [];
    const env: SqlEnvironment = { getThingShadow: (thing, name) => { calls.push([thing, name]); return { state: { reported: { alarm: 'ON' } } }; } };
    expect(evaluate('get_thing_shadow("MyThing", "arn:aws:iam::1:role/r").state.reported.alarm', {}, env)).toBe('ON');
    expect(evaluate('get_thing_shadow("MyThing", "MyThingShadow", "arn:aws:iam::1:role/r").state.reported.alarm = \'ON\'', {}, env)).toBe(true);
    expect(calls).toEqual([['MyThing', undefined], ['MyThing', 'MyThingShadow']]);
    expect(evaluate('get_thing_shadow("MyThing", "arn")')).toBeUndefined();
  });

  it('MQTT 5 properties', () => {
    const mqtt5 = { contentType: 'application/json', responseTopic: 'r/t', correlationData: Buffer.from('id'), payloadFormatIndicator: 1 as const, userProperties: [['k', 'a'], ['k', 'b'], ['z', 'c']] as Array<[string, string]> };
    expect(evaluate("get_mqtt_property('content_type')", { mqtt5 })).toBe('application/json');
    expect(evaluate("get_mqtt_property('format_indicator')", { mqtt5 })).toBe('UTF8_DATA');
    expect(evaluate("get_mqtt_property('format_indicator')", { mqtt5: { ...mqtt5, payloadFormatIndicator: 0 } })).toBe('UNSPECIFIED_BYTES');
    expect(evaluate("get_mqtt_property('response_topic')", { mqtt5 })).toBe('r/t');
    expect(evaluate("get_mqtt_property('correlation_data')", { mqtt5 })).toBe('aWQ=');
    expect(evaluate("get_user_properties('k')", { mqtt5 })).toEqual(['a', 'b']);
    expect(evaluate('get_user_properties()', { mqtt5 })).toEqual([{ k: 'a' }, { k: 'b' }, { z: 'c' }]);
  });

  it.each([
    ["get_mqtt_property('format')", 'a name AWS does not define'],
    ["get_mqtt_property('message_expiry')", 'a header the function does not read'],
    ['get_mqtt_property(1)', 'a name that is not a string'],
    ["get_user_properties('missing')", 'a key no user property has'],
    ['get_user_properties(1)', 'a key that is not a string'],
  ])('%s is Undefined (%s)', (expr) => {
    const mqtt5 = { contentType: 'c', payloadFormatIndicator: 1 as const, userProperties: [['k', 'a']] as Array<[string, string]> };
    expect(evaluate(expr, { mqtt5 })).toBeUndefined();
  });

  it.each([
    "get_mqtt_property('content_type')", "get_mqtt_property('format_indicator')", "get_mqtt_property('response_topic')",
    "get_mqtt_property('correlation_data')", "get_user_properties('k')", 'get_user_properties()',
  ])('%s is Undefined for a message without MQTT 5 properties', (expr) => {
    expect(evaluate(expr)).toBeUndefined();
  });

  it('external functions go through env.callExternal, else Undefined', () => {
    expect(evaluate('aws_lambda("arn:fn", {"payload": n})')).toBeUndefined();
    const env: SqlEnvironment = { callExternal: (name, args) => ({ name, args }) };
    expect(evaluate('aws_lambda("arn:fn", {"payload": n})', {}, env)).toEqual({ name: 'aws_lambda', args: ['arn:fn', { payload: 5 }] });
  });
});
