/** Firehose's PutRecord and PutRecordBatch (per-record results) into the sink delivery streams' durable buffers. */
import type { OperationHandler } from '../protocols/index.js';
import { findDeliveryStream, invalidArgument, validation, type FirehosePort } from './firehose-streams.js';

const MAX_RECORD = 1_024_000;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

export function recordOperations(port: FirehosePort): Record<string, OperationHandler> {
  return {
    PutRecord: async (input: { DeliveryStreamName: string; Record: { Data: Buffer } }) => {
      findDeliveryStream(port, input.DeliveryStreamName);
      if (input.Record.Data.length > MAX_RECORD) throw validation(`1 validation error detected: Value at 'record.data' failed to satisfy constraint: Member must have length less than or equal to ${MAX_RECORD}`);
      const { recordId } = await port.firehose.put(input.DeliveryStreamName, input.Record.Data);
      return { RecordId: recordId, Encrypted: false };
    },
    PutRecordBatch: async (input: { DeliveryStreamName: string; Records: Array<{ Data: Buffer }> }) => {
      findDeliveryStream(port, input.DeliveryStreamName);
      const records = input.Records;
      if (records.length < 1 || records.length > 500) {
        throw validation(`1 validation error detected: Value '${records.length}' at 'records' failed to satisfy constraint: Member must have length ${records.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 500'}`);
      }
      records.forEach((r, i) => {
        if (r.Data.length > MAX_RECORD) throw validation(`1 validation error detected: Value at 'records.${i + 1}.member.data' failed to satisfy constraint: Member must have length less than or equal to ${MAX_RECORD}`);
      });
      if (records.reduce((n, r) => n + r.Data.length, 0) > MAX_BATCH_BYTES) throw invalidArgument('Records size exceeds 4 MiB limit');
      let failed = 0;
      const responses = [];
      for (const r of records) {
        try {
          const { recordId } = await port.firehose.put(input.DeliveryStreamName, r.Data);
          responses.push({ RecordId: recordId });
        } catch {
          failed++;
          responses.push({ ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' });
        }
      }
      return { FailedPutCount: failed, Encrypted: false, RequestResponses: responses };
    },
  };
}
