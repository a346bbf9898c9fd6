/**
 * The Rules view's pure parts: payload fields for completion, the action form's parameter paths, and where the
 * engine's own validation errors (produced here by the engine's action factories and payload check) land in the form.
 */
import { describe, expect, it } from 'vitest';
import type { RuleActionJson } from '../../engine/contract/index.js';
import { actionFactories } from '../../engine/rules/index.js';
import { parsePayload } from '../../engine/rules/rule-model.js';
import { getPath, newAction, setPath, SPEC_BY_KIND } from '../../renderer/src/state/models/rule-actions.js';
import { placeOfError } from '../../renderer/src/state/models/rule-save-errors.js';
import { payloadFields } from '../../renderer/src/state/models/payload-fields.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** The message the engine refuses an action with. */
function refusal(action: RuleActionJson): string {
  const [kind, params] = Object.entries(action)[0];
  try {
    actionFactories[kind](params, { sinks: {} } as never);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${kind} was accepted`);
}

describe('payloadFields', () => {
  it('lists the dotted paths of JSON objects, through arrays, skipping keys SQL cannot name and non-JSON payloads', () => {
    const fields = payloadFields([
      { payload: b64(JSON.stringify({ temp: 21, env: { humidity: 40, 'bad key': 1 }, readings: [{ v: 1 }, { w: 2 }] })) },
      { payload: b64(JSON.stringify({ temp: 22, device: 'x' })) },
      { payload: b64('not json') },
      { payload: b64(JSON.stringify({ cut: 1 })), truncated: true },
    ]);
    expect(fields).toEqual(['device', 'env', 'env.humidity', 'readings', 'readings.v', 'readings.w', 'temp']);
  });
});

describe('action form parameters', () => {
  it('reads and writes nested parameters, leaving empty ones out', () => {
    const params = newAction('dynamoDBv2').dynamoDBv2;
    const named = setPath(params, 'putItem.tableName', 'readings');
    expect(named).toEqual({ putItem: { tableName: 'readings' } });
    expect(getPath(named, 'putItem.tableName')).toBe('readings');
    expect(setPath({ topic: 'a', qos: 1 }, 'qos', undefined)).toEqual({ topic: 'a' });
    expect(params).toEqual({ putItem: { tableName: '' } }); // unchanged
  });

  it('offers a form for every action the engine runs but dynamoDB (v1) and cloudwatchAlarm, which are edited as JSON', () => {
    const engine = Object.keys(actionFactories);
    expect(engine.filter((k) => !SPEC_BY_KIND.has(k)).sort()).toEqual(['cloudwatchAlarm', 'dynamoDB']);
  });
});

describe('placeOfError', () => {
  const actions: RuleActionJson[] = [{ sns: { targetArn: 'arn:aws:sns:us-east-1:123456789012:t' } }, { republish: {} }];

  it('puts a parameter error at the action and field it names', () => {
    expect(placeOfError(refusal({ republish: {} }), actions, null)).toEqual({ at: 'action', index: 1, field: 'topic' });
    expect(placeOfError(refusal({ dynamoDBv2: { putItem: {} } }), [{ dynamoDBv2: { putItem: {} } }], null))
      .toEqual({ at: 'action', index: 0, field: 'putItem.tableName' });
    expect(placeOfError(refusal({ sns: { targetArn: 'x', messageFormat: 'XML' } }), [], { sns: { targetArn: 'x', messageFormat: 'XML' } }))
      .toEqual({ at: 'errorAction', field: 'messageFormat' });
  });

  it('puts a payload error naming actions[i] at that action, and a rule name error at the name', () => {
    let message = '';
    try { parsePayload({ sql: "SELECT * FROM 'a'", actions: [{ republish: { topic: 'x' } }, { iotEvents: { inputName: 'b' } }] }, new Set(Object.keys(actionFactories))); } catch (e) { message = (e as Error).message; }
    expect(placeOfError(message, [{ republish: { topic: 'x' } }, { iotEvents: { inputName: 'b' } }], null)).toEqual({ at: 'action', index: 1 });
    expect(placeOfError("1 validation error detected: Value 'a-b' at 'ruleName' failed to satisfy constraint", [], null)).toEqual({ at: 'name' });
  });

  it('finds a bad substitution template by its text', () => {
    const bad: RuleActionJson[] = [{ republish: { topic: 'alerts/${topic(}' } }];
    expect(placeOfError('Invalid substitution template ${topic(} in "alerts/${topic(}": Expected an expression', bad, null))
      .toEqual({ at: 'action', index: 0, field: 'topic' });
  });
});
