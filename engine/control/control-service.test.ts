import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, type EngineError } from '../core/index.js';
import type { Publisher } from '../broker/index.js';
import { ControlService } from './control-service.js';

// Things without an MQTT connection: the asking-device path only, which never publishes.
const noBroker: Publisher = {
  publish: () => Promise.reject(new Error('an asking device is never published to')),
  tap: () => ({ dispose: () => {} }),
};

describe('ControlService as AskingDevices', () => {
  let control: ControlService;
  const make = (maxPendingPerThing = 16) => {
    control = new ControlService(noBroker, systemClock, { connection: () => undefined, maxPendingPerThing });
    return control.start().then(() => control);
  };
  afterEach(() => control.stop());

  it('queues a command for the next request, hands it over once and correlates the answer', async () => {
    const c = await make();
    const answered = c.send({ thing: 'lamp', name: 'on', payload: Buffer.from('{"level":3}'), contentType: 'application/json', timeoutMs: 5000 });
    expect(c.pending()).toMatchObject([{ thing: 'lamp', name: 'on' }]);
    expect(c.pending()[0].via).toBeUndefined();
    const cmd = await c.next('lamp', 0, undefined, 'coap');
    expect(cmd).toMatchObject({ name: 'on', contentType: 'application/json' });
    expect(cmd?.payload.toString()).toBe('{"level":3}');
    expect(await c.next('lamp', 0)).toBeUndefined();
    expect(c.pending()[0].via).toBe('coap');
    c.respond('lamp', cmd!.requestId, 201, Buffer.from('done'), 'text/plain');
    const a = await answered;
    expect(a).toMatchObject({ requestId: cmd!.requestId, status: 201, contentType: 'text/plain', via: 'coap' });
    expect(a.payload.toString()).toBe('done');
    expect(c.pending()).toEqual([]);
  });

  it('hands a command to a request already waiting, and gives nothing after the wait or an abort', async () => {
    const c = await make();
    const waiting = c.next('lamp', 5000, undefined, 'https');
    const answered = c.send({ thing: 'lamp', name: 'blink', payload: Buffer.alloc(0), timeoutMs: 5000 });
    const cmd = await waiting;
    expect(cmd?.name).toBe('blink');
    c.respond('lamp', cmd!.requestId, 200, Buffer.alloc(0));
    expect((await answered).via).toBe('https');
    expect(await c.next('lamp', 20)).toBeUndefined();
    const abort = new AbortController();
    const aborted = c.next('lamp', 60_000, abort.signal);
    abort.abort();
    expect(await aborted).toBeUndefined();
    // An aborted request no longer takes commands: the next one is queued for a later request.
    const later = c.send({ thing: 'lamp', name: 'again', payload: Buffer.alloc(0), timeoutMs: 5000 });
    const again = await c.next('lamp', 0);
    expect(again?.name).toBe('again');
    c.respond('lamp', again!.requestId, 200, Buffer.alloc(0));
    await later;
  });

  it('times out with Unavailable, forgets the request id and refuses unknown or foreign answers', async () => {
    const c = await make();
    const err = await c.send({ thing: 'lamp', name: 'on', payload: Buffer.alloc(0), timeoutMs: 30 }).catch((e: EngineError) => e);
    expect(err).toMatchObject({ code: 'Unavailable', details: { reason: 'Timeout' } });
    expect(c.pending()).toEqual([]);
    expect(await c.next('lamp', 0)).toBeUndefined();
    expect(() => c.respond('lamp', 'nope', 200, Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'NotFound' }));
    const answered = c.send({ thing: 'lamp', name: 'on', payload: Buffer.alloc(0), timeoutMs: 5000 });
    const queuedId = c.pending()[0].requestId;
    // Not handed over yet: no answer can come for it.
    expect(() => c.respond('lamp', queuedId, 200, Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'NotFound' }));
    const cmd = await c.next('lamp', 0);
    expect(() => c.respond('fan', cmd!.requestId, 200, Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'NotFound' }));
    c.respond('lamp', cmd!.requestId, 200, Buffer.alloc(0));
    expect(() => c.respond('lamp', cmd!.requestId, 200, Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'NotFound' }));
    await answered;
  });

  it('bounds the commands per thing and checks the input', async () => {
    const c = await make(2);
    const first = [1, 2].map(() => c.send({ thing: 'lamp', name: 'on', payload: Buffer.alloc(0), timeoutMs: 5000 }));
    await expect(c.send({ thing: 'lamp', name: 'on', payload: Buffer.alloc(0), timeoutMs: 5000 })).rejects.toMatchObject({ code: 'Throttled' });
    expect(() => c.send({ thing: 'lamp', name: 'a/b', payload: Buffer.alloc(0), timeoutMs: 5000 })).toThrow(/command name/);
    expect(() => c.send({ thing: 'lamp', name: 'on', payload: Buffer.alloc(0), timeoutMs: 0 })).toThrow(/timeout/);
    expect(() => c.send({ thing: 'lamp', name: 'on', payload: Buffer.alloc(200_000), timeoutMs: 10 })).toThrow(expect.objectContaining({ code: 'TooLarge' }));
    // Another thing is unaffected.
    const fan = c.send({ thing: 'fan', name: 'on', payload: Buffer.alloc(0), timeoutMs: 5000 });
    const stopped = Promise.allSettled([...first, fan]);
    await c.stop();
    expect((await stopped).map((r) => r.status === 'rejected' && (r.reason as EngineError).details)).toEqual([
      expect.objectContaining({ reason: 'Stopped' }), expect.objectContaining({ reason: 'Stopped' }), expect.objectContaining({ reason: 'Stopped' }),
    ]);
  });

  it('hands a queued one-way command to the next request without a request id to answer, and forgets it', async () => {
    const c = await make();
    const handed = c.send({ thing: 'lamp', name: 'flash', payload: Buffer.from('x'), timeoutMs: 5000, oneWay: true });
    expect(c.pending()).toMatchObject([{ thing: 'lamp', name: 'flash', oneWay: true }]);
    const cmd = await c.next('lamp', 0, undefined, 'https');
    expect(cmd).toMatchObject({ name: 'flash', oneWay: true });
    expect(await handed).toMatchObject({ requestId: cmd!.requestId, via: 'https', oneWay: true });
    expect(c.pending()).toEqual([]);
    expect(() => c.respond('lamp', cmd!.requestId, 200, Buffer.alloc(0))).toThrow(/No command with request id/);
  });
});
