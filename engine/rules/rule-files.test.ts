import { describe, expect, it } from 'vitest';
import { jsonErrorOffset } from './json-error-offset.js';
import { parseRuleFile } from './rule-files.js';

const payload = { sql: "SELECT * FROM 'a/#'", actions: [{ republish: { topic: 'b', roleArn: 'arn:aws:iam::1:role/r' } }] };

describe('rule files', () => {
  it.each([
    ['JSON, named', 'r.json', JSON.stringify({ ruleName: 'named', topicRulePayload: payload }), ['named']],
    ['JSON, bare payload named after the file', 'hot.json', JSON.stringify(payload), ['hot']],
    ['YAML, named', 'r.yaml', `ruleName: named\ntopicRulePayload:\n  sql: SELECT * FROM 'a/#'\n  actions:\n    - republish: { topic: b, roleArn: x }\n`, ['named']],
    ['YAML, bare payload (.yml)', 'cold.yml', `sql: SELECT * FROM 'a/#'\nactions: []\n`, ['cold']],
    ['YAML, a list', 'set.yaml', `- ruleName: one\n  sql: SELECT 1 FROM 'x'\n  actions: []\n- sql: SELECT 2 FROM 'y'\n  actions: []\n`, ['one', 'set_1']],
    ['an empty YAML file', 'empty.yaml', '', []],
  ])('%s', (_what, file, text, names) => {
    const r = parseRuleFile(`/p/${file}`, text);
    expect(r.problems).toEqual([]);
    expect(r.parsed).toBe(true);
    expect(r.rules.map((x) => x.name)).toEqual(names);
  });

  it('YAML and JSON give the same payload', () => {
    const yaml = parseRuleFile('/p/r.yaml', `sql: SELECT * FROM 'a/#'\nactions:\n  - republish:\n      topic: b\n      roleArn: arn:aws:iam::1:role/r\n`);
    expect(yaml.rules[0].payload).toEqual(payload);
  });

  it.each([
    ['bad.json', '{\n  "sql": "SELECT 1",\n  "actions": [}\n', /^not valid JSON at line 3, column 15: /],
    ['bad.json', '{"sql": "x",}', /^not valid JSON at line 1, column 13: /],
    ['bad.json', '{"a": }', /^not valid JSON at line 1, column 7: /],
    ['bad.yaml', 'sql: SELECT 1\nactions: [\n  - x\n', /^not valid YAML at line \d+, column \d+: /],
    ['bad.yml', 'sql: a\nsql: b\n', /^not valid YAML at line 2, column 1: Map keys must be unique/],
  ])('%s %j: the problem names line and column', (file, text, message) => {
    const r = parseRuleFile(`/p/${file}`, text);
    expect(r.parsed).toBe(false);
    expect(r.rules).toEqual([]);
    expect(r.problems).toEqual([{ file: `/p/${file}`, message: expect.stringMatching(message) }]);
  });

  it('a scalar document is a problem, not a crash', () => {
    expect(parseRuleFile('/p/x.yaml', 'just text\n').problems[0].message).toBe('must hold a rule object or a list of rules');
  });

  it.each([
    ['{"a":1}', 7], ['[1,2', 4], ['tru', 3], ['trxe', 2], ['{"a" 1}', 5], ['"\\q"', 2], ['01', 1], ['{"a":1} x', 8],
  ])('jsonErrorOffset(%j) = %i', (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
  });
});
