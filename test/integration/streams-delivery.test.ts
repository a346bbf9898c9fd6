/**
 * MQTT-based file delivery as a device sees it, in JSON and CBOR: DescribeStream and GetStream over `$aws/things/{thing}/streams/…`
 * with mqtt.js, on files put in the local S3 with the S3 client and streamed with CreateStream (AWS SDK v3). A whole
 * file is fetched block by block, reassembled and hashed; bitmap requests get exactly their blocks; the last block
 * is short; bad block sizes, offsets, counts, unknown streams and files, a stale stream version and a changed object
 * are rejected with AWS's error codes.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { cbor } from '@smithy/core/cbor';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStreamCommand, IoTClient, UpdateStreamCommand } from '@aws-sdk/client-iot';
import { connect, nextMessages, startTestEngine, type TestEngine } from '../helpers/engine.js';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const role = 'arn:aws:iam::000000000000:role/stream-role';
let te: TestEngine;
let s3: S3Client;
let iot: IoTClient;
let dev: MqttClient;
const firmware = crypto.randomBytes(300_000 + 123); // not a multiple of any block size
const config = Buffer.from('{"mode":"fast"}');

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  s3 = new S3Client({ endpoint: te.httpUrl, region: 'us-east-1', credentials, forcePathStyle: true });
  iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials });
  await s3.send(new CreateBucketCommand({ Bucket: 'ota' }));
  await s3.send(new PutObjectCommand({ Bucket: 'ota', Key: 'fw/v2.bin', Body: firmware }));
  await s3.send(new PutObjectCommand({ Bucket: 'ota', Key: 'fw/config.json', Body: config }));
  await iot.send(new CreateStreamCommand({
    streamId: 'fw-v2', description: 'Firmware 2.0', roleArn: role,
    files: [{ fileId: 0, s3Location: { bucket: 'ota', key: 'fw/v2.bin' } }, { fileId: 7, s3Location: { bucket: 'ota', key: 'fw/config.json' } }],
  }));
  dev = await connect(te.mqttPort, { clientId: 'sensor-1' });
  await dev.subscribeAsync(['data', 'description', 'rejected'].map((r) => `$aws/things/sensor-1/streams/+/${r}/json`), { qos: 1 });
});
afterAll(async () => {
  await dev?.endAsync(true);
  s3?.destroy();
  iot?.destroy();
  await te?.stop();
});

const json = (p: Buffer) => JSON.parse(p.toString('utf8')) as Record<string, any>;
const topic = (stream: string, op: string) => `$aws/things/sensor-1/streams/${stream}/${op}/json`;

/** Publishes one request and collects `count` replies. */
async function ask(stream: string, op: 'describe' | 'get', body: unknown, count = 1) {
  const replies = nextMessages(dev, count);
  await dev.publishAsync(topic(stream, op), typeof body === 'string' ? body : JSON.stringify(body), { qos: 1 });
  return (await replies).map((m) => ({ topic: m.topic, body: json(m.payload) }));
}

async function rejected(stream: string, body: unknown): Promise<Record<string, any>> {
  const [reply] = await ask(stream, 'get', body);
  expect(reply.topic).toBe(topic(stream, 'rejected'));
  return reply.body;
}

describe('MQTT-based file delivery (JSON)', () => {
  it('DescribeStream answers the version, description and each file with its size', async () => {
    const [reply] = await ask('fw-v2', 'describe', { c: 'd-1' });
    expect(reply).toEqual({
      topic: topic('fw-v2', 'description'),
      body: { c: 'd-1', s: 1, d: 'Firmware 2.0', r: [{ f: 0, z: firmware.length }, { f: 7, z: config.length }] },
    });
  });

  it('a whole file arrives in blocks of 4 KB, 32 per request (128 KB), reassembled to the same SHA-256', async () => {
    const blockSize = 4096, blocks = Math.ceil(firmware.length / blockSize);
    const parts: Buffer[] = [];
    for (let offset = 0; offset < blocks; offset += 32) {
      const want = Math.min(32, blocks - offset);
      const replies = await ask('fw-v2', 'get', { c: `g-${offset}`, s: 1, f: 0, l: blockSize, o: offset, n: 32 }, want);
      for (const [i, r] of replies.entries()) {
        expect(r.topic).toBe(topic('fw-v2', 'data'));
        expect(r.body).toMatchObject({ c: `g-${offset}`, f: 0, i: offset + i });
        const bytes = Buffer.from(r.body.p as string, 'base64');
        expect(r.body.l).toBe(bytes.length);
        parts[r.body.i as number] = bytes;
      }
    }
    const last = parts[blocks - 1];
    expect(last.length).toBe(firmware.length % blockSize); // the last block is short
    const whole = Buffer.concat(parts);
    expect(crypto.createHash('sha256').update(whole).digest('hex')).toBe(crypto.createHash('sha256').update(firmware).digest('hex'));
  });

  it('asking for more than 128 KB gets 128 KB; without n the default is 131072 / l blocks', async () => {
    const many = await ask('fw-v2', 'get', { f: 0, l: 65_536, o: 0, n: 5 }, 2);
    expect(many.map((r) => r.body.i)).toEqual([0, 1]);
    const marker = await ask('fw-v2', 'describe', { c: 'marker-1' }); // nothing more came before this reply
    expect(marker[0].body.c).toBe('marker-1');
    const byDefault = await ask('fw-v2', 'get', { f: 0, l: 32_768 }, 4);
    expect(byDefault.map((r) => r.body.i)).toEqual([0, 1, 2, 3]);
    expect(byDefault[0].body).not.toHaveProperty('c');
  });

  it('a bitmap gets exactly the blocks whose bits are set, counted from the offset (the guide\'s example: 20, 21, 24, 43)', async () => {
    const replies = await ask('fw-v2', 'get', { c: '1', s: 1, l: 256, f: 0, o: 20, n: 32, b: '0x130080' }, 4);
    expect(replies.map((r) => r.body.i)).toEqual([20, 21, 24, 43]);
    for (const r of replies) expect(Buffer.from(r.body.p as string, 'base64')).toEqual(firmware.subarray(r.body.i * 256, r.body.i * 256 + 256));
    const marker = await ask('fw-v2', 'describe', { c: 'marker-2' });
    expect(marker[0].body.c).toBe('marker-2');
    // `n` caps a bitmap's blocks
    const capped = await ask('fw-v2', 'get', { l: 256, f: 0, o: 0, n: 2, b: 'ff' }, 2);
    expect(capped.map((r) => r.body.i)).toEqual([0, 1]);
    const marker2 = await ask('fw-v2', 'describe', { c: 'marker-3' });
    expect(marker2[0].body.c).toBe('marker-3');
  });

  it('a small file is one short block; the second file of the stream by its id', async () => {
    const [reply] = await ask('fw-v2', 'get', { f: 7, l: 1024, o: 0, n: 1 });
    expect(reply.body).toEqual({ f: 7, l: config.length, i: 0, p: config.toString('base64') });
  });

  it('bad requests are rejected with the documented codes, echoing a valid client token', async () => {
    expect(await rejected('fw-v2', { c: 'x', f: 0, l: 128 })).toEqual({ o: 'BlockSizeOutOfBounds', m: 'The block size is out of bounds', c: 'x' });
    expect(await rejected('fw-v2', { c: 'x', f: 0, l: 131_073 })).toMatchObject({ o: 'BlockSizeOutOfBounds' });
    expect(await rejected('fw-v2', { c: 'x', f: 0, l: 256, o: 98_305 })).toMatchObject({ o: 'OffsetOutOfBounds', c: 'x' });
    expect(await rejected('fw-v2', { f: 0, l: 131_072, o: 3 })).toMatchObject({ o: 'OffsetOutOfBounds' }); // past the file's last block
    expect(await rejected('fw-v2', { f: 0, l: 256, n: 98_305 })).toMatchObject({ o: 'BlockCountLimitExceeded' });
    expect(await rejected('fw-v2', { f: 0, l: 256, b: 'ab'.repeat(12_288) })).toMatchObject({ o: 'BlockBitmapLimitExceeded' });
    expect(await rejected('fw-v2', { f: 0, l: 256, b: 'not hex' })).toMatchObject({ o: 'InvalidRequest' });
    expect(await rejected('fw-v2', { c: 'y', f: 3, l: 256 })).toMatchObject({ o: 'ResourceNotFound', c: 'y' });
    expect(await rejected('fw-v2', { f: 256, l: 256 })).toMatchObject({ o: 'InvalidRequest' });
    expect(await rejected('fw-v2', { l: 256 })).toMatchObject({ o: 'InvalidRequest' });
    expect(await rejected('no-such-stream', { c: 'z', f: 0, l: 256 })).toMatchObject({ o: 'ResourceNotFound', c: 'z' });
    expect(await rejected('fw-v2', 'not json')).toMatchObject({ o: 'InvalidJson' });
    expect(await rejected('fw-v2', '[1,2]')).toMatchObject({ o: 'InvalidRequest' });
    const long = await rejected('fw-v2', { c: 'c'.repeat(65), f: 0, l: 256 });
    expect(long).toMatchObject({ o: 'InvalidRequest' });
    expect(long).not.toHaveProperty('c'); // an invalid token is not echoed
    const [describeMissing] = await ask('gone', 'describe', { c: 'q' });
    expect(describeMissing).toEqual({ topic: topic('gone', 'rejected'), body: { o: 'ResourceNotFound', m: 'Stream gone does not exist', c: 'q' } });
  });

  it('a stale stream version is VersionMismatch after UpdateStream; a changed object is ETagMismatch until the stream is updated', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'ota', Key: 'fw/v3.bin', Body: Buffer.alloc(1000, 3) }));
    await s3.send(new PutObjectCommand({ Bucket: 'ota', Key: 'fw/tmp.bin', Body: Buffer.alloc(500, 1) }));
    await iot.send(new CreateStreamCommand({ streamId: 'moving', roleArn: role, files: [{ fileId: 0, s3Location: { bucket: 'ota', key: 'fw/tmp.bin' } }] }));
    const updated = await iot.send(new UpdateStreamCommand({ streamId: 'moving', files: [{ fileId: 0, s3Location: { bucket: 'ota', key: 'fw/v3.bin' } }] }));
    expect(updated.streamVersion).toBe(2);
    expect(await rejected('moving', { c: 'v', s: 1, f: 0, l: 256 })).toMatchObject({ o: 'VersionMismatch', c: 'v' });
    const [ok] = await ask('moving', 'get', { s: 2, f: 0, l: 1024, n: 1 });
    expect(Buffer.from(ok.body.p as string, 'base64')).toEqual(Buffer.alloc(1000, 3));

    await s3.send(new PutObjectCommand({ Bucket: 'ota', Key: 'fw/v3.bin', Body: Buffer.alloc(1000, 4) }));
    expect(await rejected('moving', { s: 2, f: 0, l: 1024 })).toMatchObject({ o: 'ETagMismatch' });
    await iot.send(new UpdateStreamCommand({ streamId: 'moving', files: [{ fileId: 0, s3Location: { bucket: 'ota', key: 'fw/v3.bin' } }] }));
    const [fresh] = await ask('moving', 'get', { s: 3, f: 0, l: 1024, n: 1 });
    expect(Buffer.from(fresh.body.p as string, 'base64')).toEqual(Buffer.alloc(1000, 4));
  });
});

describe('MQTT-based file delivery (CBOR)', () => {
  const cborTopic = (stream: string, op: string) => `$aws/things/sensor-2/streams/${stream}/${op}/cbor`;
  let cdev: MqttClient;
  beforeAll(async () => {
    cdev = await connect(te.mqttPort, { clientId: 'sensor-2' });
    await cdev.subscribeAsync(['data', 'description', 'rejected'].map((r) => `$aws/things/sensor-2/streams/+/${r}/cbor`), { qos: 1 });
  });
  afterAll(async () => {
    await cdev?.endAsync(true);
  });
  async function askCbor(stream: string, op: 'describe' | 'get', body: unknown, count = 1) {
    const replies = nextMessages(cdev, count);
    await cdev.publishAsync(cborTopic(stream, op), Buffer.isBuffer(body) ? body : Buffer.from(cbor.serialize(body)), { qos: 1 });
    return (await replies).map((m) => ({ topic: m.topic, body: cbor.deserialize(new Uint8Array(m.payload)) as Record<string, any> }));
  }

  it('DescribeStream in CBOR', async () => {
    const [reply] = await askCbor('fw-v2', 'describe', { c: 'cb-1' });
    expect(reply).toEqual({ topic: cborTopic('fw-v2', 'description'), body: { c: 'cb-1', s: 1, d: 'Firmware 2.0', r: [{ f: 0, z: firmware.length }, { f: 7, z: config.length }] } });
  });

  it('the whole file in CBOR blocks of 8 KB (payloads as byte strings), with a byte-string bitmap for the blocks still missing', async () => {
    const blockSize = 8192, blocks = Math.ceil(firmware.length / blockSize);
    const parts: Buffer[] = [];
    // First every other block by bitmap (0b01010101 …), then the rest with a bitmap of what is still missing.
    const bitmap = (want: (i: number) => boolean) => {
      const bytes = new Uint8Array(Math.ceil(blocks / 8));
      for (let i = 0; i < blocks; i++) if (want(i)) bytes[i >> 3] |= 1 << (i & 7);
      return bytes;
    };
    for (const want of [(i: number) => i % 2 === 0, (i: number) => parts[i] === undefined]) {
      const missing = Array.from({ length: blocks }, (_, i) => i).filter(want);
      for (let from = 0; from < missing.length; from += 16) { // 16 × 8 KB = 128 KB per request
        const batch = missing.slice(from, from + 16);
        const replies = await askCbor('fw-v2', 'get', { c: 'cb', s: 1, f: 0, l: blockSize, o: 0, b: bitmap((i) => batch.includes(i)) }, batch.length);
        expect(replies.map((r) => r.body.i)).toEqual(batch);
        for (const r of replies) {
          expect(r.topic).toBe(cborTopic('fw-v2', 'data'));
          expect(r.body.p).toBeInstanceOf(Uint8Array);
          expect(r.body.l).toBe(r.body.p.length);
          parts[r.body.i as number] = Buffer.from(r.body.p as Uint8Array);
        }
      }
    }
    expect(crypto.createHash('sha256').update(Buffer.concat(parts)).digest('hex')).toBe(crypto.createHash('sha256').update(firmware).digest('hex'));
  });

  it('rejections in CBOR: bad block size, stale version, unknown stream, a payload that is not CBOR', async () => {
    const [small] = await askCbor('fw-v2', 'get', { c: 'r', f: 0, l: 255 });
    expect(small).toEqual({ topic: cborTopic('fw-v2', 'rejected'), body: { o: 'BlockSizeOutOfBounds', m: 'The block size is out of bounds', c: 'r' } });
    expect((await askCbor('fw-v2', 'get', { s: 9, f: 0, l: 256 }))[0].body).toMatchObject({ o: 'VersionMismatch' });
    expect((await askCbor('nope', 'get', { f: 0, l: 256 }))[0].body).toMatchObject({ o: 'ResourceNotFound' });
    expect((await askCbor('fw-v2', 'get', Buffer.from([0xff, 0x00])))[0].body).toMatchObject({ o: 'InvalidCbor' });
  });
});

