/**
 * Device Shadow rules on a real engine (aws mode): rejections with AWS's codes and messages on `/rejected` and over
 * HTTP (SDK), size and depth limits, names, bad input that must not hurt other shadows, `mosquitto_sub` watching the
 * reply topics, messages visible in the broker's capture (for rules and the UI), and the UI contract with history.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  GetThingShadowCommand, ListNamedShadowsForThingCommand, UpdateThingShadowCommand, type IoTDataPlaneClient,
} from '@aws-sdk/client-iot-data-plane';
import { startTestEngine, until, type TestEngine } from '../helpers/engine.js';
import { open, run } from '../helpers/broker-clients.js';
import { decode, prefix, sdkClient, sdkError, watchShadow, type ShadowWatcher } from './helpers/shadow-client.js';
import type { ShadowUpdated } from '../../engine/contract/index.js';

let te: TestEngine;
let sdk: IoTDataPlaneClient;
const watchers: ShadowWatcher[] = [];

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws', limits: { publishesPerSecond: 0 } });
  sdk = sdkClient(te.httpUrl);
});

afterAll(async () => {
  await Promise.all(watchers.map((w) => w.end()));
  sdk?.destroy();
  await te?.stop();
  expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
});

async function watch(thing: string, name?: string): Promise<ShadowWatcher> {
  const w = await watchShadow(te.mqttPort, thing, name);
  watchers.push(w);
  return w;
}

const update = (thing: string, body: string | object, shadowName?: string) =>
  sdk.send(new UpdateThingShadowCommand({ thingName: thing, shadowName, payload: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) }));

const nested = (levels: number): object => (levels === 1 ? { leaf: 1 } : { n: nested(levels - 1) });

describe('rejections: MQTT /update/rejected and HTTP 4xx with the same message', () => {
  it.each<[string, string | object, number, string, string]>([
    ['malformed JSON', '{"state":{"desired":', 400, 'InvalidRequestException', 'Invalid JSON'],
    ['no state', { clientToken: 'tok' }, 400, 'InvalidRequestException', 'Missing required node: state'],
    ['state not an object', { state: 'on', clientToken: 'tok' }, 400, 'InvalidRequestException', 'State node must be an object'],
    ['desired not an object', { state: { desired: 'x' }, clientToken: 'tok' }, 400, 'InvalidRequestException', 'Desired node must be an object'],
    ['reported not an object', { state: { reported: 7 }, clientToken: 'tok' }, 400, 'InvalidRequestException', 'Reported node must be an object'],
    ['unknown node in state', { state: { delta: {} }, clientToken: 'tok' }, 400, 'InvalidRequestException', 'State contains an invalid node'],
    ['bad version', { state: {}, version: 'one', clientToken: 'tok' }, 400, 'InvalidRequestException', 'Invalid version'],
    ['long clientToken', { state: {}, clientToken: 'x'.repeat(65) }, 400, 'InvalidRequestException', 'Invalid clientToken'],
    ['9 levels of nesting', { state: { desired: nested(9) }, clientToken: 'tok' }, 400, 'InvalidRequestException', 'JSON contains too many levels of nesting; maximum is 6'],
    ['a state over 8 KB', { state: { reported: { big: 'x'.repeat(8200) } }, clientToken: 'tok' }, 413, 'RequestEntityTooLargeException', 'The payload exceeds the maximum size allowed'],
  ])('%s → %i', async (_n, body, code, exception, message) => {
    const thing = `rej-${randomBytes(3).toString('hex')}`;
    const w = await watch(thing);
    const r = await w.request('update', body);
    expect(r.kind).toBe('rejected');
    const token = typeof body === 'object' && (body as { clientToken?: string }).clientToken;
    expect(r.doc).toEqual({ code, message, timestamp: expect.any(Number), ...(token && token.length <= 64 ? { clientToken: token } : {}) });
    expect(await sdkError(update(thing, body))).toEqual({ name: exception, status: code, message });
    expect((await w.request('get')).doc.code).toBe(404); // nothing was created
  });

  it('arrays with null are rejected with 400 [DG:device-shadow-document#device-shadow-arrays]', async () => {
    const w = await watch('nullArray');
    expect((await w.request('update', { state: { desired: { colors: [null, 'RED', 'GREEN'] } } })).doc.code).toBe(400);
    expect((await sdkError(update('nullArray', { state: { desired: { colors: [null] } } }))).status).toBe(400);
  });

  it('5 nested levels under desired are accepted', async () => {
    const out = await update('deepOk', { state: { desired: { one: { two: { three: { four: { five: {} } } } } } } });
    expect(decode(out.payload).version).toBe(1);
  });

  it('the 8 KB limit applies to the merged document, each named shadow on its own', async () => {
    const half = 'y'.repeat(4500);
    expect(decode((await update('sizeThing', { state: { reported: { a: half } } })).payload).version).toBe(1);
    expect(await sdkError(update('sizeThing', { state: { reported: { b: half } } })))
      .toEqual({ name: 'RequestEntityTooLargeException', status: 413, message: 'The payload exceeds the maximum size allowed' });
    expect(decode((await update('sizeThing', { state: { reported: { b: half } } }, 'other')).payload).version).toBe(1);
    expect(decode((await update('sizeThing', { state: { reported: { a: null, b: half } } })).payload).version).toBe(2);
  });

  it('a non-UTF-8 document is 415 over MQTT and HTTP', async () => {
    const w = await watch('latin1');
    const bytes = Buffer.from([0x7b, 0x22, 0x73, 0xe9, 0x22, 0x3a, 0x31, 0x7d]);
    expect((await w.request('update', bytes)).doc).toMatchObject({ code: 415, message: 'Unsupported documented encoding; supported encoding is UTF-8' });
    expect((await sdkError(update('latin1', bytes.toString('latin1')))).status).toBe(400); // the SDK re-encodes a string as UTF-8
    const raw = await fetch(`${te.httpUrl}/things/latin1/shadow`, { method: 'POST', body: bytes });
    expect(raw.status).toBe(415);
    expect(raw.headers.get('x-amzn-errortype')).toBe('UnsupportedDocumentEncodingException:');
  });
});

describe('names [DP-model ThingName, ShadowName]', () => {
  it('refuses invalid thing and shadow names over HTTP and MQTT, accepts the edges of the rules', async () => {
    expect((await sdkError(update('bad.name', { state: {} }))).status).toBe(400);
    expect((await sdkError(update('t', { state: {} }, 'x'.repeat(65)))).status).toBe(400);
    expect((await sdkError(update('x'.repeat(129), { state: {} }))).status).toBe(400);
    expect(decode((await update('x'.repeat(128), { state: { reported: { a: 1 } } }, `$${'s'.repeat(63)}`)).payload).version).toBe(1);
    expect(decode((await update('My_Thing:1-a', { state: { reported: { a: 1 } } })).payload).version).toBe(1);
    const w = await watch('bad.thing');
    expect((await w.request('update', { state: {} })).doc).toMatchObject({ code: 400, message: expect.stringContaining('Invalid thing name') });
  });
});

describe('named shadows', () => {
  it('are independent documents with their own versions; ListNamedShadowsForThing pages them, never lists the classic one', async () => {
    await update('multi', { state: { reported: { classic: true } } });
    for (const name of ['c', 'a', 'b', 'd']) await update('multi', { state: { reported: { name } } }, name);
    await update('multi', { state: { reported: { again: 1 } } }, 'a');
    const a = decode((await sdk.send(new GetThingShadowCommand({ thingName: 'multi', shadowName: 'a' }))).payload);
    expect([a.version, a.state.reported]).toEqual([2, { name: 'a', again: 1 }]);
    expect(decode((await sdk.send(new GetThingShadowCommand({ thingName: 'multi' }))).payload).version).toBe(1);

    const first = await sdk.send(new ListNamedShadowsForThingCommand({ thingName: 'multi', pageSize: 3 }));
    expect(first.results).toEqual(['a', 'b', 'c']);
    expect(typeof first.timestamp).toBe('number');
    const second = await sdk.send(new ListNamedShadowsForThingCommand({ thingName: 'multi', pageSize: 3, nextToken: first.nextToken }));
    expect([second.results, second.nextToken]).toEqual([['d'], undefined]);
    expect((await sdk.send(new ListNamedShadowsForThingCommand({ thingName: 'nobody' }))).results).toEqual([]);
  });
});

describe('bad input never crashes the service or touches another shadow', () => {
  it('survives a flood of garbage on every shadow topic and keeps answering', async () => {
    await update('bystander', { state: { reported: { safe: 1 } } });
    const before = decode((await sdk.send(new GetThingShadowCommand({ thingName: 'bystander' }))).payload);
    const rec = await open(te.mqttPort);
    const garbage = [
      randomBytes(200), Buffer.from('['.repeat(60_000)), Buffer.from('{"state":' + '{"a":'.repeat(5000)), Buffer.from('null'),
      Buffer.from('{"state":{"reported":{"__proto__":{"x":1},"constructor":{"prototype":{"y":2}}}}}'), Buffer.from('"str"'),
      Buffer.from(JSON.stringify({ state: { desired: { s: 'z'.repeat(100_000) } } })), Buffer.alloc(0),
    ];
    for (let i = 0; i < 300; i++) {
      const op = ['get', 'update', 'delete'][i % 3];
      const name = i % 2 ? `/name/n${i % 5}` : '';
      rec.client.publish(`$aws/things/flood${i % 7}/shadow${name}/${op}`, garbage[i % garbage.length], { qos: 0 });
    }
    await rec.client.publishAsync('$aws/things/flood0/shadow/update', '{"state":{"reported":{"ok":true}}}', { qos: 1 });
    const w = await watch('bystander');
    expect((await w.request('get')).doc).toEqual({ ...before, timestamp: expect.any(Number) });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    await rec.client.endAsync(true);
  });
});

describe('deltas and documents go through the broker', () => {
  it('are captured like any message (rules and the UI see them), and mosquitto_sub receives the replies', async () => {
    const hasMosquitto = spawnSync('mosquitto_sub', ['--help']).status !== null;
    const sub = hasMosquitto
      ? run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(te.mqttPort), '-i', 'mosq-watch', '-q', '1', '-v', '-C', '3',
        '-t', `${prefix('mosq')}/update/accepted`, '-t', `${prefix('mosq')}/update/delta`, '-t', `${prefix('mosq')}/update/documents`])
      : undefined;
    if (sub) await waitForSubscriber('mosq-watch', 3);
    await update('mosq', { state: { desired: { on: true } } });
    const filter = '$aws/things/mosq/shadow/update/+';
    let captured: string[] = [];
    await until(() => {
      void te.engine.api.broker.messages({ filter }).then((m) => (captured = m.map((r) => r.topic)));
      return captured.length >= 3;
    }, 5000, 'captured replies');
    expect(captured.sort()).toEqual([`${prefix('mosq')}/update/accepted`, `${prefix('mosq')}/update/delta`, `${prefix('mosq')}/update/documents`]);
    if (sub) {
      const { code, stdout } = await sub.done;
      expect(code).toBe(0);
      const lines = stdout.trim().split('\n').map((l) => l.slice(0, l.indexOf(' ')));
      expect(lines).toEqual([`${prefix('mosq')}/update/accepted`, `${prefix('mosq')}/update/delta`, `${prefix('mosq')}/update/documents`]);
    }
  });
});

async function waitForSubscriber(clientId: string, filters: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const c = (await te.engine.api.broker.clients()).find((x) => x.clientId === clientId);
    if (c && c.subscriptions.length >= filters) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${clientId} never subscribed`);
}

describe('UI contract', () => {
  it('shadow.update/get/list/delete/history and shadow.updated events follow the same rules', async () => {
    const events: ShadowUpdated[] = [];
    const sub = te.engine.events.on('shadow.updated', (e) => events.push(e));
    const api = te.engine.api.shadow;
    expect((await api.update('uiThing', { state: { desired: { a: 1 } } }, 'cfg')).version).toBe(1);
    await api.update('uiThing', { state: { reported: { a: 1 } } }, 'cfg');
    expect((await api.get('uiThing', 'cfg')).state).toEqual({ desired: { a: 1 }, reported: { a: 1 } });
    await expect(api.update('uiThing', { state: { desired: 5 } } as never, 'cfg')).rejects.toMatchObject({ code: 'InvalidInput', message: 'Desired node must be an object' });
    await expect(api.get('uiThing')).rejects.toMatchObject({ code: 'NotFound' });
    expect(await api.list('uiThing')).toEqual([{ thing: 'uiThing', name: 'cfg', version: 2, updatedAt: expect.any(Number) }]);
    await api.delete('uiThing', 'cfg');
    const history = await api.history('uiThing', 'cfg');
    expect(history.map((h) => [h.version, h.operation])).toEqual([[2, 'delete'], [2, 'update'], [1, 'update']]);
    expect(history[1].document?.state).toEqual({ desired: { a: 1 }, reported: { a: 1 } });
    expect(events.map((e) => [e.thing, e.name, e.operation, e.version])).toEqual([
      ['uiThing', 'cfg', 'update', 1], ['uiThing', 'cfg', 'update', 2], ['uiThing', 'cfg', 'delete', 2],
    ]);
    sub.dispose();
  });
});
