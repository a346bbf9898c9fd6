/**
 * Command & control to MQTT devices on a real engine: MQTT.js 3.1.1 and MQTT 5 devices answer on their command
 * topics; the command is sent over the contract (browser mode's `/rpc` WebSocket) and over the HTTP API (real fetch).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { RpcError, type ControlAnswered } from '../../engine/contract/index.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { openContract, type OpenContract } from '../helpers/ui-transport.js';

let te: TestEngine;
let contract: OpenContract;
const clients: MqttClient[] = [];

beforeAll(async () => {
  te = await startTestEngine();
  contract = await openContract(te);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await contract?.close();
  await te?.stop();
});

/** A device that answers every command on its request topic: 3.1.1 on the status topic, MQTT 5 on the response topic. */
async function device(thing: string, protocolVersion: 4 | 5, answer: (name: string, payload: Buffer) => { status: number; payload: string }) {
  const client = await connect(te.mqttPort, { clientId: thing, protocolVersion });
  clients.push(client);
  const seen: Array<{ topic: string; properties?: Record<string, unknown> }> = [];
  client.on('message', (topic, payload, packet) => {
    seen.push({ topic, properties: packet.properties as Record<string, unknown> | undefined });
    const [, , kind, requestId, name] = topic.split('/');
    if (kind !== 'req') return;
    const a = answer(name, payload);
    // A reply still waiting for its PUBACK when the test ends is cut off by `endAsync(true)`: nothing to report then.
    if (protocolVersion === 5) {
      const { responseTopic, correlationData } = packet.properties ?? {};
      client.publish(responseTopic!, a.payload, { qos: 1, properties: { correlationData, contentType: 'text/plain', userProperties: { 'hono-cmd-status': String(a.status) } } }, () => {});
    } else {
      client.publish(`command/${thing}/res/${requestId}/${a.status}`, a.payload, { qos: 1 }, () => {});
    }
  });
  await client.subscribeAsync(`command/${thing}/req/#`, { qos: 1 });
  return { client, seen };
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e instanceof RpcError ? { code: e.code, message: e.message, details: e.details } : e));

describe('command & control to MQTT devices', () => {
  it('round-trips a command to an MQTT 3.1.1 device over the contract, with the control.answered event', async () => {
    const lamp = await device('lamp-311', 4, (name, payload) => ({ status: 200, payload: `${name}:${payload.toString()}` }));
    const answered: ControlAnswered[] = [];
    const sub = contract.api.on('control.answered', (a) => answered.push(a));
    const a = await contract.api.control.send({ thing: 'lamp-311', name: 'dim', payload: '{"level":3}', contentType: 'application/json', timeoutMs: 5000 });
    expect(a).toMatchObject({ status: 200, text: 'dim:{"level":3}', via: 'mqtt' });
    expect(Buffer.from(a.payload, 'base64').toString()).toBe('dim:{"level":3}');
    expect(lamp.seen[0].topic).toBe(`command/lamp-311/req/${a.requestId}/dim`);
    await expect.poll(() => answered).toEqual([expect.objectContaining({ requestId: a.requestId, thing: 'lamp-311', name: 'dim', status: 200, via: 'mqtt' })]);
    sub.dispose();
    expect(await contract.api.control.pending()).toEqual([]);
    // The request and the answer are ordinary messages: the history has both.
    const topics = (await contract.api.broker.messages({ filter: 'command/lamp-311/#' })).map((m) => m.topic);
    expect(topics).toEqual(expect.arrayContaining([`command/lamp-311/req/${a.requestId}/dim`, `command/lamp-311/res/${a.requestId}/200`]));
  });

  it('round-trips a command to an MQTT 5 device over the HTTP API (response topic and correlation data)', async () => {
    const fan = await device('fan-5', 5, () => ({ status: 201, payload: 'spinning' }));
    const res = await fetch(`${te.httpUrl}/thingbench/control/things/fan-5/commands/spin?timeout=5`, { method: 'POST', body: 'fast', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-thingbench-command-status')).toBe('201');
    expect(res.headers.get('x-thingbench-command-via')).toBe('mqtt');
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await res.text()).toBe('spinning');
    const requestId = res.headers.get('x-thingbench-command-request-id')!;
    expect(fan.seen[0]).toMatchObject({ topic: `command/fan-5/req/${requestId}/spin`, properties: expect.objectContaining({ responseTopic: 'command/fan-5/res', contentType: 'text/plain' }) });
    expect(Buffer.from(fan.seen[0].properties!.correlationData as Buffer).toString()).toBe(requestId);
  });

  it('hands queued commands to a thing that connects over MQTT and subscribes later, oldest first', async () => {
    await contract.api.registry.createThing('late-1');
    const first = contract.api.control.send({ thing: 'late-1', name: 'one', timeoutMs: 10_000 });
    const second = contract.api.control.send({ thing: 'late-1', name: 'two', timeoutMs: 10_000 });
    await expect.poll(async () => (await contract.api.control.pending()).map((p) => [p.name, p.via ?? 'queued'])).toEqual([['one', 'queued'], ['two', 'queued']]);
    const late = await device('late-1', 4, (name) => ({ status: 200, payload: `did ${name}` }));
    expect([(await first).text, (await second).text]).toEqual(['did one', 'did two']);
    expect((await first).via).toBe('mqtt');
    expect(late.seen.map((m) => m.topic.split('/').pop())).toEqual(['one', 'two']);
  });

  it('times out with a clear error, refuses bad input, and ignores unknown or foreign answers', async () => {
    const silent = await connect(te.mqttPort, { clientId: 'silent-1' });
    clients.push(silent);
    const t = await fetch(`${te.httpUrl}/thingbench/control/things/silent-1/commands/ping?timeout=0.05`, { method: 'POST' });
    expect(t.status).toBe(504);
    expect(t.headers.get('x-thingbench-command-status')).toBeNull();
    expect(await t.json()).toMatchObject({ code: 'Unavailable', reason: 'Timeout', message: expect.stringMatching(/silent-1 did not answer command ping/) });
    expect(await failure(contract.api.control.send({ thing: 'silent-1', name: 'ping', timeoutMs: 30 }))).toMatchObject({ code: 'Unavailable', details: { reason: 'Timeout' } });
    const bad = await fetch(`${te.httpUrl}/thingbench/control/things/silent-1/commands/ping?timeout=abc`, { method: 'POST' });
    expect([bad.status, (await bad.json()).code]).toEqual([400, 'InvalidInput']);
    expect(await failure(contract.api.control.send({ thing: 'a/b', name: 'ping' }))).toMatchObject({ code: 'InvalidInput' });
    expect(await failure(contract.api.control.send({ thing: 'x', name: 'ping', timeoutMs: -1 }))).toMatchObject({ code: 'InvalidInput' });
    const unknown = await fetch(`${te.httpUrl}/thingbench/control/things/nobody/commands/ping`, { method: 'POST' });
    expect([unknown.status, (await unknown.json()).code]).toEqual([404, 'NotFound']);

    // A registered thing with no MQTT connection waits for its next asking request (none comes here: it times out).
    await contract.api.registry.createThing('meter-9');
    const queued = failure(contract.api.control.send({ thing: 'meter-9', name: 'read', timeoutMs: 300 }));
    await expect.poll(() => contract.api.control.pending()).toEqual([expect.objectContaining({ thing: 'meter-9', name: 'read', deadline: expect.any(Number) })]);
    expect((await contract.api.control.pending())[0].via).toBeUndefined();
    expect(await queued).toMatchObject({ code: 'Unavailable', details: { reason: 'Timeout' } });
    expect(await contract.api.control.pending()).toEqual([]);

    // An answer to an unknown request id, and an answer from another client, are logged and ignored; the real one counts.
    const door = await connect(te.mqttPort, { clientId: 'door-1' });
    const intruder = await connect(te.mqttPort, { clientId: 'intruder' });
    clients.push(door, intruder);
    await door.publishAsync('command/door-1/res/0000000000000000/200', 'stray', { qos: 1 });
    await expect.poll(() => te.logs.some((l) => l.source === 'control' && /0000000000000000/.test(l.message))).toBe(true);
    door.on('message', (topic) => {
      const requestId = topic.split('/')[3];
      intruder.publish(`command/door-1/res/${requestId}/500`, 'forged', { qos: 1 }, () => door.publish(`command/door-1/res/${requestId}/200`, 'open', { qos: 1 }, () => {}));
    });
    await door.subscribeAsync('command/door-1/req/#', { qos: 1 });
    const a = await contract.api.control.send({ thing: 'door-1', name: 'open', timeoutMs: 5000 });
    expect([a.status, a.text]).toEqual([200, 'open']);
    expect(te.logs.some((l) => l.source === 'control' && /from intruder/.test(l.message))).toBe(true);
  });
});
