/**
 * The `aws iot` CLI (AWS CLI v2 at /usr/bin/aws) managing topic rules against the engine (skipped when it is not installed):
 * create, get, list, replace, disable/enable and delete, with an mqtt.js device and subscriber checking what the rule
 * republishes at each step, and the SqlParseException the CLI prints for invalid SQL.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import type { MqttClient } from 'mqtt';
import { AwsCliError, awsCliJson, describeAwsCli } from '../helpers/aws-cli.js';
import { connect, nextMessages, startTestEngine, type TestEngine } from '../helpers/engine.js';

const ROLE = 'arn:aws:iam::123456789012:role/rules';

describeAwsCli('aws iot topic rule commands', () => {
  let te: TestEngine;
  let device: MqttClient;
  let reader: MqttClient;
  // The same invocation as the registry and security CLI tests: dummy credentials, JSON output.
  const aws = (...args: string[]) => awsCliJson(['iot', ...args, '--region', 'us-east-1', '--output', 'json'], { endpoint: te.httpUrl });
  const awsFails = (...args: string[]) => aws(...args).then(() => undefined, (e: AwsCliError) => e);

  /** Publishes `payload` to `topic`; resolves with what arrives on `out/#` within `ms` (nothing: []). */
  async function republished(topic: string, payload: string, ms = 1500): Promise<Array<{ topic: string; json: unknown }>> {
    const got = nextMessages(reader, 1, ms).then((m) => m.map((x) => ({ topic: x.topic, json: JSON.parse(x.payload.toString()) as unknown })), () => []);
    await device.publishAsync(topic, payload, { qos: 1 });
    return got;
  }

  beforeAll(async () => {
    te = await startTestEngine({ mode: 'aws' });
    device = await connect(te.mqttPort, { clientId: 'cli-device' });
    reader = await connect(te.mqttPort, { clientId: 'cli-reader' });
    await reader.subscribeAsync('out/#', { qos: 1 });
  });

  afterAll(async () => {
    await device?.endAsync();
    await reader?.endAsync();
    await te?.stop();
  });

  it('create, get, list, replace, disable, enable and delete a rule; the rule republishes in between', async () => {
    const payload = {
      sql: "SELECT temp, topic(2) AS device FROM 'sensors/+/data' WHERE temp > 50",
      awsIotSqlVersion: '2016-03-23',
      actions: [{ republish: { topic: 'out/${topic(2)}', qos: 1, roleArn: ROLE } }],
    };
    const before = Date.now();
    expect(await aws('create-topic-rule', '--rule-name', 'hot', '--topic-rule-payload', JSON.stringify(payload))).toEqual({});

    const got = await aws('get-topic-rule', '--rule-name', 'hot');
    expect(got).toMatchObject({
      ruleArn: 'arn:aws:iot:us-east-1:000000000000:rule/hot',
      rule: { ruleName: 'hot', sql: payload.sql, awsIotSqlVersion: '2016-03-23', ruleDisabled: false, actions: payload.actions },
    });
    // AWS CLI v2 prints timestamps as ISO 8601 in UTC (cli_timestamp_format defaults to iso8601).
    expect(got.rule.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?\+00:00$/);
    expect(Date.parse(got.rule.createdAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(got.rule.createdAt)).toBeLessThanOrEqual(Date.now());

    const list = await aws('list-topic-rules');
    expect(list.rules).toEqual([expect.objectContaining({
      ruleName: 'hot', ruleArn: 'arn:aws:iot:us-east-1:000000000000:rule/hot', topicPattern: 'sensors/+/data', ruleDisabled: false,
    })]);
    expect((await aws('list-topic-rules', '--topic', 'sensors/+/data')).rules).toHaveLength(1);
    expect((await aws('list-topic-rules', '--topic', 'other/+')).rules).toEqual([]);

    expect(await republished('sensors/d1/data', '{"temp":71}')).toEqual([{ topic: 'out/d1', json: { temp: 71, device: 'd1' } }]);
    expect(await republished('sensors/d1/data', '{"temp":20}', 500)).toEqual([]);

    await aws('replace-topic-rule', '--rule-name', 'hot', '--topic-rule-payload', JSON.stringify({
      ...payload, sql: "SELECT temp * 2 AS doubled FROM 'sensors/+/data'", actions: [{ republish: { topic: 'out/replaced', qos: 1, roleArn: ROLE } }],
    }));
    expect((await aws('get-topic-rule', '--rule-name', 'hot')).rule.sql).toBe("SELECT temp * 2 AS doubled FROM 'sensors/+/data'");
    expect(await republished('sensors/d2/data', '{"temp":20}')).toEqual([{ topic: 'out/replaced', json: { doubled: 40 } }]);

    await aws('disable-topic-rule', '--rule-name', 'hot');
    expect((await aws('get-topic-rule', '--rule-name', 'hot')).rule.ruleDisabled).toBe(true);
    expect((await aws('list-topic-rules', '--rule-disabled')).rules.map((r: { ruleName: string }) => r.ruleName)).toEqual(['hot']);
    expect(await republished('sensors/d3/data', '{"temp":1}', 500)).toEqual([]);

    await aws('enable-topic-rule', '--rule-name', 'hot');
    expect((await aws('get-topic-rule', '--rule-name', 'hot')).rule.ruleDisabled).toBe(false);
    expect(await republished('sensors/d4/data', '{"temp":3}')).toEqual([{ topic: 'out/replaced', json: { doubled: 6 } }]);

    await aws('delete-topic-rule', '--rule-name', 'hot');
    expect((await aws('list-topic-rules')).rules).toEqual([]);
    const gone = await awsFails('get-topic-rule', '--rule-name', 'hot');
    expect(gone?.code).toBe(254); // AWS CLI v2: the service answered with an error
    expect(await republished('sensors/d5/data', '{"temp":99}', 500)).toEqual([]);
  }, 90_000); // fourteen CLI runs, each a Python start-up of about a second

  it('create-topic-rule with invalid SQL fails with SqlParseException, and creates nothing', async () => {
    const err = await awsFails('create-topic-rule', '--rule-name', 'broken', '--topic-rule-payload', JSON.stringify({
      sql: "SELECT temp FROM WHERE temp > 50", actions: [{ republish: { topic: 'out/x', roleArn: ROLE } }],
    }));
    expect(err?.code).toBe(254);
    expect(err?.stderr).toMatch(/An error occurred \(SqlParseException\) when calling the CreateTopicRule operation: .*line 1/);
    expect((await aws('list-topic-rules')).rules.map((r: { ruleName: string }) => r.ruleName)).not.toContain('broken');
  });
});
