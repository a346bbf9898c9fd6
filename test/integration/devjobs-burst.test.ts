/**
 * A burst of engine publishes, as a job to thousands of things makes (`notify` and `notify-next` per thing in one
 * go), with connected subscribers on some of the topics: every publish resolves and every subscriber gets its
 * messages, where the burst once overflowed the stack in aedes' emitter and took the engine down.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { BrokerService } from '../../engine/broker/index.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';

const THINGS = 5000, SUBSCRIBED = 50;
let te: TestEngine;
const clients: MqttClient[] = [];

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
});
afterAll(async () => {
  for (const c of clients) await c.endAsync(true);
  await te?.stop();
});

it(`publishes notify and notify-next for ${THINGS} things at once, ${SUBSCRIBED} of them subscribed`, async () => {
  const received = new Map<string, number>();
  for (let i = 0; i < SUBSCRIBED; i++) {
    const c = await connect(te.mqttPort, { clientId: `burst-${i}` });
    await c.subscribeAsync(`$aws/things/t${i}/jobs/notify-next`, { qos: 1 });
    c.on('message', (topic) => received.set(topic, (received.get(topic) ?? 0) + 1));
    clients.push(c);
  }
  const broker = (te.engine as unknown as { broker: BrokerService }).broker;
  const publishes: Promise<void>[] = [];
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < THINGS; i++) {
      for (const t of ['notify', 'notify-next']) publishes.push(broker.publish({ topic: `$aws/things/t${i}/jobs/${t}`, payload: Buffer.from(`{"round":${round}}`), qos: 1, retain: false }));
    }
  }
  await Promise.all(publishes);
  await expect.poll(() => [...received.values()].reduce((a, b) => a + b, 0), { timeout: 20_000 }).toBe(SUBSCRIBED * 2);
  expect([...received.keys()].sort()).toEqual(Array.from({ length: SUBSCRIBED }, (_, i) => `$aws/things/t${i}/jobs/notify-next`).sort());
});
