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
];

describe('CloudWatch Logs filter patterns', () => {
  it.each(cases)('%j matches %j', (pattern, expected) => {
    const match = compileFilterPattern(pattern);
    expect(names.filter((n) => match(lines[n]))).toEqual(expected);
  });

  const refused: Array<[string, RegExp]> = [
    ['[ip, user, status=404]', /space-delimited filter patterns/],
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
