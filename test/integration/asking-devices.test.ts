/**
 * Virtual devices that only ask, as fleets in a real engine: a CoAP model (each thing's token made at start) and an
 * HTTPS model (a certificate per device over mutual TLS) publish telemetry and events that an MQTT subscriber receives,
 * answer commands sent with control.send by their next request (hono-ttd), and a CoAP fleet's events survive a partition
 * and arrive in order after it while its telemetry meanwhile is dropped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IoTClient } from '@aws-sdk/client-iot';
import { thingsInPolicyGroup } from '../helpers/device-clients.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { closeAll, open, type Recorded } from '../helpers/broker-clients.js';

let te: TestEngine;
let sub: Recorded;

const METER = `
name: meter
description: A constrained meter that speaks CoAP.
identity:
  thingName: "meter-{index + 1}"
protocol: { transport: coap, ttd: 2s }
telemetry:
  - name: reading
    topic: "meters/{thingName}/telemetry"
    interval: 100ms
    fields: { watts: { gen: int, min: 100, max: 900 } }
  - name: alarm
    topic: "meters/{thingName}/alarm"
    interval: 150ms
    qos: 1
    fields: { n: { gen: counter } }
commands:
  - name: setInterval
    reply: { ok: true, seconds: { gen: expr, expr: "request.seconds" } }
`;

const KIOSK = `
name: kiosk
identity:
  thingName: "kiosk-{index + 1}"
  certificate: provision
protocol: { transport: https, ttd: 2s }
telemetry:
  - topic: "kiosks/{thingName}/visits"
    interval: 100ms
    fields: { n: { gen: counter } }
commands:
  - name: reboot
    reply: { rebooting: true }
`;

beforeAll(async () => {
  te = await startTestEngine({ mode: 'standard' });
  fs.mkdirSync(path.join(te.dataDir, 'models'));
  fs.writeFileSync(path.join(te.dataDir, 'models', 'meter.yaml'), METER);
  fs.writeFileSync(path.join(te.dataDir, 'models', 'kiosk.yaml'), KIOSK);
  sub = await open(te.mqttPort);
  await sub.client.subscribeAsync(['meters/#', 'kiosks/#'], { qos: 1 });
  // A CoAP device acts with the policies of its thing's certificates and groups: the meters' group allows their topics.
  const iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await thingsInPolicyGroup(iot, 'meters', 'arn:aws:iot:us-east-1:000000000000:topic/meters/${iot:ClientId}/*', ['meter-1', 'meter-2']);
});

afterAll(async () => {
  await closeAll([sub?.client]);
  await te?.stop();
});

const alarms = (thing: string) => sub.messages.filter((m) => m.topic === `meters/${thing}/alarm`).map((m) => JSON.parse(m.payload.toString()).n as number);

describe('a CoAP fleet', () => {
  it('publishes as its things, answers a command by ttd, and keeps its events through a partition', async () => {
    const api = te.engine.api;
    const fleet = await api.devices.start({ model: 'meter', count: 2 });
    expect(fleet.url).toMatch(/^coap:\/\/127\.0\.0\.1:\d+$/);
    expect((await api.registry.deviceTokens()).map((t) => t.thing).sort()).toEqual(['meter-1', 'meter-2']);
    await vi.waitFor(() => {
      expect(sub.messages.some((m) => m.topic === 'meters/meter-1/telemetry')).toBe(true);
      expect(alarms('meter-2').length).toBeGreaterThan(0);
    }, { timeout: 15_000, interval: 20 });

    const answer = await api.control.send({ thing: 'meter-1', name: 'setInterval', payload: JSON.stringify({ seconds: 30 }), timeoutMs: 10_000 });
    expect(answer).toMatchObject({ status: 200, via: 'coap' });
    expect(JSON.parse(answer.text!)).toEqual({ ok: true, seconds: 30 });
    const unknown = await api.control.send({ thing: 'meter-2', name: 'selfDestruct', timeoutMs: 10_000 });
    expect(unknown.status).toBe(404);

    const before = alarms('meter-1').length;
    expect(await api.devices.fault(fleet.id, { kind: 'partition', durationMs: 1500 }, ['meter-1'])).toMatchObject({ applied: 1 });
    // Kept while partitioned: the device's own counter says so (its members' buffered events).
    await vi.waitFor(async () => {
      const page = await api.devices.members(fleet.id, { search: 'meter-1' });
      expect(page.members[0].buffered).toBeGreaterThanOrEqual(3);
    }, { timeout: 10_000, interval: 50 });
    // After it: every alarm, in order, none missing.
    await vi.waitFor(() => expect(alarms('meter-1').length).toBeGreaterThan(before + 12), { timeout: 20_000, interval: 50 });
    const seen = alarms('meter-1');
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => seen[0] + i));
    await api.devices.stop(fleet.id);
  });
});

describe('an HTTPS fleet', () => {
  it('publishes over mutual TLS with its certificates and answers a command by ttd', async () => {
    const api = te.engine.api;
    const fleet = await api.devices.start({ model: 'kiosk', count: 1 });
    expect(fleet.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await vi.waitFor(() => expect(sub.messages.some((m) => m.topic === 'kiosks/kiosk-1/visits')).toBe(true), { timeout: 15_000, interval: 20 });
    const answer = await api.control.send({ thing: 'kiosk-1', name: 'reboot', timeoutMs: 10_000 });
    expect(answer).toMatchObject({ status: 200, via: 'https' });
    expect(JSON.parse(answer.text!)).toEqual({ rebooting: true });
    await api.devices.stop(fleet.id);
  });
});
