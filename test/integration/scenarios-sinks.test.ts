/**
 * `sink.expect` against the real engine: rules deliver to a queue, a notification topic, a log group and a table
 * provisioned by the scenario; each record is matched by expect's predicates (JSON subset, JSONPath, regex, JSON
 * Schema, a notification's subject), once; a failure shows what was expected beside the records seen; records from
 * before the run are not matched; a missing sink and a target without sinks are one sentence each.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { engineTarget } from '../helpers/engine-target.js';
import { runFiles } from '../helpers/scenario-run.js';
import { EngineError } from '../../engine/core/index.js';
import type { StepRecord } from '../../engine/scenarios/index.js';
import type { Target } from '../../engine/scenarios/targets/target.js';

let te: TestEngine;
beforeAll(async () => {
  te = await startTestEngine();
});
afterAll(() => te.stop());

const statuses = (steps: StepRecord[]) => steps.map((s) => `${s.id} ${s.step} ${s.status}`);
const ROLE = 'arn:aws:iam::123456789012:role/rules';

/** A provision step: a queue, a notification topic, a log group and a table, each fed by a rule from `orders/+`. */
const pipeline = `
  - provision:
      sinks:
        - { kind: queue, name: orders-q }
        - { kind: notify, name: orders-n }
        - { kind: log, name: /orders/log }
        - { kind: table, name: Orders, options: { hashKey: { name: id, type: S } } }
      rules:
        - name: to_queue
          sql: "SELECT *, topic(2) AS shop FROM 'orders/+'"
          actions: [{ sqs: { queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/orders-q", roleArn: "${ROLE}", useBase64: false } }]
        - name: to_notification
          sql: "SELECT * FROM 'orders/+' WHERE total > 100"
          actions: [{ sns: { targetArn: "arn:aws:sns:us-east-1:123456789012:orders-n", roleArn: "${ROLE}", messageFormat: RAW } }]
        - name: to_log
          sql: "SELECT * FROM 'orders/+'"
          actions: [{ cloudwatchLogs: { logGroupName: /orders/log, roleArn: "${ROLE}" } }]
        - name: to_table
          sql: "SELECT * FROM 'orders/+'"
          actions: [{ dynamoDBv2: { roleArn: "${ROLE}", putItem: { tableName: Orders } } }]
`;

describe('sink.expect', () => {
  it('matches what rules delivered to a queue, a notification topic, a log group and a table, each record once', async () => {
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: orders pipeline
variables: { big: 250 }
steps:${pipeline}
  - publish: { topic: orders/north, payload: { id: o-1, total: 40, items: [a, b] }, qos: 1 }
  - publish: { topic: orders/south, payload: { id: o-2, total: "\${big}", items: [c] }, qos: 1 }
  - sink.expect: { kind: sqs, name: orders-q, json: { id: o-1, shop: north } }
  - sink.expect: { kind: queue, name: orders-q, where: [{ path: $.total, op: ">", value: 100 }, { path: "$.items[0]", value: c }] }
  - name: the big order only is notified
    sink.expect: { kind: sns, name: orders-n, json: { id: o-2 }, within: 5s }
  - sink.expect: { kind: log, name: /orders/log, regex: '"id":"o-[12]"', count: 2 }
  - sink.expect:
      kind: dynamodb
      name: Orders
      schema: { type: object, required: [id, total, items], properties: { items: { type: array, minItems: 1 } } }
      count: 2
  - name: the table is a state, so its items can be looked at again
    sink.expect: { kind: table, name: Orders, json: { id: o-1, total: 40 } }
`,
    });
    expect(result.message).toBeUndefined();
    expect(statuses(result.steps)).toEqual([
      '1 provision passed', '2 publish passed', '3 publish passed', '4 sink.expect passed', '5 sink.expect passed',
      '6 sink.expect passed', '7 sink.expect passed', '8 sink.expect passed', '9 sink.expect passed',
    ]);
    expect(result.steps[6].note).toBe('2 matching records in log /orders/log');
    expect(result.cleanupErrors).toEqual([]);
    // Cleanup took the sinks and rules away again.
    expect(await te.engine.api.sinks.list()).toEqual([]);
    expect(await te.engine.api.rules.list()).toEqual([]);
  });

  it('fails for the right reason: what was expected beside the records seen; a matched record is not matched twice', async () => {
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: wrong total
steps:${pipeline}
  - publish: { topic: orders/east, payload: { id: o-3, total: 500 }, qos: 1 }
  - sink.expect: { kind: notify, name: orders-n, json: { id: o-3 } }
  - sink.expect: { kind: notify, name: orders-n, json: { id: o-3 }, within: 300ms }
  - publish: { topic: never/sent, payload: x }
`,
    });
    expect(result.status).toBe('failed');
    expect(statuses(result.steps)).toEqual(['1 provision passed', '2 publish passed', '3 sink.expect passed', '4 sink.expect failed', '5 publish skipped']);
    const failed = result.steps[3];
    expect(failed.message).toBe('notify orders-n: no matching record within 300 ms (0 new records seen)');
    expect(failed.expected).toEqual({ sink: 'notify:orders-n', json: { id: 'o-3' }, count: 1, within: '300 ms' });
    expect(result.cleanupErrors).toEqual([]);
    expect(await te.engine.api.sinks.list()).toEqual([]);

    const { result: second } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: subject and predicate
steps:${pipeline}
  - publish: { topic: orders/west, payload: { id: o-4, total: 101 }, qos: 1 }
  - sink.expect: { kind: notify, name: orders-n, subject: Urgent, json: { id: o-4 }, within: 3s }
`,
    });
    expect(second.status).toBe('failed');
    expect(second.steps[2].message).toBe('notify orders-n: no matching record within 3000 ms (1 new record seen)');
    expect(second.steps[2].seen?.map((m) => [m.topic, JSON.parse(m.payload)])).toEqual([['notify:orders-n', { id: 'o-4', total: 101 }]]);
  });

  it('in deterministic mode waits for the engine, which fills sinks on real time, after its virtual window', async () => {
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: slow function
deterministic: true
steps:
  - provision:
      sinks: [{ kind: queue, name: slow-q }]
      functions: [{ name: slow, code: "export const handler = async (e) => { await new Promise((r) => setTimeout(r, 300)); await thingbench.publish('slow/out', e); };" }]
      rules:
        - { name: slow_in, sql: "SELECT * FROM 'slow/in'", actions: [{ lambda: { functionArn: slow } }] }
        - { name: slow_out, sql: "SELECT * FROM 'slow/out'", actions: [{ sqs: { queueUrl: slow-q, roleArn: "${ROLE}" } }] }
  - publish: { topic: slow/in, payload: { n: 7 }, qos: 1 }
  - sink.expect: { kind: queue, name: slow-q, json: { n: 7 }, within: 5s }
`,
    });
    expect(result.message).toBeUndefined();
    expect(result.deterministic).toBe(true);
  });

  it('a record matched outside a repeat is not matched again inside it', async () => {
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: nested
steps:${pipeline}
  - publish: { topic: orders/x, payload: { id: o-9, total: 1 }, qos: 1 }
  - sink.expect: { kind: queue, name: orders-q, json: { id: o-9 } }
  - repeat:
      times: 1
      steps:
        - sink.expect: { kind: queue, name: orders-q, json: { id: o-9 }, within: 300ms }
`,
    });
    expect(statuses(result.steps)).toEqual(['1 provision passed', '2 publish passed', '3 sink.expect passed', '4 repeat failed']);
    expect(result.steps[3].children[0].message).toBe('queue orders-q: no matching record within 300 ms (0 new records seen)');
  });

  it('does not match records from before the run', async () => {
    await te.engine.api.sinks.create('queue', 'old-q');
    await te.engine.api.rules.put('old_q', { sql: "SELECT * FROM 'old/q'", awsIotSqlVersion: '2016-03-23', actions: [{ sqs: { queueUrl: 'old-q', roleArn: ROLE } }] });
    try {
      await te.engine.api.broker.publish({ topic: 'old/q', payload: Buffer.from('{"n":1}').toString('base64'), qos: 1 });
      await vi.waitFor(async () => expect(await te.engine.api.sinks.records('queue', 'old-q')).toHaveLength(1));
      const { result } = await runFiles(engineTarget(te), {
        'main.yaml': `
name: old records
steps:
  - sink.expect: { kind: queue, name: old-q, json: { n: 1 }, within: 300ms }
  - publish: { topic: old/q, payload: { n: 1 }, qos: 1 }
  - sink.expect: { kind: queue, name: old-q, json: { n: 1 } }
`,
      });
      expect(statuses(result.steps)).toEqual(['1 sink.expect failed', '2 publish skipped', '3 sink.expect skipped']);
      expect(result.steps[0].message).toBe('queue old-q: no matching record within 300 ms (0 new records seen)');
    } finally {
      await te.engine.api.rules.delete('old_q');
      await te.engine.api.sinks.delete('queue', 'old-q');
    }
  });

  it('names a missing sink, and the sinks the target has, in one sentence', async () => {
    const { result } = await runFiles(engineTarget(te), {
      'main.yaml': `
name: missing sink
steps:
  - provision: { sinks: [{ kind: queue, name: present-q }] }
  - sink.expect: { kind: queue, name: absent-q }
`,
    });
    expect(result.status).toBe('failed');
    expect(result.steps[1].message).toBe("sink.expect: the target 'local' has no queue sink named 'absent-q' (it has present-q)");
  });

  it('a target that cannot show its sinks is refused before the run starts', async () => {
    const local = engineTarget(te);
    const plain: Target = {
      name: 'plain', kind: 'mqtt', capabilities: { shadows: false, controlPlane: false, sinks: false, engineRestart: false },
      mqtt: local.mqtt, close: async () => undefined,
    };
    const err = await runFiles(plain, {
      'main.yaml': `
name: refused
steps:
  - provision: { sinks: [{ kind: notify, name: n }] }
  - sink.expect: { kind: notify, name: n }
`,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message.split('\n')).toEqual([
      expect.stringMatching(/main\.yaml:4:5: provision: the target 'plain' \(mqtt\) cannot have sinks \(notify\) made: Thingbench creates them only on a local target until it has AWS's APIs for them \(SNS, SQS, Kinesis, DynamoDB, CloudWatch Logs, Lambda\)$/),
      expect.stringMatching(/^the sink\.expect step at .*main\.yaml:5:5 needs readable sinks .* which the target 'plain' \(a plain MQTT broker\) does not have$/),
    ]);
  });

  it('an unknown kind or a bad predicate is refused when the scenario loads, at its line', async () => {
    const load = (step: string) => runFiles(engineTarget(te), { 'main.yaml': `\nname: bad\nsteps:\n  - publish: { topic: a, payload: x }\n${step}\n` }).then(() => { throw new Error('expected the scenario to be refused'); }, (e: unknown) => e as EngineError);
    const kind = await load('  - sink.expect: { kind: mailbox, name: x }');
    expect(kind.code).toBe('InvalidInput');
    expect(kind.message).toMatch(/main\.yaml:5:26: steps\[1\]\.sink\.expect\.kind: expected one of: "queue", "sqs", "notify", /);
    const regex = await load('  - sink.expect: { kind: queue, name: x, regex: "(" }');
    expect(regex.message).toMatch(/main\.yaml:5:18: sink\.expect: regex: not a valid RE2 regular expression: .*missing closing \)/);
    const subject = await load('  - sink.expect: { kind: queue, name: x, subject: Hi }');
    expect(subject.message).toMatch(/main\.yaml:5:18: sink\.expect: subject applies to notifications only$/);
  });
});
