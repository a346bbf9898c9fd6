/**
 * Kinesis's stream operations over the sink streams: CreateStream, DeleteStream, DescribeStream,
 * DescribeStreamSummary, ListStreams, ListShards and the retention period, so a stream created here is the one a
 * rule's `kinesis` action writes to and the UI shows.
 */
import { tagProblem } from '../../../sinks/index.js';
import { kinesisTagRefusal } from './kinesis-tags.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../../core/index.js';
import { serviceError, type OperationHandler } from '../protocols/index.js';
import { checkStreamName, findStream, invalidArgument, streamName, type KinesisPort, type StreamRef } from './kinesis-port.js';

/** The largest shard count the local streams keep (the sink's limit; AWS's account default is higher). */
const MAX_SHARDS = 64;
const ON_DEMAND_SHARDS = 4;

const startingSequence = (shardId: string) => `49${shardId.slice(-3)}${'0'.repeat(51)}`;

function shards(port: KinesisPort, name: string) {
  return port.streams.shards(name).map((s) => ({
    ShardId: s.shardId,
    HashKeyRange: { StartingHashKey: s.startingHashKey, EndingHashKey: s.endingHashKey },
    SequenceNumberRange: { StartingSequenceNumber: startingSequence(s.shardId) },
  }));
}

function summary(port: KinesisPort, name: string) {
  const info = findStream(port, name);
  const o = info.options as { shardCount: number; retentionHours: number; streamMode?: string };
  return {
    info,
    fields: {
      StreamName: info.name,
      StreamARN: info.arn,
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: o.streamMode ?? 'PROVISIONED' },
      RetentionPeriodHours: o.retentionHours,
      StreamCreationTimestamp: new Date(info.createdAt),
      EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
      EncryptionType: 'NONE',
    },
    shardCount: o.shardCount,
  };
}

export function streamOperations(port: KinesisPort): Record<string, OperationHandler> {
  return {
    CreateStream: async (input: { StreamName: string; ShardCount?: number; StreamModeDetails?: { StreamMode?: string }; Tags?: Record<string, string> }) => {
      checkStreamName(input.StreamName);
      const tagRefusal = tagProblem({}, input.Tags ?? {});
      if (tagRefusal) throw kinesisTagRefusal(input.StreamName)(tagRefusal);
      const mode = input.StreamModeDetails?.StreamMode ?? 'PROVISIONED';
      if (mode !== 'PROVISIONED' && mode !== 'ON_DEMAND') throw serviceError('ValidationException', `1 validation error detected: Value '${mode}' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]`);
      if (mode === 'PROVISIONED' && input.ShardCount === undefined) throw invalidArgument('ShardCount is required for PROVISIONED streams.');
      const count = mode === 'ON_DEMAND' && input.ShardCount === undefined ? ON_DEMAND_SHARDS : input.ShardCount!;
      if (!Number.isInteger(count) || count < 1) throw serviceError('ValidationException', `1 validation error detected: Value '${count}' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1`);
      if (count > MAX_SHARDS) {
        throw serviceError('LimitExceededException', `This request would exceed the shard limit for the account ${LOCAL_ACCOUNT_ID} in ${LOCAL_REGION}. Limit: ${MAX_SHARDS}. Number of additional shards that would have resulted from this request: ${count}.`);
      }
      if (port.list('stream').some((s) => s.name === input.StreamName)) throw serviceError('ResourceInUseException', `Stream ${input.StreamName} under account ${LOCAL_ACCOUNT_ID} already exists.`);
      await port.create('stream', input.StreamName, { shardCount: count, retentionHours: 24 });
      if (Object.keys(input.Tags ?? {}).length) await port.tags?.tag('stream', input.StreamName, input.Tags!);
      return {};
    },
    DeleteStream: async (input: StreamRef) => {
      const name = streamName(input);
      findStream(port, name);
      await port.delete('stream', name);
      return {};
    },
    DescribeStream: (input: StreamRef & { Limit?: number; ExclusiveStartShardId?: string }) => {
      const name = streamName(input);
      const { fields } = summary(port, name);
      const limit = input.Limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw serviceError('ValidationException', `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : 'less than or equal to 10000'}`);
      const all = shards(port, name).filter((s) => input.ExclusiveStartShardId === undefined || s.ShardId > input.ExclusiveStartShardId);
      return { StreamDescription: { ...fields, Shards: all.slice(0, limit), HasMoreShards: all.length > limit } };
    },
    DescribeStreamSummary: (input: StreamRef) => {
      const { fields, shardCount } = summary(port, streamName(input));
      return { StreamDescriptionSummary: { ...fields, OpenShardCount: shardCount, ConsumerCount: 0 } };
    },
    ListStreams: (input: { Limit?: number; ExclusiveStartStreamName?: string; NextToken?: string }) => {
      const limit = input.Limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw serviceError('ValidationException', `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : 'less than or equal to 10000'}`);
      let after = input.ExclusiveStartStreamName;
      if (input.NextToken !== undefined) {
        after = Buffer.from(input.NextToken, 'base64').toString('utf8');
        if (!after) throw invalidArgument('Invalid NextToken.');
      }
      const all = port.list('stream').filter((s) => after === undefined || s.name > after).sort((a, b) => (a.name < b.name ? -1 : 1));
      const page = all.slice(0, limit);
      const more = all.length > limit;
      return {
        StreamNames: page.map((s) => s.name),
        HasMoreStreams: more,
        ...(more ? { NextToken: Buffer.from(page.at(-1)!.name).toString('base64') } : {}),
        StreamSummaries: page.map((s) => ({
          StreamName: s.name, StreamARN: s.arn, StreamStatus: 'ACTIVE',
          StreamModeDetails: { StreamMode: 'PROVISIONED' }, StreamCreationTimestamp: new Date(s.createdAt),
        })),
      };
    },
    ListShards: (input: StreamRef & { NextToken?: string; ExclusiveStartShardId?: string; MaxResults?: number }) => {
      let name: string, after = input.ExclusiveStartShardId;
      if (input.NextToken !== undefined) {
        if (input.StreamName !== undefined || input.StreamARN !== undefined) throw invalidArgument('NextToken and StreamName cannot be provided together.');
        let token: { s?: string; a?: string };
        try {
          token = JSON.parse(Buffer.from(input.NextToken, 'base64').toString('utf8')) as { s?: string; a?: string };
        } catch {
          throw invalidArgument('Invalid NextToken.');
        }
        if (typeof token?.s !== 'string' || typeof token.a !== 'string') throw invalidArgument('Invalid NextToken.');
        name = token.s;
        after = token.a;
      } else {
        name = streamName(input);
      }
      findStream(port, name);
      const max = input.MaxResults ?? 1000;
      if (!Number.isInteger(max) || max < 1 || max > 10000) throw serviceError('ValidationException', `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value ${max < 1 ? 'greater than or equal to 1' : 'less than or equal to 10000'}`);
      const all = shards(port, name).filter((s) => after === undefined || s.ShardId > after);
      const page = all.slice(0, max);
      return {
        Shards: page,
        ...(all.length > max ? { NextToken: Buffer.from(JSON.stringify({ s: name, a: page.at(-1)!.ShardId })).toString('base64') } : {}),
      };
    },
    IncreaseStreamRetentionPeriod: (input: StreamRef & { RetentionPeriodHours: number }) => retention(port, input, 'increase'),
    DecreaseStreamRetentionPeriod: (input: StreamRef & { RetentionPeriodHours: number }) => retention(port, input, 'decrease'),
  };
}

async function retention(port: KinesisPort, input: StreamRef & { RetentionPeriodHours: number }, way: 'increase' | 'decrease') {
  const name = streamName(input);
  const { fields } = summary(port, name);
  const hours = input.RetentionPeriodHours;
  if (!Number.isInteger(hours) || hours < 24 || hours > 8760) {
    throw invalidArgument(`Minimum allowed retention period is 24 hours. Maximum allowed retention period is 8760 hours. Requested retention period (${hours} hours) is ${hours < 24 ? 'too short' : 'too long'}.`);
  }
  const current = fields.RetentionPeriodHours;
  if (way === 'increase' && hours < current) {
    throw invalidArgument(`Requested retention period (${hours} hours) for stream ${name} can not be shorter than existing retention period (${current} hours). Use DecreaseRetentionPeriod API.`);
  }
  if (way === 'decrease' && hours > current) {
    throw invalidArgument(`Requested retention period (${hours} hours) for stream ${name} can not be longer than existing retention period (${current} hours). Use IncreaseRetentionPeriod API.`);
  }
  await port.streams.setRetention(name, hours);
  return {};
}
