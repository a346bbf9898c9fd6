/**
 * Tags the engine keeps on DynamoDB tables, Kinesis streams, Firehose delivery streams, CloudWatch alarms, Lambda
 * functions and AWS IoT thing groups and thing types: given at creation or
 * added later, read back, removed, kept across a restart, refused past AWS's limits (50 per resource, `aws:` keys
 * reserved), and gone with their resource; through the real AWS SDK v3 clients and /usr/bin/aws.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateTableCommand, DeleteTableCommand, DynamoDBClient, ListTagsOfResourceCommand, TagResourceCommand, UntagResourceCommand,
} from '@aws-sdk/client-dynamodb';
import {
  AddTagsToStreamCommand, CreateStreamCommand, DeleteStreamCommand, KinesisClient, ListTagsForResourceCommand, ListTagsForStreamCommand,
  RemoveTagsFromStreamCommand, TagResourceCommand as KinesisTagResourceCommand,
} from '@aws-sdk/client-kinesis';
import {
  CreateDeliveryStreamCommand, DeleteDeliveryStreamCommand, FirehoseClient, ListTagsForDeliveryStreamCommand, TagDeliveryStreamCommand,
  UntagDeliveryStreamCommand,
} from '@aws-sdk/client-firehose';
import {
  CloudWatchClient, DeleteAlarmsCommand, ListTagsForResourceCommand as ListAlarmTagsCommand, PutMetricAlarmCommand,
  TagResourceCommand as AlarmTagResourceCommand, UntagResourceCommand as AlarmUntagResourceCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand, LambdaClient, ListTagsCommand, TagResourceCommand as LambdaTagResourceCommand,
  UntagResourceCommand as LambdaUntagResourceCommand,
} from '@aws-sdk/client-lambda';
import { zipSync, strToU8 } from 'fflate';
import {
  CreateThingGroupCommand, CreateThingTypeCommand, DeleteThingGroupCommand, DeprecateThingTypeCommand, IoTClient,
  ListTagsForResourceCommand as IotListTagsCommand, TagResourceCommand as IotTagResourceCommand, UntagResourceCommand as IotUntagResourceCommand,
} from '@aws-sdk/client-iot';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { awsCliJson, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';

const tableArn = (name: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`;
const streamArn = (name: string) => `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;
const many = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => ({ Key: `${prefix}${String(i).padStart(2, '0')}`, Value: `v${i}` }));
const asMap = (tags: Array<{ Key: string; Value: string }>) => Object.fromEntries(tags.map((t) => [t.Key, t.Value]));

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

let te: TestEngine;
const config = () => ({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } });
beforeAll(async () => {
  te = await startTestEngine();
}, 60_000);
afterAll(async () => {
  await te?.stop();
});

describe('DynamoDB', () => {
  it('keeps CreateTable tags, TagResource adds and overwrites, UntagResource removes, ListTagsOfResource reads; all kept across a restart and gone with the table', async () => {
    let ddb = new DynamoDBClient(config());
    const table = { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }], BillingMode: 'PAY_PER_REQUEST' as const };
    await ddb.send(new CreateTableCommand({ TableName: 'tagged', ...table, Tags: [{ Key: 'team', Value: 'iot' }, { Key: 'thingbench:lab', Value: '8' }] }));
    const list = async (name = 'tagged') => asMap((await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: tableArn(name) }))).Tags as Array<{ Key: string; Value: string }>);
    expect(await list()).toEqual({ team: 'iot', 'thingbench:lab': '8' });
    await ddb.send(new TagResourceCommand({ ResourceArn: tableArn('tagged'), Tags: [{ Key: 'team', Value: 'data' }, { Key: 'env', Value: '' }] }));
    await ddb.send(new UntagResourceCommand({ ResourceArn: tableArn('tagged'), TagKeys: ['thingbench:lab', 'never-there'] }));
    expect(await list()).toEqual({ team: 'data', env: '' });

    ddb.destroy();
    await te.stop();
    te = await te.restart();
    ddb = new DynamoDBClient(config());
    expect(await list()).toEqual({ team: 'data', env: '' });

    // AWS's limits: 50 tags in all, aws: keys reserved; a refused request changes nothing.
    expect(await outcome(ddb.send(new TagResourceCommand({ ResourceArn: tableArn('tagged'), Tags: many(49) })))).toMatch(/^LimitExceededException: /);
    expect(await outcome(ddb.send(new TagResourceCommand({ ResourceArn: tableArn('tagged'), Tags: [{ Key: 'aws:owner', Value: 'x' }] })))).toMatch(/^ValidationException: .*aws:/);
    expect(await list()).toEqual({ team: 'data', env: '' });
    expect(await outcome(ddb.send(new TagResourceCommand({ ResourceArn: tableArn('tagged'), Tags: many(48) })))).toBe('ok');
    expect(Object.keys(await list())).toHaveLength(50);
    expect(await outcome(ddb.send(new CreateTableCommand({ TableName: 'too-many', ...table, Tags: many(51) })))).toMatch(/^LimitExceededException: /);
    expect(await outcome(ddb.send(new ListTagsOfResourceCommand({ ResourceArn: tableArn('too-many') })))).toBe(`ResourceNotFoundException: Requested resource not found: ResourcArn: ${tableArn('too-many')} not found`);
    expect(await outcome(ddb.send(new ListTagsOfResourceCommand({ ResourceArn: 'not-an-arn' })))).toMatch(/^ValidationException: /);

    // Gone with the table: a new table of the same name starts with none.
    await ddb.send(new DeleteTableCommand({ TableName: 'tagged' }));
    await ddb.send(new CreateTableCommand({ TableName: 'tagged', ...table }));
    expect(await list()).toEqual({});
    ddb.destroy();
  });
});

describe('Kinesis', () => {
  it('keeps CreateStream tags; AddTagsToStream, RemoveTagsFromStream, ListTagsForStream by name (paged) and TagResource, ListTagsForResource by ARN', async () => {
    const kinesis = new KinesisClient(config());
    await kinesis.send(new CreateStreamCommand({ StreamName: 'tagged', ShardCount: 1, Tags: { team: 'iot' } }));
    await kinesis.send(new AddTagsToStreamCommand({ StreamName: 'tagged', Tags: { b: '2', a: '1' } }));
    await kinesis.send(new KinesisTagResourceCommand({ ResourceARN: streamArn('tagged'), Tags: { c: '3' } }));
    const first = await kinesis.send(new ListTagsForStreamCommand({ StreamName: 'tagged', Limit: 2 }));
    expect(first).toMatchObject({ Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }], HasMoreTags: true });
    const rest = await kinesis.send(new ListTagsForStreamCommand({ StreamARN: streamArn('tagged'), ExclusiveStartTagKey: 'b' }));
    expect(rest).toMatchObject({ Tags: [{ Key: 'c', Value: '3' }, { Key: 'team', Value: 'iot' }], HasMoreTags: false });
    await kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: 'tagged', TagKeys: ['a', 'team'] }));
    expect((await kinesis.send(new ListTagsForResourceCommand({ ResourceARN: streamArn('tagged') }))).Tags).toEqual([{ Key: 'b', Value: '2' }, { Key: 'c', Value: '3' }]);
    expect(await outcome(kinesis.send(new AddTagsToStreamCommand({ StreamName: 'tagged', Tags: Object.fromEntries(many(49).map((t) => [t.Key, t.Value])) }))))
      .toBe('InvalidArgumentException: Failed to add tags to stream tagged under account 000000000000 because a given stream cannot have more than 50 tags.');
    expect(await outcome(kinesis.send(new AddTagsToStreamCommand({ StreamName: 'tagged', Tags: { 'AWS:x': 'y' } })))).toMatch(/^InvalidArgumentException: .*aws:/);
    expect(await outcome(kinesis.send(new ListTagsForStreamCommand({ StreamName: 'nope' })))).toBe('ResourceNotFoundException: Stream nope under account 000000000000 not found.');
    await kinesis.send(new DeleteStreamCommand({ StreamName: 'tagged' }));
    await kinesis.send(new CreateStreamCommand({ StreamName: 'tagged', ShardCount: 1 }));
    expect((await kinesis.send(new ListTagsForStreamCommand({ StreamName: 'tagged' }))).Tags).toEqual([]);
    kinesis.destroy();
  });
});

describe('Firehose', () => {
  it('keeps CreateDeliveryStream tags; TagDeliveryStream, UntagDeliveryStream, ListTagsForDeliveryStream (paged); gone with the delivery stream', async () => {
    const firehose = new FirehoseClient(config());
    const dest = { ExtendedS3DestinationConfiguration: { RoleARN: 'arn:aws:iam::000000000000:role/fh', BucketARN: 'arn:aws:s3:::tags-bucket' } };
    await firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'tagged', ...dest, Tags: [{ Key: 'team', Value: 'iot' }] }));
    await firehose.send(new TagDeliveryStreamCommand({ DeliveryStreamName: 'tagged', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }));
    const page = await firehose.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: 'tagged', Limit: 2 }));
    expect(page).toMatchObject({ Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }], HasMoreTags: true });
    await firehose.send(new UntagDeliveryStreamCommand({ DeliveryStreamName: 'tagged', TagKeys: ['a'] }));
    expect((await firehose.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: 'tagged' }))).Tags).toEqual([{ Key: 'b', Value: '2' }, { Key: 'team', Value: 'iot' }]);
    expect(await outcome(firehose.send(new TagDeliveryStreamCommand({ DeliveryStreamName: 'tagged', Tags: many(49) })))).toMatch(/^LimitExceededException: /);
    expect(await outcome(firehose.send(new TagDeliveryStreamCommand({ DeliveryStreamName: 'tagged', Tags: [{ Key: 'aws:x', Value: '' }] })))).toMatch(/^InvalidArgumentException: .*aws:/);
    expect(await outcome(firehose.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: 'nope' })))).toMatch(/^ResourceNotFoundException: /);
    await firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: 'tagged' }));
    await firehose.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'tagged', ...dest }));
    expect((await firehose.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: 'tagged' }))).Tags).toEqual([]);
    firehose.destroy();
  });
});

describe('CloudWatch alarms', () => {
  it("keeps PutMetricAlarm's tags when it creates the alarm (not on an update); TagResource, UntagResource, ListTagsForResource; gone with the alarm", async () => {
    const cw = new CloudWatchClient(config());
    const arn = 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:hot';
    const alarm = { AlarmName: 'hot', MetricName: 'temp', Namespace: 'Lab', Statistic: 'Maximum' as const, Period: 60, EvaluationPeriods: 1, Threshold: 30, ComparisonOperator: 'GreaterThanThreshold' as const };
    const list = async () => asMap((await cw.send(new ListAlarmTagsCommand({ ResourceARN: arn }))).Tags as Array<{ Key: string; Value: string }>);
    await cw.send(new PutMetricAlarmCommand({ ...alarm, Tags: [{ Key: 'team', Value: 'iot' }] }));
    await cw.send(new PutMetricAlarmCommand({ ...alarm, Threshold: 35, Tags: [{ Key: 'ignored', Value: 'on update' }] }));
    expect(await list()).toEqual({ team: 'iot' });
    await cw.send(new AlarmTagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'env', Value: 'lab' }] }));
    await cw.send(new AlarmUntagResourceCommand({ ResourceARN: arn, TagKeys: ['team'] }));
    expect(await list()).toEqual({ env: 'lab' });
    expect(await outcome(cw.send(new AlarmTagResourceCommand({ ResourceARN: arn, Tags: many(50) })))).toMatch(/^InvalidParameterValueException: /);
    expect(await outcome(cw.send(new AlarmTagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'aws:x', Value: 'y' }] })))).toMatch(/^InvalidParameterValueException: .*aws:/);
    expect(await list()).toEqual({ env: 'lab' });
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['hot'] }));
    expect(await outcome(list())).toMatch(/^ResourceNotFoundException: /);
    await cw.send(new PutMetricAlarmCommand(alarm));
    expect(await list()).toEqual({});
    cw.destroy();
  });
});

describe('Lambda', () => {
  it("keeps CreateFunction's tags; TagResource, UntagResource, ListTags by the function's ARN and GetFunction's Tags; kept across a restart, gone with the function", async () => {
    let lambda = new LambdaClient(config());
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:tagged';
    const code = zipSync({ 'index.mjs': strToU8('export const handler = async () => 1;') });
    const create = (Tags?: Record<string, string>) => lambda.send(new CreateFunctionCommand({
      FunctionName: 'tagged', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/fn', Code: { ZipFile: code }, ...(Tags ? { Tags } : {}),
    }));
    await create({ team: 'iot', 'thingbench:lab': '11' });
    await lambda.send(new LambdaTagResourceCommand({ Resource: arn, Tags: { env: 'lab', team: 'data' } }));
    await lambda.send(new LambdaUntagResourceCommand({ Resource: arn, TagKeys: ['thingbench:lab', 'never-there'] }));
    expect((await lambda.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual({ team: 'data', env: 'lab' });
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: 'tagged' }))).Tags).toEqual({ team: 'data', env: 'lab' });

    lambda.destroy();
    await te.stop();
    te = await te.restart();
    lambda = new LambdaClient(config());
    expect((await lambda.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual({ team: 'data', env: 'lab' });

    const fifty = Object.fromEntries(many(49).map((t) => [t.Key, t.Value]));
    expect(await outcome(lambda.send(new LambdaTagResourceCommand({ Resource: arn, Tags: fifty })))).toMatch(/^InvalidParameterValueException: Number of tags exceeds resource tag limit/);
    expect(await outcome(lambda.send(new LambdaTagResourceCommand({ Resource: arn, Tags: { 'aws:x': 'y' } })))).toMatch(/^InvalidParameterValueException: .*aws:/);
    expect(await outcome(lambda.send(new ListTagsCommand({ Resource: 'arn:aws:lambda:us-east-1:000000000000:function:nope' })))).toMatch(/^ResourceNotFoundException: Function not found/);
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'tagged' }));
    await create();
    expect((await lambda.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual({});
    lambda.destroy();
  });
});

describe('AWS IoT', () => {
  it("keeps CreateThingGroup's and CreateThingType's tags; TagResource, UntagResource, ListTagsForResource by ARN; gone with the group", async () => {
    const iot = new IoTClient(config());
    const group = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'tagged', tags: [{ Key: 'team', Value: 'iot' }] }));
    const type = await iot.send(new CreateThingTypeCommand({ thingTypeName: 'tagged-type', tags: [{ Key: 'thingbench:lab', Value: '12' }] }));
    const list = async (arn: string) => asMap((await iot.send(new IotListTagsCommand({ resourceArn: arn }))).tags as Array<{ Key: string; Value: string }>);
    expect(await list(group.thingGroupArn!)).toEqual({ team: 'iot' });
    expect(await list(type.thingTypeArn!)).toEqual({ 'thingbench:lab': '12' });
    await iot.send(new IotTagResourceCommand({ resourceArn: group.thingGroupArn, tags: [{ Key: 'env', Value: 'lab' }, { Key: 'team', Value: 'data' }] }));
    await iot.send(new IotUntagResourceCommand({ resourceArn: group.thingGroupArn, tagKeys: ['env'] }));
    expect(await list(group.thingGroupArn!)).toEqual({ team: 'data' });
    expect(await outcome(iot.send(new IotTagResourceCommand({ resourceArn: group.thingGroupArn, tags: many(50) })))).toMatch(/^LimitExceededException: /);
    expect(await outcome(iot.send(new IotTagResourceCommand({ resourceArn: group.thingGroupArn, tags: [{ Key: 'aws:x', Value: 'y' }] })))).toMatch(/^InvalidRequestException: .*aws:/);
    expect(await outcome(iot.send(new CreateThingGroupCommand({ thingGroupName: 'refused', tags: [{ Key: 'aws:x', Value: 'y' }] })))).toMatch(/^InvalidRequestException: /);
    expect(await outcome(iot.send(new IotListTagsCommand({ resourceArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/refused' })))).toBe('ResourceNotFoundException: Thing group refused does not exist');
    await iot.send(new DeleteThingGroupCommand({ thingGroupName: 'tagged' }));
    const again = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'tagged' }));
    expect(await list(again.thingGroupArn!)).toEqual({});
    await iot.send(new DeprecateThingTypeCommand({ thingTypeName: 'tagged-type' }));
    iot.destroy();
  });
});

describeAwsCli('the AWS CLI', () => {
  it('tags a table, a stream and a delivery stream and reads them back', async () => {
    const opts = { endpoint: te.httpUrl };
    await awsCliJson(['dynamodb', 'create-table', '--table-name', 'cli-tagged', '--attribute-definitions', 'AttributeName=id,AttributeType=S',
      '--key-schema', 'AttributeName=id,KeyType=HASH', '--billing-mode', 'PAY_PER_REQUEST', '--tags', 'Key=team,Value=iot'], opts);
    await awsCliJson(['dynamodb', 'tag-resource', '--resource-arn', tableArn('cli-tagged'), '--tags', 'Key=env,Value=lab'], opts);
    expect(asMap((await awsCliJson(['dynamodb', 'list-tags-of-resource', '--resource-arn', tableArn('cli-tagged')], opts)).Tags as Array<{ Key: string; Value: string }>))
      .toEqual({ team: 'iot', env: 'lab' });
    await awsCliJson(['kinesis', 'create-stream', '--stream-name', 'cli-tagged', '--shard-count', '1'], opts);
    await awsCliJson(['kinesis', 'add-tags-to-stream', '--stream-name', 'cli-tagged', '--tags', 'team=iot'], opts);
    expect((await awsCliJson(['kinesis', 'list-tags-for-stream', '--stream-name', 'cli-tagged'], opts)).Tags).toEqual([{ Key: 'team', Value: 'iot' }]);
    await awsCliJson(['firehose', 'create-delivery-stream', '--delivery-stream-name', 'cli-tagged', '--extended-s3-destination-configuration',
      'RoleARN=arn:aws:iam::000000000000:role/fh,BucketARN=arn:aws:s3:::cli-bucket'], opts);
    await awsCliJson(['firehose', 'tag-delivery-stream', '--delivery-stream-name', 'cli-tagged', '--tags', 'Key=team,Value=iot'], opts);
    expect((await awsCliJson(['firehose', 'list-tags-for-delivery-stream', '--delivery-stream-name', 'cli-tagged'], opts)).Tags).toEqual([{ Key: 'team', Value: 'iot' }]);
    const g = await awsCliJson(['iot', 'create-thing-group', '--thing-group-name', 'cli-tagged', '--tags', 'Key=team,Value=iot'], opts);
    expect((await awsCliJson(['iot', 'list-tags-for-resource', '--resource-arn', g.thingGroupArn as string], opts)).tags).toEqual([{ Key: 'team', Value: 'iot' }]);
    const refused = await runAwsCli(['dynamodb', 'tag-resource', '--resource-arn', tableArn('cli-tagged'), '--tags', 'Key=aws:x,Value=y'], opts);
    expect(refused.code).toBe(254);
    expect(refused.stderr).toContain('(ValidationException) when calling the TagResource operation');
  });
});
