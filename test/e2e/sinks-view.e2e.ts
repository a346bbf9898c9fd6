/**
 * The Sinks view in headless Chromium: the empty view says what to do; a queue made with the form is listed under its
 * kind and opened by its route; a rule's messages appear in it live, newest first, with the body pretty-printed; a
 * table's items show in a grid of its attributes; a log group's events are filtered; a bad name shows AWS's error;
 * delete asks first and the sink leaves the list.
 */
import fs from 'node:fs';
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
  });

  afterAll(async () => {
    await device?.endAsync(true);
    await bm?.stop();
  });

  it('says what sinks are and how to make one when there is none', async () => {
    await bm.page.click('[data-testid=nav-sinks]');
    await bm.page.waitForSelector('[data-testid=sink-list-empty]', WAIT);
    expect(await text('[data-testid=sink-list-empty]')).toContain('No sinks yet');
    expect(await text('[data-testid=sink-empty]')).toContain('Lambda functions and S3 buckets are not sinks here');
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
    // Query by key: only the items whose partition key is exactly the value.
    await device.publishAsync('dt/lamp-2/state', JSON.stringify({ temp: 12 }), { qos: 1 });
    await bm.page.locator('[data-testid=sink-record]').nth(1).waitFor(WAIT);
    await bm.page.fill('[data-testid=sink-key]', 'lamp-2');
    await bm.page.locator('[data-testid=sink-record]').nth(1).waitFor({ state: 'detached', ...WAIT });
    expect((await cells()).slice(0, 2)).toEqual(['lamp-2', '12']);
    await bm.page.fill('[data-testid=sink-key]', 'lamp');
    await bm.page.waitForSelector('[data-testid=sink-records-empty]', WAIT);
    await bm.page.fill('[data-testid=sink-key]', '');
    await shot('sinks-table');
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
    expect(await bm.page.$('[data-testid=sink-chart] canvas')).not.toBeNull();
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

  it('asks before deleting, then the sink leaves the list and the engine', async () => {
    await bm.page.click('[data-testid=sink-row][data-name=readings]');
    await bm.page.waitForSelector('[data-testid=sink-detail][data-name=readings]', WAIT);
    await bm.page.click('[data-testid=sink-delete]');
    expect(await text('[data-testid=sink-delete-confirm]')).toContain('Delete readings and its 2 messages?');
    await bm.page.click('[data-testid=sink-delete-yes]');
    await bm.page.waitForSelector('[data-testid=sink-row][data-name=readings]', { state: 'detached', ...WAIT });
    expect(await bm.page.evaluate(() => location.hash)).toBe('#/sinks');
    expect(await bm.engine.api.sinks.list('queue')).toEqual([]);
    expect(bm.pageProblems).toEqual([]);
  });

  it('says where functions and buckets are when the pipeline links to one', async () => {
    await bm.page.evaluate(() => { location.hash = '#/sinks/function/enrich'; });
    await bm.page.waitForSelector('[data-testid=sink-not-a-sink]', WAIT);
    expect(await text('[data-testid=sink-not-a-sink]')).toContain('aws lambda get-function --function-name enrich');
  });
});
