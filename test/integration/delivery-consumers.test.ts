/**
 * Event consumers beyond one MQTT client id, on a real engine: a CoAP device observing a topic (libcoap's
 * `coap-client-notls -s`) gets the events published while its observation had lapsed, in order, when it observes
 * again; a shared subscription's group (MQTT.js members) gets the events published while no member was connected,
 * in order, from the member that subscribes next.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { coapClient } from '../helpers/device-clients.js';

const A = 'arn:aws:iot:us-east-1:000000000000';
let te: TestEngine;
let token: string;
const clients: MqttClient[] = [];

beforeAll(async () => {
  te = await startTestEngine();
  const api = te.engine.api;
  await api.registry.createThing('valve-1');
  token = (await api.registry.setDeviceToken({ thing: 'valve-1' })).token;
  const cert = await api.security.createCertificate(true);
  await api.security.putPolicy('valve-alerts', JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${A}:topicfilter/alerts/*` },
      { Effect: 'Allow', Action: 'iot:Receive', Resource: `${A}:topic/alerts/*` },
    ],
  }));
  await api.security.attachPolicy('valve-alerts', cert.arn);
  await api.registry.attachPrincipal('valve-1', cert.arn);
  await api.delivery.put({ filter: 'alerts/#', class: 'event', ttlSeconds: 600 });
  await api.delivery.put({ filter: 'work/#', class: 'event', ttlSeconds: 600 });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await te?.stop();
});

const publish = (topic: string, payload: string) => te.engine.api.broker.publish({ topic, payload, qos: 1 });
const observing = async () => (await te.engine.api.broker.clients()).find((c) => c.clientId === 'valve-1' && c.transport === 'coap')?.subscriptions ?? [];
/** The payloads of an observation's notifications, in the order they came (the registration's empty one left out). */
const notifications = (out: string) => [...out.matchAll(/c:2\.05 [^\n]*Observe:\d+[^\n]*:: '(.*)'$/gm)].map((m) => m[1]);

describe('a CoAP observer as an event consumer', () => {
  it('gets the events published while its observation had lapsed, in order, when it observes again', async () => {
    const url = `${te.info.endpoints.coap}/topics/alerts/valve-1?thing=valve-1&token=${token}`;
    const first = coapClient(['-s', '2', '-m', 'get', url]);
    await vi.waitFor(async () => expect(await observing()).toContain('alerts/valve-1'), { timeout: 10_000, interval: 20 });
    await publish('alerts/valve-1', 'live-1');
    expect(notifications((await first).out)).toEqual(['live-1']);
    // The observation has lapsed: the device is away, and its thing name is the consumer its events wait for.
    await vi.waitFor(async () => expect(await observing()).not.toContain('alerts/valve-1'), { timeout: 10_000, interval: 20 });
    for (const n of [1, 2, 3]) await publish('alerts/valve-1', `missed-${n}`);
    const kept = await te.engine.api.delivery.stored({ consumer: 'valve-1' });
    expect(kept.map((e) => [e.topic, e.size])).toEqual([['alerts/valve-1', 8], ['alerts/valve-1', 8], ['alerts/valve-1', 8]]);
    const again = coapClient(['-s', '2', '-m', 'get', url]);
    await vi.waitFor(async () => expect(await observing()).toContain('alerts/valve-1'), { timeout: 10_000, interval: 20 });
    await vi.waitFor(async () => expect(await te.engine.api.delivery.stored({ consumer: 'valve-1' })).toEqual([]), { timeout: 5000, interval: 20 });
    await publish('alerts/valve-1', 'live-2');
    expect(notifications((await again).out)).toEqual(['missed-1', 'missed-2', 'missed-3', 'live-2']);
  });
});

describe('a shared subscription group as one event consumer', () => {
  async function member(clientId: string) {
    const client = await connect(te.mqttPort, { clientId, protocolVersion: 5 });
    clients.push(client);
    const got: string[] = [];
    client.on('message', (_topic, payload) => got.push(payload.toString()));
    await client.subscribeAsync('$share/workers/work/#', { qos: 1 });
    return { client, got };
  }

  it('keeps events while no member is connected and hands them, in order, to the member that subscribes next', async () => {
    const one = await member('worker-1');
    await publish('work/a', 'job-1');
    await vi.waitFor(() => expect(one.got).toEqual(['job-1']), { timeout: 5000, interval: 20 });
    await one.client.endAsync();
    for (const n of [2, 3, 4]) await publish('work/a', `job-${n}`);
    expect((await te.engine.api.delivery.stored({ consumer: '$share/workers' })).length).toBe(3);
    const two = await member('worker-2');
    await vi.waitFor(() => expect(two.got).toEqual(['job-2', 'job-3', 'job-4']), { timeout: 5000, interval: 20 });
    expect(await te.engine.api.delivery.stored({ consumer: '$share/workers' })).toEqual([]);
    // While a member is connected, nothing is kept; a member leaving while another stays changes nothing.
    const three = await member('worker-3');
    await three.client.unsubscribeAsync('$share/workers/work/#');
    await publish('work/a', 'job-5');
    await vi.waitFor(() => expect(two.got.at(-1)).toBe('job-5'), { timeout: 5000, interval: 20 });
    expect(await te.engine.api.delivery.stored({ consumer: '$share/workers' })).toEqual([]);
    // The last member's UNSUBSCRIBE ends the group's consuming: what comes next waits for nobody.
    await two.client.unsubscribeAsync('$share/workers/work/#');
    await publish('work/a', 'job-6');
    expect(await te.engine.api.delivery.stored({ consumer: '$share/workers' })).toEqual([]);
  });
});
