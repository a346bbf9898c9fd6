import { describe, expect, it } from 'vitest';
import { TAGGED_AT_CREATION, withCreationTags } from './creation-tags.js';

const tags = { 'thingbench:lab': '3', 'thingbench:attendee': 'ann' };

describe('tags at creation', () => {
  it("adds the run's tags in each API's own shape: a Key/Value list, a map, or CreateTopicRule's query string", () => {
    expect(withCreationTags('sns', 'CreateTopic', { Name: 't' }, tags)).toEqual({ Name: 't', Tags: [{ Key: 'thingbench:lab', Value: '3' }, { Key: 'thingbench:attendee', Value: 'ann' }] });
    expect(withCreationTags('sqs', 'CreateQueue', { QueueName: 'q' }, tags)).toEqual({ QueueName: 'q', tags });
    expect(withCreationTags('lambda', 'CreateFunction', { FunctionName: 'f' }, tags)).toEqual({ FunctionName: 'f', Tags: tags });
    expect(withCreationTags('iot', 'CreatePolicy', { policyName: 'p' }, tags)).toEqual({ policyName: 'p', tags: [{ Key: 'thingbench:lab', Value: '3' }, { Key: 'thingbench:attendee', Value: 'ann' }] });
    expect(withCreationTags('iot', 'CreateTopicRule', { ruleName: 'r' }, tags)).toEqual({ ruleName: 'r', tags: 'thingbench%3Alab=3&thingbench%3Aattendee=ann' });
  });

  it("keeps the request's own tags, which win over the run's on the same key", () => {
    expect(withCreationTags('dynamodb', 'CreateTable', { TableName: 't', Tags: [{ Key: 'team', Value: 'a' }, { Key: 'thingbench:lab', Value: '9' }] }, tags)).toEqual({
      TableName: 't', Tags: [{ Key: 'thingbench:lab', Value: '9' }, { Key: 'thingbench:attendee', Value: 'ann' }, { Key: 'team', Value: 'a' }],
    });
    expect(withCreationTags('logs', 'CreateLogGroup', { logGroupName: 'g', tags: { team: 'a' } }, tags)).toEqual({ logGroupName: 'g', tags: { ...tags, team: 'a' } });
    expect(withCreationTags('iot', 'CreateTopicRule', { ruleName: 'r', tags: 'team=a' }, tags)).toEqual({ ruleName: 'r', tags: 'thingbench%3Alab=3&thingbench%3Aattendee=ann&team=a' });
  });

  it('leaves alone an operation that takes no tags at creation, and a run without tags', () => {
    const input = { Bucket: 'b' };
    expect(withCreationTags('s3', 'CreateBucket', input, tags)).toBe(input);
    expect(withCreationTags('sns', 'Subscribe', input, tags)).toBe(input);
    expect(withCreationTags('sns', 'CreateTopic', input, undefined)).toBe(input);
    expect(withCreationTags('sns', 'CreateTopic', input, {})).toBe(input);
    expect(TAGGED_AT_CREATION).toContain('kinesis CreateStream');
  });
});
