import { describe, it, expect } from 'vitest';
import { EarlyPackets, type EarlyClient } from './early-packets.js';

describe('EarlyPackets', () => {
  function setup(limit = 3) {
    const client: EarlyClient = { connecting: false, connackSent: false, _parsingBatch: 0 };
    const forwarded: Array<[string, unknown]> = [];
    const early = new EarlyPackets(client, (event, arg) => (forwarded.push([event, arg]), true), limit);
    return { client, forwarded, early };
  }

  it('passes packets on before a CONNECT is being handled and after CONNACK', () => {
    const { client, early } = setup();
    expect(early.hold({ cmd: 'connect' })).toBe(false);
    client.connecting = true;
    client.connackSent = true;
    expect(early.hold({ cmd: 'publish' })).toBe(false);
  });

  it('holds what follows a CONNECT until CONNACK, then hands it on in order, counted as parsed until then', async () => {
    const { client, forwarded, early } = setup();
    client.connecting = true;
    const packets = [{ cmd: 'publish', n: 1 }, { cmd: 'unsubscribe', n: 2 }];
    for (const p of packets) expect(early.hold(p)).toBe(true);
    expect(client._parsingBatch).toBe(2);
    expect(forwarded).toEqual([]);
    early.connackSent(); // aedes emits it just before it sets the flag
    client.connackSent = true;
    const third: { cmd: string; n: number } = { cmd: 'subscribe', n: 3 };
    expect(early.hold(third)).toBe(true); // behind the held ones, not before them
    await Promise.resolve();
    expect(forwarded.map(([, p]) => (p as { n: number }).n)).toEqual([1, 2, 3]);
    expect(client._parsingBatch).toBe(0);
    expect(early.hold({ cmd: 'publish' })).toBe(false);
  });

  it('lets a second CONNECT through (aedes closes the connection) and closes past the limit before CONNACK', () => {
    const { client, forwarded, early } = setup(2);
    client.connecting = true;
    expect(early.hold({ cmd: 'connect' })).toBe(false);
    early.hold({ cmd: 'publish' });
    early.hold({ cmd: 'publish' });
    expect(early.hold({ cmd: 'publish' })).toBe(true);
    expect(forwarded).toEqual([['error', new Error('Client queue limit reached')]]);
  });
});
