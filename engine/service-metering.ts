/**
 * Composition: the AWS service edges' operations counted as each service bills them, for `metering.cost`
 * (ARCHITECTURE §3: the edges stay unaware; each operation handler is wrapped once, here). Requests that fail
 * validation before their handler are not counted.
 */
import type { AwsService, HttpHandler, Route } from './api/index.js';
import { BILLED_REGISTRY_OPERATIONS, chunks, GB, type PriceId, type RequestMeter } from './metering/index.js';

type Input = Record<string, unknown>;
type Handler = NonNullable<AwsService['operations'][string]>;
const utf8 = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v) : 0);
const size = (v: unknown) => (Buffer.isBuffer(v) || v instanceof Uint8Array ? v.length : typeof v === 'string' ? Buffer.byteLength(v) : 0);
const list = (v: unknown): Input[] => (Array.isArray(v) ? (v as Input[]) : []);

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
    // dynamodb: by the ConsumedCapacity of each answer (`consumedUnits`)
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

/** DynamoDB's item operations, by the price their ConsumedCapacity is billed at. */
const DYNAMODB_UNITS: Record<string, PriceId> = {
  PutItem: 'dynamodb.writes', UpdateItem: 'dynamodb.writes', DeleteItem: 'dynamodb.writes', BatchWriteItem: 'dynamodb.writes', TransactWriteItems: 'dynamodb.writes',
  GetItem: 'dynamodb.reads', Query: 'dynamodb.reads', Scan: 'dynamodb.reads', BatchGetItem: 'dynamodb.reads', TransactGetItems: 'dynamodb.reads',
};

/**
 * A DynamoDB item operation billed by the capacity units its answer reports (the item sizes DynamoDB bills: the larger
 * of before and after for writes, what was read before the filter for Query and Scan), so the cost report and a
 * caller's `ReturnConsumedCapacity` always agree. The units are asked for every time and left out of the answer when
 * the caller did not ask.
 */
function consumedUnits(handler: Handler, id: PriceId, meter: RequestMeter): Handler {
  return async (input: Input, ctx) => {
    const asked = input.ReturnConsumedCapacity === 'TOTAL' || input.ReturnConsumedCapacity === 'INDEXES';
    const valid = asked || input.ReturnConsumedCapacity === undefined || input.ReturnConsumedCapacity === 'NONE';
    const output = (await handler(valid && !asked ? { ...input, ReturnConsumedCapacity: 'TOTAL' } : input, ctx)) as Input | undefined;
    const capacity = output?.ConsumedCapacity;
    meter.add(id, (Array.isArray(capacity) ? capacity : [capacity]).reduce((n: number, c) => n + Number((c as Input | undefined)?.CapacityUnits ?? 0), 0));
    if (asked || !output) return output;
    const { ConsumedCapacity: _, ...rest } = output;
    return rest;
  };
}

/** The service with each operation counted into `meter` before it runs (DynamoDB's item operations once answered). */
export function meteredService(service: AwsService, meter: RequestMeter): AwsService {
  const { signingName, targetPrefix } = service.model;
  const dynamodb = signingName === 'dynamodb' && !targetPrefix?.startsWith('DynamoDBStreams');
  const operations = Object.fromEntries(Object.entries(service.operations).map(([name, handler]) => {
    if (!handler) return [name, handler];
    if (dynamodb) return [name, DYNAMODB_UNITS[name] ? consumedUnits(handler, DYNAMODB_UNITS[name], meter) : handler];
    return [name, (input: Input, ctx: Parameters<Handler>[1]) => {
      for (const [id, n] of billed(signingName, targetPrefix, name, input)) meter.add(id, n);
      return handler(input, ctx);
    }];
  }));
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
