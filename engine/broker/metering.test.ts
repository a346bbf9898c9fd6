import { describe, expect, it } from 'vitest';
import { billed, meteredBytes, Metering } from './metering.js';

describe('meteredBytes', () => {
  it('is the payload size for an MQTT 3.1.1 message', () => {
    expect(meteredBytes(100)).toBe(100);
    expect(meteredBytes(100, {})).toBe(100);
  });
  it('adds the user properties, response topic, correlation data and content type AWS meters (UTF-8 bytes)', () => {
    const props = { userProperties: [['kéy', 'v'], ['k', 'value']] as Array<[string, string]>, responseTopic: 'r/t', correlationData: Buffer.alloc(10), contentType: 'text/plain' };
    expect(meteredBytes(100, props)).toBe(100 + (4 + 1) + (1 + 5) + 3 + 10 + 10);
  });
  it('does not count the payload format indicator or the expiry interval', () => {
    expect(meteredBytes(100, { payloadFormatIndicator: true, messageExpiryInterval: 60 })).toBe(100);
  });
  it('can push a message over a 5 KB increment', () => {
    const m = new Metering(() => 0);
    m.inbound('c', 't', meteredBytes(5 * 1024, { userProperties: [['k', 'v']] }));
    expect(m.report().clients[0]).toMatchObject({ messagesIn: 1, billedMessages: billed(5 * 1024 + 2), bytesIn: 5 * 1024 + 2 });
    expect(billed(5 * 1024 + 2)).toBe(2);
  });
});

describe('Metering per topic', () => {
  it('counts topics one by one up to a bound, then the rest together', async () => {
    const { MAX_METERED_TOPICS, OTHER_TOPICS } = await import('./metering.js');
    const m = new Metering(() => 0);
    for (let i = 0; i < MAX_METERED_TOPICS + 2; i++) m.inbound('c', `t/${i}`, 6 * 1024);
    m.outbound('s', 't/0', 100);
    const topics = m.report().topics;
    expect(topics).toHaveLength(MAX_METERED_TOPICS + 1);
    expect(topics.find((t) => t.topic === 't/0')).toEqual({ topic: 't/0', messagesIn: 1, messagesOut: 1, billedMessages: 3 });
    expect(topics.find((t) => t.topic === OTHER_TOPICS)).toEqual({ topic: OTHER_TOPICS, messagesIn: 2, messagesOut: 0, billedMessages: 4 });
  });
});
