/**
 * Inbound QoS 2 in standard mode: an MQTT 5 client may have as many QoS 2 PUBLISHes awaiting PUBREL as the CONNACK's
 * Receive Maximum allows, and the next one gets DISCONNECT 0x93 [MQTT-3.3.4-9] — even above aedes' own cap of 1000,
 * which used to close the connection silently at the 1001st (found by the Paho interoperability suite's
 * test_flow_control2). An MQTT 3.1.1 client, which has no Receive Maximum, is closed beyond the same number, with a
 * log line that says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { rawMqtt5Connect, rawMqttConnect, type RawPeer } from './helpers/raw-mqtt.js';

const RECEIVE_MAXIMUM = 1200; // above aedes' 1000
const open: RawPeer[] = [];
afterAll(() => open.splice(0).forEach((p) => p.destroy()));

/** `count` QoS 2 PUBLISHes with ids from 1, in one write, never released. */
function flood(peer: RawPeer, count: number, protocolVersion: 4 | 5, firstId = 1): void {
  const frames: Buffer[] = [];
  for (let id = firstId; id < firstId + count; id++) {
    frames.push(mqttPacket.generate({ cmd: 'publish', topic: 'flood/t', payload: Buffer.from(`m${id}`), qos: 2, messageId: id, retain: false, dup: false }, { protocolVersion }));
  }
  peer.write(Buffer.concat(frames));
}

/** Takes packets until `count` PUBRECs have arrived; fails on anything else. */
async function pubrecs(peer: RawPeer, count: number): Promise<number[]> {
  const ids: number[] = [];
  while (ids.length < count) {
    const p = await peer.next(10_000);
    expect(p.cmd).toBe('pubrec');
    ids.push((p as Packet & { messageId: number }).messageId);
  }
  return ids;
}

describe('inbound QoS 2 awaiting PUBREL, standard mode', () => {
  let t: TestEngine;
  let bystander: RawPeer;
  beforeAll(async () => {
    t = await startTestEngine({ mode: 'standard', limits: { receiveMaximum: RECEIVE_MAXIMUM } });
    bystander = (await rawMqtt5Connect(t.mqttPort, { clientId: 'bystander' })).peer;
    open.push(bystander);
  });
  afterAll(() => t?.stop());

  it('an MQTT 5 client keeps its connection up to the Receive Maximum and gets DISCONNECT 0x93 beyond it', async () => {
    const { peer, connack } = await rawMqtt5Connect(t.mqttPort, { clientId: 'qos2-v5' });
    open.push(peer);
    expect(connack.properties?.receiveMaximum).toBe(RECEIVE_MAXIMUM);
    flood(peer, RECEIVE_MAXIMUM, 5);
    const ids = await pubrecs(peer, RECEIVE_MAXIMUM);
    expect(new Set(ids).size).toBe(RECEIVE_MAXIMUM);
    // Still connected after the whole window: a PINGREQ sent after the flood is answered.
    peer.send({ cmd: 'pingreq' });
    expect((await peer.next()).cmd).toBe('pingresp');
    // One more unreleased QoS 2 PUBLISH exceeds the Receive Maximum.
    flood(peer, 1, 5, RECEIVE_MAXIMUM + 1);
    const d = await peer.next();
    expect(d.cmd).toBe('disconnect');
    expect((d as Packet & { reasonCode?: number }).reasonCode).toBe(0x93);
    await peer.closed;
  });

  it('releasing QoS 2 PUBLISHes (PUBREL → PUBCOMP) frees their place in the window', async () => {
    const { peer } = await rawMqtt5Connect(t.mqttPort, { clientId: 'qos2-v5-released' });
    open.push(peer);
    flood(peer, RECEIVE_MAXIMUM, 5);
    await pubrecs(peer, RECEIVE_MAXIMUM);
    for (let id = 1; id <= 10; id++) peer.send({ cmd: 'pubrel', messageId: id } as Packet);
    for (let i = 0; i < 10; i++) expect((await peer.next()).cmd).toBe('pubcomp');
    flood(peer, 10, 5, RECEIVE_MAXIMUM + 1);
    const more = await pubrecs(peer, 10);
    expect(more).toEqual(Array.from({ length: 10 }, (_, i) => RECEIVE_MAXIMUM + 1 + i));
    peer.send({ cmd: 'pingreq' });
    expect((await peer.next()).cmd).toBe('pingresp');
  });

  it('an MQTT 3.1.1 client beyond the same number is closed, and the log says why', async () => {
    const { peer } = await rawMqttConnect(t.mqttPort, { clientId: 'qos2-v4' });
    open.push(peer);
    flood(peer, RECEIVE_MAXIMUM, 4);
    await pubrecs(peer, RECEIVE_MAXIMUM);
    peer.send({ cmd: 'pingreq' });
    expect((await peer.next()).cmd).toBe('pingresp');
    flood(peer, 1, 4, RECEIVE_MAXIMUM + 1);
    await peer.closed;
    await expect.poll(() => t.logs.find((l) => l.level === 'warn' && /maxInflightInbound exceeded/.test(l.message) && (l.details as { clientId?: string } | undefined)?.clientId === 'qos2-v4')).toBeTruthy();
  });

  it('a client connected all along is unaffected', async () => {
    bystander.send({ cmd: 'pingreq' });
    expect((await bystander.next()).cmd).toBe('pingresp');
    expect(bystander.isClosed()).toBe(false);
  });
});
