/**
 * Kinesis's data operations over the sink streams: PutRecord, PutRecords (per-record results), GetShardIterator
 * (every iterator type) and GetRecords. Iterators carry their creation time and expire after 5 minutes, as on AWS.
 */
import type { Clock } from '../../../core/index.js';
import { LOCAL_ACCOUNT_ID } from '../../../core/index.js';
import type { IteratorType } from '../../../sinks/index.js';
import { serviceError, type OperationHandler } from '../protocols/index.js';
import { findStream, invalidArgument, streamName, validation, type KinesisPort, type StreamRef } from './kinesis-port.js';

const MAX_DATA = 1024 * 1024;
const MAX_BATCH_BYTES = 5 * 1024 * 1024;
const MAX_HASH_KEY = (1n << 128n) - 1n;
const ITERATOR_LIFETIME_MS = 300_000;
const TYPES: IteratorType[] = ['AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER', 'TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'];

interface Entry { Data: Buffer; PartitionKey: string; ExplicitHashKey?: string }

/** Java's Date.toString(), which AWS's iterator messages use: "Mon Jun 08 20:18:24 UTC 2020". */
function javaDate(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

const entryOf = (e: Entry) => ({ data: e.Data, partitionKey: e.PartitionKey, explicitHashKey: e.ExplicitHashKey });

function checkEntry(e: Entry, at: string): void {
  if (e.PartitionKey.length < 1 || e.PartitionKey.length > 256) {
    throw validation(`1 validation error detected: Value '${e.PartitionKey}' at '${at}partitionKey' failed to satisfy constraint: Member must have length ${e.PartitionKey.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 256'}`);
  }
  if (e.Data.length > MAX_DATA) throw validation(`1 validation error detected: Value at '${at}data' failed to satisfy constraint: Member must have length less than or equal to ${MAX_DATA}`);
  if (e.ExplicitHashKey !== undefined && !/^(0|[1-9]\d{0,38})$/.test(e.ExplicitHashKey)) {
    throw validation(`1 validation error detected: Value '${e.ExplicitHashKey}' at '${at}explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})`);
  }
  if (e.ExplicitHashKey !== undefined && BigInt(e.ExplicitHashKey) > MAX_HASH_KEY) {
    throw invalidArgument(`Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${e.ExplicitHashKey}`);
  }
}

export function recordOperations(port: KinesisPort, clock: Clock): Record<string, OperationHandler> {
  const wrap = (sinkIterator: string, created = clock.now()) => Buffer.from(JSON.stringify({ i: sinkIterator, t: created })).toString('base64');
  const unwrap = (iterator: string): { i: string; t: number } => {
    try {
      const v = JSON.parse(Buffer.from(iterator, 'base64').toString('utf8')) as { i?: unknown; t?: unknown };
      if (typeof v?.i === 'string' && typeof v.t === 'number') return { i: v.i, t: v.t };
    } catch { /* refused below */ }
    throw invalidArgument('Invalid ShardIterator.');
  };

  return {
    PutRecord: async (input: StreamRef & Entry & { SequenceNumberForOrdering?: string }) => {
      const name = streamName(input);
      checkEntry(input, '');
      findStream(port, name);
      const [r] = await port.streams.putMany(name, [entryOf(input)]);
      return { ShardId: r.shardId, SequenceNumber: r.sequenceNumber, EncryptionType: 'NONE' };
    },
    PutRecords: async (input: StreamRef & { Records: Entry[] }) => {
      const name = streamName(input);
      const records = input.Records;
      if (records.length < 1 || records.length > 500) {
        throw validation(`1 validation error detected: Value '${records.length}' at 'records' failed to satisfy constraint: Member must have length ${records.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 500'}`);
      }
      records.forEach((e, i) => checkEntry(e, `records.${i + 1}.member.`));
      const total = records.reduce((n, e) => n + e.Data.length + Buffer.byteLength(e.PartitionKey), 0);
      if (total > MAX_BATCH_BYTES) throw invalidArgument(`Records size exceeds 5 MB limit`);
      findStream(port, name);
      // One durable write for the batch: it lands whole or not at all, so a store failure fails every record.
      let results: Array<{ ShardId: string; SequenceNumber: string } | { ErrorCode: string; ErrorMessage: string }>;
      let failed = 0;
      try {
        results = (await port.streams.putMany(name, records.map(entryOf))).map((r) => ({ ShardId: r.shardId, SequenceNumber: r.sequenceNumber }));
      } catch {
        failed = records.length;
        results = records.map(() => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' }));
      }
      return { FailedRecordCount: failed, Records: results, EncryptionType: 'NONE' };
    },
    GetShardIterator: (input: StreamRef & { ShardId: string; ShardIteratorType: string; StartingSequenceNumber?: string; Timestamp?: Date }) => {
      const name = streamName(input);
      const type = input.ShardIteratorType as IteratorType;
      if (!TYPES.includes(type)) {
        throw validation(`1 validation error detected: Value '${type}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [${TYPES.join(', ')}]`);
      }
      findStream(port, name);
      if (!port.streams.shards(name).some((s) => s.shardId === input.ShardId)) {
        throw serviceError('ResourceNotFoundException', `Shard ${input.ShardId} in stream ${name} under account ${LOCAL_ACCOUNT_ID} does not exist`);
      }
      const seq = input.StartingSequenceNumber;
      if (type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER') {
        if (seq === undefined) throw invalidArgument(`StartingSequenceNumber must be specified for ShardIteratorType ${type}`);
        if (!/^(0|[1-9]\d{0,128})$/.test(seq)) {
          throw invalidArgument(`StartingSequenceNumber ${seq} used in GetShardIterator on shard ${input.ShardId} in stream ${name} under account ${LOCAL_ACCOUNT_ID} is invalid.`);
        }
      } else if (seq !== undefined) {
        throw invalidArgument(`StartingSequenceNumber must not be specified for ShardIteratorType ${type}`);
      }
      if (type === 'AT_TIMESTAMP' && input.Timestamp === undefined) throw invalidArgument('Timestamp must be specified for ShardIteratorType AT_TIMESTAMP');
      const it = port.streams.iterator(name, input.ShardId, type, { sequenceNumber: seq, timestamp: input.Timestamp?.getTime() });
      return { ShardIterator: wrap(it) };
    },
    GetRecords: (input: { ShardIterator: string; Limit?: number; StreamARN?: string }) => {
      const { i, t } = unwrap(input.ShardIterator);
      const now = clock.now();
      if (now - t > ITERATOR_LIFETIME_MS) {
        throw serviceError('ExpiredIteratorException', `Iterator expired. The iterator was created at time ${javaDate(t)} while right now it is ${javaDate(now)} which is further in the future than the tolerated delay of ${ITERATOR_LIFETIME_MS} milliseconds.`);
      }
      const limit = input.Limit ?? 10000;
      if (!Number.isInteger(limit) || limit < 1 || limit > 10000) {
        throw validation(`1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : 'less than or equal to 10000'}`);
      }
      let out;
      try {
        out = port.streams.read(i, limit);
      } catch (e) {
        if ((e as { code?: string }).code === 'InvalidInput') throw invalidArgument('Invalid ShardIterator.');
        throw e;
      }
      return {
        Records: out.records.map((r) => ({
          SequenceNumber: r.sequenceNumber, ApproximateArrivalTimestamp: new Date(r.approximateArrivalTimestamp),
          Data: r.data, PartitionKey: r.partitionKey, EncryptionType: 'NONE',
        })),
        NextShardIterator: wrap(out.nextShardIterator, now),
        MillisBehindLatest: out.millisBehindLatest,
      };
    },
  };
}
