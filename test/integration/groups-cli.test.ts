/**
 * The `aws iot` CLI (AWS CLI v2 at /usr/bin/aws) with dynamic thing groups (skipped when it is not installed):
 * create-dynamic-thing-group, describe-thing-group, list-things-in-thing-group following update-thing,
 * update-dynamic-thing-group, update-thing-group, delete-dynamic-thing-group, and a bad query's error exit.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { AwsCliError, awsCliJson, describeAwsCli } from '../helpers/aws-cli.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

describeAwsCli('aws iot dynamic thing group commands', () => {
  let te: TestEngine;
  const aws = (...args: string[]) => awsCliJson(['iot', ...args, '--output', 'json'], { endpoint: te.httpUrl });
  const awsFails = (...args: string[]) => aws(...args).then(() => undefined, (e: AwsCliError) => e);

  beforeAll(async () => {
    te = await startTestEngine({ mode: 'aws' });
  });

  afterAll(async () => {
    await te?.stop();
  });

  it('creates, describes, lists, updates and deletes a dynamic thing group', async () => {
    await aws('create-thing', '--thing-name', 'Battery80', '--attribute-payload', '{"attributes":{"batterylife":"85"}}');
    expect(await aws('create-dynamic-thing-group', '--thing-group-name', '80PercentBatteryLife', '--query-string', 'attributes.batterylife>80'))
      .toMatchObject({
        thingGroupName: '80PercentBatteryLife', thingGroupArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/80PercentBatteryLife',
        indexName: 'AWS_Things', queryString: 'attributes.batterylife>80', queryVersion: '2017-09-30',
      });
    expect(await aws('describe-thing-group', '--thing-group-name', '80PercentBatteryLife'))
      .toMatchObject({ status: 'ACTIVE', indexName: 'AWS_Things', queryString: 'attributes.batterylife>80', version: 1 });
    expect(await aws('list-things-in-thing-group', '--thing-group-name', '80PercentBatteryLife')).toEqual({ things: ['Battery80'] });
    await aws('update-thing', '--thing-name', 'Battery80', '--attribute-payload', '{"attributes":{"batterylife":"60"},"merge":true}');
    expect(await aws('list-things-in-thing-group', '--thing-group-name', '80PercentBatteryLife')).toEqual({ things: [] });
    expect(await aws('update-dynamic-thing-group', '--thing-group-name', '80PercentBatteryLife', '--query-string', 'attributes.batterylife>50',
      '--thing-group-properties', 'thingGroupDescription="Battery above 50 percent"')).toEqual({ version: 2 });
    expect(await aws('list-things-in-thing-group', '--thing-group-name', '80PercentBatteryLife')).toEqual({ things: ['Battery80'] });
    await aws('delete-dynamic-thing-group', '--thing-group-name', '80PercentBatteryLife');
    expect((await aws('list-thing-groups')).thingGroups).toEqual([]);
  }, 180_000); // each CLI run starts Python (~1 s)

  it('updates a static group and reports a bad query', async () => {
    await aws('create-thing-group', '--thing-group-name', 'Static');
    expect(await aws('update-thing-group', '--thing-group-name', 'Static', '--thing-group-properties', 'thingGroupDescription=Updated', '--expected-version', '1'))
      .toEqual({ version: 2 });
    const bad = await awsFails('create-dynamic-thing-group', '--thing-group-name', 'Broken', '--query-string', 'attributes.a:[1 TO');
    expect(bad?.code).toBe(254);
    expect(bad?.stderr).toContain('(InvalidQueryException) when calling the CreateDynamicThingGroup operation');
    const ghost = await awsFails('add-thing-to-thing-group', '--thing-group-name', 'Static', '--thing-name', 'ghost');
    expect(ghost?.stderr).toContain('(ResourceNotFoundException) when calling the AddThingToThingGroup operation');
  }, 60_000);
});
