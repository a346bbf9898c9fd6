/**
 * The two stream sources of event source mappings, read in process from the engine's own streams (the sinks, through
 * the `MappingStreams` port): Kinesis streams, whose records become Lambda's Kinesis event records, and the change
 * feeds of DynamoDB tables with a stream, whose changes become Lambda's DynamoDB event records. A position is the
 * source's own: a Kinesis shard iterator of the local streams (they do not expire) or a change number.
 */
import { EngineError, LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../core/index.js';
import type { EventSourceMapping } from './mapping-settings.js';
import { jsonOrText } from './event-filter.js';
import type { SourceRecord, StreamSource } from './stream-poller.js';

type KinesisIteratorType = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP' | 'AFTER_SEQUENCE_NUMBER';

/** What stream event sources need of the engine's streams, tables, queues and topics (the sinks satisfy it). */
export interface MappingStreams {
  kinesis: {
    /** The stream's shard ids; NotFound when there is no such stream. */
    shards(stream: string): string[];
    /** The stream's retention period, ms. */
    retentionMs(stream: string): number;
    iterator(stream: string, shard: string, type: KinesisIteratorType, opts?: { sequenceNumber?: string; timestamp?: number }): string;
    read(iterator: string, limit: number): { records: Array<{ sequenceNumber: string; partitionKey: string; data: Buffer; approximateArrivalTimestamp: number }> };
  };
  dynamodb: {
    /** The table whose stream has this ARN (its LatestStreamArn), with the stream's one shard; undefined when none. */
    stream(arn: string): { table: string; shardId: string } | undefined;
    /** Change records after change number `after`, shaped as DynamoDB Streams' records (`ApproximateCreationDateTime` in epoch seconds). */
    records(table: string, after: number, limit: number): Array<{ seq: number; time: number; record: Record<string, unknown> }>;
    latestChange(table: string): number;
  };
  /** Calls back each time a stream or a table's change feed gets new records. */
  onAppend(listener: (kind: 'stream' | 'table', name: string) => void): { dispose(): void };
  queueExists(queue: string): boolean;
  topicExists(topic: string): boolean;
  sendMessage(queue: string, body: string): Promise<void>;
  publish(topic: string, message: string): Promise<void>;
}

const regionOf = (arn: string) => arn.split(':')[3] || LOCAL_REGION;
export const defaultRole = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/thingbench-local`;

/** The message Lambda gives when it cannot reach a Kinesis stream (a missing one included). */
export const cannotAccessStream = (arn: string) => new EngineError('InvalidInput',
  `Cannot access stream ${arn}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListShards Actions on your stream.`);

export function kinesisSource(m: EventSourceMapping, stream: string, port: MappingStreams, invokeIdentityArn: () => string): StreamSource {
  const region = regionOf(m.eventSourceArn);
  return {
    batchInfo: 'KinesisBatchInfo',
    arrivalText: (ms) => new Date(ms).toISOString(),
    filterView: (event) => {
      const { kinesis, ...rest } = event as { kinesis: { data: string } };
      return { ...rest, ...kinesis, data: jsonOrText(Buffer.from(kinesis.data, 'base64').toString('utf8')) };
    },
    shards: () => port.kinesis.shards(stream),
    retentionMs: () => {
      try {
        return port.kinesis.retentionMs(stream);
      } catch {
        return undefined;
      }
    },
    initial: (shard, fromStart) => !fromStart && m.startingPosition === 'AT_TIMESTAMP'
      ? port.kinesis.iterator(stream, shard, 'AT_TIMESTAMP', { timestamp: (m.startingPositionTimestamp ?? 0) * 1000 })
      : port.kinesis.iterator(stream, shard, !fromStart && m.startingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON'),
    read: (shard, position, limit): SourceRecord[] => port.kinesis.read(position, limit).records.map((r) => ({
      id: r.sequenceNumber,
      arrival: r.approximateArrivalTimestamp,
      after: port.kinesis.iterator(stream, shard, 'AFTER_SEQUENCE_NUMBER', { sequenceNumber: r.sequenceNumber }),
      event: {
        kinesis: {
          kinesisSchemaVersion: '1.0', partitionKey: r.partitionKey, sequenceNumber: r.sequenceNumber,
          data: r.data.toString('base64'), approximateArrivalTimestamp: r.approximateArrivalTimestamp / 1000,
        },
        eventSource: 'aws:kinesis', eventVersion: '1.0', eventID: `${shard}:${r.sequenceNumber}`, eventName: 'aws:kinesis:record',
        invokeIdentityArn: invokeIdentityArn(), awsRegion: region, eventSourceARN: m.eventSourceArn,
      },
    })),
  };
}

export function dynamodbSource(m: EventSourceMapping, port: MappingStreams): StreamSource {
  // The table behind the ARN, looked up when the shards are (at most once a second), not on every read.
  let known: { table: string; shardId: string } | undefined;
  const lookUp = () => {
    known = port.dynamodb.stream(m.eventSourceArn);
    if (!known) throw new EngineError('NotFound', `Stream not found: ${m.eventSourceArn}`);
    return known;
  };
  const stream = () => known ?? lookUp();
  return {
    batchInfo: 'DDBStreamBatchInfo',
    filterView: (event) => event,
    // DynamoDB Streams keeps records 24 hours.
    retentionMs: () => 24 * 3_600_000,
    arrivalText: (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    shards: () => [lookUp().shardId],
    initial: (_shard, fromStart) => (!fromStart && m.startingPosition === 'LATEST' ? String(port.dynamodb.latestChange(stream().table)) : '0'),
    read: (_shard, position, limit): SourceRecord[] => port.dynamodb.records(stream().table, Number(position), limit).map((c) => ({
      id: String((c.record.dynamodb as { SequenceNumber: string }).SequenceNumber),
      arrival: c.time,
      after: String(c.seq),
      event: { ...c.record, eventSourceARN: m.eventSourceArn },
    })),
  };
}
