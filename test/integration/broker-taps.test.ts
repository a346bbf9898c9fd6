/**
 * An in-engine consumer (shadow, rules, capture) that throws on a message never breaks the broker: a QoS 1 publish
 * is still acknowledged, delivered and stored for good (not replayed after a restart), and the error is logged and
 * counted. Real broker, real store, real MQTT over TCP.
 */
import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BrokerService, defaultLimits } from '../../engine/broker/index.js';
import { SqlJsStore } from '../../engine/storage/index.js';
import type { LogEntry, Logger } from '../../engine/core/index.js';
import { connect, nextMessages } from '../helpers/engine.js';
import type { MqttClient } from 'mqtt';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const logs: LogEntry[] = [];
const logger: Logger = { log: (level, source, message, details) => logs.push({ level, source, message, time: Date.now(), details }) };

async function broker(dir: string, beforeStart: (b: BrokerService) => void = () => {}): Promise<{ broker: BrokerService; store: SqlJsStore }> {
  const store = await SqlJsStore.open(dir);
  const b = new BrokerService(store, { mode: 'aws', limits: defaultLimits('aws'), host: '127.0.0.1', ports: { mqtt: 0, ws: 0 }, historySize: 100 }, logger, () => Date.now());
  beforeStart(b);
  await b.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await b.stop();
    await store.close();
  };
  cleanup.push(stop);
  return { broker: Object.assign(b, { stopAll: stop }), store };
}

async function client(port: number): Promise<MqttClient> {
  const c = await connect(port, { clientId: `tap-${Math.random().toString(36).slice(2)}` });
  cleanup.push(() => c.endAsync(true));
  return c;
}

describe('a tap that throws', () => {
  it('QoS 1 publish is acknowledged, delivered and not replayed after a restart; the error is logged and counted', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-taps-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const { broker: b } = await broker(dir);
    b.tap('dev/#', () => {
      throw new Error('consumer bug');
    });
    const seenByLaterTap: string[] = [];
    b.tap('dev/+', (m) => seenByLaterTap.push(m.payload.toString()));

    const sub = await client(b.ports.mqtt);
    await sub.subscribeAsync('dev/#', { qos: 1 });
    const pub = await client(b.ports.mqtt);
    const delivered = nextMessages(sub);
    const pubacks: number[] = [];
    pub.on('packetreceive', (p) => void (p.cmd === 'puback' && pubacks.push(p.messageId ?? -1)));
    await pub.publishAsync('dev/1', 'hello', { qos: 1 }); // resolves on PUBACK
    expect(pubacks).toHaveLength(1);
    const [first] = await delivered;
    expect([first.topic, first.payload.toString()]).toEqual(['dev/1', 'hello']);
    expect(seenByLaterTap).toEqual(['hello']);
    expect(b.tapErrors).toBe(1);
    const logged = logs.filter((l) => l.source === 'broker.taps');
    expect(logged).toHaveLength(1);
    expect(logged[0].level).toBe('error');
    expect(logged[0].message).toContain('a consumer of dev/# threw on dev/1');
    expect(logged[0].message).toContain('consumer bug');

    // A second publish on the same connection still goes through (the first did not wedge the publish path).
    const second = nextMessages(sub);
    await pub.publishAsync('dev/2', 'again', { qos: 1 });
    expect((await second)[0].payload.toString()).toBe('again');
    expect(b.tapErrors).toBe(2);

    // Durable: the broker finished storing both publishes, so a restart replays nothing on the tap.
    await sub.endAsync();
    await pub.endAsync();
    await (b as BrokerService & { stopAll(): Promise<void> }).stopAll();
    const replayed: string[] = [];
    await broker(dir, (again) => again.tap('dev/#', (m) => replayed.push(m.topic)));
    expect(replayed).toEqual([]);
  });
});
