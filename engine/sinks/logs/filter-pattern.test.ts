import { describe, expect, it } from 'vitest';
import { isEngineError } from '../../core/index.js';
import { compileFilterPattern } from './filter-pattern.js';

const lines = {
  error: '[ERROR] Caught IllegalArgumentException',
  warn: '[WARN] disk almost full',
  info: '[INFO] Exiting normally',
  errorExit: '[ERROR] Exiting after failure',
  phrase: 'device sensor-1 reported "high temperature"',
  json: '{"eventType":"UpdateTrail","latency":50,"user":{"id":"u-7","admin":true},"ip":"123.123.4.5","tags":["a","b"],"gone":null}',
  json2: '{"eventType":"CreateTrail","latency":250.5,"user":{"id":"x-1","admin":false},"ip":"10.0.0.1"}',
  notJson: 'eventType = UpdateTrail',
  jsonArray: '[{"eventType":"UpdateTrail"}]',
  access: '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 1534',
  access2: '10.0.0.9 - - [10/Oct/2000:13:26:00 -0700] "POST /login HTTP/1.1" 200 87',
};
type Line = keyof typeof lines;
const names = Object.keys(lines) as Line[];

const cases: Array<[string, Line[]]> = [
  ['', names],
  ['   ', names],
  ['ERROR', ['error', 'errorExit']],
  ['ERROR Exiting', ['errorExit']],
  ['ERROR -Exiting', ['error']],
  ['?ERROR ?WARN', ['error', 'warn', 'errorExit']],
  ['"high temperature"', ['phrase']],
  ['"[ERROR] Caught"', ['error']],
  ['-"Exiting" ?ERROR ?INFO', ['error']],
  ['error', []],
  ['%ERROR|WARN%', ['error', 'warn', 'errorExit']],
  ['%^\\[INFO\\]%', ['info']],
  ['{ $.eventType = "UpdateTrail" }', ['json']],
  ['{ $.eventType = UpdateTrail }', ['json']],
  ['{$.eventType="*Trail"}', ['json', 'json2']],
  ['{ $.eventType != "UpdateTrail" }', ['json2']],
  ['{ $.eventType = "Update*" }', ['json']],
  ['{ $.ip = 123.123.* }', ['json']],
  ['{ $.ip != 123.123.* }', ['json2']],
  ['{ $.latency = 50 }', ['json']],
  ['{ $.latency != 50 }', ['json2']],
  ['{ $.latency > 100 }', ['json2']],
  ['{ $.latency >= 50 }', ['json', 'json2']],
  ['{ $.latency < 100 }', ['json']],
  ['{ $.latency <= 250.5 }', ['json', 'json2']],
  ['{ $.user.id = "u-*" }', ['json']],
  ['{ $.user.admin IS TRUE }', ['json']],
  ['{ $.user.admin IS FALSE }', ['json2']],
  ['{ $.gone IS NULL }', ['json']],
  ['{ $.gone NOT EXISTS }', ['json2']],
  ['{ $.tags EXISTS }', ['json']],
  ['{ $.tags[1] = "b" }', ['json']],
  ['{ $.tags[5] = "b" }', []],
  ['{ $.latency > 100 || $.user.admin IS TRUE }', ['json', 'json2']],
  ['{ $.latency > 10 && $.eventType = "Create*" }', ['json2']],
  ['{ ($.latency = 50 || $.latency > 200) && $.ip = "10.*" }', ['json2']],
  ['{ $.eventType = "UpdateTrail" || $.eventType = "CreateTrail" && $.latency > 1000 }', ['json']],
  ['{ $.latency = "50" }', []],
  ['{ $.missing != "x" }', []],
  ['[ip, id, user, timestamp, request, status, size]', ['access', 'access2']],
  ['[ip, id, user, timestamp, request, status=404, size]', ['access']],
  ['[ip, id, user, timestamp, request, status=4*, size>1000]', ['access']],
  ['[ip, id, user, timestamp, request, status!=404, size]', ['access2']],
  ['[ip, id, user, timestamp, request="POST *", ...]', ['access2']],
  ['[ip=10.*, ...]', ['access2']],
  ['[..., status=200 || status=404, size<100]', ['access2']],
  ['[..., size>=87 && size<=1534]', ['access', 'access2']],
  ['[ip, user="frank", ...]', []],
  ['[ip, id, user="frank", ...]', ['access']],
  ['[ip, id, user, timestamp="10/Oct/2000:13:25:15 -0700", ...]', ['access']],
  ['[a, b]', []],
];

describe('CloudWatch Logs filter patterns', () => {
  it.each(cases)('%j matches %j', (pattern, expected) => {
    const match = compileFilterPattern(pattern);
    expect(names.filter((n) => match(lines[n]))).toEqual(expected);
  });

  const refused: Array<[string, RegExp]> = [
    ['[ip, , status]', /an empty field/],
    ['[ip, size > "x"]', /compares numbers, not strings/],
    ['[ip=1 || user=2]', /join conditions on one field/],
    ['[ip', /written \[field, field/],
    ['{ $.a = 1', /expected "}"/],
    ['{ a = 1 }', /starts with a selector/],
    ['{ $.a ~ 1 }', /expected an operator/],
    ['{ $.a > "x" }', /compares numbers, not strings/],
    ['{ $.a[*] = 1 }', /\* wildcards are not supported/],
    ['{ $.a IS MAYBE }', /IS is followed by NULL, TRUE or FALSE/],
    ['{ $.a = 1 } extra', /unexpected text/],
    ['"unclosed', /quoted string at column 1 is not closed/],
    ['%(unclosed%', /regular expression does not compile/],
    ['x'.repeat(1025), /longer than 1024/],
  ];
  it.each(refused)('refuses %j as invalid input naming the problem', (pattern, message) => {
    let error: unknown;
    try {
      compileFilterPattern(pattern);
    } catch (e) {
      error = e;
    }
    expect(isEngineError(error) && error.code).toBe('InvalidInput');
    expect((error as Error).message).toMatch(/^Invalid filter pattern: /);
    expect((error as Error).message).toMatch(message);
  });
});
