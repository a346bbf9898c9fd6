import { describe, expect, it } from 'vitest';
import { MessageLog, toRecord, type CapturedMessage } from './message-log.js';

const payload = (n: number, fill: number) => Buffer.alloc(n, fill);

describe('MessageLog', () => {
  it("keeps copies: changing the caller's buffer does not change the history", () => {
    const log = new MessageLog(10, 1024 * 1024);
    const buf = payload(8, 1);
    const msg = log.append('t', buf, 0, false, 'c', 1);
    buf.fill(9);
    expect([...log.get(msg.id)!.payload]).toEqual(Array(8).fill(1));
  });

  it('lets go of the oldest messages before their payload bytes are written over, and says so', () => {
    const evicted: CapturedMessage[] = [];
    const log = new MessageLog(1_000_000, 1024 * 1024, (m) => evicted.push(m)); // 8 segments of 128 KiB
    const all: CapturedMessage[] = [];
    for (let i = 0; i < 5000; i++) all.push(log.append(`t/${i}`, payload(1000, i % 251), 0, false, null, i));
    // Every message still held reads back exactly what was appended; every one let go was reported once.
    for (const m of all) {
      if (log.holds(m)) expect(m.payload.equals(payload(1000, Number(m.topic.slice(2)) % 251))).toBe(true);
    }
    const held = all.filter((m) => log.holds(m));
    expect(held.length).toBeGreaterThan(800);
    expect(held.length + evicted.length).toBe(all.length);
    expect(held[held.length - 1]).toBe(all[all.length - 1]);
    expect(log.query({ limit: 10_000 }).length).toBe(held.length);
  });

  it('keeps a payload larger than a segment as its own copy', () => {
    const log = new MessageLog(100, 1024 * 1024);
    const big = log.append('big', payload(600_000, 7), 1, true, null, 0);
    for (let i = 0; i < 10; i++) log.append('small', payload(10, 1), 0, false, null, i);
    expect(big.segment).toBe(-1);
    expect(log.get(big.id)!.payload.equals(payload(600_000, 7))).toBe(true);
  });

  it('drops by count at capacity', () => {
    const evicted: number[] = [];
    const log = new MessageLog(3, 1024 * 1024, (m) => evicted.push(m.id));
    for (let i = 0; i < 5; i++) log.append('t', payload(1, i), 0, false, null, i);
    expect(log.size).toBe(3);
    expect(evicted).toEqual([1, 2]);
    expect(log.query().map((m) => m.id)).toEqual([5, 4, 3]);
  });
});

describe('MessageLog memory', () => {
  it('reuses payload segments once the count limit let go of their messages, instead of growing to the byte budget', () => {
    const log = new MessageLog(100, 64 * 1024 * 1024); // 8 segments of 4 MiB allowed
    for (let i = 0; i < 100_000; i++) log.append('t', payload(512, i % 256), 0, false, null, i); // 51 MB appended
    const segments = new Set(log.query({ limit: 100 }).map((m) => m.segment));
    expect(log.size).toBe(100);
    expect(Math.max(...segments)).toBeLessThan(2); // two segments at most were ever allocated
    for (const m of log.query({ limit: 100 })) expect(m.payload.every((b) => b === m.time % 256)).toBe(true);
  });
});

describe('toRecord and MQTT 5 properties', () => {
  it('gives the UI a message\'s properties: correlation data as base64, user properties as ordered pairs', () => {
    const log = new MessageLog(10, 1024 * 1024);
    const properties = {
      payloadFormatIndicator: true, messageExpiryInterval: 60, contentType: 'application/json', responseTopic: 'r/t',
      correlationData: Buffer.from([0, 1, 2]), userProperties: [['k', '2'], ['a', 'x'], ['k', '1']] as Array<[string, string]>,
    };
    const msg = log.append('t', payload(2, 1), 1, false, 'c', 1, properties);
    expect(toRecord(msg).properties).toEqual({
      payloadFormatIndicator: true, messageExpiryInterval: 60, contentType: 'application/json', responseTopic: 'r/t',
      correlationData: 'AAEC', userProperties: [['k', '2'], ['a', 'x'], ['k', '1']],
    });
  });
  it('has no properties for an MQTT 3.1.1 message', () => {
    const log = new MessageLog(10, 1024 * 1024);
    expect('properties' in toRecord(log.append('t', payload(2, 1), 0, false, 'c', 1))).toBe(false);
  });
});
