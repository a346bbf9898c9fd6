/**
 * Amazon DynamoDB on the engine's endpoint (awsJson 1.0, `X-Amz-Target: DynamoDB_20120810.*`): the table
 * operations over the sink tables and the item operations of engine/sinks/dynamodb, for the AWS SDK v3 client
 * (and `@aws-sdk/lib-dynamodb`) and the AWS CLI.
 *
 * LIMITATIONS: no secondary indexes (CreateTable and UpdateTable refuse them), no PartiQL, backups, TTL or global
 * tables; ConsumedCapacity is never returned; the Streams API is not served yet (the change feed is kept).
 */
import type { SinkInfo, SinkKind, SinkOptions } from '../../../contract/index.js';
import type { DynamoItems } from '../../../sinks/index.js';
import { dynamodbModel, type AwsService } from '../protocols/index.js';
import { operation } from './dynamodb-wire.js';
import { createTable, deleteTable, describeTable, listTables, updateTable } from './dynamodb-tables.js';

/** What the DynamoDB edge needs of the sinks. */
export interface DynamoTablesPort {
  create(kind: SinkKind, name: string, options?: SinkOptions): Promise<SinkInfo>;
  delete(kind: SinkKind, name: string): Promise<void>;
  list(kind?: SinkKind): SinkInfo[];
  sizeBytes(table: string): number;
  setOptions(table: string, patch: Record<string, string | number | null | undefined>): Promise<void>;
  items: DynamoItems;
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
    },
    errors: { NotFound: 'ResourceNotFoundException', InvalidInput: 'ValidationException', Throttled: 'ThrottlingException' },
  };
}
