/**
 * Composition: the AWS service edges' operations counted as each service bills them, for `metering.cost`
 * (ARCHITECTURE §3: the edges stay unaware; each operation handler is wrapped once, here). Requests that fail
 * validation before their handler are not counted.
 */
import type { AwsService, HttpHandler, Route } from './api/index.js';
import { BILLED_REGISTRY_OPERATIONS, chunks, GB, type PriceId, type RequestMeter } from './metering/index.js';

type Input = Record<string, unknown>;
const utf8 = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v) : 0);
const size = (v: unknown) => (Buffer.isBuffer(v) || v instanceof Uint8Array ? v.length : typeof v === 'string' ? Buffer.byteLength(v) : 0);
const list = (v: unknown): Input[] => (Array.isArray(v) ? (v as Input[]) : []);
/** A DynamoDB item's size, near enough: its JSON text (AWS counts names and values in their own encoding). */
const itemBytes = (item: unknown) => (item ? Buffer.byteLength(JSON.stringify(item)) : 0);

/** What one operation of a service is billed as: [price, quantity] pairs. */
function billed(signingName: string, targetPrefix: string | undefined, operation: string, input: Input): Array<[PriceId, number]> {
  switch (signingName) {
    case 'sqs': {
      const bytes = operation === 'SendMessage' ? utf8(input.MessageBody)
        : operation === 'SendMessageBatch' ? list(input.Entries).reduce((n, e) => n + utf8(e.MessageBody), 0) : 0;
      return [['sqs.requests', chunks(bytes, 64)]];
    }
    case 'sns': {
      const bytes = operation === 'Publish' ? utf8(input.Message)
        : operation === 'PublishBatch' ? list(input.PublishBatchRequestEntries).reduce((n, e) => n + utf8(e.Message), 0) : 0;
      return [['sns.requests', chunks(bytes, 64)]];
    }
    case 'dynamodb': {
      if (targetPrefix?.startsWith('DynamoDBStreams')) return [];
      if (operation === 'PutItem') return [['dynamodb.writes', chunks(itemBytes(input.Item), 1)]];
      if (operation === 'UpdateItem' || operation === 'DeleteItem') return [['dynamodb.writes', chunks(itemBytes(input.Key), 1)]];
      if (operation === 'BatchWriteItem') {
        let units = 0;
        for (const requests of Object.values((input.RequestItems ?? {}) as Record<string, Input[]>)) {
          for (const r of list(requests)) units += chunks(itemBytes((r.PutRequest as Input | undefined)?.Item ?? (r.DeleteRequest as Input | undefined)?.Key), 1);
        }
        return [['dynamodb.writes', units]];
      }
      return []; // reads: by the size of what they read (`readUnits`)
    }
    case 'kinesis':
      if (operation === 'PutRecord') return [['kinesis.putUnits', chunks(size(input.Data), 25)]];
      if (operation === 'PutRecords') return [['kinesis.putUnits', list(input.Records).reduce((n, r) => n + chunks(size(r.Data), 25), 0)]];
      return [];
    case 'firehose': {
      const records = operation === 'PutRecord' ? [input.Record as Input | undefined] : operation === 'PutRecordBatch' ? list(input.Records) : [];
      const bytes = records.reduce((n, r) => n + chunks(size(r?.Data), 5) * 5 * 1024, 0);
      return bytes ? [['firehose.ingestion', bytes / GB]] : [];
    }
    case 'logs':
      return operation === 'PutLogEvents' ? [['logs.ingestion', list(input.logEvents).reduce((n, e) => n + utf8(e.message), 0) / GB]] : [];
    case 'monitoring':
      return [['cloudwatch.requests', 1]];
    default:
      return [];
  }
}

/**
 * DynamoDB read request units of a read's answer, as DynamoDB bills them: GetItem one item rounded up to 4 KB, Query and
 * Scan the items read summed then rounded up, BatchGetItem each item rounded up; half for eventually consistent reads.
 * (Query and Scan count the items returned: a FilterExpression's discarded items are not seen here.)
 */
function readUnits(operation: string, input: Input, output: unknown): number {
  const out = (output ?? {}) as Input;
  const half = (units: number, consistent: unknown) => (consistent ? units : units / 2);
  if (operation === 'GetItem') return half(chunks(itemBytes(out.Item), 4), input.ConsistentRead);
  if (operation === 'Query' || operation === 'Scan') return half(chunks(list(out.Items).reduce((n, i) => n + itemBytes(i), 0), 4), input.ConsistentRead);
  if (operation !== 'BatchGetItem') return 0;
  const asked = (input.RequestItems ?? {}) as Record<string, Input>;
  let units = 0;
  for (const [table, items] of Object.entries((out.Responses ?? {}) as Record<string, Input[]>)) {
    for (const item of list(items)) units += half(chunks(itemBytes(item), 4), asked[table]?.ConsistentRead);
  }
  return units;
}

const DYNAMODB_READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);

/** The service with each operation counted into `meter` before it runs (DynamoDB reads once answered, by size). */
export function meteredService(service: AwsService, meter: RequestMeter): AwsService {
  const { signingName, targetPrefix } = service.model;
  const reads = signingName === 'dynamodb' && !targetPrefix?.startsWith('DynamoDBStreams');
  const operations = Object.fromEntries(Object.entries(service.operations).map(([name, handler]) => [name, handler && ((input: Input, ctx: Parameters<typeof handler>[1]) => {
    for (const [id, n] of billed(signingName, targetPrefix, name, input)) meter.add(id, n);
    if (!reads || !DYNAMODB_READS.has(name)) return handler(input, ctx);
    return Promise.resolve(handler(input, ctx)).then((output) => {
      meter.add('dynamodb.reads', readUnits(name, input, output));
      return output;
    });
  })]));
  return { ...service, operations };
}

/**
 * S3 requests as S3 bills them: PUT, COPY, POST and LIST at one price, GET and the others at another; DELETE and
 * abandoning an upload are free. Counted once answered (`s3Service`'s `onRequest`).
 */
export function meteredS3(meter: RequestMeter): (operation: string) => void {
  const free = new Set(['DeleteObject', 'DeleteObjects', 'DeleteBucket', 'AbortMultipartUpload']);
  const puts = new Set(['PutObject', 'CopyObject', 'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'CreateBucket', 'ListBuckets', 'ListObjects', 'ListObjectsV2', 'ListParts']);
  return (operation) => {
    if (!free.has(operation)) meter.add(puts.has(operation) ? 's3.puts' : 's3.gets', 1);
  };
}

/**
 * Registry routes counted as AWS's billed registry operations, in 1 KB increments of the answer. (The data plane's HTTP
 * Publish is metered by the broker, under its topic and HTTP_PUBLISH_CALLER, like an MQTT publish.)
 */
export function meteredRoutes(routes: Route[], meter: RequestMeter): Route[] {
  return routes.map((r) => {
    if (!BILLED_REGISTRY_OPERATIONS.has(r.operation)) return r;
    const handler: HttpHandler = async (req) => {
      const result = await r.handler(req);
      meter.add('iot.registry', chunks(result.json !== undefined ? Buffer.byteLength(JSON.stringify(result.json)) : result.body?.length ?? 0, 1));
      return result;
    };
    return { ...r, handler };
  });
}
