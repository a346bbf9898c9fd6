/**
 * Tags of jobs, job templates, AWS IoT Commands and provisioning templates, as AWS IoT keeps them: given at creation,
 * changed with TagResource and UntagResource, read with ListTagsForResource (SDK v3 and /usr/bin/aws), refused for a
 * resource that does not exist and gone with the resource.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateCommandCommand, CreateJobCommand, CreateJobTemplateCommand, CreateProvisioningTemplateCommand, CreateThingCommand, DeleteCommandCommand,
  DeleteJobCommand, DeleteJobTemplateCommand, DeleteProvisioningTemplateCommand, ListTagsForResourceCommand, TagResourceCommand, UntagResourceCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { awsCliJson, describeAwsCli } from '../helpers/aws-cli.js';
import { iotClient, thingArn } from './helpers/jobs-device.js';

const A = 'arn:aws:iot:us-east-1:000000000000';
let te: TestEngine;
let iot: IoTClient;

beforeAll(async () => {
  te = await startTestEngine();
  iot = iotClient(te);
  await iot.send(new CreateThingCommand({ thingName: 'tag-lamp' }));
});
afterAll(() => te.stop());

const tagsOf = async (resourceArn: string) => (await iot.send(new ListTagsForResourceCommand({ resourceArn }))).tags ?? [];
const template = JSON.stringify({ Parameters: { N: { Type: 'String' } }, Resources: { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'N' } } } } });

/** Each kind: how to create it with tags, and delete it. */
const kinds = [
  {
    kind: 'job', arn: `${A}:job/tag-job`,
    create: (tags?: { Key: string; Value: string }[]) => iot.send(new CreateJobCommand({ jobId: 'tag-job', targets: [thingArn('tag-lamp')], document: '{"a":1}', tags })),
    remove: () => iot.send(new DeleteJobCommand({ jobId: 'tag-job', force: true })),
  },
  {
    kind: 'jobtemplate', arn: `${A}:jobtemplate/tag-template`,
    create: (tags?: { Key: string; Value: string }[]) => iot.send(new CreateJobTemplateCommand({ jobTemplateId: 'tag-template', description: 'd', document: '{"a":1}', tags })),
    remove: () => iot.send(new DeleteJobTemplateCommand({ jobTemplateId: 'tag-template' })),
  },
  {
    // A command that was not deprecated first is deleted later (DeleteCommand answers 202): its tags go at once.
    kind: 'command', arn: `${A}:command/tag-command`, deferred: true,
    create: (tags?: { Key: string; Value: string }[]) => iot.send(new CreateCommandCommand({ commandId: 'tag-command', payload: { content: Buffer.from('{}'), contentType: 'application/json' }, tags })),
    remove: () => iot.send(new DeleteCommandCommand({ commandId: 'tag-command' })),
  },
  {
    kind: 'provisioningtemplate', arn: `${A}:provisioningtemplate/tag-provisioning`,
    create: (tags?: { Key: string; Value: string }[]) => iot.send(new CreateProvisioningTemplateCommand({
      templateName: 'tag-provisioning', templateBody: template, provisioningRoleArn: 'arn:aws:iam::000000000000:role/p', tags,
    })),
    remove: () => iot.send(new DeleteProvisioningTemplateCommand({ templateName: 'tag-provisioning' })),
  },
];

describe('tags of device-management resources', () => {
  it.each(kinds)('$kind: creation tags listed, tagged and untagged, gone with the resource', async (k) => {
    await expect(tagsOf(k.arn)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await k.create([{ Key: 'team', Value: 'fleet' }]);
    expect(await tagsOf(k.arn)).toEqual([{ Key: 'team', Value: 'fleet' }]);
    await iot.send(new TagResourceCommand({ resourceArn: k.arn, tags: [{ Key: 'stage', Value: 'beta' }, { Key: 'team', Value: 'ops' }] }));
    expect(await tagsOf(k.arn)).toEqual([{ Key: 'stage', Value: 'beta' }, { Key: 'team', Value: 'ops' }]);
    await iot.send(new UntagResourceCommand({ resourceArn: k.arn, tagKeys: ['team'] }));
    expect(await tagsOf(k.arn)).toEqual([{ Key: 'stage', Value: 'beta' }]);
    await expect(iot.send(new TagResourceCommand({ resourceArn: k.arn, tags: [{ Key: 'aws:x', Value: 'y' }] }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
    await k.remove();
    if ('deferred' in k) {
      expect(await tagsOf(k.arn)).toEqual([]);
      return;
    }
    await expect(tagsOf(k.arn)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await k.create();
    expect(await tagsOf(k.arn)).toEqual([]);
    await k.remove();
  });

  it('a creation with a reserved tag key is refused and makes nothing', async () => {
    await expect(kinds[0].create([{ Key: 'aws:owner', Value: 'me' }])).rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(tagsOf(kinds[0].arn)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describeAwsCli('tags with the AWS CLI', () => {
  it('aws iot tag-resource and list-tags-for-resource on a job', async () => {
    const endpoint = te.httpUrl;
    await awsCliJson(['iot', 'create-job', '--job-id', 'cli-tag-job', '--targets', thingArn('tag-lamp'), '--document', '{"a":1}', '--tags', 'Key=owner,Value=lab'], { endpoint });
    await awsCliJson(['iot', 'tag-resource', '--resource-arn', `${A}:job/cli-tag-job`, '--tags', 'Key=rollout,Value=canary'], { endpoint });
    const listed = await awsCliJson(['iot', 'list-tags-for-resource', '--resource-arn', `${A}:job/cli-tag-job`], { endpoint });
    expect(listed.tags).toEqual([{ Key: 'owner', Value: 'lab' }, { Key: 'rollout', Value: 'canary' }]);
  });
});
