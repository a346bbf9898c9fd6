/**
 * `--require-roles` (config `iam.requireRoles`): Lambda, Firehose and AWS IoT refuse an IAM role of the engine's
 * account that does not exist or does not trust the service, with AWS's errors, through the real AWS SDK v3 clients;
 * a role in another account is accepted; without the option any role is taken, as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipSync, strToU8 } from 'fflate';
import { CreateRoleCommand, DeleteRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, FirehoseClient, UpdateDestinationCommand } from '@aws-sdk/client-firehose';
import { CreateTopicRuleCommand, GetTopicRuleCommand, IoTClient, ReplaceTopicRuleCommand } from '@aws-sdk/client-iot';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

const ACCOUNT = '000000000000';
const roleArn = (name: string, account = ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;
const trust = (service: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
const code = zipSync({ 'index.mjs': strToU8('export const handler = async () => ({ ok: true });') });

/** The SDK's error as `name: message`, or 'ok'. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

function clients(te: TestEngine) {
  const config = { endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } };
  return {
    iam: new IAMClient(config), lambda: new LambdaClient(config), firehose: new FirehoseClient(config), iot: new IoTClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    destroy() {
      for (const c of [this.iam, this.lambda, this.firehose, this.iot, this.s3]) c.destroy();
    },
  };
}

const LAMBDA_REFUSAL = 'InvalidParameterValueException: The role defined for the function cannot be assumed by Lambda.';
const firehoseRefusal = (arn: string) => `InvalidArgumentException: Firehose is unable to assume role ${arn}. Please check the role provided.`;
const iotRefusal = (arn: string) =>
  `InvalidRequestException: AWS IoT (iot.amazonaws.com) is unable to assume role (sts:AssumeRole) on resource: ${arn}. If the role was just created or updated, please try again in a few seconds.`;
const destination = (role: string) => ({ RoleARN: role, BucketARN: 'arn:aws:s3:::roles-bucket' });
const rule = (role: string, errorRole = role) => ({
  sql: "SELECT * FROM 'roles/+'", awsIotSqlVersion: '2016-03-23',
  actions: [{ republish: { topic: 'roles/out', roleArn: role } }], errorAction: { republish: { topic: 'roles/error', roleArn: errorRole } },
});

describe('--require-roles', () => {
  let te: TestEngine;
  let c: ReturnType<typeof clients>;
  beforeAll(async () => {
    te = await startTestEngine({ requireRoles: true });
    c = clients(te);
    await c.iam.send(new CreateRoleCommand({ RoleName: 'for-lambda', AssumeRolePolicyDocument: trust('lambda.amazonaws.com') }));
    await c.iam.send(new CreateRoleCommand({ RoleName: 'for-iot', AssumeRolePolicyDocument: trust('iot.amazonaws.com') }));
    await c.iam.send(new CreateRoleCommand({ RoleName: 'for-firehose', AssumeRolePolicyDocument: trust('firehose.amazonaws.com') }));
    await c.s3.send(new CreateBucketCommand({ Bucket: 'roles-bucket' }));
  }, 60_000);
  afterAll(async () => {
    c?.destroy();
    await te?.stop();
  });

  it('Lambda CreateFunction refuses a missing role and a role that does not trust Lambda; takes one that does, and one of another account', async () => {
    const create = (name: string, role: string) => c.lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: role, Code: { ZipFile: code } }));
    expect(await outcome(create('f-missing', roleArn('no-such-role')))).toBe(LAMBDA_REFUSAL);
    expect(await outcome(create('f-iot', roleArn('for-iot')))).toBe(LAMBDA_REFUSAL);
    // Refused means not made.
    expect(await outcome(c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'f-missing' })))).toMatch(/^ResourceNotFoundException: /);
    expect(await outcome(create('f-ok', roleArn('for-lambda')))).toBe('ok');
    expect(await outcome(create('f-other-account', roleArn('theirs', '123456789012')))).toBe('ok');
    // The role name is case-insensitive in IAM, but an ARN must name it as it is: Lambda resolves the ARN.
    expect(await outcome(create('f-case', roleArn('FOR-LAMBDA')))).toBe(LAMBDA_REFUSAL);
    // A malformed ARN is still Lambda's validation error, not the role refusal.
    expect(await outcome(create('f-bad', 'not-an-arn'))).toMatch(/^ValidationException: 1 validation error detected: Value 'not-an-arn' at 'role'/);
  });

  it('Lambda UpdateFunctionConfiguration refuses a role Lambda cannot assume and keeps the one it had', async () => {
    await c.lambda.send(new CreateFunctionCommand({ FunctionName: 'f-update', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: roleArn('for-lambda'), Code: { ZipFile: code } }));
    expect(await outcome(c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'f-update', Role: roleArn('gone') })))).toBe(LAMBDA_REFUSAL);
    expect((await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'f-update' }))).Role).toBe(roleArn('for-lambda'));
    // Another setting without a role is not affected.
    expect(await outcome(c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'f-update', Timeout: 9 })))).toBe('ok');
  });

  it('a role deleted after it was created is refused from then on', async () => {
    await c.iam.send(new CreateRoleCommand({ RoleName: 'short-lived', AssumeRolePolicyDocument: trust('lambda.amazonaws.com') }));
    const create = (name: string) => c.lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: roleArn('short-lived'), Code: { ZipFile: code } }));
    expect(await outcome(create('f-before'))).toBe('ok');
    await c.iam.send(new DeleteRoleCommand({ RoleName: 'short-lived' }));
    expect(await outcome(create('f-after'))).toBe(LAMBDA_REFUSAL);
  });

  it('Firehose CreateDeliveryStream and UpdateDestination refuse a role Firehose cannot assume', async () => {
    const create = (name: string, role: string) => c.firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: name, ExtendedS3DestinationConfiguration: destination(role) }));
    expect(await outcome(create('d-missing', roleArn('no-such-role')))).toBe(firehoseRefusal(roleArn('no-such-role')));
    expect(await outcome(create('d-lambda', roleArn('for-lambda')))).toBe(firehoseRefusal(roleArn('for-lambda')));
    expect(await outcome(c.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'd-missing' })))).toMatch(/^ResourceNotFoundException: /);
    expect(await outcome(create('d-ok', roleArn('for-firehose')))).toBe('ok');
    expect(await outcome(create('d-other-account', roleArn('theirs', '123456789012')))).toBe('ok');
    const d = (await c.firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'd-ok' }))).DeliveryStreamDescription!;
    const update = (role: string) => c.firehose.send(new UpdateDestinationCommand({
      DeliveryStreamName: 'd-ok', CurrentDeliveryStreamVersionId: d.VersionId, DestinationId: d.Destinations![0].DestinationId, ExtendedS3DestinationUpdate: { RoleARN: role },
    }));
    expect(await outcome(update(roleArn('gone')))).toBe(firehoseRefusal(roleArn('gone')));
    expect(await outcome(update(roleArn('for-firehose')))).toBe('ok');
  });

  it("AWS IoT CreateTopicRule and ReplaceTopicRule refuse an action's or the error action's role AWS IoT cannot assume, when the rule is made", async () => {
    const create = (name: string, payload: ReturnType<typeof rule>) => c.iot.send(new CreateTopicRuleCommand({ ruleName: name, topicRulePayload: payload }));
    expect(await outcome(create('r_missing', rule(roleArn('no-such-role'))))).toBe(iotRefusal(roleArn('no-such-role')));
    expect(await outcome(create('r_error_action', rule(roleArn('for-iot'), roleArn('for-lambda'))))).toBe(iotRefusal(roleArn('for-lambda')));
    expect(await outcome(c.iot.send(new GetTopicRuleCommand({ ruleName: 'r_missing' })))).toMatch(/^UnauthorizedException: |^ResourceNotFoundException: /);
    expect(await outcome(create('r_ok', rule(roleArn('for-iot'))))).toBe('ok');
    expect(await outcome(create('r_other_account', rule(roleArn('theirs', '123456789012'))))).toBe('ok');
    expect(await outcome(c.iot.send(new ReplaceTopicRuleCommand({ ruleName: 'r_ok', topicRulePayload: rule(roleArn('gone')) })))).toBe(iotRefusal(roleArn('gone')));
    // The rule keeps what it had.
    expect((await c.iot.send(new GetTopicRuleCommand({ ruleName: 'r_ok' }))).rule?.actions?.[0].republish?.roleArn).toBe(roleArn('for-iot'));
  });
});

describe('without --require-roles', () => {
  let te: TestEngine;
  let c: ReturnType<typeof clients>;
  beforeAll(async () => {
    te = await startTestEngine();
    c = clients(te);
    await c.s3.send(new CreateBucketCommand({ Bucket: 'roles-bucket' }));
  }, 60_000);
  afterAll(async () => {
    c?.destroy();
    await te?.stop();
  });

  it('any role is taken, as before: scripts that never made their roles keep working', async () => {
    const missing = roleArn('never-made');
    expect(await outcome(c.lambda.send(new CreateFunctionCommand({ FunctionName: 'f', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: missing, Code: { ZipFile: code } })))).toBe('ok');
    expect(await outcome(c.firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'd', ExtendedS3DestinationConfiguration: destination(missing) })))).toBe('ok');
    expect(await outcome(c.iot.send(new CreateTopicRuleCommand({ ruleName: 'r', topicRulePayload: rule(missing) })))).toBe('ok');
  });
});
