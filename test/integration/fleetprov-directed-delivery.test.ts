/**
 * Directed delivery (`BrokerService.deliverTo`): the engine writes a PUBLISH to one connected client, whether or not
 * it subscribed, as AWS IoT answers Jobs and fleet provisioning requests on their `accepted`/`rejected` topics. It
 * does not go through the broker: another subscriber of the same topic and the in-engine taps (rules) never see it;
 * the traffic history and the live feed do. MQTT 3.1.1 and 5, clean and persistent sessions. Real broker, real store,
 * real mqtt.js over TCP; every negative is proved by a marker sent afterwards on the same connection.
 */
import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { BrokerService, defaultLimits, type TappedMessage } from '../../engine/broker/index.js';
import type { MessageBatch } from '../../engine/contract/index.js';
import { SqlJsStore } from '../../engine/storage/index.js';
import { silentLogger } from '../../engine/core/index.js';
import { connect, nextMessages } from '../helpers/engine.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function startBroker(): Promise<BrokerService> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-directed-'));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const store = await SqlJsStore.open(dir);
  const b = new BrokerService(store, { mode: 'aws', limits: defaultLimits('aws'), host: '127.0.0.1', ports: { mqtt: 0, ws: 0 }, historySize: 100 }, silentLogger, () => Date.now());
  await b.start();
  cleanup.push(async () => {
    await b.stop();
    await store.close();
  });
  return b;
}

async function client(port: number, clientId: string, opts: Parameters<typeof connect>[1] = {}): Promise<MqttClient> {
  const c = await connect(port, { clientId, ...opts });
  cleanup.push(() => c.endAsync(true));
  return c;
}

const reply = '$aws/certificates/create/json/accepted';

describe('BrokerService.deliverTo', () => {
  it('reaches the one client without a subscription; a subscriber of the topic and the taps do not see it; history and live feed do', async () => {
    const b = await startBroker();
    const tapped: TappedMessage[] = [];
    b.tap('$aws/certificates/#', (m) => tapped.push(m));
    const batches: MessageBatch[] = [];
    b.events.on('messages', (batch) => batches.push(batch));
    const asker = await client(b.ports.mqtt, 'directed-asker');
    const other = await client(b.ports.mqtt, 'directed-other');
    await other.subscribeAsync(reply, { qos: 1 });

    const got = nextMessages(asker, 1);
    expect(b.deliverTo('directed-asker', { topic: reply, payload: Buffer.from('{"certificateId":"abc"}'), qos: 1 })).toBe(true);
    const [m] = await got;
    expect(m).toMatchObject({ topic: reply, qos: 1, retain: false });
    expect(m.payload.toString()).toBe('{"certificateId":"abc"}');

    // The other subscriber's next message on the topic is the marker published through the broker afterwards.
    const otherNext = nextMessages(other, 1);
    await b.publish({ topic: reply, payload: Buffer.from('marker'), qos: 1, retain: false });
    expect((await otherNext).map((x) => x.payload.toString())).toEqual(['marker']);
    expect(tapped.map((t) => t.payload.toString())).toEqual(['marker']);

    const history = b.messages({ filter: reply });
    expect(history.map((r) => [r.topic, Buffer.from(r.payload, 'base64').toString(), r.clientId])).toEqual([
      [reply, 'marker', null], [reply, '{"certificateId":"abc"}', null],
    ]);
    await expect.poll(() => batches.flatMap((x) => x.messages).filter((x) => x.topic === reply).length).toBe(2);
  });

  it('false for a client that is not connected; the history keeps nothing for it', async () => {
    const b = await startBroker();
    expect(b.deliverTo('nobody', { topic: reply, payload: Buffer.from('{}'), qos: 0 })).toBe(false);
    const c = await client(b.ports.mqtt, 'gone-soon');
    await c.endAsync();
    await expect.poll(() => b.clients().some((x) => x.clientId === 'gone-soon')).toBe(false);
    expect(b.deliverTo('gone-soon', { topic: reply, payload: Buffer.from('{}'), qos: 1 })).toBe(false);
    expect(b.messages({ filter: reply })).toEqual([]);
  });

  it('MQTT 5 client, QoS 0 and 1, with properties; a persistent session acknowledges a QoS 1 reply and keeps its own traffic in order', async () => {
    const b = await startBroker();
    const v5 = await client(b.ports.mqtt, 'directed-v5', { protocolVersion: 5 });
    const got = nextMessages(v5, 2);
    expect(b.deliverTo('directed-v5', { topic: '$aws/provisioning-templates/t/provision/json/accepted', payload: Buffer.from('{"thingName":"x"}'), qos: 1, properties: { contentType: 'application/json' } })).toBe(true);
    expect(b.deliverTo('directed-v5', { topic: '$aws/provisioning-templates/t/provision/json/rejected', payload: Buffer.from('{}'), qos: 0 })).toBe(true);
    const [a, r] = await got;
    expect([a.topic, a.qos, r.topic, r.qos]).toEqual(['$aws/provisioning-templates/t/provision/json/accepted', 1, '$aws/provisioning-templates/t/provision/json/rejected', 0]);

    const persistent = await client(b.ports.mqtt, 'directed-persistent', { clean: false });
    await persistent.subscribeAsync('dev/telemetry', { qos: 1 });
    const seq = nextMessages(persistent, 3);
    expect(b.deliverTo('directed-persistent', { topic: reply, payload: Buffer.from('one'), qos: 1 })).toBe(true);
    await b.publish({ topic: 'dev/telemetry', payload: Buffer.from('two'), qos: 1, retain: false });
    expect(b.deliverTo('directed-persistent', { topic: reply, payload: Buffer.from('three'), qos: 1 })).toBe(true);
    expect((await seq).map((x) => [x.topic, x.payload.toString(), x.qos])).toEqual([[reply, 'one', 1], ['dev/telemetry', 'two', 1], [reply, 'three', 1]]);
    // The session is still healthy: a QoS 1 round trip through the broker completes.
    const echo = nextMessages(persistent, 1);
    await persistent.publishAsync('dev/telemetry', 'four', { qos: 1 });
    expect((await echo)[0].payload.toString()).toBe('four');
  });
});
