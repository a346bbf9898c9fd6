/**
 * `firehose` [DG:kinesis-firehose-rule-action]: puts the rule output into a local delivery stream. Parameters as
 * AWS's FirehoseAction: `deliveryStreamName` (templates allowed), `separator` (appended to each record: "\n", "\t",
 * "\r\n" or ","), `batchMode` (the payload is a JSON array and each element is a record, at most 500),
 * `roleArn` (accepted, not enforced). A delivery stream that does not exist fails the action: create it with
 * `sinks.create("firehose", name)`.
 */
import { EngineError } from '../../core/index.js';
import type { ActionFactory } from './action.js';
import { optionalString, requiredString } from './params.js';
import { attempt, optionalBoolean, param, sinksOf } from './sink-action.js';

const SEPARATORS = ['\n', '\t', '\r\n', ','];

export const firehoseAction: ActionFactory = (params, deps) => {
  const sinks = sinksOf(deps, 'firehose');
  const streamName = requiredString(params, 'deliveryStreamName', 'firehose');
  const separator = optionalString(params, 'separator', 'firehose');
  if (separator !== undefined && !SEPARATORS.includes(separator)) {
    throw new EngineError('InvalidInput', 'firehose.separator must be one of "\\n", "\\t", "\\r\\n" or ","');
  }
  const batchMode = optionalBoolean(params, 'batchMode', 'firehose') ?? false;
  optionalString(params, 'roleArn', 'firehose');
  return {
    kind: 'firehose',
    invoke: (input) => attempt(async () => {
      const stream = param(input, streamName);
      let records: Buffer[] = [input.payload];
      if (batchMode) {
        // AWS: with batchMode the payload must be a JSON array of 1 to 500 elements, each sent as one record.
        if (!Array.isArray(input.output) || input.output.length === 0 || input.output.length > 500) {
          throw new EngineError('InvalidInput', 'with batchMode the rule output must be a JSON array of 1 to 500 records');
        }
        records = input.output.map((r) => Buffer.from(typeof r === 'string' ? r : JSON.stringify(r)));
      }
      const ids: string[] = [];
      for (const record of records) {
        const data = separator === undefined ? record : Buffer.concat([record, Buffer.from(separator)]);
        ids.push((await sinks.firehose.put(stream, data, input.traceId)).recordId);
      }
      return { deliveryStream: stream, recordIds: ids };
    }),
  };
};
