import { describe, expect, it, vi } from 'vitest';
import { packBatch, type MessageBatch, type MessageRecord, type ThingbenchApi, type ThingbenchEvents, type TopicStats, type Transport, type WireMessage } from '../contract/index.js';
import { EngineError, TypedEmitter, type Logger } from '../core/index.js';
import type { Engine } from '../engine-types.js';
import { BatchCoalescer } from './batch-coalescer.js';
import { serveRpc } from './rpc-server.js';

/** A transport whose peer is the test: `deliver` plays an incoming message, `sent` records replies. */
function memoryTransport() {
  const listeners = new Set<(msg: WireMessage) => void>();
  const sent: WireMessage[] = [];
  const transport: Transport = {
    send: (msg) => void sent.push(msg),
    onMessage: (cb) => (listeners.add(cb), { dispose: () => void listeners.delete(cb) }),
  };
  return { transport, sent, deliver: (msg: unknown) => listeners.forEach((cb) => cb(msg as WireMessage)), listeners };
}

function fakeEngine(overrides: Partial<ThingbenchApi['broker']> = {}) {
  const events = new TypedEmitter<ThingbenchEvents>();
  const broker: ThingbenchApi['broker'] = {
    topics: vi.fn(async (prefix?: string) => [{ topic: `${prefix ?? ''}a`, count: 1 } as TopicStats]),
    topicTable: vi.fn(async () => ({ topics: [], count: [], rate: [], lastTime: [], lastSize: [], retained: [] })),
    topicStats: vi.fn(async () => []),
    messages: vi.fn(async () => []),
    message: vi.fn(async () => null),
    series: vi.fn(async () => []),
    retained: vi.fn(async () => []),
    deleteRetained: vi.fn(async () => []),
    events: vi.fn(async () => []),
    export: vi.fn(async () => ''),
    publish: vi.fn(async () => {}),
    clients: vi.fn(async () => []),
    ...overrides,
  };
  const api = { engine: { info: async () => ({ brokerMode: 'aws' }) }, broker, metering: { usage: async () => ({}) }, logs: { recent: async () => [] } };
  return { engine: { api, events } as unknown as Engine, events, broker };
}

const silent: Logger = { log: () => {} };
const reply = async (sent: WireMessage[], id: number) => {
  await vi.waitFor(() => expect(sent.find((m) => 'id' in m && m.id === id)).toBeDefined());
  return sent.find((m) => 'id' in m && m.id === id)!;
};
const record = (id: number): MessageRecord => ({ id, topic: 't', payload: '', size: 0, truncated: false, qos: 0, retain: false, clientId: 'c', time: id });
const stats = (topic: string, count: number): TopicStats => ({ topic, count, rate: 0, lastPayload: '', lastSize: 0, lastQos: 0, retained: false, lastPublisher: null, lastTime: count });

describe('serveRpc: calls', () => {
  it('answers a call with the method result', async () => {
    const { engine, broker } = fakeEngine();
    const { transport, sent, deliver } = memoryTransport();
    serveRpc(engine, transport, { logger: silent });
    deliver({ kind: 'call', id: 1, method: 'broker.topics', args: ['x/'] });
    expect(await reply(sent, 1)).toEqual({ kind: 'result', id: 1, value: [{ topic: 'x/a', count: 1 }] });
    expect(broker.topics).toHaveBeenCalledWith('x/');
  });

  it('turns a JSON null for a left-out optional argument into undefined', async () => {
    const { engine, broker } = fakeEngine();
    const { transport, sent, deliver } = memoryTransport();
    serveRpc(engine, transport, { logger: silent });
    deliver({ kind: 'call', id: 2, method: 'broker.topics', args: [null] });
    await reply(sent, 2);
    expect(broker.topics).toHaveBeenCalledWith(undefined);
  });

  it.each([
    ['not an object', 'hello', 0, 'InvalidInput'],
    ['another kind', { kind: 'result', id: 3, value: 1 }, 3, 'InvalidInput'],
    ['an id that is not a positive integer', { kind: 'call', id: 'x', method: 'engine.info', args: [] }, 0, 'InvalidInput'],
    ['an unknown method', { kind: 'call', id: 4, method: 'broker.drop', args: [] }, 4, 'NotFound'],
    ['a prototype key as method', { kind: 'call', id: 5, method: '__proto__.toString', args: [] }, 5, 'NotFound'],
    ['args that are not an array', { kind: 'call', id: 6, method: 'engine.info', args: {} }, 6, 'InvalidInput'],
    ['too many args', { kind: 'call', id: 7, method: 'engine.info', args: [1] }, 7, 'InvalidInput'],
    ['a wrongly typed arg', { kind: 'call', id: 8, method: 'broker.message', args: ['1'] }, 8, 'InvalidInput'],
    ['a missing required arg', { kind: 'call', id: 9, method: 'broker.publish', args: [] }, 9, 'InvalidInput'],
    ['an unknown field', { kind: 'call', id: 10, method: 'broker.publish', args: [{ topic: 'a', payload: '', admin: true }] }, 10, 'InvalidInput'],
    ['a bad qos', { kind: 'call', id: 11, method: 'broker.publish', args: [{ topic: 'a', payload: '', qos: 2 }] }, 11, 'InvalidInput'],
    ['a non-plain object', { kind: 'call', id: 12, method: 'broker.messages', args: [[]] }, 12, 'InvalidInput'],
  ])('refuses %s without calling the engine', async (_name, msg, id, code) => {
    const { engine, broker } = fakeEngine();
    const { transport, sent, deliver } = memoryTransport();
    serveRpc(engine, transport, { logger: silent });
    deliver(msg);
    const answer = await reply(sent, id);
    expect(answer).toMatchObject({ kind: 'error', id, error: { code } });
    expect(broker.publish).not.toHaveBeenCalled();
    expect(broker.message).not.toHaveBeenCalled();
  });

  it('accepts a valid publish', async () => {
    const { engine, broker } = fakeEngine();
    const { transport, sent, deliver } = memoryTransport();
    serveRpc(engine, transport, { logger: silent });
    deliver({ kind: 'call', id: 1, method: 'broker.publish', args: [{ topic: 'a/b', payload: 'aGk=', encoding: 'base64', qos: 1, retain: true }] });
    expect(await reply(sent, 1)).toEqual({ kind: 'result', id: 1, value: undefined });
    expect(broker.publish).toHaveBeenCalledWith({ topic: 'a/b', payload: 'aGk=', encoding: 'base64', qos: 1, retain: true });
  });

  it('passes an EngineError through with its code and details', async () => {
    const { engine } = fakeEngine({ message: async () => { throw new EngineError('NotFound', 'no message 7', { id: 7 }); } });
    const { transport, sent, deliver } = memoryTransport();
    serveRpc(engine, transport, { logger: silent });
    deliver({ kind: 'call', id: 1, method: 'broker.message', args: [7] });
    expect(await reply(sent, 1)).toEqual({ kind: 'error', id: 1, error: { code: 'NotFound', message: 'no message 7', details: { id: 7 } } });
  });

  it('hides other errors behind Internal and logs them', async () => {
    const { engine } = fakeEngine({ clients: async () => { throw new TypeError('secret internals at /home/x'); } });
    const { transport, sent, deliver } = memoryTransport();
    const logged: string[] = [];
    serveRpc(engine, transport, { logger: { log: (level, _s, message, details) => logged.push(`${level} ${message} ${JSON.stringify(details)}`) } });
    deliver({ kind: 'call', id: 1, method: 'broker.clients', args: [] });
    const answer = await reply(sent, 1);
    expect(answer).toMatchObject({ kind: 'error', error: { code: 'Internal' } });
    expect(JSON.stringify(answer)).not.toContain('secret');
    expect(logged.join('\n')).toContain('secret internals');
  });

  it('stops answering and listening once disposed', async () => {
    const { engine, events } = fakeEngine();
    const { transport, sent, listeners } = memoryTransport();
    const rpc = serveRpc(engine, transport, { logger: silent });
    rpc.dispose();
    expect(listeners.size).toBe(0);
    events.emit('logs.appended', []);
    expect(sent).toEqual([]);
  });
});

describe('serveRpc: events', () => {
  it('forwards every contract event', () => {
    const { engine, events } = fakeEngine();
    const { transport, sent } = memoryTransport();
    serveRpc(engine, transport, { logger: silent });
    const batch: MessageBatch = { messages: [record(1)], dropped: 0, topics: [stats('t', 1)] };
    events.emit('broker.messages', batch);
    events.emit('logs.appended', [{ level: 'info', source: 's', message: 'm', time: 1 }]);
    expect(sent.map((m) => (m.kind === 'event' ? m.name : m.kind))).toEqual(['broker.messages', 'logs.appended']);
  });

  it('coalesces batches while the peer is congested and counts what it skipped', async () => {
    const { engine, events } = fakeEngine();
    const { transport, sent } = memoryTransport();
    let congested = true;
    serveRpc(engine, transport, { logger: silent, isCongested: () => congested });
    events.emit('broker.messages', { messages: [record(1), record(2)], dropped: 1, topics: [stats('a', 1)] });
    events.emit('broker.messages', { messages: [record(3)], dropped: 0, topics: [stats('a', 2), stats('b', 1)] });
    events.emit('logs.appended', [{ level: 'info', source: 's', message: 'm', time: 1 }]);
    expect(sent).toEqual([]);
    congested = false;
    events.emit('broker.messages', { messages: [record(4)], dropped: 0, topics: [stats('b', 2)] });
    expect(sent).toEqual([{ kind: 'event', name: 'broker.messages', data: packBatch({ messages: [record(4)], dropped: 4, topics: [stats('a', 2), stats('b', 2)] }) }]);
  });

  it('delivers held statistics once the peer catches up, even when traffic stopped', async () => {
    const { engine, events } = fakeEngine();
    const { transport, sent } = memoryTransport();
    let congested = true;
    const rpc = serveRpc(engine, transport, { logger: silent, isCongested: () => congested });
    events.emit('broker.messages', { messages: [record(1)], dropped: 0, topics: [stats('a', 1)] });
    congested = false;
    await vi.waitFor(() => expect(sent).toHaveLength(1), { timeout: 2000 });
    expect(sent[0]).toEqual({ kind: 'event', name: 'broker.messages', data: packBatch({ messages: [], dropped: 1, topics: [stats('a', 1)] }) });
    rpc.dispose();
  });

  it('never throws into the engine when the transport fails', () => {
    const { engine, events } = fakeEngine();
    const transport: Transport = { send: () => { throw new Error('closed'); }, onMessage: () => ({ dispose() {} }) };
    serveRpc(engine, transport, { logger: silent });
    expect(() => events.emit('broker.messages', { messages: [], dropped: 0, topics: [] })).not.toThrow();
  });
});

describe('BatchCoalescer', () => {
  it('keeps the latest statistics per topic and sums what was skipped', () => {
    const c = new BatchCoalescer();
    expect(c.pending).toBe(false);
    c.absorb({ messages: [record(1)], dropped: 2, topics: [stats('a', 1), stats('b', 1)] });
    c.absorb({ messages: [record(2), record(3)], dropped: 0, topics: [stats('a', 3)] });
    expect(c.release()).toEqual({ messages: [], dropped: 5, topics: [stats('a', 3), stats('b', 1)] });
    expect(c.pending).toBe(false);
  });

  it('never loses a removed topic: removals apply before the statistics, a topic removed and seen again comes back', () => {
    const c = new BatchCoalescer();
    c.absorb({ messages: [], dropped: 0, topics: [stats('a', 1), stats('b', 1)] });
    c.absorb({ messages: [], dropped: 0, topics: [], removed: ['a'] });
    expect(c.pending).toBe(true);
    c.absorb({ messages: [], dropped: 0, topics: [stats('c', 1)], removed: ['b'] });
    expect(c.release({ messages: [record(9)], dropped: 1, topics: [stats('b', 7)], removed: ['c'] }))
      .toEqual({ messages: [record(9)], dropped: 1, topics: [stats('b', 7)], removed: ['a', 'b', 'c'] });
    expect(c.pending).toBe(false);
  });
});
