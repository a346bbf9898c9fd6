import { describe, expect, it } from 'vitest';
import { actionTarget, functionName } from './action-targets.js';

describe('actionTarget', () => {
  it.each([
    ['sqs', { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/readings' }, 'sink:queue:readings'],
    ['sqs', { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q-${topic(2)}/' }, 'sink:queue:q-${topic(2)}'],
    ['sns', { targetArn: 'arn:aws:sns:us-east-1:123456789012:alerts' }, 'sink:notify:alerts'],
    ['kinesis', { streamName: 'raw', partitionKey: 'k' }, 'sink:stream:raw'],
    ['firehose', { deliveryStreamName: 'archive' }, 'sink:firehose:archive'],
    ['dynamoDB', { tableName: 'Latest' }, 'sink:table:Latest'],
    ['dynamoDBv2', { putItem: { tableName: 'Readings' } }, 'sink:table:Readings'],
    ['cloudwatchLogs', { logGroupName: '/rules/all' }, 'sink:log:/rules/all'],
    ['cloudwatchMetric', { metricNamespace: 'Sensors', metricName: 'T' }, 'sink:metric:Sensors'],
    ['cloudwatchAlarm', { alarmName: 'Hot' }, 'sink:alarm:Hot'],
    ['s3', { bucketName: 'archive', key: '${topic()}' }, 'bucket:archive'],
    ['lambda', { functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:enrich:live' }, 'function:enrich'],
    ['republish', { topic: 'out/${topic(2)}' }, 'topic:out/${topic(2)}'],
    ['http', { url: 'https://example.com' }, 'external:http'],
    ['sqs', {}, 'external:sqs'],
  ])('%s %j → %s', (kind, params, id) => {
    expect(actionTarget(kind, params).id).toBe(id);
  });

  it('marks templated targets', () => {
    expect(actionTarget('republish', { topic: 'out/${topic(2)}' }).templated).toBe(true);
    expect(actionTarget('kinesis', { streamName: 'raw' }).templated).toBe(false);
  });

  it('reads a bare function name as itself', () => {
    expect(functionName('enrich')).toBe('enrich');
  });
});
