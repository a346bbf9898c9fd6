import net from 'node:net';
import { once } from 'node:events';
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { NetworkLink, type LinkStream } from './network-link.js';
import { seededRandom } from '../runtime/seeded-random.js';

/** A loopback echo server that records what each connection sent and when it closed. */
let server: net.Server;
let port: number;
const conns: Array<{ got: Buffer[]; closed: boolean }> = [];

beforeAll(async () => {
  server = net.createServer((s) => {
    const c = { got: [] as Buffer[], closed: false };
    conns.push(c);
    s.on('data', (d) => {
      c.got.push(d);
      s.write(d);
    });
    s.on('error', () => {});
    s.on('close', () => (c.closed = true));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as net.AddressInfo).port;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const dial = (link: NetworkLink): LinkStream => link.wrap(() => net.connect(port, '127.0.0.1'));
const text = (s: LinkStream) => {
  let all = '';
  s.on('data', (d: Buffer) => (all += d.toString()));
  return () => all;
};
const until = (cond: () => boolean, timeout = 5000) => vi.waitFor(() => expect(cond()).toBe(true), { timeout, interval: 5 });

describe('NetworkLink', () => {
  it('passes bytes straight through when no fault is in effect', async () => {
    const s = dial(new NetworkLink(seededRandom(1)));
    const got = text(s);
    s.write('hello ');
    s.write('world');
    await until(() => got() === 'hello world');
    s.destroy();
  });

  it('delays both directions by the latency, in order', async () => {
    const link = new NetworkLink(seededRandom(1));
    link.setConditions({ latencyMs: 100, jitterMs: 20 });
    const s = dial(link);
    const got = text(s);
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) s.write(`${i},`);
    await until(() => got() === '0,1,2,3,4,5,6,7,8,9,');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2 * 80 - 5); // out and back, jitter at most 20 ms each way
    s.destroy();
  });

  it('limits the bandwidth', async () => {
    const link = new NetworkLink(seededRandom(1));
    link.setConditions({ bandwidthBytesPerSec: 20_000 });
    const s = dial(link);
    const got = text(s);
    const t0 = Date.now();
    s.write(Buffer.alloc(5000, 'a'));
    await until(() => got().length === 5000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2 * 250 - 5); // 5000 B at 20 kB/s: 250 ms each way
    s.destroy();
  });

  it('turns loss into retransmission delay: every byte arrives, in order, later', async () => {
    const link = new NetworkLink(seededRandom(3));
    link.setConditions({ loss: 0.3 });
    const s = dial(link);
    const got = text(s);
    const t0 = Date.now();
    const want = Array.from({ length: 20 }, (_, i) => `${i};`).join('');
    for (let i = 0; i < 20; i++) s.write(`${i};`);
    await until(() => got() === want, 30_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200); // at least one retransmission timeout
    s.destroy();
  });

  it('holds bytes both ways during a partition and delivers them after it', async () => {
    const link = new NetworkLink(seededRandom(1));
    const s = dial(link);
    const got = text(s);
    s.write('before;');
    await until(() => got() === 'before;');
    const mine = conns.length - 1;
    link.setPartitioned(true);
    s.write('during;');
    // A marker on another, healthy connection arrives; the partitioned bytes have not.
    const marker = dial(new NetworkLink(seededRandom(1)));
    const markerGot = text(marker);
    marker.write('marker');
    await until(() => markerGot() === 'marker');
    expect(Buffer.concat(conns[mine].got).toString()).toBe('before;');
    link.setPartitioned(false);
    await until(() => got() === 'before;during;');
    s.destroy();
    marker.destroy();
  });

  it('does not reach the broker with a connection opened during a partition, and keeps a close from the other side until it ends', async () => {
    const link = new NetworkLink(seededRandom(1));
    link.setPartitioned(true);
    const before = conns.length;
    const s = dial(link);
    s.write('syn?');
    const marker = dial(new NetworkLink(seededRandom(1)));
    const markerGot = text(marker);
    marker.write('m');
    await until(() => markerGot() === 'm');
    expect(conns.length).toBe(before + 1); // only the marker's connection
    // Closed by the device during the partition: never opened, nothing to tell the other side.
    s.destroy();
    link.setPartitioned(false);
    marker.destroy();
    expect(link.current).toBeUndefined();

    const s2 = dial(link);
    const got = text(s2);
    s2.write('x');
    await until(() => got() === 'x');
    const idx = conns.length - 1;
    link.setPartitioned(true);
    s2.destroy(); // the reset is held: the server still sees the connection open
    const m2 = dial(new NetworkLink(seededRandom(1)));
    const m2Got = text(m2);
    m2.write('m2');
    await until(() => m2Got() === 'm2');
    expect(conns[idx].closed).toBe(false);
    link.setPartitioned(false);
    await until(() => conns[idx].closed);
    m2.destroy();
  });

  it('holds what a stalled connection sends until it is released', async () => {
    const link = new NetworkLink(seededRandom(1));
    const s = dial(link);
    const got = text(s);
    s.write('a;');
    await until(() => got() === 'a;');
    s.stall(true);
    s.write('b;');
    const marker = dial(new NetworkLink(seededRandom(1)));
    const markerGot = text(marker);
    marker.write('m');
    await until(() => markerGot() === 'm');
    expect(got()).toBe('a;');
    s.stall(false);
    await until(() => got() === 'a;b;');
    s.destroy();
    marker.destroy();
  });
});
