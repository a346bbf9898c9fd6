import { describe, expect, it } from 'vitest';
import { decodeQueryInput, encodeQueryError, encodeQueryResponse, escapeXml, QueryValidation } from './query.js';
import { iamModel } from './models/iam.js';
import { sqsModel } from './models/sqs.js';
import { stsModel } from './models/sts.js';

const form = (s: string) => [...new URLSearchParams(s)];

describe('query protocol decoder', () => {
  it.each([
    ['IAM member lists and nested structures', iamModel, 'CreateRoleRequest',
      'Action=CreateRole&Version=2010-05-08&RoleName=r1&AssumeRolePolicyDocument=%7B%7D&MaxSessionDuration=7200&Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.2.Key=b&Tags.member.2.Value=2',
      { RoleName: 'r1', AssumeRolePolicyDocument: '{}', MaxSessionDuration: 7200, Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }],
    ['SQS flattened maps with xmlNames (Attribute.N.Name/Value)', sqsModel, 'CreateQueueRequest',
      'Action=CreateQueue&QueueName=q.fifo&Attribute.1.Name=FifoQueue&Attribute.1.Value=true&Attribute.2.Name=VisibilityTimeout&Attribute.2.Value=5&Tag.1.Key=team&Tag.1.Value=lab',
      { QueueName: 'q.fifo', Attributes: { FifoQueue: 'true', VisibilityTimeout: '5' }, tags: { team: 'lab' } }],
    ['SQS flattened lists of structures with nested flattened maps', sqsModel, 'SendMessageBatchRequest',
      'QueueUrl=u&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=x&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=n'
      + '&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=String&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=v'
      + '&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=y&SendMessageBatchRequestEntry.2.DelaySeconds=3',
      { QueueUrl: 'u', Entries: [{ Id: 'a', MessageBody: 'x', MessageAttributes: { n: { DataType: 'String', StringValue: 'v' } } }, { Id: 'b', MessageBody: 'y', DelaySeconds: 3 }] }],
    ['SQS flattened string lists', sqsModel, 'ReceiveMessageRequest',
      'QueueUrl=u&AttributeName.1=All&MessageAttributeName.1=a&MessageAttributeName.2=b&WaitTimeSeconds=20',
      { QueueUrl: 'u', AttributeNames: ['All'], MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['a', 'b'], WaitTimeSeconds: 20 }],
    ['a map key named __proto__ kept as a key', sqsModel, 'TagQueueRequest', 'QueueUrl=u&Tag.1.Key=__proto__&Tag.1.Value=x',
      { QueueUrl: 'u', Tags: Object.fromEntries([['__proto__', 'x']]) }],
    ['an empty list sent as `Name=`', iamModel, 'CreateRoleRequest', 'RoleName=r&AssumeRolePolicyDocument=x&Tags=', { RoleName: 'r', AssumeRolePolicyDocument: 'x', Tags: [] }],
    ['plus signs and percent escapes', stsModel, 'AssumeRoleRequest', 'RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fa&RoleSessionName=a+b&DurationSeconds=900',
      { RoleArn: 'arn:aws:iam::000000000000:role/a', RoleSessionName: 'a b', DurationSeconds: 900 }],
  ])('%s', (_name, model, shape, body, expected) => {
    expect(decodeQueryInput(model, shape, form(body))).toEqual(expected);
  });

  it.each([
    ['a missing required member, named as AWS names it', 'AssumeRolePolicyDocument=x', { member: 'RoleName', path: 'roleName', kind: 'missing' }],
    ['a number that is not one', 'RoleName=r&AssumeRolePolicyDocument=x&MaxSessionDuration=ten', { path: 'maxSessionDuration', kind: 'type', value: 'ten' }],
    ['a missing required member of a list item', 'RoleName=r&AssumeRolePolicyDocument=x&Tags.member.1.Value=v', { member: 'Key', path: 'tags.1.member.key', kind: 'missing' }],
  ])('refuses %s', (_name, body, problem) => {
    try {
      decodeQueryInput(iamModel, 'CreateRoleRequest', form(body));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(QueryValidation);
      expect((e as QueryValidation).problem).toMatchObject(problem);
    }
  });
});

describe('query protocol XML encoder', () => {
  it('wraps output in <OpResponse><OpResult> with the namespace and request id, lists as <member>, timestamps ISO 8601', () => {
    const xml = encodeQueryResponse(iamModel, 'ListRoles', {
      Roles: [{ Path: '/', RoleName: 'r', RoleId: 'AROA1', Arn: 'arn:aws:iam::000000000000:role/r', CreateDate: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), AssumeRolePolicyDocument: '%7B%7D' }],
      IsTruncated: false,
      Unmodeled: 'dropped',
    }, 'req-1');
    expect(xml).toBe('<ListRolesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListRolesResult><Roles><member><Path>/</Path><RoleName>r</RoleName>'
      + '<RoleId>AROA1</RoleId><Arn>arn:aws:iam::000000000000:role/r</Arn><CreateDate>2026-01-02T03:04:05Z</CreateDate>'
      + '<AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument></member></Roles><IsTruncated>false</IsTruncated></ListRolesResult>'
      + '<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></ListRolesResponse>');
  });

  it('writes flattened maps and lists under their xmlNames (SQS)', () => {
    expect(encodeQueryResponse(sqsModel, 'GetQueueAttributes', { Attributes: { VisibilityTimeout: '30', FifoQueue: 'true' } }, 'r'))
      .toBe('<GetQueueAttributesResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><GetQueueAttributesResult>'
        + '<Attribute><Name>VisibilityTimeout</Name><Value>30</Value></Attribute><Attribute><Name>FifoQueue</Name><Value>true</Value></Attribute>'
        + '</GetQueueAttributesResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetQueueAttributesResponse>');
    expect(encodeQueryResponse(sqsModel, 'ListQueues', { QueueUrls: ['http://h/000000000000/a', 'http://h/000000000000/b'] }, 'r'))
      .toContain('<ListQueuesResult><QueueUrl>http://h/000000000000/a</QueueUrl><QueueUrl>http://h/000000000000/b</QueueUrl></ListQueuesResult>');
  });

  it('writes an empty required list as an empty element and omits absent members', () => {
    expect(encodeQueryResponse(iamModel, 'ListRoles', { Roles: [], IsTruncated: false }, 'r')).toContain('<ListRolesResult><Roles></Roles><IsTruncated>false</IsTruncated></ListRolesResult>');
  });

  it('answers an operation without output with the metadata alone', () => {
    expect(encodeQueryResponse(iamModel, 'DeleteRole', undefined, 'r')).toBe('<DeleteRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteRoleResponse>');
  });

  it('escapes text, carriage returns included (SQS message bodies keep them)', () => {
    expect(escapeXml(`<a href="x">&'\r\n`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&#xD;\n');
  });

  it('writes errors as ErrorResponse with Sender or Receiver', () => {
    expect(encodeQueryError({ code: 'NoSuchEntity', message: 'The role with name x cannot be found.', fault: 'client' }, 'r', iamModel.xmlNamespace))
      .toBe('<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>'
        + '<Message>The role with name x cannot be found.</Message></Error><RequestId>r</RequestId></ErrorResponse>');
    expect(encodeQueryError({ code: 'ServiceUnavailable', message: 'm', fault: 'server' }, 'r')).toContain('<Type>Receiver</Type>');
  });
});
