/**
 * The port through which rule actions write to the local sinks: only the writes the actions make (and the one read
 * `dynamoDB`'s UPDATE needs), owned by the rules. The sink service satisfies it; the actions never see the service.
 */
import type { JsonObject } from '../../contract/index.js';
import type { AlarmState } from '../../sinks/index.js';

export interface SinkWriter {
  /** `sqs`: SendMessage to a queue by name. */
  readonly queues: {
    send(queue: string, body: string, opts: { traceId?: string | null }): Promise<{ messageId: string; md5OfMessageBody: string }>;
  };
  /** `sns`: Publish to a topic by name; `messageStructure: 'json'` holds a message per protocol. */
  readonly topics: {
    publish(topic: string, message: string, opts: { traceId?: string | null; messageStructure?: 'json' }): Promise<{ messageId: string }>;
  };
  /** `kinesis`: PutRecord. */
  readonly streams: {
    put(stream: string, data: Buffer, partitionKey: string, traceId: string | null): Promise<{ shardId: string; sequenceNumber: string }>;
  };
  /** `firehose`: PutRecord. */
  readonly firehose: {
    put(stream: string, data: Buffer, traceId: string | null): Promise<{ recordId: string }>;
  };
  /** `dynamoDB` and `dynamoDBv2`: items by key. */
  readonly tables: {
    get(table: string, key: JsonObject): JsonObject | undefined;
    put(table: string, item: JsonObject, traceId: string | null): Promise<void>;
    delete(table: string, key: JsonObject): Promise<void>;
  };
  /** `cloudwatchLogs`, `cloudwatchMetric`, `cloudwatchAlarm`. */
  readonly cloudwatch: {
    putLogEvents(group: string, events: Array<{ message: string; timestamp?: number }>, opts: { logStream?: string; traceId?: string | null }): Promise<void>;
    putMetric(namespace: string, datum: { metricName: string; value: number; unit?: string; timestamp?: number }, traceId: string | null): Promise<void>;
    setAlarmState(alarm: string, state: AlarmState, reason: string, traceId: string | null): Promise<void>;
  };
}
