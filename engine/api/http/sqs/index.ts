/**
 * Amazon SQS on the engine's endpoint, over the local queues (engine/sinks/queue.ts): the JSON protocol
 * (`AmazonSQS.*`, awsJson 1.0 with awsQueryCompatible error codes, what SDK v3 sends) and the query protocol
 * (`Action=…`, what the AWS CLI 2.9 sends, also posted to a queue's URL). Each operation takes and returns the
 * members the SDK names; errors read as SQS's own (sqs-errors.ts).
 *
 * LIMITATIONS: AddPermission/RemovePermission and the message move tasks are not served (answered as unsupported);
 * see engine/sinks/queue.ts for the queues' own. A long poll ends when its client goes away, so it takes no message.
 */
import { sqsModel, type AwsService, type OperationContext } from '../protocols/index.js';
import * as batch from './batch-operations.js';
import * as messages from './message-operations.js';
import * as queues from './queue-operations.js';
import type { SqsBackend, SqsRequestContext } from './sqs-backend.js';
import { sqsError, toSqsError } from './sqs-errors.js';

export type { SqsBackend, SqsRequestContext } from './sqs-backend.js';
export { queueArn, queueNameOf, queueNameOfArn, queueUrl } from './queue-url.js';

type Operation = (b: SqsBackend, input: Record<string, unknown>, ctx: SqsRequestContext) => Promise<object>;

/** The SQS service for the endpoint's router (protocols/), over the sinks' queues. */
export function sqsService(backend: SqsBackend): AwsService {
  const bind = (f: Operation) => async (input: Record<string, unknown>, ctx: OperationContext) => {
    try {
      return await f(backend, input, ctx);
    } catch (e) {
      throw toSqsError(e);
    }
  };
  return {
    title: 'Amazon SQS',
    model: sqsModel,
    protocols: ['json', 'query'],
    operations: {
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
    },
    validationError: (p) => p.kind === 'missing'
      ? sqsError('missingParameter', `The request must contain the parameter ${p.path}.`)
      : sqsError('invalidParameter', `Value ${String(p.value)} for parameter ${p.path} is invalid. Reason: it is not of the parameter's type.`),
  };
}
