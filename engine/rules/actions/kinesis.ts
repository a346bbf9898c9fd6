/**
 * `kinesis` [DG:kinesis-rule-action]: puts the rule output into a local stream. Parameters as AWS's KinesisAction:
 * `streamName`, `partitionKey` (templates allowed; a random key when omitted, so records spread over shards),
 * `roleArn` (accepted, not enforced). A stream that does not exist fails the action: create it with
 * `sinks.create("stream", name, { shardCount })`.
 */
import { randomUUID } from 'node:crypto';
import type { ActionFactory } from './action.js';
import { optionalString, requiredString } from './params.js';
import { attempt, param, sinksOf } from './sink-action.js';

export const kinesisAction: ActionFactory = (params, deps) => {
  const sinks = sinksOf(deps, 'kinesis');
  const streamName = requiredString(params, 'streamName', 'kinesis');
  const partitionKey = optionalString(params, 'partitionKey', 'kinesis');
  optionalString(params, 'roleArn', 'kinesis');
  return {
    kind: 'kinesis',
    invoke: (input) => attempt(async () => {
      const stream = param(input, streamName);
      const key = partitionKey === undefined ? randomUUID() : param(input, partitionKey);
      const put = await sinks.streams.put(stream, input.payload, key, input.traceId);
      return { stream, partitionKey: key, ...put };
    }),
  };
};
