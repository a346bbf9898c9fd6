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
      if (operation === 'GetItem') return [['dynamodb.reads', input.ConsistentRead ? 1 : 0.5]];
      if (operation === 'Query' || operation === 'Scan' || operation === 'BatchGetItem') return [['dynamodb.reads', input.ConsistentRead ? 1 : 0.5]];
      return [];
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

/** The service with each operation counted into `meter` before it runs. */
export function meteredService(service: AwsService, meter: RequestMeter): AwsService {
  const { signingName, targetPrefix } = service.model;
  const operations = Object.fromEntries(Object.entries(service.operations).map(([name, handler]) => [name, handler && ((input: Input, ctx: Parameters<typeof handler>[1]) => {
    for (const [id, n] of billed(signingName, targetPrefix, name, input)) meter.add(id, n);
    return handler(input, ctx);
  })]));
  return { ...service, operations };
}

/** Registry routes counted as AWS's billed registry operations, in 1 KB increments of the answer. */
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
