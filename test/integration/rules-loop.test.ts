/**
 * Republish loop protection through the real broker: a rule whose republish feeds its own FROM (directly, or through
 * a second rule) stops after MAX_RULE_REPEATS rounds: the rule is not evaluated on the next message, which counts as a
 * failed action with the reason in the trace and the metrics, and the engine keeps serving other traffic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { MAX_RULE_REPEATS } from '../../engine/rules/republish-loop.js';
import { connect, nextMessages, startTestEngine, until, type TestEngine } from '../helpers/engine.js';

const ROLE = 'arn:aws:iam::123456789012:role/rules';
const republish = (topic: string) => ({ republish: { topic, roleArn: ROLE } });

describe('republish loop protection', () => {
  let te: TestEngine;
  let device: MqttClient;
  let watcher: MqttClient;

  beforeAll(async () => {
    te = await startTestEngine({ mode: 'aws' });
    device = await connect(te.mqttPort, { clientId: 'loop-device' });
    watcher = await connect(te.mqttPort, { clientId: 'loop-watcher' });
  });

  afterAll(async () => {
    await device?.endAsync();
    await watcher?.endAsync();
    await te?.stop();
  });

  it('a rule republishing onto its own FROM stops after the limit; the stop is a failed action with its reason in the trace', async () => {
    await te.engine.api.rules.put('echo', {
      sql: "SELECT *, n + 1 AS n FROM 'loop/self'", awsIotSqlVersion: '2016-03-23',
      actions: [republish('loop/self')], errorAction: republish('loop/errors'),
    });
    await watcher.subscribeAsync(['loop/self', 'loop/errors']);
    // The device's message, then one republish per round: the rule is not evaluated on the last one.
    const loopMessages = nextMessages(watcher, 1 + MAX_RULE_REPEATS, 10_000);
    await device.publishAsync('loop/self', '{"n":0}');
    const got = await loopMessages;
    expect(got.map((m) => m.topic)).toEqual(Array(1 + MAX_RULE_REPEATS).fill('loop/self'));
    expect(got.map((m) => (JSON.parse(m.payload.toString()) as { n: number }).n)).toEqual(Array.from({ length: MAX_RULE_REPEATS + 1 }, (_, i) => i));
    // Nothing more arrives, on the loop or as an error (the stop is not an action of the rule's, so errorAction is not run).
    expect(await nextMessages(watcher, 1, 500).catch(() => [])).toEqual([]);

    const [metrics] = await te.engine.api.rules.metrics('echo');
    expect(metrics).toMatchObject({ evaluated: MAX_RULE_REPEATS, matched: MAX_RULE_REPEATS, actionsSucceeded: MAX_RULE_REPEATS, actionsFailed: 1, errorActionsSucceeded: 0 });
    expect(metrics.lastError?.message).toMatch(/^republish loop stopped: this message comes from 16 rounds of rule echo's own republish/);
    const trace = await te.engine.api.rules.trace({ rule: 'echo', limit: 100 });
    const stopped = trace.filter((e) => e.reason === 'loop');
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toMatchObject({ matched: false, topic: 'loop/self', clientId: null, error: expect.stringContaining('republish loop stopped') });
    expect(stopped[0].actions).toEqual([expect.objectContaining({ index: -3, kind: 'loop', ok: false, error: expect.stringContaining('the limit is 16 rounds') })]);
    expect(te.logs.some((l) => l.level === 'warn' && l.message.startsWith('rule echo: republish loop stopped'))).toBe(true);

    // The engine still serves: a new device message runs the rule again, with a fresh lineage.
    const again = nextMessages(watcher, 1 + MAX_RULE_REPEATS, 10_000);
    await device.publishAsync('loop/self', '{"n":100}');
    expect((await again).at(-1)?.payload.toString()).toContain(`"n":${100 + MAX_RULE_REPEATS}`);
    await te.engine.api.rules.delete('echo');
    await watcher.unsubscribeAsync(['loop/self', 'loop/errors']);
  });

  it('a loop through two rules stops too, and a chain that does not loop is untouched', async () => {
    await te.engine.api.rules.put('ping', { sql: "SELECT * FROM 'loop/ping'", awsIotSqlVersion: '2016-03-23', actions: [republish('loop/pong')] });
    await te.engine.api.rules.put('pong', { sql: "SELECT * FROM 'loop/pong'", awsIotSqlVersion: '2016-03-23', actions: [republish('loop/ping')] });
    await watcher.subscribeAsync('loop/ping');
    const pings: number[] = [];
    const count = () => void pings.push(1);
    watcher.on('message', count);
    await device.publishAsync('loop/ping', '{"x":1}');
    await until(() => pings.length >= MAX_RULE_REPEATS + 1, 10_000, 'the ping-pong to reach the limit');
    await new Promise((r) => setTimeout(r, 400)); // a runaway loop would show itself meanwhile
    watcher.off('message', count);
    // The device's ping, then one from each round of pong; ping is not evaluated on the one after its 16th round.
    expect(pings).toHaveLength(MAX_RULE_REPEATS + 1);
    const [ping] = await te.engine.api.rules.metrics('ping');
    expect(ping).toMatchObject({ matched: MAX_RULE_REPEATS, actionsFailed: 1 });

    // A chain through distinct rules (a → b → c) is not a loop.
    await te.engine.api.rules.put('chain_a', { sql: "SELECT * FROM 'chain/a'", awsIotSqlVersion: '2016-03-23', actions: [republish('chain/b')] });
    await te.engine.api.rules.put('chain_b', { sql: "SELECT * FROM 'chain/b'", awsIotSqlVersion: '2016-03-23', actions: [republish('chain/c')] });
    await watcher.subscribeAsync('chain/c');
    const end = nextMessages(watcher, 1);
    await device.publishAsync('chain/a', '{"ok":true}');
    expect((await end).map((m) => m.payload.toString())).toEqual(['{"ok":true}']);
  });
});
