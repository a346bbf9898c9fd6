/**
 * Amazon DynamoDB Streams on the engine's endpoint (awsJson 1.0, `X-Amz-Target: DynamoDBStreams_20120810.*`):
 * ListStreams, DescribeStream, GetShardIterator and GetRecords over the change feed of tables with a stream. Each
 * table's stream has one shard; records are its changes (24 hours of them), shaped by the stream view type.
 *
 * LIMITATIONS: one shard per stream, never split or closed; a stream turned off and on again keeps its ARN and
 * records.
 */
import type { SinkInfo } from '../../../contract/index.js';
import { streamLabel, streamSequenceNumber, tableStreamArn, tableStreamRecord, tableStreamShardId, type TableChange } from '../../../sinks/index.js';
import { dynamodbstreamsModel, serviceError, type AwsService } from '../protocols/index.js';
import { operation } from '../dynamodb/dynamodb-wire.js';

/** What the Streams edge needs of the sinks. */
export interface DynamoStreamsPort {
  list(kind: 'table'): SinkInfo[];
  changes(table: string, after: number, limit: number): TableChange[];
  /** The last change's sequence number (0 for none). */
  latestChange(table: string): number;
}

interface TableOptions { hashKey: { name: string; type: string }; rangeKey?: { name: string; type: string }; streamViewType?: string }
interface IteratorState { arn: string; after: number; issued: number }

/** Shard iterators expire after 15 minutes, as AWS's do. */
const ITERATOR_TTL_MS = 15 * 60_000;
const label = streamLabel;
const streamArn = tableStreamArn;
const shardId = tableStreamShardId;
const seqText = streamSequenceNumber;
const notFound = (arn: string) => serviceError('ResourceNotFoundException', `Requested resource not found: Stream: ${arn} not found`);
const invalid = (message: string) => serviceError('ValidationException', message);

export function dynamodbStreamsService(port: DynamoStreamsPort, clock: { now(): number } = Date): AwsService {
  const streams = () => port.list('table').filter((t) => (t.options as unknown as TableOptions).streamViewType);
  const byArn = (arn: string): SinkInfo => {
    const info = streams().find((t) => streamArn(t) === arn);
    if (!info) throw notFound(arn);
    return info;
  };
  const iterator = (s: IteratorState) => Buffer.from(JSON.stringify(s)).toString('base64');

  return {
    title: 'DynamoDB Streams',
    model: dynamodbstreamsModel,
    operations: {
      ListStreams: operation((input: { TableName?: string; Limit?: number; ExclusiveStartStreamArn?: string }) => {
        const limit = input.Limit ?? 100;
        if (limit < 1 || limit > 100) throw invalid(`1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : 'less than or equal to 100'}`);
        let all = streams().filter((t) => input.TableName === undefined || t.name === input.TableName).map((t) => ({ StreamArn: streamArn(t), TableName: t.name, StreamLabel: label(t) }));
        all.sort((a, b) => (a.StreamArn < b.StreamArn ? -1 : 1));
        if (input.ExclusiveStartStreamArn) all = all.filter((s) => s.StreamArn > input.ExclusiveStartStreamArn!);
        const page = all.slice(0, limit);
        return { Streams: page, ...(all.length > limit ? { LastEvaluatedStreamArn: page[page.length - 1].StreamArn } : {}) };
      }),
      DescribeStream: operation((input: { StreamArn: string }) => {
        const info = byArn(input.StreamArn);
        const o = info.options as unknown as TableOptions;
        const keys = o.rangeKey ? [o.hashKey, o.rangeKey] : [o.hashKey];
        const first = port.changes(info.name, 0, 1)[0];
        return {
          StreamDescription: {
            StreamArn: input.StreamArn, StreamLabel: label(info), StreamStatus: 'ENABLED', StreamViewType: o.streamViewType,
            CreationRequestDateTime: new Date(info.createdAt), TableName: info.name,
            KeySchema: keys.map((k, i) => ({ AttributeName: k.name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
            Shards: [{ ShardId: shardId(info), SequenceNumberRange: { StartingSequenceNumber: seqText(first?.seq ?? 1) } }],
          },
        };
      }),
      GetShardIterator: operation((input: { StreamArn: string; ShardId: string; ShardIteratorType: string; SequenceNumber?: string }) => {
        const info = byArn(input.StreamArn);
        if (input.ShardId !== shardId(info)) throw serviceError('ResourceNotFoundException', `Requested resource not found: Shard does not exist`);
        const t = input.ShardIteratorType;
        let after: number;
        if (t === 'TRIM_HORIZON') after = 0;
        else if (t === 'LATEST') after = port.latestChange(info.name);
        else if (t === 'AT_SEQUENCE_NUMBER' || t === 'AFTER_SEQUENCE_NUMBER') {
          if (!input.SequenceNumber || !/^\d{1,40}$/.test(input.SequenceNumber)) throw invalid('Invalid SequenceNumber: a sequence number is required for AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER');
          const seq = Number(input.SequenceNumber);
          after = t === 'AT_SEQUENCE_NUMBER' ? seq - 1 : seq;
        } else {
          throw invalid(`1 validation error detected: Value '${t}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]`);
        }
        return { ShardIterator: iterator({ arn: input.StreamArn, after, issued: clock.now() }) };
      }),
      GetRecords: operation((input: { ShardIterator: string; Limit?: number }) => {
        let s: IteratorState;
        try {
          s = JSON.parse(Buffer.from(input.ShardIterator, 'base64').toString('utf8')) as IteratorState;
          if (typeof s.arn !== 'string' || typeof s.after !== 'number' || typeof s.issued !== 'number') throw new Error('bad');
        } catch {
          throw invalid('Invalid ShardIterator');
        }
        if (clock.now() - s.issued > ITERATOR_TTL_MS) throw serviceError('ExpiredIteratorException', 'Iterator expired. The iterator was created over 15 minutes ago.');
        const limit = input.Limit ?? 1000;
        if (limit < 1 || limit > 1000) throw invalid(`1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : 'less than or equal to 1000'}`);
        const info = byArn(s.arn);
        const view = (info.options as unknown as TableOptions).streamViewType!;
        const changes = port.changes(info.name, s.after, limit);
        const records = changes.map((c) => {
          const r = tableStreamRecord(c, view);
          const { userIdentity, ...rest } = r;
          return {
            ...rest, dynamodb: { ...r.dynamodb, ApproximateCreationDateTime: new Date(r.dynamodb.ApproximateCreationDateTime * 1000) },
            // the Streams API spells the identity's members as its model does
            ...(userIdentity ? { userIdentity: { PrincipalId: userIdentity.principalId, Type: userIdentity.type } } : {}),
          };
        });
        const next = changes.at(-1)?.seq ?? s.after;
        return { Records: records, NextShardIterator: iterator({ arn: s.arn, after: next, issued: clock.now() }) };
      }),
    },
    errors: { NotFound: 'ResourceNotFoundException', InvalidInput: 'ValidationException' },
  };
}
