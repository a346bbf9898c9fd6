/** Pure models behind the Jobs view: events waiting grouped per consumer, and the status and progress helpers. */
import { describe, expect, it } from 'vitest';
import { backlogs } from '../../renderer/src/state/models/delivery-backlog.js';
import { parsedJson, PROGRESS_PARTS, statusClass, targetName, totalOf } from '../../renderer/src/lib/job-status.js';

const event = (consumer: string, seq: number, size: number, publishedAt: number, expiresAt: number) => ({ consumer, topic: `t/${seq}`, size, seq, publishedAt, expiresAt });

describe('backlogs', () => {
  it('groups the waiting events per consumer, the longest backlog first, with their size, oldest and first expiry', () => {
    expect(backlogs([event('b', 1, 10, 100, 900), event('a', 2, 5, 200, 700), event('b', 3, 7, 50, 800), event('c', 4, 1, 300, 400), event('a', 5, 1, 10, 2000)])).toEqual([
      { consumer: 'a', count: 2, bytes: 6, oldest: 10, nextExpiry: 700 },
      { consumer: 'b', count: 2, bytes: 17, oldest: 50, nextExpiry: 800 },
      { consumer: 'c', count: 1, bytes: 1, oldest: 300, nextExpiry: 400 },
    ]);
    expect(backlogs([])).toEqual([]);
  });
});

describe('job status helpers', () => {
  it.each([
    ['COMPLETED', 'ok'], ['SUCCEEDED', 'ok'], ['Completed', 'ok'], ['FAILED', 'error'], ['TIMED_OUT', 'error'], ['REJECTED', 'error'],
    ['CANCELED', 'warn'], ['REMOVED', 'warn'], ['Cancelling', 'warn'], ['IN_PROGRESS', ''], ['QUEUED', ''], ['CREATED', ''],
  ])('%s is drawn as %j', (status, cls) => {
    expect(statusClass(status)).toBe(cls);
  });

  it('counts every execution status once in the progress bar', () => {
    const counts = { queued: 1, inProgress: 2, succeeded: 3, failed: 4, rejected: 5, timedOut: 6, removed: 7, canceled: 8 };
    expect(totalOf(counts)).toBe(36);
    expect(new Set(PROGRESS_PARTS.map((p) => p.key)).size).toBe(8);
  });

  it('names targets and parses documents', () => {
    expect(targetName('arn:aws:iot:us-east-1:000000000000:thing/pump-1')).toBe('thing pump-1');
    expect(targetName('arn:aws:iot:us-east-1:000000000000:thinggroup/floor/2')).toBe('group floor/2');
    expect(targetName('something')).toBe('something');
    expect(parsedJson('{"a":1}')).toEqual({ a: 1 });
    expect(parsedJson('not json')).toBe('not json');
    expect(parsedJson(undefined)).toBeUndefined();
  });
});
