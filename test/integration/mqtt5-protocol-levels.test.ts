/**
 * Protocol levels: 3 (MQTT 3.1), 4 (3.1.1) and 5 connect; any other level gets the CONNACK its client can read —
 * 0x01 in the MQTT 3.1.1 shape below 5, 0x84 in the MQTT 5 shape above — then the connection closes [MQTT-3.1.2-2],
 * with one log line naming the client and the level it asked for. Connected clients are unaffected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { rawConnect } from './helpers/raw-mqtt.js';

/** A CONNECT at `level` with client id `id`, laid out as MQTT 5 (property block) from level 5 up. */
function connectAt(level: number, id: string): Buffer {
  const variable = Buffer.from([0, 4, ...Buffer.from('MQTT'), level, 0x02, 0, 60, ...(level >= 5 ? [0] : [])]);
  const payload = Buffer.concat([Buffer.from([0, id.length]), Buffer.from(id)]);
  return Buffer.concat([Buffer.from([0x10, variable.length + payload.length]), variable, payload]);
}

/** The raw bytes the broker answers before closing. */
async function answer(port: number, bytes: Buffer): Promise<Buffer> {
  const peer = await rawConnect(port);
  const chunks: Buffer[] = [];
  peer.socket.on('data', (d: Buffer) => chunks.push(d));
  peer.write(bytes);
  await peer.closed;
  return Buffer.concat(chunks);
}

describe.each(['aws', 'standard'] as const)('protocol levels in %s mode', (mode) => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine({ mode });
  });
  afterAll(() => t.stop());

  it.each([
    [2, [0x20, 0x02, 0x00, 0x01]],
    [0, [0x20, 0x02, 0x00, 0x01]],
    [6, [0x20, 0x03, 0x00, 0x84, 0x00]],
    [255, [0x20, 0x03, 0x00, 0x84, 0x00]],
  ])('level %i: CONNACK %j, closed, and the log names the client', async (level, connack) => {
    const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.mqttPort}`, { protocolVersion: 5, clientId: `watch-${level}`, reconnectPeriod: 0 });
    expect([...await answer(t.mqttPort, connectAt(level, `lvl-${level}`))]).toEqual(connack);
    await expect.poll(() => t.logs.find((l) => l.message.includes(`client "lvl-${level}" asked for MQTT protocol level ${level}`))?.message).toBeTruthy();
    // A connected client is untouched: it still round-trips a message.
    await watcher.subscribeAsync('levels/ok', { qos: 1 });
    const echoed = new Promise<string>((resolve) => watcher.once('message', (_t, p) => resolve(p.toString())));
    await watcher.publishAsync('levels/ok', 'still here', { qos: 1 });
    expect(await echoed).toBe('still here');
    await watcher.endAsync();
  });

  it.each([3, 4, 5] as const)('level %i connects', async (level) => {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.mqttPort}`, { protocolVersion: level, clientId: `ok-${level}`, reconnectPeriod: 0 });
    expect(c.connected).toBe(true);
    await c.endAsync();
  });
});
