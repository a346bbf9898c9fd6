import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packBatch, unpackBatch } from './batch-wire.js';
import type { MessageBatch, MessageRecord, TopicStats } from './types.js';

const qos = fc.constantFrom(0 as const, 1 as const, 2 as const);
const topic = fc.constantFrom('a', 'a/b', 'fleet/dev-1/temp', '$aws/things/x/shadow/update', '');
const payload = fc.constantFrom('', 'MQ==', 'eyJ2IjoxfQ==', 'AAAA');
const record: fc.Arbitrary<MessageRecord> = fc.record({
  id: fc.nat(), topic, payload, size: fc.nat(), truncated: fc.boolean(), qos, retain: fc.boolean(),
  clientId: fc.option(fc.constantFrom('dev-1', 'dev-2'), { nil: null }), time: fc.nat(),
  properties: fc.option(fc.record({ contentType: fc.constantFrom('application/json'), userProperties: fc.constant([['k', 'v']] as [string, string][]) }), { nil: undefined }),
}).map(({ properties, ...r }) => (properties ? { ...r, properties } : r));
const stats: fc.Arbitrary<TopicStats> = fc.record({
  topic, count: fc.nat(), rate: fc.double({ min: 0, max: 1000, noNaN: true }), lastPayload: payload, lastSize: fc.nat(), lastQos: qos,
  retained: fc.boolean(), lastPublisher: fc.option(fc.constantFrom('dev-1', 'dev-2'), { nil: null }), lastTime: fc.nat(),
});
const batch: fc.Arbitrary<MessageBatch> = fc.record({
  messages: fc.array(record, { maxLength: 20 }), dropped: fc.nat(), topics: fc.array(stats, { maxLength: 20 }),
  removed: fc.option(fc.array(topic, { maxLength: 3 }), { nil: undefined }),
}).map(({ removed, ...b }) => (removed ? { ...b, removed } : b));

describe('packBatch / unpackBatch', () => {
  it('gives back the same batch after a JSON round trip, whatever it holds', () => {
    fc.assert(fc.property(batch, (b) => {
      expect(unpackBatch(JSON.parse(JSON.stringify(packBatch(b))))).toEqual(b);
    }), { numRuns: 500 });
  });

  it('names a changed topic’s last payload by the index of the batch’s last message on it, and only when equal', () => {
    const msg = (id: number, t: string, p: string): MessageRecord => ({ id, topic: t, payload: p, size: 1, truncated: false, qos: 0, retain: false, clientId: null, time: id });
    const st = (t: string, p: string): TopicStats => ({ topic: t, count: 2, rate: 0, lastPayload: p, lastSize: 1, lastQos: 0, retained: false, lastPublisher: null, lastTime: 2 });
    const wire = packBatch({ messages: [msg(1, 'a', 'MQ=='), msg(2, 'a', 'Mg=='), msg(3, 'b', 'Mw==')], dropped: 0, topics: [st('a', 'Mg=='), st('b', 'NA=='), st('c', 'NQ==')] });
    expect(wire.topics.lastPayload).toEqual([1, 'NA==', 'NQ==']);
  });

  it('about halves the JSON of a flood batch', () => {
    const messages: MessageRecord[] = [];
    const topics: TopicStats[] = [];
    for (let i = 0; i < 1000; i++) {
      const t = `bench/site-${i % 100}/dev-${i % 37}/temperature`;
      const p = `eyJ2Ijo0NS4xLCJzZXEiOj${i.toString(36).padStart(4, 'A')}fQ==`; // a base64 JSON payload's length
      messages.push({ id: 1_000_000 + i, topic: t, payload: p, size: 22, truncated: false, qos: 0, retain: false, clientId: `ui-load-${i % 8}`, time: 1_796_586_636_000 + i });
      topics.push({ topic: t, count: 1000 + i, rate: 0.1, lastPayload: p, lastSize: 22, lastQos: 0, retained: false, lastPublisher: `ui-load-${i % 8}`, lastTime: 1_796_586_636_000 + i });
    }
    const plain = JSON.stringify({ messages, dropped: 0, topics }).length;
    const packed = JSON.stringify(packBatch({ messages, dropped: 0, topics })).length;
    expect(packed / plain).toBeLessThan(0.6);
  });
});
