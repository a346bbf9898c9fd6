import { describe, expect, it } from 'vitest';
import type { ActivityBatch } from '../contract/index.js';
import { ActivityLog } from './activity-log.js';

describe('ActivityLog', () => {
  it('keeps the last events in a bounded ring, answers the most recent oldest first, by time and client', () => {
    let now = 0;
    const log = new ActivityLog(() => now, null, 5);
    for (let i = 0; i < 8; i++) {
      now = i * 10;
      log.add({ kind: 'connected', clientId: `c${i % 2}`, ipAddress: '127.0.0.1', transport: 'tcp' });
    }
    expect(log.query().map((e) => e.id)).toEqual([4, 5, 6, 7, 8]);
    expect(log.query({ limit: 2 }).map((e) => e.id)).toEqual([7, 8]);
    expect(log.query({ from: 50 }).map((e) => e.time)).toEqual([50, 60, 70]);
    expect(log.query({ clientId: 'c0' }).map((e) => e.id)).toEqual([5, 7]);
  });

  it('batches live events and says how many did not fit in a batch', () => {
    const batches: ActivityBatch[] = [];
    const log = new ActivityLog(() => 1, (b) => batches.push(b), 100, 250, 3);
    for (let i = 0; i < 5; i++) log.add({ kind: 'unsubscribed', clientId: 'c', filters: [`f/${i}`] });
    log.flush();
    log.flush(); // nothing new: no empty batch
    expect(batches).toHaveLength(1);
    expect(batches[0].events.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(batches[0].skipped).toBe(2);
    expect(log.query().map((e) => e.id)).toEqual([1, 2, 3, 4, 5]); // the skipped ones stay readable
  });
});
