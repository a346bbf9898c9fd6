/**
 * An AWS operation Thingbench has no route for yet answers AWS's unknown-operation error (UnknownOperationException)
 * with a message naming the operation, through the real AWS CLI and SDK v3, and leaves a log line; a path that is no
 * AWS operation at all still answers 404 ResourceNotFoundException "Not Found".
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { CreateBillingGroupCommand, IoTClient } from '@aws-sdk/client-iot';
import { awsCliMissing, runAwsCli } from '../helpers/aws-cli.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

let te: TestEngine;

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
});
afterAll(async () => {
  await te?.stop();
});

const iot = () => new IoTClient({ region: 'us-east-1', endpoint: te.httpUrl, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });

describe('an AWS operation that Thingbench does not support yet', () => {
  it('aws iot create-billing-group: the CLI prints UnknownOperationException naming CreateBillingGroup', async (ctx) => {
    if (awsCliMissing) ctx.skip(awsCliMissing);
    const failed = await runAwsCli(['iot', 'create-billing-group', '--billing-group-name', 'b1'], { endpoint: te.httpUrl });
    expect(failed.code).toBe(254);
    expect(failed.stderr.trim()).toBe('An error occurred (UnknownOperationException) when calling the CreateBillingGroup operation: CreateBillingGroup is an AWS IoT operation that Thingbench does not support yet');
    const logged = te.logs.filter((l) => l.source === 'api.http' && l.level === 'warn' && l.message.includes('CreateBillingGroup'));
    expect(logged.map((l) => l.message)).toEqual(['CreateBillingGroup is an AWS IoT operation that Thingbench does not support yet (POST /billing-groups/{billingGroupName}); it was answered with UnknownOperationException']);
  });

  it('SDK v3 CreateBillingGroupCommand: UnknownOperationException, 404, the operation named', async () => {
    const group = await iot().send(new CreateBillingGroupCommand({ billingGroupName: 'b2' })).catch((e: Error & { $metadata: { httpStatusCode: number } }) => e);
    expect(group).toBeInstanceOf(Error);
    expect((group as Error).name).toBe('UnknownOperationException');
    expect((group as Error).message).toBe('CreateBillingGroup is an AWS IoT operation that Thingbench does not support yet');
    expect((group as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(404);
  });

  it('iot-data operations are named too; a path that is no AWS operation stays 404 Not Found', async () => {
    const direct = await fetch(`${te.httpUrl}/connections/c1/messages`, { method: 'POST', body: 'x' });
    expect((await direct.json() as { message: string }).message).toBe('SendDirectMessage is an AWS IoT data plane operation that Thingbench does not support yet');

    const nothing = await fetch(`${te.httpUrl}/no/such/thing-at-all`);
    expect(nothing.status).toBe(404);
    expect(nothing.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException:');
    expect(await nothing.json()).toEqual({ message: 'Not Found' });
  });
});
