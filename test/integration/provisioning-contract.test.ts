/**
 * The contract's `provisioning` area (`provisioning.templates`, `provisioning.template`, `provisioning.tasks`) over the
 * browser-mode `/rpc` WebSocket on a real engine, checked against what the AWS SDK made.
 */
import {
  IoTClient, CreateProvisioningTemplateCommand, CreateProvisioningTemplateVersionCommand, DescribeThingRegistrationTaskCommand, StartThingRegistrationTaskCommand,
} from '@aws-sdk/client-iot';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RpcError, type ThingbenchClient } from '../../engine/contract/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { openContract, type OpenContract } from '../helpers/ui-transport.js';

const ROLE = 'arn:aws:iam::000000000000:role/Provisioning';
const templateBody = JSON.stringify({ Parameters: { ThingName: { Type: 'String' } }, Resources: { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'ThingName' } } } } });

let te: TestEngine;
let contract: OpenContract;
let api: ThingbenchClient;
let iot: IoTClient;

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  contract = await openContract(te);
  api = contract.api;
  const config = { endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
  iot = new IoTClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'ui-input' }));
  await s3.send(new PutObjectCommand({ Bucket: 'ui-input', Key: 'things.json', Body: '{"ThingName":"ui-1"}\n{"ThingName":"bad name!"}\n' }));
});
afterAll(async () => {
  await contract?.close();
  await te?.stop();
});

describe('contract provisioning area', () => {
  it('lists and describes templates with their versions, and bulk registration tasks', async () => {
    await iot.send(new CreateProvisioningTemplateCommand({
      templateName: 'ui-fleet', templateBody, provisioningRoleArn: ROLE, enabled: true, description: 'bulbs',
      preProvisioningHook: { targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:check' },
    }));
    await iot.send(new CreateProvisioningTemplateVersionCommand({ templateName: 'ui-fleet', templateBody, setAsDefault: true }));
    await iot.send(new CreateProvisioningTemplateCommand({ templateName: 'ui-jitp', templateBody, provisioningRoleArn: ROLE, type: 'JITP' }));

    expect(await api.provisioning.templates()).toEqual([
      expect.objectContaining({ name: 'ui-fleet', type: 'FLEET_PROVISIONING', enabled: true, description: 'bulbs', defaultVersionId: 2, preProvisioningHook: { targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:check', payloadVersion: '2020-04-01' } }),
      expect.objectContaining({ name: 'ui-jitp', type: 'JITP', enabled: false, defaultVersionId: 1 }),
    ]);
    const detail = await api.provisioning.template('ui-fleet');
    expect(detail).toMatchObject({ arn: 'arn:aws:iot:us-east-1:000000000000:provisioningtemplate/ui-fleet', provisioningRoleArn: ROLE, templateBody });
    expect(detail.versions.map((v) => [v.versionId, v.isDefault])).toEqual([[1, false], [2, true]]);
    const missing = await api.provisioning.template('nope').then(() => undefined, (e: unknown) => e);
    expect(missing).toBeInstanceOf(RpcError);
    expect(missing).toMatchObject({ code: 'NotFound', message: 'The provisioning template nope does not exist' });

    const { taskId } = await iot.send(new StartThingRegistrationTaskCommand({ templateBody, inputFileBucket: 'ui-input', inputFileKey: 'things.json', roleArn: ROLE }));
    await vi.waitFor(async () => expect((await iot.send(new DescribeThingRegistrationTaskCommand({ taskId }))).status).toBe('Completed'));
    expect(await api.provisioning.tasks()).toEqual([{
      taskId, status: 'Completed', successCount: 1, failureCount: 1, percentageProgress: 100, inputFileBucket: 'ui-input', inputFileKey: 'things.json',
      reports: { results: `ThingRegistrationTask/${taskId}/results.json`, errors: `ThingRegistrationTask/${taskId}/errors.json` },
      createdAt: expect.any(Number), updatedAt: expect.any(Number),
    }]);
    expect(await api.provisioning.tasks('Failed')).toEqual([]);
    const bad = await (api.provisioning.tasks as (s: string) => Promise<unknown>)('Running').then(() => undefined, (e: unknown) => e);
    expect(bad).toMatchObject({ code: 'InvalidInput' });
  });
});
