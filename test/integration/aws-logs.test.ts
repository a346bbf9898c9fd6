/**
 * CloudWatch Logs on the engine's endpoint with @aws-sdk/client-cloudwatch-logs and Debian's AWS CLI: groups,
 * streams, PutLogEvents' batch rules, GetLogEvents' tokens, FilterLogEvents with filter patterns, retention, tags,
 * AWS's errors; the rules' cloudwatchLogs action writes to the same groups; `aws logs tail` with and without --follow.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DeleteLogGroupCommand, DeleteLogStreamCommand, DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand, DescribeLogStreamsCommand, FilterLogEventsCommand, GetLogEventsCommand, ListTagsForResourceCommand, PutLogEventsCommand,
  PutRetentionPolicyCommand, TagResourceCommand, UntagResourceCommand, paginateDescribeLogGroups, paginateFilterLogEvents,
} from '@aws-sdk/client-cloudwatch-logs';
import { AWS_CLI, awsCliEnv, awsCliJson, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';

let te: TestEngine;
let logs: CloudWatchLogsClient;
const DAY = 86_400_000;

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  logs = new CloudWatchLogsClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
});

afterAll(async () => {
  logs?.destroy();
  await te?.stop();
});

async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected the call to fail');
}

describe('CloudWatch Logs with the AWS SDK v3', () => {
  it('creates, describes, pages and deletes log groups and streams, with AWS errors', async () => {
    for (const g of ['/sdk/a', '/sdk/b', '/sdk/c']) await logs.send(new CreateLogGroupCommand({ logGroupName: g, tags: g === '/sdk/a' ? { team: 'iot' } : undefined }));
    expect(await failure(logs.send(new CreateLogGroupCommand({ logGroupName: '/sdk/a' }))))
      .toEqual({ name: 'ResourceAlreadyExistsException', status: 400, message: 'The specified log group already exists' });
    expect(await failure(logs.send(new CreateLogGroupCommand({ logGroupName: 'no:colons' }))))
      .toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining("at 'logGroupName' failed to satisfy constraint") });

    const described = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/sdk/' }));
    expect(described.logGroups?.map((g) => g.logGroupName)).toEqual(['/sdk/a', '/sdk/b', '/sdk/c']);
    expect(described.logGroups?.[0]).toMatchObject({
      arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/sdk/a:*', logGroupArn: 'arn:aws:logs:us-east-1:000000000000:log-group:/sdk/a',
      creationTime: expect.any(Number), storedBytes: 0, metricFilterCount: 0,
    });
    const pages: string[][] = [];
    for await (const page of paginateDescribeLogGroups({ client: logs, pageSize: 2 }, { logGroupNamePrefix: '/sdk/' })) pages.push(page.logGroups!.map((g) => g.logGroupName!));
    expect(pages).toEqual([['/sdk/a', '/sdk/b'], ['/sdk/c']]);
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'dk/b' }))).logGroups?.map((g) => g.logGroupName)).toEqual(['/sdk/b']);

    await logs.send(new CreateLogStreamCommand({ logGroupName: '/sdk/a', logStreamName: 'one' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/sdk/a', logStreamName: 'two' }));
    expect(await failure(logs.send(new CreateLogStreamCommand({ logGroupName: '/sdk/a', logStreamName: 'one' }))))
      .toMatchObject({ name: 'ResourceAlreadyExistsException', message: 'The specified log stream already exists' });
    expect(await failure(logs.send(new CreateLogStreamCommand({ logGroupName: '/sdk/none', logStreamName: 'one' }))))
      .toEqual({ name: 'ResourceNotFoundException', status: 400, message: 'The specified log group does not exist.' });
    const now = Date.now();
    await logs.send(new PutLogEventsCommand({ logGroupName: '/sdk/a', logStreamName: 'one', logEvents: [{ timestamp: now - 1000, message: 'first' }] }));
    await logs.send(new PutLogEventsCommand({ logGroupName: '/sdk/a', logStreamName: 'two', logEvents: [{ timestamp: now - 2000, message: 'second' }] }));
    const byTime = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/sdk/a', orderBy: 'LastEventTime', descending: true }));
    expect(byTime.logStreams?.map((s) => s.logStreamName)).toEqual(['one', 'two']);
    expect(byTime.logStreams?.[0]).toMatchObject({
      firstEventTimestamp: now - 1000, lastEventTimestamp: now - 1000, arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/sdk/a:log-stream:one', storedBytes: 5,
    });
    const byIdentifier = await logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: 'arn:aws:logs:us-east-1:000000000000:log-group:/sdk/a', logStreamNamePrefix: 't' }));
    expect(byIdentifier.logStreams?.map((s) => s.logStreamName)).toEqual(['two']);
    expect(await failure(logs.send(new DescribeLogStreamsCommand({ logGroupName: '/sdk/a', orderBy: 'LastEventTime', logStreamNamePrefix: 'o' }))))
      .toMatchObject({ name: 'InvalidParameterException', message: 'Cannot order by LastEventTime with a logStreamNamePrefix.' });

    await logs.send(new DeleteLogStreamCommand({ logGroupName: '/sdk/a', logStreamName: 'two' }));
    expect(await failure(logs.send(new DeleteLogStreamCommand({ logGroupName: '/sdk/a', logStreamName: 'two' }))))
      .toMatchObject({ name: 'ResourceNotFoundException', message: 'The specified log stream does not exist.' });
    await logs.send(new DeleteLogGroupCommand({ logGroupName: '/sdk/c' }));
    expect(await failure(logs.send(new DeleteLogGroupCommand({ logGroupName: '/sdk/c' })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('PutLogEvents keeps the batch rules and reports rejected events; sequence tokens are accepted and ignored', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/sdk/put' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/sdk/put', logStreamName: 's' }));
    const now = Date.now();
    const put = (logEvents: Array<{ timestamp: number; message: string }>, sequenceToken?: string) =>
      logs.send(new PutLogEventsCommand({ logGroupName: '/sdk/put', logStreamName: 's', logEvents, sequenceToken }));
    expect(await failure(put([{ timestamp: now, message: 'b' }, { timestamp: now - 5, message: 'a' }])))
      .toEqual({ name: 'InvalidParameterException', status: 400, message: 'Log events in a single PutLogEvents request must be in chronological order.' });
    expect(await failure(put([{ timestamp: now - 2 * DAY, message: 'a' }, { timestamp: now, message: 'b' }])))
      .toMatchObject({ message: 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.' });
    expect(await failure(put([{ timestamp: now, message: 'x'.repeat(1_048_551) }]))).toMatchObject({ name: 'InvalidParameterException', message: 'Upload too large: 1048577 bytes exceeds limit of 1048576' });
    expect(await failure(logs.send(new PutLogEventsCommand({ logGroupName: '/sdk/put', logStreamName: 'nope', logEvents: [{ timestamp: now, message: 'x' }] }))))
      .toMatchObject({ name: 'ResourceNotFoundException', message: 'The specified log stream does not exist.' });

    const ok = await put([{ timestamp: now - 15 * DAY, message: 'old' }, { timestamp: now - 15 * DAY + 20 * 3_600_000, message: 'older than 14 days' }]);
    expect(ok.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1 });
    const mixed = await put([{ timestamp: now - 1000, message: 'kept' }, { timestamp: now + 3 * 3_600_000, message: 'too new' }], 'any-token-at-all');
    expect(mixed.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 1 });
    expect(mixed.nextSequenceToken).toMatch(/^\d+$/);
    const read = await logs.send(new GetLogEventsCommand({ logGroupName: '/sdk/put', logStreamName: 's', startFromHead: true }));
    expect(read.events?.map((e) => e.message)).toEqual(['kept']);
    expect(read.events?.[0]).toMatchObject({ timestamp: now - 1000, ingestionTime: expect.any(Number) });

    // 10,000 events in one batch are accepted; 10,001 are refused.
    const many = Array.from({ length: 10_000 }, (_, i) => ({ timestamp: now, message: `m${i}` }));
    expect((await put(many)).rejectedLogEventsInfo).toBeUndefined();
    expect(await failure(put([...many, { timestamp: now, message: 'one more' }]))).toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('10000') });
  });

  it('GetLogEvents reads forward and backward with f/ and b/ tokens', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/sdk/get' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/sdk/get', logStreamName: 's' }));
    const t0 = Date.now() - 60_000;
    await logs.send(new PutLogEventsCommand({ logGroupName: '/sdk/get', logStreamName: 's', logEvents: Array.from({ length: 5 }, (_, i) => ({ timestamp: t0 + i, message: `e${i}` })) }));
    const get = (input: { nextToken?: string; startFromHead?: boolean; limit?: number }) => logs.send(new GetLogEventsCommand({ logGroupName: '/sdk/get', logStreamName: 's', ...input }));
    const msgs = (r: { events?: Array<{ message?: string }> }) => r.events?.map((e) => e.message);

    const head = await get({ startFromHead: true, limit: 3 });
    expect(msgs(head)).toEqual(['e0', 'e1', 'e2']);
    expect(head.nextForwardToken).toMatch(/^f\/\d+$/);
    expect(head.nextBackwardToken).toMatch(/^b\/\d+$/);
    const rest = await get({ nextToken: head.nextForwardToken, limit: 3 });
    expect(msgs(rest)).toEqual(['e3', 'e4']);
    const end = await get({ nextToken: rest.nextForwardToken });
    expect(end.events).toEqual([]);
    expect(end.nextForwardToken).toBe(rest.nextForwardToken);
    const tail = await get({ limit: 2 });
    expect(msgs(tail)).toEqual(['e3', 'e4']);
    expect(msgs(await get({ nextToken: tail.nextBackwardToken, limit: 2 }))).toEqual(['e1', 'e2']);
    expect(await failure(get({ nextToken: 'nonsense' }))).toMatchObject({ name: 'InvalidParameterException', message: 'The specified nextToken is invalid.' });
  });

  it('FilterLogEvents interleaves streams and applies filter patterns, with pagination', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/sdk/filter' }));
    const t0 = Date.now() - 60_000;
    const lines: Record<string, string[]> = {
      'device-1': ['ERROR sensor offline', '{"temperature": 31, "device": "d1"}', 'INFO ok'],
      'device-2': ['{"temperature": 18, "device": "d2"}', 'WARN low battery', 'ERROR Exiting'],
    };
    for (const [stream, messages] of Object.entries(lines)) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: '/sdk/filter', logStreamName: stream }));
      await logs.send(new PutLogEventsCommand({
        logGroupName: '/sdk/filter', logStreamName: stream,
        logEvents: messages.map((message, i) => ({ timestamp: t0 + 2 * i + (stream === 'device-2' ? 1 : 0), message })),
      }));
    }
    const filter = async (filterPattern?: string, more: { logStreamNamePrefix?: string; logStreamNames?: string[] } = {}) =>
      (await logs.send(new FilterLogEventsCommand({ logGroupName: '/sdk/filter', filterPattern, ...more }))).events?.map((e) => e.message);
    expect(await filter()).toEqual(['ERROR sensor offline', '{"temperature": 18, "device": "d2"}', '{"temperature": 31, "device": "d1"}', 'WARN low battery', 'INFO ok', 'ERROR Exiting']);
    expect(await filter('ERROR')).toEqual(['ERROR sensor offline', 'ERROR Exiting']);
    expect(await filter('ERROR -Exiting')).toEqual(['ERROR sensor offline']);
    expect(await filter('?WARN ?INFO')).toEqual(['WARN low battery', 'INFO ok']);
    expect(await filter('"low battery"')).toEqual(['WARN low battery']);
    expect(await filter('{ $.temperature > 30 }')).toEqual(['{"temperature": 31, "device": "d1"}']);
    expect(await filter('{ $.device = "d*" && $.temperature < 20 }')).toEqual(['{"temperature": 18, "device": "d2"}']);
    expect(await filter('ERROR', { logStreamNames: ['device-2'] })).toEqual(['ERROR Exiting']);
    expect(await filter(undefined, { logStreamNamePrefix: 'device-1' })).toHaveLength(3);
    expect(await filter('[level=ERROR || level=WARN, ...]')).toEqual(['ERROR sensor offline', 'WARN low battery', 'ERROR Exiting']);
    expect(await filter('[level=ERROR, what="Exit*"]')).toEqual(['ERROR Exiting']);
    expect(await failure(filter('{ $.temperature > }'))).toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('Invalid filter pattern') });
    expect(await failure(logs.send(new FilterLogEventsCommand({ logGroupName: '/sdk/none' })))).toMatchObject({ name: 'ResourceNotFoundException', message: 'The specified log group does not exist.' });

    const pages: string[][] = [];
    for await (const page of paginateFilterLogEvents({ client: logs, pageSize: 4 }, { logGroupName: '/sdk/filter' })) {
      pages.push(page.events!.map((e) => e.logStreamName!));
      expect(page.events!.every((e) => /^\d+$/.test(e.eventId!))).toBe(true);
    }
    expect(pages).toEqual([['device-1', 'device-2', 'device-1', 'device-2'], ['device-1', 'device-2']]);
  });

  it('retention policies hide and drop older events; tags by ARN', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/sdk/retained' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/sdk/retained', logStreamName: 's' }));
    const now = Date.now();
    await logs.send(new PutLogEventsCommand({ logGroupName: '/sdk/retained', logStreamName: 's', logEvents: [{ timestamp: now - 4 * DAY, message: 'four days ago' }] }));
    await logs.send(new PutLogEventsCommand({ logGroupName: '/sdk/retained', logStreamName: 's', logEvents: [{ timestamp: now, message: 'now' }] }));
    expect(await failure(logs.send(new PutRetentionPolicyCommand({ logGroupName: '/sdk/retained', retentionInDays: 2 }))))
      .toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('Member must satisfy enum value set') });
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: '/sdk/retained', retentionInDays: 3 }));
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/sdk/retained' }))).logGroups?.[0]).toMatchObject({ retentionInDays: 3, storedBytes: 3 });
    expect((await logs.send(new FilterLogEventsCommand({ logGroupName: '/sdk/retained' }))).events?.map((e) => e.message)).toEqual(['now']);
    const expired = await logs.send(new PutLogEventsCommand({ logGroupName: '/sdk/retained', logStreamName: 's', logEvents: [{ timestamp: now - 3 * DAY - 60_000, message: 'expired' }] }));
    expect(expired.rejectedLogEventsInfo).toEqual({ expiredLogEventEndIndex: 0 });
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: '/sdk/retained' }));
    expect((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/sdk/retained' }))).logGroups?.[0].retentionInDays).toBeUndefined();

    const arn = 'arn:aws:logs:us-east-1:000000000000:log-group:/sdk/retained';
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'lab', owner: 'me' } }));
    await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['owner'] }));
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({ env: 'lab' });
    expect(await failure(logs.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:logs:us-east-1:000000000000:log-group:/nope' })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('the rules cloudwatchLogs action writes to a group created through the API, in a stream named after the rule', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/iot/telemetry' }));
    await te.engine.api.rules.put('to_logs', {
      sql: "SELECT * FROM 'sensors/+/telemetry'",
      actions: [{ cloudwatchLogs: { logGroupName: '/iot/telemetry', roleArn: 'arn:aws:iam::000000000000:role/r' } }],
    });
    const device = await connect(te.mqttPort, { clientId: 'logs-device' });
    await device.publishAsync('sensors/d1/telemetry', JSON.stringify({ temperature: 42 }), { qos: 1 });
    await device.endAsync();
    await vi.waitFor(async () => {
      const out = await logs.send(new FilterLogEventsCommand({ logGroupName: '/iot/telemetry', filterPattern: '{ $.temperature = 42 }' }));
      expect(out.events).toEqual([expect.objectContaining({ logStreamName: 'to_logs', message: '{"temperature":42}' })]);
    }, { timeout: 5000 });
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/iot/telemetry' }));
    expect(streams.logStreams?.map((s) => s.logStreamName)).toEqual(['to_logs']);
  });
});

describeAwsCli('aws logs (Debian AWS CLI v2)', () => {
  const aws = (...args: string[]) => awsCliJson(['logs', ...args, '--region', 'us-east-1', '--output', 'json'], { endpoint: te.httpUrl });

  it('creates a group and a stream, puts events, reads them with get-log-events and filter-log-events, and prints AWS errors', async () => {
    await aws('create-log-group', '--log-group-name', '/cli/app');
    await aws('create-log-stream', '--log-group-name', '/cli/app', '--log-stream-name', 'main');
    const now = Date.now();
    const put = await aws('put-log-events', '--log-group-name', '/cli/app', '--log-stream-name', 'main',
      '--log-events', JSON.stringify([{ timestamp: now - 2, message: 'ERROR disk full' }, { timestamp: now - 1, message: '{"level":"info","n":7}' }]));
    expect(put.nextSequenceToken).toMatch(/^\d+$/);
    const got = await aws('get-log-events', '--log-group-name', '/cli/app', '--log-stream-name', 'main', '--start-from-head');
    expect(got.events.map((e: { message: string }) => e.message)).toEqual(['ERROR disk full', '{"level":"info","n":7}']);
    const filtered = await aws('filter-log-events', '--log-group-name', '/cli/app', '--filter-pattern', '{ $.n >= 7 }');
    expect(filtered.events.map((e: { message: string }) => e.message)).toEqual(['{"level":"info","n":7}']);
    const groups = await aws('describe-log-groups', '--log-group-name-prefix', '/cli/');
    expect(groups.logGroups.map((g: { logGroupName: string }) => g.logGroupName)).toEqual(['/cli/app']);
    const streams = await aws('describe-log-streams', '--log-group-name', '/cli/app', '--order-by', 'LastEventTime', '--descending');
    expect(streams.logStreams[0]).toMatchObject({ logStreamName: 'main', lastEventTimestamp: now - 1 });
    await aws('put-retention-policy', '--log-group-name', '/cli/app', '--retention-in-days', '7');

    const dup = await runAwsCli(['logs', 'create-log-group', '--log-group-name', '/cli/app', '--region', 'us-east-1'], { endpoint: te.httpUrl });
    expect(dup.code).toBe(254);
    expect(dup.stderr).toContain('An error occurred (ResourceAlreadyExistsException) when calling the CreateLogGroup operation: The specified log group already exists');
    const missing = await runAwsCli(['logs', 'get-log-events', '--log-group-name', '/cli/none', '--log-stream-name', 'x', '--region', 'us-east-1'], { endpoint: te.httpUrl });
    expect(missing.stderr).toContain('An error occurred (ResourceNotFoundException) when calling the GetLogEvents operation: The specified log group does not exist.');
   }, 120_000);

  it('aws logs tail prints the events of a group, and with --follow the events put after it started', async () => {
    await aws('create-log-group', '--log-group-name', '/cli/tail');
    await aws('create-log-stream', '--log-group-name', '/cli/tail', '--log-stream-name', 'dev');
    await aws('put-log-events', '--log-group-name', '/cli/tail', '--log-stream-name', 'dev', '--log-events', JSON.stringify([{ timestamp: Date.now() - 1000, message: 'before tail' }]));
    const once = await runAwsCli(['logs', 'tail', '/cli/tail', '--region', 'us-east-1'], { endpoint: te.httpUrl });
    expect(once.code).toBe(0);
    expect(once.stdout).toMatch(/^\S+ dev before tail$/m);

    // Python buffers a pipe's output: unbuffered, each line arrives as the CLI prints it.
    const follow = spawn(AWS_CLI, ['logs', 'tail', '/cli/tail', '--follow', '--format', 'short', '--region', 'us-east-1', '--endpoint-url', te.httpUrl], { env: { ...awsCliEnv(), PYTHONUNBUFFERED: '1' } });
    let out = '';
    follow.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    try {
      await vi.waitFor(() => expect(out).toContain('before tail'), { timeout: 10_000, interval: 100 });
      await aws('put-log-events', '--log-group-name', '/cli/tail', '--log-stream-name', 'dev', '--log-events', JSON.stringify([{ timestamp: Date.now(), message: 'after tail' }]));
      // The CLI polls FilterLogEvents every 5 s.
      await vi.waitFor(() => expect(out).toContain('after tail'), { timeout: 15_000, interval: 100 });
      expect(out.match(/before tail/g)).toHaveLength(1);
    } finally {
      follow.kill();
    }
  }, 90_000);
});
