/**
 * MQTT byte streams on raw sockets: valid packets (3.1.1 and 5), mutated packets and garbage, split into chunks at
 * random points and written before any CONNACK could arrive, then a PINGREQ as a barrier. Each connection ends in
 * bounded time, no internal failure is logged, and QoS 1 canaries acknowledged in between are delivered and
 * retained afterwards (harness.ts).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fuzz, testTimeout } from './fuzz-config.js';
import { mqttStream } from './generators.js';
import { ANSWER_MS, FuzzEngine } from './harness.js';

let f: FuzzEngine;

/** Writes the chunks one by one, half-closes, and resolves when the broker has closed the connection. */
let answered = 0;
let pinged = 0;
let stalled = 0;

/** How long a connection whose stream stops mid-packet is given before the client ends it (it is not a hang). */
const STALL_MS = 150;
const PINGREQ = Buffer.from([0xc0, 0x00]);
const PINGRESP = Buffer.from([0xd0, 0x00]);

/**
 * Writes the chunks one by one, then a PINGREQ: the broker handles a connection's packets in order, so its PINGRESP
 * says everything before it was handled. Ends the connection on the PINGRESP (or after STALL_MS when the stream
 * stopped mid-packet) and resolves once the broker has closed it.
 */
async function play(bytes: Buffer, cuts: number[]): Promise<void> {
  const socket = net.connect(f.te.mqttPort, '127.0.0.1');
  socket.on('error', () => {});
  let received = Buffer.alloc(0);
  let onPong: ((pong: boolean) => void) | null = null;
  socket.on('data', (d: Buffer) => {
    if (!received.length) answered++;
    received = Buffer.concat([received.subarray(-1), d]);
    if (received.includes(PINGRESP)) onPong?.(true);
  });
  const closed = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`connection still open ${ANSWER_MS} ms after the client ended it`)); }, ANSWER_MS + STALL_MS);
    socket.once('close', () => { clearTimeout(timer); onPong?.(false); resolve(); });
  });
  await new Promise<void>((resolve) => socket.once('connect', resolve).once('close', resolve));
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut <= at || socket.destroyed) continue;
    await new Promise<void>((resolve) => socket.write(bytes.subarray(at, cut), () => resolve()));
    at = cut;
  }
  if (!socket.destroyed) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { stalled++; resolve(); }, STALL_MS);
      onPong = (pong) => { clearTimeout(timer); if (pong) pinged++; onPong = null; resolve(); };
      socket.write(PINGREQ);
    });
  }
  socket.end();
  await closed;
}

// Both broker modes: aws (AWS IoT's departures from MQTT, such as no QoS 2) and standard (plain MQTT 3.1.1).
describe.each(['aws', 'standard'] as const)('MQTT fuzz, %s mode', (mode) => {
  beforeAll(async () => { f = await FuzzEngine.start(mode); });
  afterAll(async () => { await f?.stop(); });

  it('survives valid, mutated and split packet streams sent before CONNACK, and loses no acknowledged message', async () => {
    let n = 0;
    answered = pinged = stalled = 0;
    await fuzz(`mqtt-${mode}`, mqttStream, async ({ bytes, cuts }) => {
      if (++n % 20 === 0) await f.canary();
      await play(bytes, cuts);
      f.expectNoNewFailures();
    });
    console.log(`[fuzz] mqtt-${mode}: the broker answered ${answered} of ${n} connections, ${pinged} up to the final PINGREQ, ${stalled} stalled mid-packet`);
    await f.verifyHealthy();
  }, testTimeout());
});
