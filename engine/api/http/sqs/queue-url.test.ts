import { describe, expect, it } from 'vitest';
import { ServiceError } from '../protocols/index.js';
import { optionsFromAttributes, attributesOf } from './queue-attributes.js';
import { queueNameOf, queueNameOfArn, queueUrl } from './queue-url.js';

describe('queue URLs', () => {
  it.each([
    ['http://127.0.0.1:8080/000000000000/orders', 'orders'],
    ['https://sqs.us-east-1.amazonaws.com/000000000000/orders.fifo', 'orders.fifo'],
    ['https://us-east-1.queue.amazonaws.com/123456789012/a-b_c', 'a-b_c'],
    ['https://queue.amazonaws.com/000000000000/q', 'q'],
    ['/000000000000/q', 'q'],
  ])('reads the queue name in %s', (url, name) => {
    expect(queueNameOf(url)).toBe(name);
  });

  it.each(['http://127.0.0.1:8080/', 'https://sqs.us-east-1.amazonaws.com/orders', '/000000000000/bad name', '/0000/q', 'http://[::1'])(
    'refuses %s with InvalidAddress', (url) => {
      let err: unknown;
      try {
        queueNameOf(url);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ServiceError);
      expect((err as ServiceError).type).toBe('InvalidAddress');
    });

  it('makes URLs at the endpoint the client used, and reads names in ARNs', () => {
    expect(queueUrl('http://localhost:9000', 'q')).toBe('http://localhost:9000/000000000000/q');
    expect(queueNameOfArn('arn:aws:sqs:us-east-1:000000000000:dlq.fifo')).toBe('dlq.fifo');
    expect(queueNameOfArn('arn:aws:sns:us-east-1:000000000000:topic')).toBeUndefined();
  });
});

describe('queue attributes', () => {
  const stats = { visible: 1, inFlight: 2, delayed: 3, createdAt: 1_700_000_000_500, lastModified: 1_700_000_100_000 };

  it('maps AWS attribute names to options and back, RedrivePolicy included', () => {
    const options = optionsFromAttributes({ VisibilityTimeout: '45', RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"3"}' }, false, true);
    expect(options).toEqual({ visibilityTimeoutSeconds: 45, deadLetterQueue: 'dlq', maxReceiveCount: 3 });
    const attrs = attributesOf('q', { ...options, retentionSeconds: 345_600, delaySeconds: 0, receiveWaitSeconds: 0, maximumMessageSize: 262_144 }, stats, ['All']);
    expect(attrs).toMatchObject({
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:q', ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesNotVisible: '2',
      ApproximateNumberOfMessagesDelayed: '3', CreatedTimestamp: '1700000000', VisibilityTimeout: '45',
      RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":3}',
    });
    expect(attrs.FifoQueue).toBeUndefined();
    expect(optionsFromAttributes({ RedrivePolicy: '' }, false, false)).toEqual({ deadLetterQueue: null, maxReceiveCount: null });
  });

  it.each([
    [{ VisibilityTimeout: '43201' }, false, 'InvalidAttributeValue'],
    [{ ContentBasedDeduplication: 'true' }, false, 'InvalidAttributeName'],
    [{ Colour: 'red' }, false, 'InvalidAttributeName'],
    [{ RedrivePolicy: 'not json' }, false, 'InvalidAttributeValue'],
    [{ RedrivePolicy: '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":0}' }, false, 'InvalidAttributeValue'],
    [{}, true, 'InvalidParameterValue'], // a .fifo name without FifoQueue=true
    [{ FifoQueue: 'true' }, false, 'InvalidParameterValue'], // FifoQueue=true without the .fifo name
  ])('refuses %j (fifo name: %s) with %s', (attrs, fifo, type) => {
    let err: unknown;
    try {
      optionsFromAttributes(attrs as Record<string, string>, fifo, true);
    } catch (e) {
      err = e;
    }
    expect((err as ServiceError).type).toBe(type);
  });

  it('reports FIFO defaults on a FIFO queue and refuses an unknown attribute name asked for', () => {
    expect(attributesOf('q.fifo', { visibilityTimeoutSeconds: 30 }, stats, ['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope']))
      .toEqual({ FifoQueue: 'true', ContentBasedDeduplication: 'false', DeduplicationScope: 'queue' });
    expect(() => attributesOf('q', {}, stats, ['Nope'])).toThrow('Unknown Attribute Nope.');
  });
});
