import { describe, expect, it } from 'vitest';
import { VirtualClock } from './device-clock.js';
import { DeviceJobs, type JobEvent } from './device-jobs.js';
import type { JobsSpec } from './device-spec.js';

const BASE = '$aws/things/d1/jobs';
/** Lets the runner's awaits settle (its steps are promises between timer firings). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A job runner on a virtual clock; what it publishes is recorded, replies are handed to it as the service would send them. */
function runner(over: Partial<JobsSpec> = {}) {
  const clock = new VirtualClock(0);
  const sent: Array<{ topic: string; body: Record<string, unknown> }> = [];
  const events: JobEvent[] = [];
  const reports: Array<Record<string, unknown>> = [];
  let online = true;
  const spec: JobsSpec = {
    operations: ['firmware-update'], applyDelayMs: 1000, progressReports: 1, requireSignature: false, blockSizeBytes: 4096,
    maxFileBytes: 1e6, downloadTimeoutMs: 1000, fails: () => false, report: (doc) => ({ fw: doc.version }), ...over,
  };
  const jobs = new DeviceJobs(spec, {
    thingName: 'd1', clock,
    publish: (topic, payload) => { if (online) sent.push({ topic, body: JSON.parse(payload) as Record<string, unknown> }); return online; },
    subscribe: async () => {}, unsubscribe: () => {},
    reported: () => ({ fw: '1' }), report: (s) => reports.push(s), onJob: (e) => events.push(e),
  });
  const deliver = (topic: string, body: object) => jobs.onMessage(`${BASE}/${topic}`, Buffer.from(JSON.stringify(body)));
  const execution = (jobId: string, version = '2') => ({ execution: { jobId, executionNumber: 1, versionNumber: 1, jobDocument: { operation: 'firmware-update', version } } });
  return { clock, sent, events, reports, jobs, deliver, execution, offline: () => { online = false; } };
}

describe('DeviceJobs', () => {
  it('takes the next execution on connect, applies after the delay, reports the shadow and ends SUCCEEDED', async () => {
    const r = runner();
    r.jobs.onConnected();
    expect(r.sent).toEqual([{ topic: `${BASE}/start-next`, body: { statusDetails: { step: 'start' } } }]);
    r.deliver('start-next/accepted', r.execution('j1'));
    await flush();
    expect(r.sent.at(-1)).toEqual({ topic: `${BASE}/j1/update`, body: { status: 'IN_PROGRESS', statusDetails: { step: 'apply' } } });
    r.clock.advance(999);
    expect(r.sent).toHaveLength(2);
    r.clock.advance(1);
    await flush();
    expect(r.reports).toEqual([{ fw: '2' }]);
    expect(r.sent.at(-1)).toEqual({ topic: `${BASE}/j1/update`, body: { status: 'SUCCEEDED', statusDetails: { step: 'done' } } });
    expect(r.events.map((e) => e.status)).toEqual(['IN_PROGRESS', 'SUCCEEDED']);
  });

  it('remembers a notify-next that comes while it works and asks for the next one once both updates are answered', async () => {
    const r = runner({ applyDelayMs: 0 });
    r.deliver('start-next/accepted', r.execution('j1'));
    await flush();
    r.deliver('notify-next', r.execution('j2'));
    r.clock.advance(0);
    await flush();
    expect(r.sent.map((s) => s.body.status ?? 'start-next')).toEqual(['IN_PROGRESS', 'SUCCEEDED']);
    r.deliver('j1/update/accepted', {});
    expect(r.sent).toHaveLength(2); // the IN_PROGRESS reply: the outcome is not answered yet
    r.deliver('j1/update/accepted', {});
    expect(r.sent.at(-1)?.topic).toBe(`${BASE}/start-next`);
  });

  it('drops an execution whose update the service refuses (canceled meanwhile) and takes the next', async () => {
    const r = runner();
    r.deliver('start-next/accepted', r.execution('j1'));
    await flush();
    r.deliver('j1/update/rejected', { code: 'TerminalStateReached' });
    expect(r.events.at(-1)).toEqual({ jobId: 'j1', executionNumber: 1, status: 'DROPPED', reason: 'update rejected: TerminalStateReached' });
    expect(r.sent.at(-1)?.topic).toBe(`${BASE}/start-next`);
    r.clock.advance(5000);
    await flush();
    expect(r.sent.filter((s) => s.topic.endsWith('/j1/update'))).toHaveLength(1); // no outcome for the dropped one
  });

  it('stops working when the connection goes, and starts over through start-next when it is back', async () => {
    const r = runner();
    r.deliver('start-next/accepted', r.execution('j1'));
    await flush();
    r.jobs.onDisconnected();
    r.clock.advance(5000);
    await flush();
    expect(r.sent.filter((s) => s.body.status === 'SUCCEEDED')).toHaveLength(0);
    r.jobs.onConnected();
    expect(r.sent.at(-1)?.topic).toBe(`${BASE}/start-next`);
  });

  it('REJECTS an operation it does not run, and unsigned files when it requires signatures; FAILS by its seeded draw', async () => {
    const r = runner({ requireSignature: true, fails: (jobId) => jobId === 'unlucky' });
    r.deliver('start-next/accepted', { execution: { jobId: 'reboot', executionNumber: 1, jobDocument: { operation: 'reboot' } } });
    await flush();
    expect(r.sent.at(-1)).toEqual({ topic: `${BASE}/reboot/update`, body: { status: 'REJECTED', statusDetails: { reason: "unsupported operation 'reboot'" } } });
    r.deliver('start-next/accepted', { execution: { jobId: 'unsigned', executionNumber: 1, jobDocument: { operation: 'firmware-update', url: 'http://127.0.0.1:1/x' } } });
    await flush();
    expect(r.sent.at(-1)).toEqual({ topic: `${BASE}/unsigned/update`, body: { status: 'REJECTED', statusDetails: { reason: 'file-0 is not signed' } } });
    const u = runner({ fails: (jobId) => jobId === 'unlucky' });
    u.deliver('start-next/accepted', u.execution('unlucky'));
    await flush();
    u.clock.advance(1000);
    await flush();
    expect(u.sent.at(-1)).toEqual({ topic: `${BASE}/unlucky/update`, body: { status: 'FAILED', statusDetails: { reason: 'the update did not apply' } } });
    expect(u.reports).toEqual([]);
  });

  it('sends nothing it cannot: an outcome while offline drops the work', async () => {
    const r = runner();
    r.deliver('start-next/accepted', r.execution('j1'));
    await flush();
    r.offline();
    r.clock.advance(1000);
    await flush();
    expect(r.sent.filter((s) => s.body.status === 'SUCCEEDED')).toHaveLength(0);
    expect(r.jobs.onMessage('devices/d1/other', Buffer.from('{}'))).toBe(false);
  });
});
