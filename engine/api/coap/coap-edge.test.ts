/** The CoAP edge's pure parts: Block1 options and upload assembly, critical options, the per-address token bucket. */
import type { ParsedPacket } from 'coap-packet';
import { describe, expect, it } from 'vitest';
import { BlockUploads } from './coap-blocks.js';
import { BlockDownloads } from './coap-downloads.js';
import { readBlockOption } from './coap-block-options.js';
import { refusedOption } from './coap-codes.js';
import { AddressBuckets } from './coap-limits.js';

const rsinfo = { address: '127.0.0.1', port: 5000, family: 'IPv4' };
const block = (num: number, more: boolean, payload: string, tag = 'a'): ParsedPacket => ({
  code: '0.02', confirmable: true, reset: false, ack: false, messageId: num, token: Buffer.from([num]), payload: Buffer.from(payload),
  options: [{ name: 'Uri-Path', value: Buffer.from('topics') }, { name: 292, value: Buffer.from(tag) }, { name: 'Block1', value: Buffer.alloc(0) }],
});

describe('readBlockOption', () => {
  it.each([
    [[], { num: 0, more: false, size: 16 }],
    [[0x0a], { num: 0, more: true, size: 64 }],
    [[0x1e], { num: 1, more: true, size: 1024 }],
    [[0x01, 0x06], { num: 16, more: false, size: 1024 }],
    [[0x07], undefined], // SZX 7 is reserved
    [[1, 2, 3, 4], undefined], // longer than 3 bytes
  ])('%j → %j', (bytes, expected) => expect(readBlockOption(Buffer.from(bytes))).toEqual(expected));
});

describe('BlockUploads', () => {
  it('assembles blocks in order, acknowledges a repeated block again and refuses a gap', () => {
    let now = 0;
    const uploads = new BlockUploads(() => now);
    const size = 16;
    expect(uploads.take(block(0, true, 'a'.repeat(16)), rsinfo, { num: 0, more: true, size })).toEqual({ kind: 'continue' });
    expect(uploads.take(block(0, true, 'a'.repeat(16)), rsinfo, { num: 0, more: true, size })).toEqual({ kind: 'continue' }); // restarts
    expect(uploads.take(block(1, true, 'b'.repeat(16)), rsinfo, { num: 1, more: true, size })).toEqual({ kind: 'continue' });
    expect(uploads.take(block(1, true, 'b'.repeat(16)), rsinfo, { num: 1, more: true, size })).toEqual({ kind: 'continue' }); // retransmission
    now += 1000;
    const done = uploads.take(block(2, false, 'cc'), rsinfo, { num: 2, more: false, size });
    expect(done.kind).toBe('complete');
    if (done.kind !== 'complete') return;
    expect(done.packet.payload.toString()).toBe(`${'a'.repeat(16)}${'b'.repeat(16)}cc`);
    expect(done.packet.options.map((o) => o.name)).toEqual(['Uri-Path', 292]);
    // A block of an upload never started, or after a gap, is incomplete; one forgotten after a quiet minute too.
    expect(uploads.take(block(3, true, 'x'.repeat(16)), rsinfo, { num: 3, more: true, size })).toEqual({ kind: 'incomplete' });
    uploads.take(block(0, true, 'a'.repeat(16), 'b'), rsinfo, { num: 0, more: true, size });
    expect(uploads.take(block(2, true, 'a'.repeat(16), 'b'), rsinfo, { num: 2, more: true, size })).toEqual({ kind: 'incomplete' });
    uploads.take(block(0, true, 'a'.repeat(16), 'c'), rsinfo, { num: 0, more: true, size });
    now += 61_000;
    expect(uploads.take(block(1, false, 'z', 'c'), rsinfo, { num: 1, more: false, size })).toEqual({ kind: 'incomplete' });
  });
});

describe('BlockUploads: a finished upload', () => {
  it('takes its last block again in the same message as a repeat, for about EXCHANGE_LIFETIME', () => {
    let now = 0;
    const uploads = new BlockUploads(() => now);
    const size = 16;
    uploads.take(block(0, true, 'a'.repeat(16)), rsinfo, { num: 0, more: true, size });
    const last = { ...block(1, false, 'end'), messageId: 42 };
    expect(uploads.take(last, rsinfo, { num: 1, more: false, size }).kind).toBe('complete');
    expect(uploads.take(last, rsinfo, { num: 1, more: false, size })).toEqual({ kind: 'repeat' });
    expect(uploads.take({ ...last, messageId: 43 }, rsinfo, { num: 1, more: false, size })).toEqual({ kind: 'incomplete' }); // another message
    now += 248_000;
    expect(uploads.take(last, rsinfo, { num: 1, more: false, size })).toEqual({ kind: 'incomplete' });
  });
});

describe('BlockDownloads', () => {
  it('keeps a payload sent block-wise, answers its blocks with one ETag and forgets it after its last block', () => {
    let now = 0;
    const downloads = new BlockDownloads(() => now);
    const payload = Buffer.from('0123456789abcdef0123456789abcdefXY');
    const format = [{ name: 'Content-Format', value: Buffer.of(50) }];
    const first = downloads.start('k', payload, 16, format);
    expect(first.payload.toString()).toBe('0123456789abcdef');
    const etag = first.options.find((o) => o.name === 'ETag')!.value;
    expect(first.options).toEqual([...format, { name: 'ETag', value: etag }, { name: 'Block2', value: Buffer.of(0x08) }, { name: 'Size2', value: Buffer.of(34) }]);
    expect(downloads.size).toBe(1);
    expect(downloads.block('other', 1, 16)).toBeUndefined();
    expect(downloads.block('k', 1, 16)?.options).toEqual([...format, { name: 'ETag', value: etag }, { name: 'Block2', value: Buffer.of(0x18) }]);
    expect(downloads.block('k', 2, 16)).toEqual({ payload: Buffer.from('XY'), options: [...format, { name: 'ETag', value: etag }, { name: 'Block2', value: Buffer.of(0x20) }] });
    expect(downloads.size).toBe(0);
    downloads.start('k', payload, 16, []);
    now += 61_000; // forgotten after a quiet minute
    expect([downloads.size, downloads.block('k', 1, 16)]).toEqual([0, undefined]);
  });
});

describe('refusedOption', () => {
  it.each([
    [['Uri-Path', 'Uri-Query', 'Content-Format', 'Observe', 'Block1'], undefined],
    [['Uri-Path', '65000'], undefined], // elective (even): ignored
    [['Uri-Path', 'No-Response'], undefined],
    [['Uri-Path', '65001'], { name: '65001', code: '4.02' }],
    [['If-Match'], { name: 'If-Match', code: '4.02' }],
    [['Proxy-Uri'], { name: 'Proxy-Uri', code: '5.05' }],
    [[2049], { name: '2049', code: '4.02' }],
  ])('%j → %j', (names, expected) => expect(refusedOption(names.map((name) => ({ name })))).toEqual(expected));
});

describe('AddressBuckets', () => {
  it('lets a burst through, refuses beyond it, refills with time, and keeps addresses apart', () => {
    let now = 0;
    const buckets = new AddressBuckets(10, 3, () => now);
    expect([1, 2, 3, 4].map(() => buckets.take('a'))).toEqual([true, true, true, false]);
    expect(buckets.take('b')).toBe(true);
    now += 100; // one token back at 10/s
    expect([buckets.take('a'), buckets.take('a')]).toEqual([true, false]);
    expect(new AddressBuckets(0, 0).take('a')).toBe(true); // 0: no limit
  });
});
