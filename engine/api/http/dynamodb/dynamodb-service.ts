/**
 * Amazon DynamoDB on the engine's endpoint (awsJson 1.0, `X-Amz-Target: DynamoDB_20120810.*`): the table
 * operations over the sink tables and the item operations of engine/sinks/dynamodb, for the AWS SDK v3 client
 * (and `@aws-sdk/lib-dynamodb`) and the AWS CLI.
 *
 * Secondary indexes (CreateTable, UpdateTable, DescribeTable; Query and Scan with IndexName) and time to live
 * (UpdateTimeToLive, DescribeTimeToLive) are served.
 *
 * Tags (CreateTable's `Tags`, TagResource, UntagResource, ListTagsOfResource) are kept and deleted with the table.
 *
 * LIMITATIONS: no PartiQL (its three operations answer that it is not supported), backups or global tables;
 * capacity is accepted and described but never enforced (ConsumedCapacity is returned when asked: see
 * engine/sinks/dynamodb/capacity.ts); an index is built
 * (backfilled) within its UpdateTable call.
 */
import type { SinkInfo, SinkKind, SinkOptions } from '../../../contract/index.js';
import type { DynamoItems } from '../../../sinks/index.js';
import { dynamodbModel, serviceError, type AwsService } from '../protocols/index.js';
import { operation } from './dynamodb-wire.js';
import type { IndexOptions } from './dynamodb-indexes.js';
import { describeTimeToLive, updateTimeToLive } from './dynamodb-ttl.js';
import { dynamoTagOperations, type DynamoTagsPort } from './dynamodb-tags.js';

/** PartiQL's operations answer with one sentence instead of an unknown operation. */
const noPartiql = (op: string) => operation(() => {
  throw serviceError('ValidationException', `Thingbench does not support PartiQL yet (${op}): use GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan and the batch and transaction operations`);
});
import { createTable, deleteTable, describeTable, listTables, updateTable } from './dynamodb-tables.js';

/** What the DynamoDB edge needs of the sinks. */
export interface DynamoTablesPort {
  create(kind: SinkKind, name: string, options?: SinkOptions): Promise<SinkInfo>;
  delete(kind: SinkKind, name: string): Promise<void>;
  list(kind?: SinkKind): SinkInfo[];
  sizeBytes(table: string): number;
  setOptions(table: string, patch: Record<string, string | number | null | undefined>): Promise<void>;
  indexStats(table: string): Map<string, { count: number; bytes: number }>;
  addIndex(table: string, index: IndexOptions): Promise<void>;
  removeIndex(table: string, name: string): Promise<void>;
  setIndexThroughput(table: string, name: string, t: { readCapacityUnits: number; writeCapacityUnits: number }): Promise<void>;
  setTimeToLive(table: string, attribute: string | undefined): Promise<void>;
  items: DynamoItems;
  /** The tags the engine keeps on tables. */
  tags: DynamoTagsPort;
}

export function dynamodbService(port: DynamoTablesPort): AwsService {
  const items = port.items;
  return {
    title: 'DynamoDB',
    model: dynamodbModel,
    maxBodyBytes: 16 * 1024 * 1024,
    operations: {
      CreateTable: operation(createTable(port)),
      DescribeTable: operation(describeTable(port)),
      ListTables: operation(listTables(port)),
      DeleteTable: operation(deleteTable(port)),
      UpdateTable: operation(updateTable(port)),
      PutItem: operation((i) => items.putItem(i)),
      GetItem: operation((i) => items.getItem(i)),
      UpdateItem: operation((i) => items.updateItem(i)),
      DeleteItem: operation((i) => items.deleteItem(i)),
      Query: operation((i) => items.query(i)),
      Scan: operation((i) => items.scan(i)),
      BatchWriteItem: operation((i) => items.batchWriteItem(i)),
      BatchGetItem: operation((i) => items.batchGetItem(i)),
      TransactWriteItems: operation((i) => items.transactWriteItems(i)),
      TransactGetItems: operation((i) => items.transactGetItems(i)),
      UpdateTimeToLive: operation(updateTimeToLive(port)),
      DescribeTimeToLive: operation(describeTimeToLive(port)),
      ...Object.fromEntries(Object.entries(dynamoTagOperations(port.tags, (t) => port.list('table').some((x) => x.name === t))).map(([k, fn]) => [k, operation(fn)])),
      ExecuteStatement: noPartiql('ExecuteStatement'),
      BatchExecuteStatement: noPartiql('BatchExecuteStatement'),
      ExecuteTransaction: noPartiql('ExecuteTransaction'),
    },
    errors: { NotFound: 'ResourceNotFoundException', InvalidInput: 'ValidationException', Throttled: 'ThrottlingException' },
  };
}
