/**
 * The SQS API over the local queues (engine/sinks/queue.ts): every operation as `(input, ctx) => output`, with the
 * members the SDK names (the JSON protocol's shape); the protocol layer decodes awsJson 1.0 (`AmazonSQS.*`) and the
 * query protocol (`Action=…`, what the AWS CLI 2.9 sends) into them and encodes the results and `toSqsError`'s errors.
 */
import { batchEntryError, sqsError, toSqsError, type SqsErrorShape } from './sqs-errors.js';
import * as batch from './batch-operations.js';
import * as messages from './message-operations.js';
import * as queues from './queue-operations.js';
import type { SqsBackend, SqsRequestContext } from './sqs-backend.js';

export type { SqsBackend, SqsRequestContext } from './sqs-backend.js';
export { batchEntryError, sqsError, toSqsError, type SqsErrorShape };
export { queueArn, queueNameOf, queueNameOfArn, queueUrl } from './queue-url.js';

export type SqsOperation = (input: Record<string, unknown>, ctx: SqsRequestContext) => Promise<object>;

/** The SQS operations Thingbench serves, by operation name. */
export function sqsOperations(b: SqsBackend): Record<string, SqsOperation> {
  const bind = (f: (b: SqsBackend, input: Record<string, unknown>, ctx: SqsRequestContext) => Promise<object>): SqsOperation => (input, ctx) => f(b, input, ctx);
  return {
    CreateQueue: bind(queues.createQueue),
    GetQueueUrl: bind(queues.getQueueUrl),
    ListQueues: bind(queues.listQueues),
    DeleteQueue: bind(queues.deleteQueue),
    PurgeQueue: bind(queues.purgeQueue),
    ListDeadLetterSourceQueues: bind(queues.listDeadLetterSourceQueues),
    GetQueueAttributes: bind(queues.getQueueAttributes),
    SetQueueAttributes: bind(queues.setQueueAttributes),
    TagQueue: bind(queues.tagQueue),
    UntagQueue: bind(queues.untagQueue),
    ListQueueTags: bind(queues.listQueueTags),
    SendMessage: bind(messages.sendMessage),
    ReceiveMessage: bind(messages.receiveMessage),
    DeleteMessage: bind(messages.deleteMessage),
    ChangeMessageVisibility: bind(messages.changeMessageVisibility),
    SendMessageBatch: bind(batch.sendMessageBatch),
    DeleteMessageBatch: bind(batch.deleteMessageBatch),
    ChangeMessageVisibilityBatch: bind(batch.changeMessageVisibilityBatch),
  };
}
