/**
 * MQTT 5 persistent sessions are as durable as MQTT 3.1.1 ones: after a `kill -9`, an MQTT 5 client that reconnects
 * with Clean Start 0 finds its session, its subscriptions and every QoS 1 message acknowledged to the publisher while it
 * was away, with each message's properties intact; a retained message keeps its properties too. Both broker modes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { startCli, type RunningCli } from './helpers/cli-process.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await Promise.resolve(f()).catch(() => {});
});

interface Received { topic: string; payload: string; properties: Record<string, unknown> | undefined; retain: boolean }

/** An MQTT 5 client collecting messages from its first packet on; resolves with its CONNACK's session present flag. */
function collecting(url: string, opts: IClientOptions): Promise<{ client: MqttClient; received: Received[]; sessionPresent: boolean }> {
  const client = mqtt.connect(url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  cleanups.push(() => client.end(true));
  const received: Received[] = [];
  client.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), properties: packet.properties as never, retain: packet.retain }));
  return new Promise((resolve, reject) => {
    client.once('connect', (connack) => resolve({ client, received, sessionPresent: connack.sessionPresent }));
    client.once('error', reject);
  });
}

async function cli(dataDir: string, mode: string): Promise<RunningCli> {
  const proc = await startCli(dataDir, ['--broker-mode', mode]);
  cleanups.push(() => proc.kill9());
  return proc;
}

describe.each(['aws', 'standard'])('MQTT 5 persistent session across kill -9 (%s mode)', (mode) => {
  it('keeps the session, its queued QoS 1 messages with their properties, and retained properties', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-mqtt5-durable-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const session = { clientId: `v5-durable-${mode}`, clean: false, properties: { sessionExpiryInterval: 3600 } };

    const first = await cli(dataDir, mode);
    const sub = await collecting(first.mqttUrl, session);
    expect(sub.sessionPresent).toBe(false);
    await sub.client.subscribeAsync('durable/#', { qos: 1 });
    await sub.client.endAsync();

    const pub = await collecting(first.mqttUrl, { clientId: `v5-pub-${mode}` });
    for (let i = 0; i < 5; i++) {
      await pub.client.publishAsync(`durable/q/${i}`, `m${i}`, {
        qos: 1, properties: { userProperties: { seq: String(i), kind: 'queued' }, contentType: 'text/plain', correlationData: Buffer.from([i, 0xff]) },
      });
    }
    await pub.client.publishAsync('durable/config', 'v1', { qos: 1, retain: true, properties: { userProperties: { rev: '7' }, responseTopic: 'durable/ack' } });
    await first.kill9(); // every publish above was acknowledged

    const second = await cli(dataDir, mode);
    const back = await collecting(second.mqttUrl, session);
    expect(back.sessionPresent).toBe(true);
    await expect.poll(() => back.received.filter((m) => m.topic.startsWith('durable/q/')).length).toBe(5);
    const queued = back.received.filter((m) => m.topic.startsWith('durable/q/'));
    expect(queued.map((m) => m.payload)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    queued.forEach((m, i) => expect(m.properties).toMatchObject({
      userProperties: { seq: String(i), kind: 'queued' }, contentType: 'text/plain', correlationData: Buffer.from([i, 0xff]),
    }));

    // A new subscriber to the exact topic gets the retained message with its properties.
    const reader = await collecting(second.mqttUrl, { clientId: `v5-reader-${mode}` });
    await reader.client.subscribeAsync('durable/config', { qos: 1 });
    await expect.poll(() => reader.received.length).toBe(1);
    expect(reader.received[0]).toMatchObject({ payload: 'v1', retain: true, properties: { userProperties: { rev: '7' }, responseTopic: 'durable/ack' } });
  }, 60_000);
});
