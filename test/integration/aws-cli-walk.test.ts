/**
 * The end-to-end walk with Debian's AWS CLI (/usr/bin/aws) only, as a lab script runs it against AWS but for
 * --endpoint-url: an IAM role, an SQS queue, an SNS topic subscribed to the queue, a zipped Node.js function and a
 * zipped Python function, and an IoT rule whose actions are `sns` and `lambda`; a device publishes over MQTT; the SNS
 * envelope is read with `aws sqs receive-message`, each function's output with `aws logs filter-log-events`, and the
 * Node.js function's URL is called with curl.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { zipSync, strToU8 } from 'fflate';
import { awsCliJson, describeAwsCli } from '../helpers/aws-cli.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';

const NODE_FUNCTION = `exports.handler = async (event) => {
  const input = typeof event.body === 'string' ? JSON.parse(event.body) : event;
  console.log('node function got ' + JSON.stringify(input));
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ runtime: 'node', device: input.device }) };
};
`;

const PYTHON_FUNCTION = `import json

def lambda_handler(event, context):
    print('python function got ' + json.dumps(event, sort_keys=True))
    return {'runtime': 'python', 'device': event.get('device')}
`;

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: ['iot.amazonaws.com', 'lambda.amazonaws.com'] }, Action: 'sts:AssumeRole' }],
});

function curl(args: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-w', '\n%{http_code}', ...args], { encoding: 'utf8' }, (error, stdout) => {
      if (error) return reject(error);
      const at = stdout.lastIndexOf('\n');
      resolve({ body: stdout.slice(0, at), status: Number(stdout.slice(at + 1)) });
    });
  });
}

describeAwsCli('the AWS CLI walk: IAM, SQS, SNS, Lambda, an IoT rule, MQTT, CloudWatch Logs and a function URL', () => {
  let te: TestEngine;
  let dir: string;
  const aws = (...args: string[]) => awsCliJson([...args, '--region', 'us-east-1', '--output', 'json'], { endpoint: te.httpUrl });

  beforeAll(async () => {
    te = await startTestEngine({ mode: 'aws' });
    dir = tempDir('tb-walk-');
    fs.writeFileSync(path.join(dir, 'node.zip'), zipSync({ 'index.js': strToU8(NODE_FUNCTION) }));
    fs.writeFileSync(path.join(dir, 'python.zip'), zipSync({ 'lambda_function.py': strToU8(PYTHON_FUNCTION) }));
  });

  afterAll(async () => {
    await te?.stop();
  });

  it('runs the walk from role to function URL', async () => {
    // IAM and the pipeline's resources.
    const role = await aws('iam', 'create-role', '--role-name', 'walk-role', '--assume-role-policy-document', TRUST);
    const roleArn = role.Role.Arn as string;
    expect(roleArn).toBe('arn:aws:iam::000000000000:role/walk-role');
    const queueUrl = (await aws('sqs', 'create-queue', '--queue-name', 'walk-queue')).QueueUrl as string;
    const queueArn = (await aws('sqs', 'get-queue-attributes', '--queue-url', queueUrl, '--attribute-names', 'QueueArn')).Attributes.QueueArn as string;
    expect(queueArn).toBe('arn:aws:sqs:us-east-1:000000000000:walk-queue');
    const topicArn = (await aws('sns', 'create-topic', '--name', 'walk-topic')).TopicArn as string;
    expect(topicArn).toBe('arn:aws:sns:us-east-1:000000000000:walk-topic');
    const sub = await aws('sns', 'subscribe', '--topic-arn', topicArn, '--protocol', 'sqs', '--notification-endpoint', queueArn);
    expect(sub.SubscriptionArn).toMatch(new RegExp(`^${topicArn}:`));

    // Two zipped functions.
    const node = await aws('lambda', 'create-function', '--function-name', 'walk-node', '--runtime', 'nodejs20.x', '--handler', 'index.handler',
      '--role', roleArn, '--zip-file', `fileb://${path.join(dir, 'node.zip')}`);
    expect(node).toMatchObject({ FunctionName: 'walk-node', Runtime: 'nodejs20.x', FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:walk-node' });
    const python = await aws('lambda', 'create-function', '--function-name', 'walk-python', '--runtime', 'python3.11', '--handler', 'lambda_function.lambda_handler',
      '--role', roleArn, '--zip-file', `fileb://${path.join(dir, 'python.zip')}`);
    expect(python.FunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:walk-python');

    // A rule that notifies the topic and invokes both functions.
    await aws('iot', 'create-topic-rule', '--rule-name', 'walk_rule', '--topic-rule-payload', JSON.stringify({
      sql: "SELECT * FROM 'walk/+/telemetry'", awsIotSqlVersion: '2016-03-23', ruleDisabled: false,
      actions: [
        { sns: { targetArn: topicArn, roleArn, messageFormat: 'RAW' } },
        { lambda: { functionArn: node.FunctionArn } },
        { lambda: { functionArn: python.FunctionArn } },
      ],
    }));

    // A device publishes over MQTT.
    const device = await connect(te.mqttPort, { clientId: 'walk-device' });
    await device.publishAsync('walk/d1/telemetry', JSON.stringify({ device: 'walk-d1', temperature: 21.5 }), { qos: 1 });
    await device.endAsync();

    // The SNS envelope in the queue.
    const received = await aws('sqs', 'receive-message', '--queue-url', queueUrl, '--wait-time-seconds', '10');
    expect(received.Messages).toHaveLength(1);
    const envelope = JSON.parse(received.Messages[0].Body as string) as Record<string, unknown>;
    expect(envelope).toMatchObject({ Type: 'Notification', TopicArn: topicArn, MessageId: expect.any(String), Signature: expect.any(String) });
    expect(JSON.parse(envelope.Message as string)).toEqual({ device: 'walk-d1', temperature: 21.5 });

    // Each function's output in its log group.
    await vi.waitFor(async () => {
      const nodeLogs = await aws('logs', 'filter-log-events', '--log-group-name', '/aws/lambda/walk-node', '--filter-pattern', '"node function got"');
      expect(nodeLogs.events.map((e: { message: string }) => e.message).join('\n')).toContain('node function got {"device":"walk-d1","temperature":21.5}');
    }, { timeout: 20_000, interval: 250 });
    await vi.waitFor(async () => {
      const pyLogs = await aws('logs', 'filter-log-events', '--log-group-name', '/aws/lambda/walk-python', '--filter-pattern', '"python function got"');
      expect(pyLogs.events.map((e: { message: string }) => e.message).join('\n')).toContain('python function got {"device": "walk-d1", "temperature": 21.5}');
    }, { timeout: 20_000, interval: 250 });
    const report = await aws('logs', 'filter-log-events', '--log-group-name', '/aws/lambda/walk-node', '--filter-pattern', 'REPORT');
    expect(report.events.length).toBeGreaterThanOrEqual(1);

    // The Node.js function's URL, called with curl.
    const url = await aws('lambda', 'create-function-url-config', '--function-name', 'walk-node', '--auth-type', 'NONE');
    expect(url.FunctionUrl).toMatch(/^http:\/\//);
    const answer = await curl(['-X', 'POST', '-H', 'content-type: application/json', '-d', JSON.stringify({ device: 'from-curl' }), url.FunctionUrl as string]);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ runtime: 'node', device: 'from-curl' });
    await vi.waitFor(async () => {
      const urlLogs = await aws('logs', 'filter-log-events', '--log-group-name', '/aws/lambda/walk-node', '--filter-pattern', '"from-curl"');
      expect(urlLogs.events).toHaveLength(1);
    }, { timeout: 10_000, interval: 250 });
  }, 240_000);
});
