import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobsChanged } from '../contract/index.js';
import { TypedEmitter } from '../core/index.js';
import { JobChanges } from './job-changes.js';
import type { JobsEvents } from './jobs-service-types.js';
import type { ExecutionRecord, JobRecord } from './job-types.js';

const job = (jobId: string) => ({ jobId }) as JobRecord;
const execution = (jobId: string, status: ExecutionRecord['status']) => ({ jobId, thingName: 'lamp', status }) as ExecutionRecord;

describe('JobChanges (the jobs.changed event)', () => {
  let events: TypedEmitter<JobsEvents>;
  let emitted: JobsChanged[];
  let changes: JobChanges;

  beforeEach(async () => {
    vi.useFakeTimers();
    events = new TypedEmitter<JobsEvents>();
    emitted = [];
    changes = new JobChanges(events, (e) => emitted.push(e));
    await changes.start();
  });
  afterEach(async () => {
    await changes.stop();
    vi.useRealTimers();
  });

  it('batches the jobs that changed status into one event per 250 ms', () => {
    events.emit('job', { job: job('fw-1'), change: 'created' });
    events.emit('changed', { job: job('fw-1'), after: execution('fw-1', 'QUEUED') });
    events.emit('changed', { job: job('fw-2'), before: execution('fw-2', 'QUEUED'), after: execution('fw-2', 'IN_PROGRESS') });
    expect(emitted).toEqual([]);
    vi.advanceTimersByTime(250);
    expect(emitted).toEqual([{ jobIds: ['fw-1', 'fw-2'] }]);
    events.emit('changed', { job: job('fw-2'), before: execution('fw-2', 'IN_PROGRESS'), after: execution('fw-2', 'SUCCEEDED') });
    vi.advanceTimersByTime(249);
    expect(emitted).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(emitted).toEqual([{ jobIds: ['fw-1', 'fw-2'] }, { jobIds: ['fw-2'] }]);
  });

  it('says nothing for an execution change that keeps its status (status details, a step timeout)', () => {
    events.emit('changed', { job: job('fw-3'), before: execution('fw-3', 'IN_PROGRESS'), after: execution('fw-3', 'IN_PROGRESS') });
    events.emit('changed', { job: job('fw-3'), before: execution('fw-3', 'IN_PROGRESS') }); // deleted: a change
    vi.advanceTimersByTime(1000);
    expect(emitted).toEqual([{ jobIds: ['fw-3'] }]);
  });

  it('drops what is pending when stopped, and listens no more', async () => {
    events.emit('job', { job: job('fw-4'), change: 'canceled' });
    await changes.stop();
    events.emit('job', { job: job('fw-5'), change: 'canceled' });
    vi.advanceTimersByTime(1000);
    expect(emitted).toEqual([]);
  });
});
