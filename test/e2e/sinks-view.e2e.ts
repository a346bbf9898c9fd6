/**
 * The Sinks view in headless Chromium: the empty view says what to do; a queue made with the form is listed under its
 * kind and opened by its route; a rule's messages appear in it live, newest first, with the body pretty-printed; a
 * table's items show in a grid of its attributes; a log group's events are filtered; a bad name shows AWS's error;
 * delete asks first and the sink leaves the list. A rule's message in a queue is received (its receipt handle, in
 * flight) and deleted, a message is sent from the UI and the queue purged; a topic gets a queue subscribed, a test
 * message published and the subscription removed; a table is queried by key through the engine; a Firehose-written
 * object opens and downloads; a function is invoked with a test event and shows its result, log and invocations; a
 * folder function shows Delete and Edit greyed with the reason; a function written in the form with its timeout, memory
 * and variables is created, invoked, reconfigured (Lambda's error for a bad timeout first) and deleted.
 */
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';
import { screens } from '../helpers/screens.js';

const WAIT = { timeout: 10_000 };
const ROLE = 'arn:aws:iam::123456789012:role/rules';
const SHOTS = process.env.THINGBENCH_SCREENS; // set to a directory to keep screenshots of each step

describe.skipIf(!fs.existsSync(CHROMIUM))('the Sinks view', () => {
  let bm: BrowserMode;
  let device: mqtt.MqttClient;
  const text = (selector: string) => bm.page.textContent(selector).then((t) => (t ?? '').replace(/\s+/g, ' ').trim());
  const shot = async (name: string) => { if (SHOTS) await screens(bm, SHOTS, name); };

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-sinks-', viewport: { width: 1280, height: 800 } });
    await bm.page.waitForSelector('[data-testid=connection-status][data-state="open"]', WAIT);
    device = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'sensor-1', reconnectPeriod: 0 });
  }, 120_000); // builds the renderer first

  afterAll(async () => {
    await device?.endAsync(true);
    await bm?.stop();
  });

  it('says what sinks are and how to make one when there is none', async () => {
    await bm.page.click('[data-testid=nav-sinks]');
    await bm.page.waitForSelector('[data-testid=sink-list-empty]', WAIT);
    expect(await text('[data-testid=sink-list-empty]')).toContain('No sinks yet');
    expect(await text('[data-testid=sink-empty]')).toContain('Local Lambda functions are listed under Functions');
    await shot('sinks-empty');
  });

  it('creates a queue with the form, lists it under Queues and opens it by its route', async () => {
    await bm.page.click('[data-testid=sink-new]');
    await bm.page.selectOption('[data-testid=sink-create-kind]', 'queue');
    await bm.page.fill('[data-testid=sink-create-name]', 'readings');
    await bm.page.click('[data-testid=sink-create-submit]');
    await bm.page.waitForSelector('[data-testid=sink-detail][data-kind=queue][data-name=readings]', WAIT);
    expect(await bm.page.evaluate(() => location.hash)).toBe('#/sinks/queue/readings');
    expect(await text('[data-testid=sink-kind][data-kind=queue]')).toContain('Queues');
    expect(await text('[data-testid=sink-records-empty]')).toContain('No messages yet');
    // The engine has it too, with the options the form sent; the view shows its queue URL.
    const [queue] = await bm.engine.api.sinks.list('queue');
    expect(queue).toMatchObject({ name: 'readings', options: { visibilityTimeoutSeconds: 30 } });
    expect(queue!.arn).toMatch(/^https:\/\/sqs\.us-east-1\.amazonaws\.com\/\d{12}\/readings$/);
    expect(await text('[data-testid=sink-arn]')).toBe(queue!.arn);
  });

  it('shows AWS\'s error for a bad name and keeps the form open', async () => {
    await bm.page.click('[data-testid=sink-new]');
    await bm.page.selectOption('[data-testid=sink-create-kind]', 'queue');
    await bm.page.fill('[data-testid=sink-create-name]', 'bad name!');
    await bm.page.click('[data-testid=sink-create-submit]');
    await bm.page.waitForSelector('[data-testid=sink-create-error]', WAIT);
    const shown = await text('[data-testid=sink-create-error]');
    const fromEngine = await bm.engine.api.sinks.create('queue', 'bad name!').then(() => 'created', (err: Error) => err.message);
    expect(shown).toBe(fromEngine);
    expect(shown).not.toBe('created');
    await bm.page.click('[data-testid=sink-new]');
    expect(await bm.page.$('[data-testid=sink-create-form]')).toBeNull();
  });

  it('shows a rule\'s messages in the queue live, newest first, with the body pretty-printed', async () => {
    await bm.engine.api.rules.put('to_queue', {
      sql: "SELECT temp, topic(2) AS device FROM 'dt/+/telemetry'",
      actions: [{ sqs: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/readings', roleArn: ROLE } }],
    });
    await device.publishAsync('dt/sensor-1/telemetry', JSON.stringify({ temp: 21 }), { qos: 1 });
    await bm.page.waitForSelector('[data-testid=sink-record]', WAIT);
    await device.publishAsync('dt/sensor-2/telemetry', JSON.stringify({ temp: 22 }), { qos: 1 });
    await bm.page.locator('[data-testid=sink-record]').nth(1).waitFor(WAIT);
    const rows = await bm.page.$$eval('[data-testid=sink-record]', (els) => els.map((e) => e.textContent ?? ''));
    expect(rows[0]).toContain('"device":"sensor-2"');
    expect(rows[1]).toContain('"device":"sensor-1"');
    expect(rows[0]).toContain('visible');
    // The count in the list follows (it is read about once a second).
    await bm.page.locator('[data-testid=sink-row][data-name=readings] [data-testid=sink-row-count]', { hasText: '2' }).waitFor(WAIT);

    await bm.page.locator('[data-testid=sink-record]').first().click();
    await bm.page.waitForSelector('[data-testid=sink-record-embedded]', WAIT);
    expect(await text('[data-testid=sink-record-embedded]')).toMatch(/temp.*22.*device.*sensor-2/);
    expect(await text('[data-testid=sink-record-json]')).toContain('md5OfBody');
    expect(await bm.page.$('[data-testid=sink-record-trace]')).not.toBeNull();
    await shot('sinks-queue');
  });

  it('shows a table\'s items in a grid of its attributes, key first', async () => {
    await bm.page.click('[data-testid=sink-new]');
    await bm.page.selectOption('[data-testid=sink-create-kind]', 'table');
    await bm.page.fill('[data-testid=sink-create-name]', 'Latest');
    await bm.page.fill('[data-testid=sink-create-hash]', 'device');
    await bm.page.click('[data-testid=sink-create-submit]');
    await bm.page.waitForSelector('[data-testid=sink-detail][data-kind=table][data-name=Latest]', WAIT);
    await bm.engine.api.rules.put('to_table', {
      sql: "SELECT temp, topic(2) AS device FROM 'dt/+/state'",
      actions: [{ dynamoDBv2: { putItem: { tableName: 'Latest' }, roleArn: ROLE } }],
    });
    await device.publishAsync('dt/lamp-1/state', JSON.stringify({ temp: 30 }), { qos: 1 });
    await bm.page.waitForSelector('[data-testid=sink-record]', WAIT);
    const headings = await bm.page.$$eval('[data-testid=sink-records] [role=columnheader]', (els) => els.map((e) => e.textContent));
    expect(headings.slice(0, 2)).toEqual(['device', 'temp']);
    const cells = () => bm.page.$$eval('[data-testid=sink-record] [role=gridcell]', (els) => els.map((e) => e.textContent));
    expect((await cells()).slice(0, 2)).toEqual(['lamp-1', '30']);
    // An item written again changes in place.
    await device.publishAsync('dt/lamp-1/state', JSON.stringify({ temp: 31 }), { qos: 1 });
    await bm.page.locator('[data-testid=sink-record] [role=gridcell]', { hasText: /^31$/ }).waitFor(WAIT);
    expect((await cells()).slice(0, 2)).toEqual(['lamp-1', '31']);
    expect(await bm.page.locator('[data-testid=sink-record]').count()).toBe(1);
    // Query by key, through the engine's DynamoDB Query: only the items whose partition key is exactly the value.
    await device.publishAsync('dt/lamp-2/state', JSON.stringify({ temp: 12 }), { qos: 1 });
    await bm.page.locator('[data-testid=sink-record]').nth(1).waitFor(WAIT);
    await bm.page.fill('[data-testid=sink-key]', 'lamp-2');
    await bm.page.press('[data-testid=sink-key]', 'Enter');
    await bm.page.locator('[data-testid=sink-record]').nth(1).waitFor({ state: 'detached', ...WAIT });
    expect((await cells()).slice(0, 2)).toEqual(['lamp-2', '12']);
    expect(await text('[data-testid=table-query-count]')).toBe('1 item');
    await bm.page.fill('[data-testid=sink-key]', 'lamp');
    await bm.page.click('[data-testid=table-query-run]');
    await bm.page.waitForSelector('[data-testid=sink-records-empty]', WAIT);
    expect(await text('[data-testid=sink-records-empty]')).toContain('No item has device “lamp”');
    await bm.page.click('[data-testid=table-query-clear]');
    await bm.page.locator('[data-testid=sink-record]').nth(1).waitFor(WAIT);
    await shot('sinks-table');
  });

  it('queries a table by partition key and a sort key condition', async () => {
    await bm.engine.api.sinks.create('table', 'History', { hashKey: { name: 'device', type: 'S' }, rangeKey: { name: 'ts', type: 'N' } });
    await bm.engine.api.rules.put('to_history', {
      sql: "SELECT temp, ts, topic(2) AS device FROM 'h/+/r'",
      actions: [{ dynamoDBv2: { putItem: { tableName: 'History' }, roleArn: ROLE } }],
    });
    for (const [d, ts] of [['a', 1], ['a', 2], ['a', 3], ['b', 1]] as const) await device.publishAsync(`h/${d}/r`, JSON.stringify({ temp: 20 + ts, ts }), { qos: 1 });
    await bm.page.evaluate(() => { location.hash = '#/sinks/table/History'; });
    await bm.page.locator('[data-testid=sink-record]').nth(3).waitFor(WAIT);
    await bm.page.fill('[data-testid=sink-key]', 'a');
    await bm.page.selectOption('[data-testid=table-sort-op]', '>=');
    await bm.page.fill('[data-testid=table-sort-value]', '2');
    await bm.page.click('[data-testid=table-query-run]');
    await bm.page.locator('[data-testid=table-query-count]', { hasText: '2 items' }).waitFor(WAIT);
    const ts = await bm.page.$$eval('[data-testid=sink-record] [role=gridcell]:nth-child(2)', (els) => els.map((e) => e.textContent));
    expect(ts).toEqual(['2', '3']);
    // A sort value of the wrong type gets DynamoDB's error.
    await bm.page.fill('[data-testid=table-sort-value]', 'x');
    await bm.page.click('[data-testid=table-query-run]');
    await bm.page.waitForSelector('[data-testid=table-query-error]', WAIT);
  });

  it('filters a log group\'s events', async () => {
    await bm.engine.api.sinks.create('log', '/thingbench/errors');
    await bm.engine.api.rules.put('to_log', {
      sql: "SELECT * FROM 'logs/#'",
      actions: [{ cloudwatchLogs: { logGroupName: '/thingbench/errors', roleArn: ROLE } }],
    });
    await bm.page.evaluate(() => { location.hash = '#/sinks/log/%2Fthingbench%2Ferrors'; });
    await bm.page.waitForSelector('[data-testid=sink-detail][data-kind=log]', WAIT);
    await device.publishAsync('logs/a', JSON.stringify({ level: 'warn', text: 'disk almost full' }), { qos: 1 });
    await device.publishAsync('logs/b', JSON.stringify({ level: 'error', text: 'fan stopped' }), { qos: 1 });
    await bm.page.locator('[data-testid=sink-record]').nth(1).waitFor(WAIT);
    await bm.page.fill('[data-testid=sink-filter]', 'FAN');
    await bm.page.locator('[data-testid=sink-record]').nth(1).waitFor({ state: 'detached', ...WAIT });
    expect(await text('[data-testid=sink-record]')).toContain('fan stopped');
    await bm.page.fill('[data-testid=sink-filter]', 'nothing like it');
    expect(await text('[data-testid=sink-records-empty]')).toContain('No event matches');
  });

  it('reads a long log group\'s older events when scrolled to the end', async () => {
    const { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
    const logs = new CloudWatchLogsClient({ region: 'us-east-1', endpoint: bm.info.endpoints.http, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    try {
      await logs.send(new CreateLogGroupCommand({ logGroupName: '/thingbench/long' }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: '/thingbench/long', logStreamName: 's' }));
      const t = Date.now();
      await logs.send(new PutLogEventsCommand({ logGroupName: '/thingbench/long', logStreamName: 's', logEvents: Array.from({ length: 1200 }, (_, i) => ({ timestamp: t + i, message: `event ${i}` })) }));
    } finally {
      logs.destroy();
    }
    await bm.page.evaluate(() => { location.hash = '#/sinks/log/%2Fthingbench%2Flong'; });
    await bm.page.waitForSelector('[data-testid=sink-records][data-count="1000"]', WAIT);
    expect(await text('[data-testid=sink-newest]')).toBe('newest 1000: scroll down for older');
    await bm.page.$eval('[data-testid=sink-records]', (el) => { el.scrollTop = el.scrollHeight; });
    await bm.page.waitForSelector('[data-testid=sink-records][data-count="1200"]', WAIT);
    await bm.page.$eval('[data-testid=sink-records]', (el) => { el.scrollTop = el.scrollHeight; });
    await bm.page.locator('[data-testid=sink-record]', { hasText: /event 0(?!\d)/ }).waitFor(WAIT);
    expect(await bm.page.$('[data-testid=sink-newest]')).toBeNull();
  });

  it('shows a stream\'s records by shard and sequence number, narrowed to one shard', async () => {
    await bm.engine.api.sinks.create('stream', 'telemetry', { shardCount: 4 });
    await bm.engine.api.rules.put('to_stream', {
      sql: "SELECT * FROM 'st/+'",
      actions: [{ kinesis: { streamName: 'telemetry', partitionKey: '${topic()}', roleArn: ROLE } }],
    });
    await bm.page.click('[data-testid=sink-row][data-kind=stream][data-name=telemetry]');
    await bm.page.waitForSelector('[data-testid=sink-detail][data-kind=stream]', WAIT);
    for (let i = 0; i < 8; i++) await device.publishAsync(`st/${i}`, JSON.stringify({ n: i }), { qos: 1 });
    await bm.page.locator('[data-testid=sink-record]').nth(7).waitFor(WAIT);
    const records = await bm.engine.api.sinks.records('stream', 'telemetry');
    const shards = [...new Set(records.map((r) => (r.data as { shardId: string }).shardId))].sort();
    expect(shards.length).toBeGreaterThan(1);
    const headings = await bm.page.$$eval('[data-testid=sink-records] [role=columnheader]', (els) => els.map((e) => e.textContent));
    expect(headings).toEqual(['Time', 'Shard', 'Sequence number', 'Partition key', 'Data']);
    await bm.page.selectOption('[data-testid=sink-facet]', shards[0]!);
    const inShard = records.filter((r) => (r.data as { shardId: string }).shardId === shards[0]);
    await expect.poll(() => bm.page.locator('[data-testid=sink-record]').count(), WAIT).toBe(inShard.length);
    const first = (inShard[0]!.data as { sequenceNumber: string; partitionKey: string });
    const cells = await bm.page.$$eval('[data-testid=sink-record]:first-child [role=gridcell]', (els) => els.map((e) => e.textContent));
    expect(cells.slice(1, 4)).toEqual([shards[0], first.sequenceNumber, first.partitionKey]);
    await shot('sinks-stream');
  });

  it('charts a metric\'s data points and shows an alarm\'s state changes', async () => {
    await bm.engine.api.sinks.create('alarm', 'too-hot');
    await bm.engine.api.rules.put('to_metric', {
      sql: "SELECT temp FROM 'm/temp'",
      actions: [
        { cloudwatchMetric: { metricNamespace: 'Lab/Devices', metricName: 'Temperature', metricValue: '${temp}', metricUnit: 'None', roleArn: ROLE } },
        { cloudwatchAlarm: { alarmName: 'too-hot', stateValue: 'ALARM', stateReason: 'temp ${temp}', roleArn: ROLE } },
      ],
    });
    for (const temp of [20, 25, 31]) await device.publishAsync('m/temp', JSON.stringify({ temp }), { qos: 1 });
    await bm.page.evaluate(() => { location.hash = '#/sinks/metric/Lab%2FDevices'; });
    await bm.page.waitForSelector('[data-testid=sink-metric-chart][data-metric=Temperature][data-points="3"]', WAIT);
    // The chart draws its canvas a frame after the points arrive (once its size is known).
    await bm.page.waitForSelector('[data-testid=sink-chart] canvas', WAIT);
    await shot('sinks-metric');

    await bm.page.click('[data-testid=sink-row][data-kind=alarm][data-name=too-hot]');
    await bm.page.waitForSelector('[data-testid=sink-detail][data-kind=alarm]', WAIT);
    await bm.page.locator('[data-testid=sink-record]').nth(2).waitFor(WAIT);
    expect(await text('[data-testid=sink-alarm-state]')).toBe('ALARM');
    const cells = await bm.page.$$eval('[data-testid=sink-record]:last-child [role=gridcell]', (els) => els.map((e) => e.textContent));
    expect(cells.slice(1)).toEqual(['INSUFFICIENT_DATA', 'ALARM', 'temp 20']);
    expect(await bm.page.$eval('[data-testid=sink-record]:last-child [role=gridcell]:nth-child(3) .badge', (e) => e.className)).toContain('error');
  });

  it('shows an SNS topic\'s inbox and a delivery stream\'s files', async () => {
    const topic = await bm.engine.api.sinks.create('notify', 'alerts');
    await bm.engine.api.sinks.create('firehose', 'archive', { bufferIntervalSeconds: 0, bufferSizeBytes: 1 });
    await bm.engine.api.rules.put('to_notify', {
      sql: "SELECT * FROM 'alert/+'",
      actions: [
        { sns: { targetArn: topic.arn, messageFormat: 'RAW', roleArn: ROLE } },
        { firehose: { deliveryStreamName: 'archive', roleArn: ROLE } },
      ],
    });
    await bm.page.evaluate(() => { location.hash = '#/sinks/notify/alerts'; });
    await bm.page.waitForSelector('[data-testid=sink-detail][data-kind=notify]', WAIT);
    await device.publishAsync('alert/door', JSON.stringify({ open: true }), { qos: 1 });
    await bm.page.waitForSelector('[data-testid=sink-record]', WAIT);
    const cells = await bm.page.$$eval('[data-testid=sink-record] [role=gridcell]', (els) => els.map((e) => e.textContent));
    expect(cells.slice(2)).toEqual(['{"open":true}', 'inbox']);

    await bm.page.click('[data-testid=sink-row][data-kind=firehose][data-name=archive]');
    await bm.page.waitForSelector('[data-testid=sink-detail][data-kind=firehose]', WAIT);
    await bm.page.waitForSelector('[data-testid=sink-record]', WAIT);
    const [file] = await bm.engine.api.sinks.records('firehose', 'archive');
    const { bucket, key, records } = file!.data as { bucket: string; key: string; records: number };
    const shown = await bm.page.$$eval('[data-testid=sink-record] [role=gridcell]', (els) => els.map((e) => e.textContent));
    expect(shown.slice(1, 3)).toEqual([`s3://${bucket}/${key}`, String(records)]);
  });

  it('receives a rule\'s message with its receipt handle, deletes it, sends one from the UI and purges', async () => {
    await bm.engine.api.sinks.create('queue', 'jobs', { visibilityTimeoutSeconds: 45 });
    await bm.engine.api.rules.put('to_jobs', {
      sql: "SELECT * FROM 'jobs/in'",
      actions: [{ sqs: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs', roleArn: ROLE } }],
    });
    await bm.page.evaluate(() => { location.hash = '#/sinks/queue/jobs'; });
    await bm.page.waitForSelector('[data-testid=queue-panel]', WAIT);
    await device.publishAsync('jobs/in', JSON.stringify({ job: 7 }), { qos: 1 });
    await bm.page.waitForSelector('[data-testid=sink-record]', WAIT);
    await bm.page.locator('[data-testid=queue-visible]', { hasText: /^1$/ }).waitFor(WAIT);

    // Received for 120 s instead of the queue's 45.
    await bm.page.fill('[data-testid=queue-visibility]', '120');
    await bm.page.click('[data-testid=queue-receive]');
    await bm.page.waitForSelector('[data-testid=queue-received-message]', WAIT);
    expect(await text('[data-testid=queue-received-message]')).toContain('{"job":7}');
    // A countdown from 120 s, read a moment after the receive (a loaded machine may take a few seconds).
    const left = Number(/^visible again in (\d+) s$/.exec(await text('[data-testid=queue-received-left]'))?.[1]);
    expect(left).toBeGreaterThanOrEqual(110);
    expect(left).toBeLessThanOrEqual(120);
    expect(await text('[data-testid=queue-note]')).toBe('Received 1 message: in flight for 120 s unless deleted');
    await bm.page.locator('[data-testid=queue-inflight]', { hasText: /^1$/ }).waitFor(WAIT);
    expect(await text('[data-testid=queue-visible]')).toBe('0');
    await shot('sinks-queue-received');

    await bm.page.click('[data-testid=queue-delete-message]');
    await bm.page.waitForSelector('[data-testid=queue-received-message]', { state: 'detached', ...WAIT });
    await bm.page.locator('[data-testid=queue-inflight]', { hasText: /^0$/ }).waitFor(WAIT);
    await bm.page.waitForSelector('[data-testid=sink-records-empty]', WAIT);
    expect(await bm.engine.api.sinks.queueCounts('jobs')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });

    await bm.page.click('[data-testid=queue-send-toggle]');
    await bm.page.fill('[data-testid=queue-send-body]', 'from the UI');
    await bm.page.fill('[data-testid=queue-send-attributes]', 'kind=manual');
    await bm.page.click('[data-testid=queue-send]');
    // The note of the receive before gives way to the send's.
    await bm.page.locator('[data-testid=queue-note]', { hasText: /^Sent [0-9a-f-]{36}$/ }).waitFor(WAIT);
    await bm.page.waitForSelector('[data-testid=sink-record]', WAIT);
    expect(await text('[data-testid=sink-record]')).toContain('from the UI');
    // A delay beyond SQS's 900 s gets SQS's message.
    await bm.page.fill('[data-testid=queue-send-delay]', '901');
    await bm.page.click('[data-testid=queue-send]');
    await bm.page.waitForSelector('[data-testid=queue-error]', WAIT);
    expect(await text('[data-testid=queue-error]')).toBe('Value 901 for parameter DelaySeconds is invalid. Reason: Must be >= 0 and <= 900, if provided.');

    await bm.page.click('[data-testid=queue-purge]');
    await bm.page.click('[data-testid=queue-purge-yes]');
    await bm.page.waitForSelector('[data-testid=sink-records-empty]', WAIT);
    expect(await bm.engine.api.sinks.queueCounts('jobs')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('subscribes a queue to a topic, publishes a test message and unsubscribes', async () => {
    await bm.engine.api.sinks.create('notify', 'ops');
    await bm.engine.api.sinks.create('queue', 'ops-copies');
    await bm.page.evaluate(() => { location.hash = '#/sinks/notify/ops'; });
    await bm.page.waitForSelector('[data-testid=topic-subscriptions-empty]', WAIT);
    await bm.page.click('[data-testid=topic-subscribe-toggle]');
    await bm.page.selectOption('[data-testid=topic-subscribe-protocol]', 'sqs');
    await bm.page.selectOption('[data-testid=topic-subscribe-endpoint]', 'ops-copies');
    await bm.page.check('[data-testid=topic-subscribe-raw]');
    await bm.page.click('[data-testid=topic-subscribe]');
    await bm.page.waitForSelector('[data-testid=topic-subscription][data-protocol=sqs]', WAIT);
    const cells = await bm.page.$$eval('[data-testid=topic-subscription] td', (els) => els.map((e) => (e.textContent ?? '').trim()));
    expect(cells.slice(0, 5)).toEqual(['sqs', 'ops-copies', 'yes', '—', 'confirmed']);

    await bm.page.click('[data-testid=topic-publish-toggle]');
    await bm.page.fill('[data-testid=topic-publish-message]', 'fan stopped');
    await bm.page.click('[data-testid=topic-publish]');
    await bm.page.waitForSelector('[data-testid=sink-record]', WAIT);
    expect(await text('[data-testid=sink-record]')).toContain('fan stopped');
    await expect.poll(async () => (await bm.engine.api.sinks.records('queue', 'ops-copies')).map((r) => (r.data as { body: string }).body), WAIT).toEqual(['fan stopped']);
    await shot('sinks-topic');

    await bm.page.click('[data-testid=topic-unsubscribe]');
    await bm.page.waitForSelector('[data-testid=topic-subscriptions-empty]', WAIT);
    expect(await bm.engine.api.sinks.subscriptions('ops')).toEqual([]);
  });

  it('opens and downloads an object a delivery stream wrote', async () => {
    await bm.page.click('[data-testid=sink-row][data-kind=firehose][data-name=archive]');
    await bm.page.waitForSelector('[data-testid=sink-detail][data-kind=firehose]', WAIT);
    await bm.page.locator('[data-testid=sink-record]').first().click();
    await bm.page.click('[data-testid=sink-open-object]');
    await shot('sinks-object-opening');
    await bm.page.waitForSelector('[data-testid=bucket-object]', WAIT);
    const [file] = await bm.engine.api.sinks.records('firehose', 'archive');
    const { bucket, key } = file!.data as { bucket: string; key: string };
    expect(await bm.page.getAttribute('[data-testid=bucket-object]', 'data-key')).toBe(key);
    await bm.page.waitForSelector('[data-testid=object-json]', WAIT);
    expect(await text('[data-testid=object-key]')).toBe(key);
    expect(await text('[data-testid=object-json]')).toMatch(/open.*true/);
    const [download] = await Promise.all([bm.page.waitForEvent('download'), bm.page.click('[data-testid=object-download]')]);
    expect(download.suggestedFilename()).toBe(key.slice(key.lastIndexOf('/') + 1));
    expect(fs.readFileSync(await download.path()).toString().trim()).toBe('{"open":true}');
    await shot('sinks-object');
    // The delivery stream links to its bucket and prefix.
    await bm.page.click('[data-testid=sink-row][data-kind=firehose][data-name=archive]');
    await bm.page.click('[data-testid=sink-bucket]');
    await bm.page.waitForSelector(`[data-testid=bucket-view][data-bucket="${bucket}"]`, WAIT);
    // Buckets are listed with the sinks; a bucket lists folders at its top and what is under a typed prefix.
    await bm.page.click(`[data-testid=sink-row][data-kind=bucket][data-name="${bucket}"]`);
    await bm.page.waitForSelector('[data-testid=bucket-prefix]', WAIT);
    expect(await text('[data-testid=bucket-prefix]')).toBe(`${key.split('/')[0]}/`);
    await bm.page.fill('[data-testid=bucket-prefix-input]', key.slice(0, key.lastIndexOf('/')));
    await bm.page.press('[data-testid=bucket-prefix-input]', 'Enter');
    await bm.page.waitForSelector(`[data-testid=bucket-object][data-key="${key}"]`, WAIT);
    await bm.page.fill('[data-testid=bucket-prefix-input]', 'nothing/');
    await bm.page.press('[data-testid=bucket-prefix-input]', 'Enter');
    await bm.page.waitForSelector('[data-testid=bucket-empty]', WAIT);
  });

  it('invokes a function with a test event and shows its result, log and invocations', async () => {
    const dir = path.join(bm.info.dataDir, 'functions');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'enrich.mjs'), `export const handler = async (event) => {
  console.log('enriching', JSON.stringify(event));
  return { ...event, hot: event.temperature > 30 };
};\n`);
    await bm.page.evaluate(() => { location.hash = '#/sinks/function/enrich'; });
    await bm.page.waitForSelector('[data-testid=function-detail][data-name=enrich] [data-testid=function-runtime]', WAIT);
    expect(await text('[data-testid=function-runtime]')).toBe('nodejs20.x');
    await bm.page.waitForSelector('[data-testid=sink-row][data-kind=function][data-name=enrich]', WAIT);
    await bm.page.waitForSelector('[data-testid=function-event][data-ready=true]', WAIT);
    await bm.page.click('[data-testid=function-invoke]');
    await bm.page.waitForSelector('[data-testid=function-result][data-state=ok]', WAIT);
    expect(await text('[data-testid=function-result-json]')).toMatch(/temperature.*31.*hot.*true/);
    expect(await text('[data-testid=function-log]')).toMatch(/^START RequestId: \S+ Version: \$LATEST .*enriching \{"temperature":31\}.*REPORT RequestId/);
    expect(await text('[data-testid=function-duration]')).toMatch(/^\d+\.\d ms$/);
    await shot('sinks-function');

    await bm.page.click('[data-testid=tab-code]');
    await bm.page.waitForSelector('[data-testid=function-code][data-ready=true]', WAIT);
    expect(await text('[data-testid=function-files]')).toContain('enrich.mjs');
    await bm.page.locator('[data-testid=function-code] .view-lines', { hasText: 'enriching' }).waitFor(WAIT);

    await bm.page.click('[data-testid=tab-config]');
    const config = await bm.page.$$eval('[data-testid=function-config] dt, [data-testid=function-config] dd', (els) => els.map((e) => (e.textContent ?? '').trim()));
    expect(config.slice(0, 4)).toEqual(['Runtime', 'nodejs20.x', 'Handler', 'enrich.handler']);
    // A file in the functions folder is changed and removed there: Edit and Delete are greyed, and say why.
    expect(await bm.page.isDisabled('[data-testid=function-edit]')).toBe(true);
    expect(await text('[data-testid=function-edit-why]')).toBe('Set in enrich.config.json beside its file in the functions folder.');
    expect(await bm.page.isDisabled('[data-testid=function-delete]')).toBe(true);
    expect(await text('[data-testid=function-source]')).toBe('a file in the functions folder: delete the file to remove it');
    expect(await bm.page.getAttribute('[data-testid=function-delete]', 'aria-describedby')).toBe('function-delete-why');
    await shot('sinks-function-folder-config');

    await bm.page.click('[data-testid=tab-invocations]');
    await bm.page.waitForSelector('[data-testid=function-invocation]', WAIT);
    await bm.page.click('[data-testid=function-invocation] button');
    expect(await text('[data-testid=function-invocation]')).toContain('enriching');
  });

  it('creates a function with the form, invokes it with a test event and deletes it', async () => {
    await bm.page.evaluate(() => { location.hash = '#/sinks'; });
    await bm.page.click('[data-testid=function-new]');
    await bm.page.waitForSelector('[data-testid=function-create-code][data-ready=true]', WAIT);
    // The editor starts with a Node.js handler; a bad name first: Lambda's error shows at the form and nothing is made.
    await bm.page.locator('[data-testid=function-create-code] .view-lines', { hasText: 'exports.handler' }).waitFor(WAIT);
    await bm.page.fill('[data-testid=function-create-name]', 'bad name');
    await bm.page.click('[data-testid=function-create-submit]');
    await bm.page.waitForSelector('[data-testid=function-create-error]', WAIT);
    expect(await text('[data-testid=function-create-error]')).toMatch(/^1 validation error detected: Value 'bad name' at 'functionName' failed to satisfy constraint/);
    await shot('sinks-function-new');

    await bm.page.fill('[data-testid=function-create-name]', 'double-it');
    await bm.page.selectOption('[data-testid=function-create-runtime]', 'nodejs22.x');
    await bm.page.fill('[data-testid=function-create-handler]', 'main.run');
    await bm.page.click('[data-testid=function-create-code] .view-lines');
    await bm.page.keyboard.press('Control+A');
    await bm.page.keyboard.press('Delete');
    await bm.page.keyboard.insertText("exports.run = async (event) => { console.log('doubling', event.n); return { twice: event.n * 2, mode: process.env.MODE ?? null }; };");
    await bm.page.fill('[data-testid=function-create-timeout]', '20');
    await bm.page.fill('[data-testid=function-create-memory]', '256');
    await bm.page.click('[data-testid=function-create-env-add]');
    await bm.page.fill('[data-testid=function-create-env-key]', 'MODE');
    await bm.page.fill('[data-testid=function-create-env-value]', 'lab');
    await shot('sinks-function-new-settings');
    await bm.page.click('[data-testid=function-create-submit]');
    await bm.page.waitForSelector('[data-testid=function-detail][data-name=double-it] [data-testid=function-runtime]', WAIT);
    expect(await bm.page.evaluate(() => location.hash)).toBe('#/sinks/function/double-it');
    expect(await text('[data-testid=function-runtime]')).toBe('nodejs22.x');
    await bm.page.waitForSelector('[data-testid=sink-row][data-kind=function][data-name=double-it]', WAIT);
    expect(await bm.page.$('[data-testid=function-create-form]')).toBeNull();
    const made = await bm.engine.api.functions.get('double-it');
    expect(made).toMatchObject({
      handler: 'main.run', source: 'api', role: 'arn:aws:iam::000000000000:role/lambda-local', handlerFile: 'main.js', timeout: 20, memorySize: 256, environment: { MODE: 'lab' },
    });

    await bm.page.waitForSelector('[data-testid=function-event][data-ready=true]', WAIT);
    await bm.page.click('[data-testid=function-event] .view-lines');
    await bm.page.keyboard.press('Control+A');
    await bm.page.keyboard.press('Delete');
    await bm.page.keyboard.insertText('{"n": 21}');
    await bm.page.click('[data-testid=function-invoke]');
    await bm.page.waitForSelector('[data-testid=function-result][data-state=ok]', WAIT);
    expect(await text('[data-testid=function-result-json]')).toMatch(/twice.*42.*mode.*lab/);
    expect(await text('[data-testid=function-log]')).toContain('doubling 21');

    // Its configuration changes as UpdateFunctionConfiguration does: Lambda's error for a timeout out of range first.
    await bm.page.click('[data-testid=tab-config]');
    expect(await bm.page.isDisabled('[data-testid=function-edit]')).toBe(false);
    await bm.page.click('[data-testid=function-edit]');
    expect(await bm.page.inputValue('[data-testid=function-edit-timeout]')).toBe('20');
    expect(await bm.page.inputValue('[data-testid=function-edit-env-key]')).toBe('MODE');
    await bm.page.fill('[data-testid=function-edit-timeout]', '901');
    await bm.page.click('[data-testid=function-edit-save]');
    await bm.page.waitForSelector('[data-testid=function-edit-error]', WAIT);
    expect(await text('[data-testid=function-edit-error]')).toBe("1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900");
    expect((await bm.engine.api.functions.get('double-it')).timeout).toBe(20);
    await bm.page.fill('[data-testid=function-edit-timeout]', '60');
    await bm.page.fill('[data-testid=function-edit-memory]', '1024');
    await bm.page.fill('[data-testid=function-edit-env-value]', 'bench');
    await bm.page.click('[data-testid=function-edit-env-add]');
    await bm.page.locator('[data-testid=function-edit-env-key]').nth(1).fill('LEVEL');
    await bm.page.locator('[data-testid=function-edit-env-value]').nth(1).fill('debug');
    await shot('sinks-function-edit');
    await bm.page.click('[data-testid=function-edit-save]');
    await bm.page.waitForSelector('[data-testid=function-config]', WAIT);
    const config = await bm.page.$$eval('[data-testid=function-config] dt, [data-testid=function-config] dd', (els) => els.map((e) => (e.textContent ?? '').trim()));
    expect(config.slice(6, 10)).toEqual(['Timeout', '60 s', 'Memory', '1024 MB']);
    expect(await bm.page.$$eval('[data-testid=function-config] .env td', (els) => els.map((e) => e.textContent))).toEqual(['MODE', 'bench', 'LEVEL', 'debug']);
    expect(await bm.engine.api.functions.get('double-it')).toMatchObject({ timeout: 60, memorySize: 1024, environment: { MODE: 'bench', LEVEL: 'debug' } });
    await bm.page.click('[data-testid=tab-test]');
    await bm.page.waitForSelector('[data-testid=function-event][data-ready=true]', WAIT);
    await bm.page.click('[data-testid=function-invoke]');
    await bm.page.waitForSelector('[data-testid=function-result][data-state=ok] [data-testid=function-result-json]', WAIT);
    await bm.page.locator('[data-testid=function-result-json]', { hasText: 'bench' }).waitFor(WAIT);

    await bm.page.click('[data-testid=function-delete]');
    expect(await text('[data-testid=function-delete-confirm]')).toContain('Delete double-it?');
    await shot('sinks-function-delete');
    await bm.page.click('[data-testid=function-delete-yes]');
    await bm.page.waitForSelector('[data-testid=sink-row][data-kind=function][data-name=double-it]', { state: 'detached', ...WAIT });
    expect(await bm.page.evaluate(() => location.hash)).toBe('#/sinks');
    expect((await bm.engine.api.functions.list()).map((f) => f.name)).not.toContain('double-it');
    expect(bm.pageProblems).toEqual([]);
  });

  it('asks before deleting, then the sink leaves the list and the engine', async () => {
    await bm.page.click('[data-testid=sink-row][data-name=readings]');
    await bm.page.waitForSelector('[data-testid=sink-detail][data-name=readings]', WAIT);
    await bm.page.click('[data-testid=sink-delete]');
    expect(await text('[data-testid=sink-delete-confirm]')).toContain('Delete readings and its 2 messages?');
    await bm.page.click('[data-testid=sink-delete-yes]');
    await bm.page.waitForSelector('[data-testid=sink-row][data-name=readings]', { state: 'detached', ...WAIT });
    expect(await bm.page.evaluate(() => location.hash)).toBe('#/sinks');
    expect((await bm.engine.api.sinks.list('queue')).map((q) => q.name)).not.toContain('readings');
    expect(bm.pageProblems).toEqual([]);
  });

  it('says so when the pipeline links to a function that does not exist', async () => {
    await bm.page.evaluate(() => { location.hash = '#/sinks/function/nothing-here'; });
    await bm.page.waitForSelector('[data-testid=function-missing]', WAIT);
    expect(await text('[data-testid=function-missing]')).toContain('nothing-here.js');
    expect(bm.pageProblems).toEqual([]);
  });
});
