/**
 * MQTT byte streams on raw sockets: valid packets, mutated packets and garbage, split into chunks at random points
 * and written before any CONNACK could arrive. Each connection ends in bounded time, no internal failure is
 * logged, and QoS 1 canaries acknowledged in between are delivered and retained afterwards (harness.ts).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fuzz, testTimeout } from './fuzz-config.js';
import { mqttStream } from './generators.js';
import { ANSWER_MS, FuzzEngine } from './harness.js';

let f: FuzzEngine;
beforeAll(async () => { f = await FuzzEngine.start(); });
afterAll(async () => { await f?.stop(); });

/** Writes the chunks one by one, half-closes, and resolves when the broker has closed the connection. */
async function play(bytes: Buffer, cuts: number[]): Promise<void> {
  const socket = net.connect(f.te.mqttPort, '127.0.0.1');
  socket.on('error', () => {});
  socket.on('data', () => {}); // read whatever comes back so the broker never blocks on a full socket
  const closed = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`connection still open ${ANSWER_MS} ms after the client ended it`)); }, ANSWER_MS * 2);
    socket.once('close', () => { clearTimeout(timer); resolve(); });
  });
  await new Promise<void>((resolve) => socket.once('connect', resolve).once('close', resolve));
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut <= at || socket.destroyed) continue;
    await new Promise<void>((resolve) => socket.write(bytes.subarray(at, cut), () => resolve()));
    at = cut;
  }
  socket.end();
  await closed;
}

describe('MQTT fuzz', () => {
  it('survives valid, mutated and split packet streams sent before CONNACK, and loses no acknowledged message', async () => {
    let n = 0;
    await fuzz('mqtt', mqttStream, async ({ bytes, cuts }) => {
      if (++n % 20 === 0) await f.canary();
      await play(bytes, cuts);
      f.expectNoNewFailures();
    });
    await f.verifyHealthy();
  }, testTimeout());
});
