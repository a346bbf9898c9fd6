/**
 * `dynamoDBv2` [DG:dynamodb-v2-rule-action]: writes the rule output object as a whole item, each field an attribute.
 * Parameters as AWS's DynamoDBv2Action: `putItem: { tableName }` (templates allowed), `roleArn` (accepted, not
 * enforced). The output must be an object holding the table's key attributes; otherwise, or when the table does not
 * exist, the action fails.
 */
import type { JsonObject } from '../../contract/index.js';
import { EngineError } from '../../core/index.js';
import type { ActionFactory } from './action.js';
import { optionalString, requiredString } from './params.js';
import { attempt, param, sinksOf } from './sink-action.js';

export const dynamoDBv2Action: ActionFactory = (params, deps) => {
  const sinks = sinksOf(deps, 'dynamoDBv2');
  const putItem = params.putItem;
  if (typeof putItem !== 'object' || putItem === null || Array.isArray(putItem)) {
    throw new EngineError('InvalidInput', 'dynamoDBv2.putItem is required: { "tableName": … }');
  }
  const tableName = requiredString(putItem as Record<string, unknown>, 'tableName', 'dynamoDBv2.putItem');
  optionalString(params, 'roleArn', 'dynamoDBv2');
  return {
    kind: 'dynamoDBv2',
    invoke: (input) => attempt(async () => {
      const table = param(input, tableName);
      const item = input.output;
      if (typeof item !== 'object' || item === null || Array.isArray(item) || item instanceof Uint8Array) {
        throw new EngineError('InvalidInput', 'dynamoDBv2 needs a JSON object as the rule output (each field becomes an attribute)');
      }
      await sinks.tables.put(table, item as JsonObject, input.traceId);
      return { table };
    }),
  };
};
