/**
 * `sqs` [DG:sqs-rule-action]: sends the rule output to a local queue. Parameters as AWS's SqsAction:
 * `queueUrl` (the queue's URL; its last path segment names the local queue; templates allowed), `roleArn`
 * (accepted, not enforced), `useBase64` (send the payload base64-encoded). A queue that does not exist fails the
 * action (→ errorAction), as on AWS: create it with `sinks.create("queue", name)`.
 */
import type { ActionFactory } from './action.js';
import { optionalString, requiredString } from './params.js';
import { attempt, lastSegment, optionalBoolean, param, sinksOf } from './sink-action.js';

export const sqsAction: ActionFactory = (params, deps) => {
  const sinks = sinksOf(deps, 'sqs');
  const queueUrl = requiredString(params, 'queueUrl', 'sqs');
  optionalString(params, 'roleArn', 'sqs');
  const useBase64 = optionalBoolean(params, 'useBase64', 'sqs') ?? false;
  return {
    kind: 'sqs',
    invoke: (input) => attempt(async () => {
      const queue = lastSegment(param(input, queueUrl).replace(/\/+$/, ''), '/');
      const body = useBase64 ? input.payload.toString('base64') : input.payload.toString('utf8');
      const sent = await sinks.queues.send(queue, body, { traceId: input.traceId });
      return { queue, messageId: sent.messageId, md5OfMessageBody: sent.md5OfMessageBody };
    }),
  };
};
