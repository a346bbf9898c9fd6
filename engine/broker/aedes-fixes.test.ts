import { Aedes } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheTopicMatches } from './aedes-fixes.js';

type Listener = (packet: { topic: string }, done: () => void) => void;
interface Mq {
  on(topic: string, fn: Listener, done?: () => void): void;
  removeListener(topic: string, fn: Listener, done?: () => void): void;
  emit(packet: { topic: string; payload: Buffer }, done?: () => void): void;
}

describe('cacheTopicMatches', () => {
  let broker: Aedes | undefined;
  afterEach(() => new Promise<void>((r) => (broker ? broker.close(() => r()) : r())));

  it('answers repeated topics from the cache and forgets them when a subscription is added or removed', async () => {
    broker = await Aedes.createBroker();
    cacheTopicMatches(broker, 2);
    const mq = (broker as unknown as { mq: Mq }).mq;
    const seen: string[] = [];
    // Who received each emit (sorted: the trie's order among matches is its own).
    const emit = async (topic: string) => {
      seen.length = 0;
      await new Promise<void>((r) => mq.emit({ topic, payload: Buffer.alloc(0) }, () => r()));
      return seen.slice().sort().join(' ');
    };
    const a: Listener = (p, done) => { seen.push(`a:${p.topic}`); done(); };
    const b: Listener = (p, done) => { seen.push(`b:${p.topic}`); done(); };

    mq.on('s/+', a);
    expect(await emit('s/1')).toBe('a:s/1');
    expect(await emit('s/1')).toBe('a:s/1'); // from the cache
    await new Promise<void>((r) => mq.on('s/1', b, r)); // a new subscription is seen at once
    expect(await emit('s/1')).toBe('a:s/1 b:s/1');
    expect(await emit('s/2')).toBe('a:s/2');
    expect(await emit('s/3')).toBe('a:s/3'); // over the bound of 2 topics: the cache starts again
    expect(await emit('s/1')).toBe('a:s/1 b:s/1');
    await new Promise<void>((r) => mq.removeListener('s/+', a, r)); // a removed one is gone at once
    expect(await emit('s/1')).toBe('b:s/1');
    expect(await emit('s/2')).toBe('');
  });
});
