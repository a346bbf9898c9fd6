import { describe, expect, it } from 'vitest';
import { JobTally } from './job-tallies.js';
import type { ExecutionRecord } from './job-types.js';

const exec = (thingName: string, executionNumber: number, status: ExecutionRecord['status'], visible = true): ExecutionRecord => ({
  jobId: 'j', thingName, executionNumber, status, versionNumber: 1, statusDetails: {}, queuedAt: 0, lastUpdatedAt: 0, forceCanceled: false, visible, seq: 0,
});

describe('job tally', () => {
  it('counts the latest visible execution of each thing, notified things and successes, from the store and then by changes', () => {
    const t = new JobTally([exec('a', 1, 'SUCCEEDED'), exec('b', 1, 'FAILED'), exec('c', 1, 'QUEUED', false)]);
    expect(t.outcomes).toEqual({ succeeded: 1, failed: 1, rejected: 0, timedOut: 0 });
    expect(t.progress).toEqual({ notified: 2, succeeded: 1 });

    // b is retried: its new attempt replaces the FAILED one in the outcomes; the history keeps the failure.
    t.change(undefined, exec('b', 2, 'QUEUED'));
    expect(t.outcomes).toEqual({ succeeded: 1, failed: 0, rejected: 0, timedOut: 0 });
    expect(t.history('b', 2)).toEqual({ failed: 1, timedOut: 0 });
    t.change(exec('b', 2, 'QUEUED'), exec('b', 2, 'TIMED_OUT'));
    expect(t.outcomes).toEqual({ succeeded: 1, failed: 0, rejected: 0, timedOut: 1 });
    expect(t.history('b', 3)).toEqual({ failed: 1, timedOut: 1 });

    // A held execution released, then ending: counted once, even when the change is applied twice.
    t.change(exec('c', 1, 'QUEUED', false), exec('c', 1, 'QUEUED'));
    expect(t.progress.notified).toBe(3);
    t.change(exec('c', 1, 'QUEUED'), exec('c', 1, 'REJECTED'));
    t.change(exec('c', 1, 'QUEUED'), exec('c', 1, 'REJECTED'));
    expect(t.outcomes).toEqual({ succeeded: 1, failed: 0, rejected: 1, timedOut: 1 });

    // Deleted executions leave the tally.
    t.change(exec('a', 1, 'SUCCEEDED'), undefined);
    expect(t.outcomes).toEqual({ succeeded: 0, failed: 0, rejected: 1, timedOut: 1 });
    expect(t.progress).toEqual({ notified: 2, succeeded: 0 });
  });
});
