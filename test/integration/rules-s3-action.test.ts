/**
 * The `s3` rule action end to end: a rule made with the AWS SDK's CreateTopicRule writes each matching message as an
 * object into the local S3 under a templated key, read back with the SDK and with `aws s3 cp`; a missing bucket fails
 * the action into the errorAction with S3's message; a canned ACL outside S3's list is refused at creation.
 */
import fs from 'node:fs';
import { CreateTopicRuleCommand, IoTClient } from '@aws-sdk/client-iot';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { awsCliMissing, runAwsCli } from '../helpers/aws-cli.js';
import { connect, nextMessages, startTestEngine, type TestEngine } from '../helpers/engine.js';

const ROLE = 'arn:aws:iam::123456789012:role/rules';

describe('the s3 rule action', () => {
  let te: TestEngine;
  let device: MqttClient;
  let iot: IoTClient;
  let s3: S3Client;

  beforeAll(async () => {
    te = await startTestEngine();
    device = await connect(te.mqttPort, { clientId: 'sensor-7' });
    const cfg = { endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
    iot = new IoTClient(cfg);
    s3 = new S3Client({ ...cfg, forcePathStyle: true });
  });

  afterAll(async () => {
    await device?.endAsync();
    iot?.destroy();
    s3?.destroy();
    await te?.stop();
    fs.rmSync(te.dataDir, { recursive: true, force: true });
  });

  it('writes each matching message as an object under its templated key', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'telemetry-archive' }));
    await iot.send(new CreateTopicRuleCommand({
      ruleName: 'archive_readings',
      topicRulePayload: {
        sql: "SELECT temp, topic(2) AS device FROM 'dt/+/reading'",
        actions: [{ s3: { bucketName: 'telemetry-archive', key: '${topic(2)}/reading-${temp}.json', cannedAcl: 'private', roleArn: ROLE } }],
      },
    }));
    await device.publishAsync('dt/sensor-7/reading', JSON.stringify({ temp: 21, humidity: 40 }), { qos: 1 });

    const listed = await vi.waitFor(async () => {
      const r = await s3.send(new ListObjectsV2Command({ Bucket: 'telemetry-archive' }));
      expect(r.Contents?.map((o) => o.Key)).toEqual(['sensor-7/reading-21.json']);
      return r;
    }, { timeout: 10_000 });
    expect(listed.KeyCount).toBe(1);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'telemetry-archive', Key: 'sensor-7/reading-21.json' }));
    expect(await got.Body!.transformToString()).toBe('{"temp":21,"device":"sensor-7"}');
  });

  it.skipIf(awsCliMissing)('is read back with aws s3 cp', async () => {
    const r = await runAwsCli(['s3', 'cp', 's3://telemetry-archive/sensor-7/reading-21.json', '-'], { endpoint: te.httpUrl });
    expect(r).toMatchObject({ code: 0, stdout: '{"temp":21,"device":"sensor-7"}' });
  });

  it('fails into the errorAction with S3\'s message when the bucket does not exist', async () => {
    await iot.send(new CreateTopicRuleCommand({
      ruleName: 'archive_nowhere',
      topicRulePayload: {
        sql: "SELECT * FROM 'dt/+/lost'",
        actions: [{ s3: { bucketName: 'no-such-archive', key: '${topic()}', roleArn: ROLE } }],
        errorAction: { republish: { topic: 'errors/s3', roleArn: ROLE } },
      },
    }));
    const watcher = await connect(te.mqttPort, { clientId: 'error-watcher' });
    try {
      await watcher.subscribeAsync('errors/s3', { qos: 1 });
      const errors = nextMessages(watcher, 1, 10_000);
      await device.publishAsync('dt/sensor-7/lost', '{"temp":1}', { qos: 1 });
      const error = JSON.parse((await errors)[0].payload.toString()) as { ruleName: string; failures: Array<{ failedAction: string; errorMessage: string }> };
      expect(error.ruleName).toBe('archive_nowhere');
      expect(error.failures).toEqual([expect.objectContaining({ failedAction: 'S3Action', errorMessage: expect.stringContaining('The specified bucket does not exist') })]);
    } finally {
      await watcher.endAsync();
    }
  });

  it('refuses a canned ACL that S3 does not have', async () => {
    await expect(iot.send(new CreateTopicRuleCommand({
      ruleName: 'archive_bad_acl',
      topicRulePayload: { sql: "SELECT * FROM 'x'", actions: [{ s3: { bucketName: 'telemetry-archive', key: 'k', cannedAcl: 'everyone' as 'private', roleArn: ROLE } }] }, // a value the SDK's type does not list
    }))).rejects.toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining('s3.cannedAcl must be one of private') });
  });
});
