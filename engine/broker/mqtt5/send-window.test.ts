import { describe, expect, it } from 'vitest';
import { MAX_WAITING, SendWindow } from './send-window.js';

const buf = (n: number) => Buffer.from([n & 0xff]);

describe('SendWindow (Receive Maximum towards the client, §4.9)', () => {
  it('writes up to the maximum, keeps the rest in order and sends one per acknowledgement [MQTT-3.3.4-7] [MQTT-3.3.4-8]', () => {
    const written: number[] = [];
    const w = new SendWindow(2, (b) => (written.push(b[0]), true));
    for (let id = 1; id <= 5; id++) expect(w.send(buf(id), id)).toBe(true);
    expect(written).toEqual([1, 2]);
    expect([w.unacknowledged, w.held]).toEqual([2, 3]);
    w.acknowledged(9); // never sent: frees nothing
    expect(written).toEqual([1, 2]);
    w.acknowledged(2);
    expect(written).toEqual([1, 2, 3]);
    w.acknowledged(2); // twice: nothing more
    w.acknowledged(1);
    w.acknowledged(3);
    expect(written).toEqual([1, 2, 3, 4, 5]);
    expect([w.unacknowledged, w.held]).toEqual([2, 0]);
  });

  it('passes on the stream\'s back-pressure for what it writes at once', () => {
    const w = new SendWindow(1, () => false);
    expect(w.send(buf(1), 1)).toBe(false);
    expect(w.send(buf(2), 2)).toBe(true); // kept, nothing written
  });

  it(`says overflow once ${MAX_WAITING} PUBLISHes wait, and writes nothing after clear()`, () => {
    const written: number[] = [];
    const w = new SendWindow(1, (b) => (written.push(b[0]), true));
    w.send(buf(0), 1);
    for (let i = 0; i < MAX_WAITING; i++) expect(w.send(buf(i), (i % 65000) + 2)).toBe(true);
    expect(w.send(buf(0), 3)).toBe('overflow');
    w.clear();
    w.acknowledged(1);
    expect(written).toEqual([0]);
  });
});
