/**
 * What a `sink` check reads, as text records (a JSON record as JSON text), through each service's API: SQS
 * ReceiveMessage with VisibilityTimeout 0 (a peek that hides nothing from the attendee's consumers), a DynamoDB Scan,
 * Kinesis GetRecords from TRIM_HORIZON over every shard, S3 objects (records are lines or JSON array elements),
 * CloudWatch Logs FilterLogEvents, and, on the local engine only, the SNS inbox.
 */
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { AwsClients } from './clients.js';
import type { Target } from '../../scenarios/index.js';

export const SINK_CHECK_KINDS = ['queue', 'table', 'stream', 'bucket', 'logGroup', 'notify'] as const;
export type SinkCheckKind = (typeof SINK_CHECK_KINDS)[number];

const MAX = 1000;

/** DynamoDB's attribute values as plain JSON. */
export function unmarshall(v: AttributeValue): unknown {
  if (v.S !== undefined) return v.S;
  if (v.N !== undefined) return Number(v.N);
  if (v.BOOL !== undefined) return v.BOOL;
  if (v.NULL) return null;
  if (v.M) return Object.fromEntries(Object.entries(v.M).map(([k, x]) => [k, unmarshall(x)]));
  if (v.L) return v.L.map(unmarshall);
  if (v.SS) return v.SS;
  if (v.NS) return v.NS.map(Number);
  if (v.B) return Buffer.from(v.B).toString('base64');
  return null;
}

/** Records of a file: a JSON array's elements, else its non-empty lines. */
function fileRecords(text: string): string[] {
  const t = text.trim();
  if (t.startsWith('[')) {
    try {
      const arr = JSON.parse(t) as unknown[];
      if (Array.isArray(arr)) return arr.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
    } catch {
      // Lines, then.
    }
  }
  // Firehose concatenates records without a separator: `}{` splits JSON objects written back to back.
  return t.split(/\n|(?<=\})(?=\{)/).map((l) => l.trim()).filter(Boolean);
}

/** The sink's records as text, oldest first; undefined when the sink does not exist. */
export async function sinkRecords(target: Target, clients: AwsClients, kind: SinkCheckKind, name: string): Promise<string[] | undefined> {
  switch (kind) {
    case 'queue': {
      const sqs = clients.sqs();
      const url = await clients.find('GetQueueUrl', () => sqs.send(new GetQueueUrlCommand({ QueueName: name })));
      if (!url?.QueueUrl) return undefined;
      const seen = new Map<string, string>();
      for (let i = 0; i < 5; i++) {
        const res = await clients.call('ReceiveMessage', () => sqs.send(new ReceiveMessageCommand({ QueueUrl: url.QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0 })));
        const before = seen.size;
        for (const m of res.Messages ?? []) seen.set(m.MessageId ?? String(seen.size), m.Body ?? '');
        if (seen.size === before) break;
      }
      return [...seen.values()];
    }
    case 'table': {
      const ddb = clients.dynamodb();
      const items: string[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const res = await clients.find('Scan', () => ddb.send(new ScanCommand({ TableName: name, ...(start ? { ExclusiveStartKey: start } : {}) })));
        if (!res) return undefined;
        for (const it of res.Items ?? []) items.push(JSON.stringify(unmarshall({ M: it })));
        start = res.LastEvaluatedKey;
      } while (start && items.length < MAX);
      return items;
    }
    case 'stream': {
      const kinesis = clients.kinesis();
      const shards = await clients.find('ListShards', () => kinesis.send(new ListShardsCommand({ StreamName: name })));
      if (!shards) return undefined;
      const out: Array<{ at: number; text: string }> = [];
      for (const s of shards.Shards ?? []) {
        const it = await clients.call('GetShardIterator', () => kinesis.send(new GetShardIteratorCommand({ StreamName: name, ShardId: s.ShardId, ShardIteratorType: 'TRIM_HORIZON' })));
        let iterator = it.ShardIterator;
        for (let i = 0; iterator && i < 20 && out.length < MAX; i++) {
          const res = await clients.call('GetRecords', () => kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 })));
          for (const r of res.Records ?? []) out.push({ at: r.ApproximateArrivalTimestamp?.getTime() ?? 0, text: Buffer.from(r.Data ?? new Uint8Array()).toString('utf8') });
          if (!res.Records?.length || !res.MillisBehindLatest) break;
          iterator = res.NextShardIterator;
        }
      }
      return out.sort((a, b) => a.at - b.at).map((r) => r.text);
    }
    case 'bucket': {
      const s3 = clients.s3();
      const list = await clients.find('ListObjectsV2', () => s3.send(new ListObjectsV2Command({ Bucket: name, MaxKeys: 100 })));
      if (!list) return undefined;
      const out: string[] = [];
      const objects = [...(list.Contents ?? [])].sort((a, b) => (a.LastModified?.getTime() ?? 0) - (b.LastModified?.getTime() ?? 0));
      for (const o of objects) {
        const obj = await clients.call('GetObject', () => s3.send(new GetObjectCommand({ Bucket: name, Key: o.Key })));
        out.push(...fileRecords(await obj.Body!.transformToString('utf8')));
      }
      return out;
    }
    case 'logGroup': {
      const logs = clients.logs();
      const res = await clients.find('FilterLogEvents', () => logs.send(new FilterLogEventsCommand({ logGroupName: name, limit: MAX })));
      return res ? (res.events ?? []).map((e) => e.message ?? '') : undefined;
    }
    case 'notify': {
      const sinks = await target.api!.sinks.list('notify');
      if (!sinks.some((s) => s.name === name)) return undefined;
      const records = await target.api!.sinks.records('notify', name);
      return records.reverse().map((r) => {
        const d = r.data as { message?: unknown } | null;
        return typeof d?.message === 'string' ? d.message : JSON.stringify(r.data);
      });
    }
  }
}
