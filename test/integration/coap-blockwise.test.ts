/**
 * Block-wise transfer (RFC 7959) with libcoap's `coap-client-notls`: an Observe notification larger than one block
 * (a 5 KB message on an observed topic) arrives whole, its first block notified and the rest fetched with GET Block2;
 * a shadow larger than a block is read in Block2 blocks of the size the client asks for; and the last block of a
 * finished Block1 upload sent again (its ACK lost) gets the same answer, with one publish, instead of 4.08.
 */
import dgram from 'node:dgram';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generate, parse, type ParsedPacket } from 'coap-packet';
import type { MqttClient } from 'mqtt';
import { connect, nextMessages, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';

const A = 'arn:aws:iot:us-east-1:000000000000';
const TOKEN = 'sensor-one-token-0123';
const AUTH = `thing=sensor-1&token=${TOKEN}`;

let te: TestEngine;
let coapBase: string;
let dir: string;
const clients: MqttClient[] = [];

/** Runs coap-client-notls (packet dumps on stdout) until it ends; what it received goes to `output`. */
function coapClient(args: string[], output: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/coap-client-notls', ['-v', '6', '-B', '10', '-o', output, ...args], { timeout: 30_000 }, (e, out, err) => {
      if (e && e.killed) reject(new Error(`coap-client timed out: ${err}`));
      else resolve(out);
    });
  });
}

beforeAll(async () => {
  te = await startTestEngine();
  coapBase = te.info.endpoints.coap;
  dir = tempDir('tb-coap-blocks-');
  const api = te.engine.api;
  await api.registry.createThing('sensor-1');
  await api.registry.setDeviceToken({ thing: 'sensor-1', token: TOKEN });
  const cert = await api.security.createCertificate(true);
  await api.security.putPolicy('coap-blocks', JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: [`${A}:topic/big/*`, `${A}:topic/$aws/things/sensor-1/shadow/*`] },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [`${A}:topicfilter/big/*`, `${A}:topicfilter/$aws/things/sensor-1/shadow/*`] },
    ],
  }));
  await api.security.attachPolicy('coap-blocks', cert.arn);
  await api.registry.attachPrincipal('sensor-1', cert.arn);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await te?.stop();
});

describe('CoAP block-wise transfer', () => {
  it('notifies a 5 KB message on an observed topic block-wise: the client GETs the other blocks and has it whole', async () => {
    const output = path.join(dir, 'observed.bin');
    const observer = coapClient(['-s', '6', '-b', '256', '-m', 'get', `${coapBase}/topics/big/feed?${AUTH}`], output);
    await vi.waitFor(async () => expect((await te.engine.api.adapters.stats()).coap?.observers).toBe(1), { timeout: 10_000, interval: 50 });
    const publisher = await connect(te.mqttPort, { clientId: 'big-source' });
    clients.push(publisher);
    const big = Buffer.alloc(5 * 1024, 'B');
    big.write('first', 0);
    big.write('last!', big.length - 5);
    await publisher.publishAsync('big/feed', big, { qos: 1 });
    // The marker after it: a small notification in one datagram, once the big one was fetched to its end.
    await vi.waitFor(async () => expect(fs.existsSync(output) && fs.statSync(output).size).toBe(big.length), { timeout: 10_000, interval: 50 });
    expect((await te.engine.api.adapters.stats()).coap?.blockTransfers).toBe(0);
    await publisher.publishAsync('big/feed', 'marker', { qos: 1 });
    const out = await observer;

    expect(fs.readFileSync(output)).toEqual(Buffer.concat([big, Buffer.from('marker')]));
    // The first block came as the notification (Observe, ETag, Block2 0 with more, Size2); the others as answers to GETs.
    expect(out).toMatch(/t:CON c:2\.05 [^\n]*\[ ETag:0x[0-9a-f]{16}, Observe:2, Block2:0\/M\/256, Size2:5120 \]/);
    expect(out).toMatch(/t:ACK c:2\.05 [^\n]*\[ ETag:0x[0-9a-f]{16}, Block2:19\/_\/256 \]/);
    expect(out).toMatch(/c:2\.05 [^\n]*\[ Observe:3 \] :: 'marker'/);
  });

  it('reads a shadow larger than a block in Block2 blocks of the size the client asks for', async () => {
    const doc = await te.engine.api.shadow.update('sensor-1', { state: { reported: { log: 'y'.repeat(3000) } } });
    const output = path.join(dir, 'shadow.json');
    const out = await coapClient(['-b', '64', '-m', 'get', `${coapBase}/things/sensor-1/shadow?${AUTH}`], output);
    // Every block from the one representation: one ETag, one shadow read (no 4.29 from the thing's shadow rate limit).
    const etags = new Set([...out.matchAll(/c:2\.05 [^\n]*ETag:(0x[0-9a-f]+)/g)].map((m) => m[1]));
    expect(etags.size).toBe(1);
    expect(out).toMatch(/t:ACK c:2\.05 [^\n]*Block2:0\/M\/64, Size2:\d+ \]/);
    expect(out).not.toMatch(/c:4\.\d\d/);
    const read = JSON.parse(fs.readFileSync(output, 'utf8')) as { state: { reported: { log: string } }; version: number };
    expect(read.state.reported.log).toBe('y'.repeat(3000));
    expect(read.version).toBe(doc.version);
  });

  it('answers the last block of a finished Block1 upload sent again (a lost ACK) as before, with one publish', async () => {
    const subscriber = await connect(te.mqttPort, { clientId: 'upload-watch' });
    clients.push(subscriber);
    await subscriber.subscribeAsync('big/upload', { qos: 1 });
    const raw = dgram.createSocket('udp4');
    await new Promise<void>((r) => raw.bind(0, '127.0.0.1', () => r()));
    const answers: ParsedPacket[] = [];
    raw.on('message', (m) => answers.push(parse(m)));
    const port = Number(new URL(coapBase.replace('coap:', 'http:')).port);
    const block = (num: number, more: boolean, messageId: number) => generate({
      code: '0.02', confirmable: true, messageId, token: Buffer.from([0xb1, num]),
      options: [
        ...['topics', 'big', 'upload'].map((p) => ({ name: 'Uri-Path' as const, value: Buffer.from(p) })),
        ...['thing=sensor-1', `token=${TOKEN}`].map((q) => ({ name: 'Uri-Query' as const, value: Buffer.from(q) })),
        { name: 'Block1', value: Buffer.of(num * 16 + (more ? 8 : 0)) }, // 16-byte blocks
      ],
      payload: Buffer.from(num === 0 ? '0123456789abcdef' : 'tail'),
    });
    const messages = nextMessages(subscriber, 2, 10_000);
    raw.send(block(0, true, 7001), port, '127.0.0.1');
    await vi.waitFor(() => expect(answers.map((a) => a.code)).toEqual(['2.31']), { timeout: 5000, interval: 20 });
    raw.send(block(1, false, 7002), port, '127.0.0.1');
    await vi.waitFor(() => expect(answers.map((a) => a.code)).toEqual(['2.31', '2.04']), { timeout: 5000, interval: 20 });
    raw.send(block(1, false, 7002), port, '127.0.0.1');
    await vi.waitFor(() => expect(answers.map((a) => a.code)).toEqual(['2.31', '2.04', '2.04']), { timeout: 5000, interval: 20 });
    expect(answers[2]).toMatchObject({ ack: true, messageId: 7002, token: answers[1].token });
    // One publish of the whole payload: the marker published after the repeat is the next message.
    await subscriber.publishAsync('big/upload', 'marker', { qos: 1 });
    expect((await messages).map((m) => m.payload.toString())).toEqual(['0123456789abcdeftail', 'marker']);
    raw.close();
    await once(raw, 'close');
  });
});
