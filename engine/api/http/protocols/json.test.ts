import { describe, expect, it } from 'vitest';
import { decodeJsonInput, encodeJsonError, encodeJsonOutput, JsonSyntax, JsonValidation } from './json.js';
import { logsModel } from './models/logs.js';
import { sqsModel } from './models/sqs.js';
import { stsModel } from './models/sts.js';

const body = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('awsJson decoder', () => {
  it('keeps modeled members of their types, drops the rest, reads blobs as Buffers', () => {
    expect(decodeJsonInput(sqsModel, 'SendMessageRequest', body({
      QueueUrl: 'u', MessageBody: 'b', DelaySeconds: 5, Extra: 1,
      MessageAttributes: { bin: { DataType: 'Binary', BinaryValue: Buffer.from('hi').toString('base64') } },
    }))).toEqual({ QueueUrl: 'u', MessageBody: 'b', DelaySeconds: 5, MessageAttributes: { bin: { DataType: 'Binary', BinaryValue: Buffer.from('hi') } } });
    expect(decodeJsonInput(sqsModel, 'ListQueuesRequest', Buffer.alloc(0))).toEqual({});
  });

  it.each([
    ['a missing required member', { MessageBody: 'b' }, { member: 'QueueUrl', path: 'queueUrl', kind: 'missing' }],
    ['a string where a number belongs', { QueueUrl: 'u', MessageBody: 'b', DelaySeconds: '5' }, { path: 'delaySeconds', kind: 'type', value: '5' }],
    ['a missing member inside a list item', { QueueUrl: 'u', Entries: [{ Id: 'a' }] }, { member: 'MessageBody', path: 'entries.1.member.messageBody', kind: 'missing' }],
  ])('refuses %s', (_name, input, problem) => {
    const shape = 'Entries' in input ? 'SendMessageBatchRequest' : 'SendMessageRequest';
    try {
      decodeJsonInput(sqsModel, shape, body(input));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(JsonValidation);
      expect((e as JsonValidation).problem).toMatchObject(problem);
    }
  });

  it('refuses a body that is not a JSON object', () => {
    for (const text of ['{', '[]', '"x"']) expect(() => decodeJsonInput(sqsModel, 'ListQueuesRequest', Buffer.from(text))).toThrow(JsonSyntax);
  });
});

describe('awsJson encoder', () => {
  it('writes timestamps as epoch seconds and blobs as base64', () => {
    expect(encodeJsonOutput(stsModel, 'AssumeRoleResponse', { Credentials: { AccessKeyId: 'a', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(1700000000500) } }))
      .toEqual({ Credentials: { AccessKeyId: 'a', SecretAccessKey: 's', SessionToken: 't', Expiration: 1700000000.5 } });
    expect(encodeJsonOutput(sqsModel, 'MessageAttributeValue', { DataType: 'Binary', BinaryValue: Buffer.from('hi') })).toEqual({ DataType: 'Binary', BinaryValue: 'aGk=' });
  });

  it('leaves out undefined and unmodeled members', () => {
    expect(encodeJsonOutput(logsModel, 'DescribeLogGroupsResponse', {
      logGroups: [{ logGroupName: 'g', creationTime: 1700000000000, storedBytes: 0, secret: 'x', retentionInDays: undefined }],
    })).toEqual({ logGroups: [{ logGroupName: 'g', creationTime: 1700000000000, storedBytes: 0 }] });
  });

  it('namespaces __type and adds x-amzn-query-error for awsQueryCompatible services (SQS) only', () => {
    expect(encodeJsonError(sqsModel, { type: 'QueueDoesNotExist', code: 'AWS.SimpleQueueService.NonExistentQueue', fault: 'client', message: 'The specified queue does not exist.' })).toEqual({
      body: JSON.stringify({ __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' }),
      headers: { 'x-amzn-query-error': 'AWS.SimpleQueueService.NonExistentQueue;Sender' },
    });
    expect(encodeJsonError(logsModel, { type: 'ResourceNotFoundException', code: 'ResourceNotFoundException', fault: 'client', message: 'm' }))
      .toEqual({ body: JSON.stringify({ __type: 'ResourceNotFoundException', message: 'm' }), headers: {} });
  });
});
