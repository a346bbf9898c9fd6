/**
 * The UI contract's `sinks` area over the service: the sinks and their records, and what the Sinks view does with
 * them: queue messages (send, receive, delete, purge), topic subscriptions and publishing, a bucket's objects (the
 * local S3 Firehose writes to, read through a narrow port), and DynamoDB queries by key.
 */
import { gunzipSync } from 'node:zlib';
import type {
  JsonValue, ObjectContent, ObjectPage, ObjectQuery, ObjectSummary, QueueReceived, TableQueryInput, TableQueryResult, ThingbenchApi,
  TopicSubscribeInput, TopicSubscription,
} from '../contract/index.js';
import { EngineError } from '../core/index.js';
import { itemToJson } from './dynamodb/index.js';
import type { SinkService } from './sink-service.js';
import { ACCOUNT, REGION, arnOf } from './sink-options.js';

/** What the `sinks` area reads of the local S3 (engine/objects' ObjectService). */
export interface ObjectReader {
  listBuckets(): Array<{ name: string; created: number }>;
  list(bucket: string, q: { prefix?: string; delimiter?: string; after?: string; maxKeys?: number }): {
    objects: Array<{ bucket: string; key: string; size: number; etag: string; lastModified: number; headers: Record<string, string | undefined> }>;
    commonPrefixes: string[];
    truncated: boolean;
  };
  head(bucket: string, key: string): { bucket: string; key: string; size: number; etag: string; lastModified: number; headers: Record<string, string | undefined> };
  read(bucket: string, key: string): Buffer;
}

/** Text shown of an object. */
const TEXT_MAX = 1024 * 1024;
/** Objects larger than this are not sent whole for a download. */
const DOWNLOAD_MAX = 16 * 1024 * 1024;
/** Gzip bodies larger than this once decompressed are not decompressed whole. */
const GUNZIP_MAX = 64 * 1024 * 1024;

export function sinksApi(sinks: SinkService, objects?: ObjectReader): ThingbenchApi['sinks'] {
  const reader = (): ObjectReader => {
    if (!objects) throw new EngineError('Unavailable', 'this engine has no local S3');
    return objects;
  };
  return {
    list: async (kind) => sinks.list(kind ?? undefined),
    create: async (kind, name, options) => sinks.create(kind, name, options ?? undefined),
    delete: async (kind, name) => sinks.delete(kind, name),
    records: async (kind, name, query) => sinks.records(kind, name, query ?? undefined),

    queueCounts: async (queue) => {
      const s = sinks.queues.stats(queue);
      return { visible: s.visible, inFlight: s.inFlight, delayed: s.delayed };
    },
    send: async (queue, input) => {
      const sent = await sinks.queues.send(queue, input.body, {
        attributes: input.attributes, delaySeconds: input.delaySeconds ?? undefined,
        messageGroupId: input.messageGroupId || undefined, messageDeduplicationId: input.messageDeduplicationId || undefined,
      });
      return { messageId: sent.messageId, md5OfMessageBody: sent.md5OfMessageBody, ...(sent.sequenceNumber ? { sequenceNumber: sent.sequenceNumber } : {}) };
    },
    receive: async (queue, input) => {
      const opts = input ?? {};
      const timeout = opts.visibilityTimeoutSeconds ?? (sinks.target('queue', queue).options.visibilityTimeoutSeconds as number | undefined) ?? 30;
      const at = Date.now();
      const got = await sinks.queues.receive(queue, { maxMessages: opts.maxMessages, visibilityTimeoutSeconds: opts.visibilityTimeoutSeconds, waitTimeSeconds: 0 });
      return got.map((m): QueueReceived => ({
        messageId: m.messageId, receiptHandle: m.receiptHandle, body: m.body, md5OfBody: m.md5OfBody, attributes: m.attributes,
        ...(m.messageAttributes ? { messageAttributes: m.messageAttributes } : {}), visibleAgainAt: at + timeout * 1000,
      }));
    },
    deleteMessage: async (queue, receiptHandle) => sinks.queues.delete(queue, receiptHandle),
    purge: async (queue) => sinks.queues.purge(queue),

    subscriptions: async (topic) => sinks.topics.topics.describeSubscriptions(arnOf('notify', topic)).map(subscriptionOf),
    subscribe: async (topic, input) => {
      const attributes: Record<string, string> = {};
      if (input.rawMessageDelivery !== undefined) attributes.RawMessageDelivery = String(input.rawMessageDelivery);
      if (input.filterPolicyScope) attributes.FilterPolicyScope = input.filterPolicyScope;
      if (input.filterPolicy) attributes.FilterPolicy = input.filterPolicy;
      const topicArn = arnOf('notify', topic);
      const { arn } = await sinks.topics.topics.subscribe(topicArn, input.protocol, endpointOf(input), attributes);
      const all = sinks.topics.topics.describeSubscriptions(topicArn);
      const made = all.find((s) => s.arn === arn) ?? all.find((s) => s.protocol === input.protocol && s.endpoint === (endpointOf(input) ?? ''));
      if (!made) throw new EngineError('Internal', `the subscription ${arn} was not kept`);
      return subscriptionOf(made);
    },
    unsubscribe: async (arn) => sinks.topics.topics.unsubscribe(arn),
    publish: async (topic, input) => {
      const r = await sinks.topics.publish(topic, input.message, {
        subject: input.subject || undefined, attributes: input.attributes && Object.keys(input.attributes).length ? input.attributes : undefined,
        messageGroupId: input.messageGroupId || undefined, messageDeduplicationId: input.messageDeduplicationId || undefined,
      });
      return { messageId: r.messageId, ...(r.sequenceNumber ? { sequenceNumber: r.sequenceNumber } : {}) };
    },

    buckets: async () => (objects ? objects.listBuckets().map((b) => ({ name: b.name, createdAt: b.created })) : []),
    objects: async (bucket, query) => listObjects(reader(), bucket, query ?? {}),
    object: async (bucket, key) => objectContent(reader(), bucket, key),

    query: async (table, input) => queryTable(sinks, table, input),
  };
}

function subscriptionOf(s: { arn: string; protocol: string; endpoint: string; attributes: Record<string, string>; pending: boolean; fromOptions: boolean }): TopicSubscription {
  return {
    arn: s.arn, protocol: s.protocol, endpoint: s.endpoint, rawMessageDelivery: s.attributes.RawMessageDelivery === 'true',
    filterPolicy: s.attributes.FilterPolicy ?? null, filterPolicyScope: s.attributes.FilterPolicyScope ?? 'MessageAttributes',
    confirmed: !s.pending, fromOptions: s.fromOptions,
  };
}

/** A queue or function given by name becomes the ARN Subscribe takes. */
function endpointOf(input: TopicSubscribeInput): string | undefined {
  const e = input.endpoint;
  if (e === undefined || e === '') return e;
  if (input.protocol === 'sqs' && !e.startsWith('arn:')) {
    const name = e.startsWith('https://') ? e.slice(e.lastIndexOf('/') + 1) : e;
    return `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
  }
  if (input.protocol === 'lambda' && !e.startsWith('arn:')) return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${e}`;
  return e;
}

function summaryOf(o: { bucket: string; key: string; size: number; etag: string; lastModified: number; headers: Record<string, string | undefined> }): ObjectSummary {
  return {
    bucket: o.bucket, key: o.key, size: o.size, etag: o.etag, lastModified: o.lastModified,
    contentType: o.headers['content-type'] ?? 'binary/octet-stream',
    ...(o.headers['content-encoding'] ? { contentEncoding: o.headers['content-encoding'] } : {}),
  };
}

function listObjects(objects: ObjectReader, bucket: string, q: ObjectQuery): ObjectPage {
  const limit = Math.min(Math.max(q.limit ?? 1000, 1), 1000);
  const r = objects.list(bucket, { prefix: q.prefix ?? '', delimiter: q.delimiter ?? '', after: q.after, maxKeys: limit });
  return { objects: r.objects.map(summaryOf), prefixes: r.commonPrefixes, truncated: r.truncated };
}

function objectContent(objects: ObjectReader, bucket: string, key: string): ObjectContent {
  const info = summaryOf(objects.head(bucket, key));
  const raw = objects.read(bucket, key);
  const gzip = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  let body: Buffer | null = raw;
  if (gzip) {
    try {
      body = gunzipSync(raw, { maxOutputLength: GUNZIP_MAX });
    } catch {
      body = null; // not gzip after all, or too large: shown as bytes
    }
  }
  const shown = body ? body.subarray(0, TEXT_MAX) : null;
  const text = shown && isText(shown) ? shown.toString('utf8') : null;
  return {
    ...info, gzip: gzip && body !== null, text, textTruncated: text !== null && body !== null && body.length > TEXT_MAX,
    json: text !== null && body !== null && body.length <= TEXT_MAX ? parseJsonOrLines(text) : null,
    hexHead: raw.subarray(0, 256).toString('hex'),
    base64: raw.length <= DOWNLOAD_MAX ? raw.toString('base64') : null,
  };
}

/** UTF-8 without NULs or other control characters than whitespace (a cut multi-byte character at the end is fine). */
function isText(b: Buffer): boolean {
  const s = b.toString('utf8');
  const bad = s.indexOf('\uFFFD');
  if (bad !== -1 && bad < s.length - 3) return false;
  return !/[\u0000-\u0008\u000E-\u001F]/.test(s);
}

function parseJsonOrLines(text: string): JsonValue | null {
  const t = text.trim();
  if (!t) return null;
  try {
    return JSON.parse(t) as JsonValue;
  } catch {
    // JSON lines (Firehose with a newline after each record), or JSON objects written back to back
  }
  const lines = t.split('\n').filter((l) => l.trim());
  try {
    return lines.map((l) => JSON.parse(l) as JsonValue);
  } catch {
    return null;
  }
}

/** A DynamoDB Query through the tables' own Query (the same one the DynamoDB API serves). */
function queryTable(sinks: SinkService, table: string, input: TableQueryInput): TableQueryResult {
  const schema = sinks.tables.schema(table);
  const keys = input.index ? schema.indexes?.find((i) => i.name === input.index) : schema;
  if (!keys) throw new EngineError('InvalidInput', `The table does not have the specified index: ${input.index}`, { reason: 'ValidationException' });
  const value = (type: 'S' | 'N' | 'B', v: string) => ({ [type]: v });
  const names: Record<string, string> = { '#p': keys.hash.name };
  const values: Record<string, unknown> = { ':p': value(keys.hash.type, input.partition) };
  let condition = '#p = :p';
  const s = input.sort;
  if (s) {
    if (!keys.range) throw new EngineError('InvalidInput', `${input.index ?? table} has no sort key`, { reason: 'ValidationException' });
    names['#s'] = keys.range.name;
    values[':s'] = value(keys.range.type, s.value);
    if (s.op === 'between') {
      values[':t'] = value(keys.range.type, s.value2 ?? '');
      condition += ' AND #s BETWEEN :s AND :t';
    } else if (s.op === 'begins_with') {
      condition += ' AND begins_with(#s, :s)';
    } else {
      condition += ` AND #s ${s.op} :s`;
    }
  }
  const limit = Math.min(Math.max(input.limit ?? 100, 1), 1000);
  const out = sinks.dynamodb.query({
    TableName: table, IndexName: input.index, KeyConditionExpression: condition, ExpressionAttributeNames: names,
    ExpressionAttributeValues: values, ScanIndexForward: !input.descending, Limit: limit,
  });
  const items = (out.Items ?? []).map((i) => itemToJson(i) as JsonValue);
  return { items, count: out.Count, scannedCount: out.ScannedCount, more: out.LastEvaluatedKey !== undefined };
}
