import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openSinks, type SinkHarness } from '../../../test/helpers/sinks.js';
import { isEngineError } from '../../core/index.js';

const open: SinkHarness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.close().catch(() => {});
    fs.rmSync(h.dataDir, { recursive: true, force: true });
  }
});
const harness = async (opts: Parameters<typeof openSinks>[0] = {}) => {
  const h = await openSinks(opts);
  open.push(h);
  return h;
};
const DAY = 86_400_000;

async function failure(p: Promise<unknown> | (() => unknown)): Promise<{ code: string; message: string }> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (!isEngineError(e)) throw e;
    return { code: e.code, message: e.message };
  }
  throw new Error('expected a failure');
}

describe('log sink (CloudWatch Logs)', () => {
  it('creates, lists and deletes groups and streams with AWS errors', async () => {
    const { sinks, clock } = await harness();
    const logs = sinks.logs;
    await logs.createGroup('/app/b');
    await logs.createGroup('/app/a', { team: 'x' });
    await logs.createGroup('/other');
    expect(await failure(logs.createGroup('/app/a'))).toEqual({ code: 'AlreadyExists', message: 'The specified log group already exists' });
    expect((await failure(logs.createGroup('bad:name'))).message).toMatch(/at 'logGroupName' failed to satisfy constraint/);
    expect(logs.describeGroups({ prefix: '/app/' }).logGroups.map((g) => g.logGroupName)).toEqual(['/app/a', '/app/b']);
    expect(logs.describeGroups({ pattern: 'ther' }).logGroups.map((g) => g.logGroupName)).toEqual(['/other']);
    const first = logs.describeGroups({ limit: 2 });
    expect(first.logGroups.map((g) => g.logGroupName)).toEqual(['/app/a', '/app/b']);
    expect(logs.describeGroups({ limit: 2, token: first.nextToken }).logGroups.map((g) => g.logGroupName)).toEqual(['/other']);
    expect(logs.describeGroups({}).logGroups[0]).toEqual({
      logGroupName: '/app/a', creationTime: clock.t, metricFilterCount: 0, arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/app/a:*',
      logGroupArn: 'arn:aws:logs:us-east-1:000000000000:log-group:/app/a', storedBytes: 0, logGroupClass: 'STANDARD',
    });
    expect(logs.tags('/app/a')).toEqual({ team: 'x' });
    expect((await failure(() => logs.describeGroups({ prefix: 'a', pattern: 'b' }))).code).toBe('InvalidInput');

    await logs.createStream('/app/a', 's1');
    expect(await failure(logs.createStream('/app/a', 's1'))).toMatchObject({ code: 'AlreadyExists', message: 'The specified log stream already exists' });
    expect(await failure(logs.createStream('/missing', 's1'))).toEqual({ code: 'NotFound', message: 'The specified log group does not exist.' });
    expect(await failure(logs.deleteStream('/app/a', 'nope'))).toMatchObject({ code: 'NotFound', message: 'The specified log stream does not exist.' });
    await logs.putEvents('/app/a', 's1', [{ timestamp: clock.t, message: 'héllo' }]);
    expect(sinks.list('log').find((s) => s.name === '/app/a')?.count).toBe(1);
    await logs.deleteGroup('/app/a');
    expect(sinks.list('log').map((s) => s.name)).toEqual(['/app/b', '/other']);
    await logs.createGroup('/app/a');
    expect(logs.describeStreams('/app/a', {}).logStreams).toEqual([]);
  });

  it('PutLogEvents keeps AWS batch rules and reports too old, too new and expired events by index', async () => {
    const { sinks, clock } = await harness();
    const logs = sinks.logs;
    await logs.createGroup('g');
    await logs.createStream('g', 's');
    const now = clock.t;
    expect((await failure(logs.putEvents('g', 's', [{ timestamp: now, message: 'b' }, { timestamp: now - 1, message: 'a' }]))).message)
      .toBe('Log events in a single PutLogEvents request must be in chronological order.');
    expect((await failure(logs.putEvents('g', 's', [{ timestamp: now - DAY - 1, message: 'a' }, { timestamp: now, message: 'b' }]))).message)
      .toBe('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
    expect((await failure(logs.putEvents('g', 's', Array.from({ length: 10_001 }, () => ({ timestamp: now, message: 'x' }))))).message).toMatch(/less than or equal to 10000/);
    expect((await failure(logs.putEvents('g', 's', [{ timestamp: now, message: 'x'.repeat(1_048_576) }]))).message).toBe('Upload too large: 1048602 bytes exceeds limit of 1048576');
    expect((await failure(logs.putEvents('g', 'nope', [{ timestamp: now, message: 'x' }]))).message).toBe('The specified log stream does not exist.');

    const out = await logs.putEvents('g', 's', [
      { timestamp: now - 14 * DAY - 7_200_000, message: 'too old' },
      { timestamp: now - 14 * DAY - 3_600_000, message: 'too old 2' },
      { timestamp: now - 14 * DAY + 60_000, message: 'kept 1' },
    ]);
    expect(out.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1 });
    expect(out.nextSequenceToken).toMatch(/^\d{56}$/);
    const newer = await logs.putEvents('g', 's', [{ timestamp: now, message: 'kept 2' }, { timestamp: now + 3 * 3_600_000, message: 'too new' }]);
    expect(newer.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 1 });
    await logs.setRetention('g', 7);
    const expired = await logs.putEvents('g', 's', [{ timestamp: now - 7 * DAY - 60_000, message: 'expired' }, { timestamp: now - 6 * DAY - 7_200_000, message: 'kept 3' }]);
    expect(expired.rejectedLogEventsInfo).toEqual({ expiredLogEventEndIndex: 0 });
    // 'kept 1' was older than the retention: dropped.
    expect(logs.getEvents('g', 's', { startFromHead: true }).events.map((e) => e.message)).toEqual(['kept 3', 'kept 2']);
    expect(sinks.list('log')[0].count).toBe(2);
    expect((await failure(logs.setRetention('g', 2))).message).toMatch(/Member must satisfy enum value set: \[1, 3, 5/);
  });

  it('GetLogEvents reads from the head or the tail with forward and backward tokens', async () => {
    const { sinks, clock } = await harness();
    const logs = sinks.logs;
    await logs.createGroup('g');
    await logs.createStream('g', 's');
    await logs.createStream('g', 'other');
    const t0 = clock.t - 10_000;
    await logs.putEvents('g', 's', Array.from({ length: 5 }, (_, i) => ({ timestamp: t0 + i, message: `m${i}` })));
    await logs.putEvents('g', 'other', [{ timestamp: t0, message: 'elsewhere' }]);
    const msgs = (r: { events: Array<{ message: string }> }) => r.events.map((e) => e.message);

    const head = logs.getEvents('g', 's', { startFromHead: true, limit: 2 });
    expect(msgs(head)).toEqual(['m0', 'm1']);
    expect(head.nextForwardToken).toMatch(/^f\/\d{36}$/);
    const next = logs.getEvents('g', 's', { token: head.nextForwardToken, limit: 2 });
    expect(msgs(next)).toEqual(['m2', 'm3']);
    const last = logs.getEvents('g', 's', { token: next.nextForwardToken, limit: 2 });
    expect(msgs(last)).toEqual(['m4']);
    const end = logs.getEvents('g', 's', { token: last.nextForwardToken, limit: 2 });
    expect(end).toEqual({ events: [], nextForwardToken: last.nextForwardToken, nextBackwardToken: `b/${last.nextForwardToken.slice(2)}` });
    expect(msgs(logs.getEvents('g', 's', { token: next.nextBackwardToken, limit: 10 }))).toEqual(['m0', 'm1']);

    const tail = logs.getEvents('g', 's', { limit: 2 });
    expect(msgs(tail)).toEqual(['m3', 'm4']);
    expect(msgs(logs.getEvents('g', 's', { token: tail.nextBackwardToken, limit: 2 }))).toEqual(['m1', 'm2']);
    expect(msgs(logs.getEvents('g', 's', { startTime: t0 + 1, endTime: t0 + 3, startFromHead: true }))).toEqual(['m1', 'm2']);
    expect(logs.getEvents('g', 's', {}).events[0]).toEqual({ timestamp: t0, message: 'm0', ingestionTime: clock.t });
    expect((await failure(() => logs.getEvents('g', 's', { token: 'x/1' }))).message).toBe('The specified nextToken is invalid.');
  });

  it('FilterLogEvents interleaves streams by time, filters by pattern and names, and pages', async () => {
    const { sinks, clock } = await harness();
    const logs = sinks.logs;
    await logs.createGroup('g');
    for (const s of ['dev-1', 'dev-2', 'ops']) await logs.createStream('g', s);
    const t0 = clock.t - 10_000;
    await logs.putEvents('g', 'dev-1', [{ timestamp: t0, message: 'ERROR one' }, { timestamp: t0 + 2, message: '{"level":"warn","n":3}' }]);
    await logs.putEvents('g', 'dev-2', [{ timestamp: t0 + 1, message: 'INFO two' }, { timestamp: t0 + 3, message: 'ERROR four' }]);
    await logs.putEvents('g', 'ops', [{ timestamp: t0 + 1, message: 'ERROR ops' }]);
    const msgs = (r: { events: Array<{ message: string }> }) => r.events.map((e) => e.message);

    expect(msgs(logs.filterEvents('g', {}))).toEqual(['ERROR one', 'INFO two', 'ERROR ops', '{"level":"warn","n":3}', 'ERROR four']);
    expect(msgs(logs.filterEvents('g', { pattern: 'ERROR' }))).toEqual(['ERROR one', 'ERROR ops', 'ERROR four']);
    expect(msgs(logs.filterEvents('g', { pattern: '{ $.n > 2 }' }))).toEqual(['{"level":"warn","n":3}']);
    expect(msgs(logs.filterEvents('g', { streamPrefix: 'dev-', pattern: 'ERROR' }))).toEqual(['ERROR one', 'ERROR four']);
    expect(msgs(logs.filterEvents('g', { streams: ['ops', 'dev-2'] }))).toEqual(['INFO two', 'ERROR ops', 'ERROR four']);
    expect(msgs(logs.filterEvents('g', { startTime: t0 + 1, endTime: t0 + 3 }))).toEqual(['INFO two', 'ERROR ops', '{"level":"warn","n":3}']);
    const p1 = logs.filterEvents('g', { pattern: 'ERROR', limit: 2 });
    expect(msgs(p1)).toEqual(['ERROR one', 'ERROR ops']);
    expect(p1.events[0]).toMatchObject({ logStreamName: 'dev-1', timestamp: t0, ingestionTime: clock.t, eventId: expect.stringMatching(/^\d{36}$/) });
    const p2 = logs.filterEvents('g', { pattern: 'ERROR', limit: 2, token: p1.nextToken });
    expect(msgs(p2)).toEqual(['ERROR four']);
    expect(p2.nextToken).toBeUndefined();
    expect((await failure(() => logs.filterEvents('g', { streams: ['a'], streamPrefix: 'b' }))).code).toBe('InvalidInput');
    expect((await failure(() => logs.filterEvents('g', { pattern: '[a, , b]' }))).message).toMatch(/an empty field/);
  });

  it('DescribeLogStreams orders by name or last event time, either way, with stored bytes', async () => {
    const { sinks, clock } = await harness();
    const logs = sinks.logs;
    await logs.createGroup('g');
    for (const s of ['b', 'a', 'c']) await logs.createStream('g', s);
    await logs.putEvents('g', 'c', [{ timestamp: clock.t - 3, message: 'x' }]);
    await logs.putEvents('g', 'a', [{ timestamp: clock.t - 2, message: 'é' }]);
    const names = (r: { logStreams: Array<{ logStreamName: string }> }) => r.logStreams.map((s) => s.logStreamName);
    expect(names(logs.describeStreams('g', {}))).toEqual(['a', 'b', 'c']);
    expect(names(logs.describeStreams('g', { descending: true }))).toEqual(['c', 'b', 'a']);
    expect(names(logs.describeStreams('g', { orderBy: 'LastEventTime', descending: true }))).toEqual(['a', 'c', 'b']);
    const p1 = logs.describeStreams('g', { limit: 2 });
    expect(names(logs.describeStreams('g', { limit: 2, token: p1.nextToken }))).toEqual(['c']);
    expect(logs.describeStreams('g', { prefix: 'a' }).logStreams).toEqual([{
      logStreamName: 'a', creationTime: clock.t, firstEventTimestamp: clock.t - 2, lastEventTimestamp: clock.t - 2, lastIngestionTime: clock.t,
      uploadSequenceToken: expect.stringMatching(/^\d{56}$/), arn: 'arn:aws:logs:us-east-1:000000000000:log-group:g:log-stream:a', storedBytes: 2,
    }]);
    expect(logs.describeGroups({}).logGroups[0].storedBytes).toBe(3);
    expect((await failure(() => logs.describeStreams('g', { orderBy: 'LastEventTime', prefix: 'a' }))).message).toBe('Cannot order by LastEventTime with a logStreamNamePrefix.');
  });

  it('append (the port for rule actions and function logs) creates the group and stream when asked, and all of it survives a restart', async () => {
    const h = await harness();
    await h.sinks.logs.append('/aws/lambda/fn', '2026/01/02/[$LATEST]abc', [{ message: 'START' }, { message: 'old', timestamp: 5 }], { createGroup: true, traceId: 't1' });
    expect(await failure(h.sinks.logs.append('/nope', 's', [{ message: 'x' }]))).toMatchObject({ code: 'NotFound' });
    await h.sinks.logs.setRetention('/aws/lambda/fn', 30);
    await h.sinks.logs.tag('/aws/lambda/fn', { a: '1' });
    open.splice(open.indexOf(h), 1);
    const again = await h.reopen();
    open.push(again);
    const logs = again.sinks.logs;
    expect(logs.describeGroups({}).logGroups).toMatchObject([{ logGroupName: '/aws/lambda/fn', retentionInDays: 30 }]);
    expect(logs.tags('/aws/lambda/fn')).toEqual({ a: '1' });
    expect(logs.getEvents('/aws/lambda/fn', '2026/01/02/[$LATEST]abc', {}).events.map((e) => e.message)).toEqual(['START']);
    expect(again.sinks.records('log', '/aws/lambda/fn').map((r) => [r.traceId, (r.data as { message: string }).message])).toEqual([['t1', 'START']]);
    await logs.append('/aws/lambda/fn', 'other', [{ message: 'beyond retention', timestamp: 5 }, { message: 'kept' }]);
    expect(logs.filterEvents('/aws/lambda/fn', { streams: ['other'] }).events.map((e) => e.message)).toEqual(['kept']);
    expect(again.sinks.records('log', '/aws/lambda/fn').map((r) => (r.data as { message: string }).message)).toEqual(['kept', 'START']);
    await logs.setRetention('/aws/lambda/fn', null);
    expect(logs.describeGroups({}).logGroups[0].retentionInDays).toBeUndefined();
  });
});

describe('migration 0009-log-events', () => {
  it('moves the log events the rules kept in the record log into log streams and events, with their ids', async () => {
    const { default: initSqlJs } = await import('sql.js');
    const { migrations } = await import('../../storage/index.js');
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    const at = migrations.findIndex((m) => m.id === '0009-log-events');
    for (const m of migrations.slice(0, at)) db.exec(m.sql);
    db.run("INSERT INTO sink_records (id, kind, name, time, trace_id, data) VALUES (7, 'log', '/g', 100, 't', '{\"logStream\":\"rule1\",\"timestamp\":90,\"message\":\"hi\"}')");
    db.run("INSERT INTO sink_records (id, kind, name, time, trace_id, data) VALUES (8, 'metric', 'ns', 100, NULL, '{}')");
    db.exec(migrations[at].sql);
    expect(db.exec('SELECT grp, name, created FROM log_streams')[0].values).toEqual([['/g', 'rule1', 100]]);
    expect(db.exec('SELECT id, grp, stream, ts, ingested, message, trace_id FROM log_events')[0].values).toEqual([[7, '/g', 'rule1', 90, 100, 'hi', 't']]);
    expect(db.exec('SELECT id FROM sink_records')[0].values).toEqual([[8]]);
    db.close();
  });
});
