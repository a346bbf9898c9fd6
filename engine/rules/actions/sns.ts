/**
 * `sns` [DG:sns-rule-action]: publishes the rule output to a local notification topic. Parameters as AWS's SnsAction:
 * `targetArn` (`arn:aws:sns:<region>:<account>:<topic>`; templates allowed), `roleArn` (accepted, not enforced),
 * `messageFormat` (`RAW`, the default, or `JSON`: the payload holds a message per protocol, as SNS's
 * MessageStructure=json). A topic that does not exist fails the action: create it with `aws sns create-topic` or
 * `sinks.create("notify", name)`.
 */
import { EngineError } from '../../core/index.js';
import type { ActionFactory } from './action.js';
import { optionalString, requiredString } from './params.js';
import { attempt, lastSegment, param, sinksOf } from './sink-action.js';

const SNS_ARN = /^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]*:\d{0,12}:[A-Za-z0-9_.-]+$/;

export const snsAction: ActionFactory = (params, deps) => {
  const sinks = sinksOf(deps, 'sns');
  const targetArn = requiredString(params, 'targetArn', 'sns');
  optionalString(params, 'roleArn', 'sns');
  const format = optionalString(params, 'messageFormat', 'sns') ?? 'RAW';
  if (format !== 'RAW' && format !== 'JSON') throw new EngineError('InvalidInput', 'sns.messageFormat must be RAW or JSON');
  if (!targetArn.includes('${') && !SNS_ARN.test(targetArn)) throw new EngineError('InvalidInput', `sns.targetArn ${targetArn} is not an SNS topic ARN`);
  return {
    kind: 'sns',
    invoke: (input) => attempt(async () => {
      const arn = param(input, targetArn);
      if (!SNS_ARN.test(arn)) throw new EngineError('InvalidInput', `${arn} is not an SNS topic ARN`);
      const topic = lastSegment(arn, ':');
      const sent = await sinks.topics.publish(topic, input.payload.toString('utf8'), {
        traceId: input.traceId, ...(format === 'JSON' ? { messageStructure: 'json' as const } : {}),
      });
      return { topic, messageId: sent.messageId };
    }),
  };
};
