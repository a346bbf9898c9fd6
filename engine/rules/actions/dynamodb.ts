/**
 * `dynamoDB` [DG:dynamodb-rule-action]: writes the rule output into a local table as one attribute of an item
 * whose key comes from the parameters. Parameters as AWS's DynamoDBAction: `tableName`, `hashKeyField`,
 * `hashKeyValue`, `hashKeyType` (`STRING` default, or `NUMBER`), `rangeKeyField`, `rangeKeyValue`, `rangeKeyType`,
 * `payloadField` (default `payload`), `operation` (`INSERT` default, `UPDATE`, `DELETE`; templates allowed),
 * `roleArn` (accepted, not enforced). Values support templates. A missing table or a key that does not match the
 * table's key schema fails the action.
 */
import type { JsonObject, JsonValue } from '../../contract/index.js';
import { EngineError } from '../../core/index.js';
import type { ActionFactory, ActionInput } from './action.js';
import { optionalString, requiredString } from './params.js';
import { attempt, param, sinksOf } from './sink-action.js';

type KeyType = 'STRING' | 'NUMBER';

function keyType(params: Record<string, unknown>, field: string): KeyType {
  const v = optionalString(params, field, 'dynamoDB') ?? 'STRING';
  if (v !== 'STRING' && v !== 'NUMBER') throw new EngineError('InvalidInput', `dynamoDB.${field} must be STRING or NUMBER`);
  return v;
}

function keyValue(text: string, type: KeyType, field: string): string | number {
  if (type === 'STRING') return text;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new EngineError('InvalidInput', `the ${field} value "${text}" is not a number`);
  return n;
}

/** The rule output as a stored attribute: JSON values as is, binary as base64 (DynamoDB's B type is base64 in JSON). */
export function storedOutput(input: ActionInput): JsonValue {
  return input.output instanceof Uint8Array ? Buffer.from(input.output).toString('base64') : (input.output as JsonValue) ?? null;
}

export const dynamoDBAction: ActionFactory = (params, deps) => {
  const sinks = sinksOf(deps, 'dynamoDB');
  const tableName = requiredString(params, 'tableName', 'dynamoDB');
  const hashKeyField = requiredString(params, 'hashKeyField', 'dynamoDB');
  const hashKeyValue = requiredString(params, 'hashKeyValue', 'dynamoDB');
  const hashKeyType = keyType(params, 'hashKeyType');
  const rangeKeyField = optionalString(params, 'rangeKeyField', 'dynamoDB');
  const rangeKeyValue = optionalString(params, 'rangeKeyValue', 'dynamoDB');
  const rangeKeyType = keyType(params, 'rangeKeyType');
  if ((rangeKeyField === undefined) !== (rangeKeyValue === undefined)) {
    throw new EngineError('InvalidInput', 'dynamoDB.rangeKeyField and dynamoDB.rangeKeyValue go together');
  }
  const payloadField = optionalString(params, 'payloadField', 'dynamoDB') ?? 'payload';
  const operation = optionalString(params, 'operation', 'dynamoDB');
  if (operation !== undefined && !operation.includes('${') && !['INSERT', 'UPDATE', 'DELETE'].includes(operation)) {
    throw new EngineError('InvalidInput', 'dynamoDB.operation must be INSERT, UPDATE or DELETE');
  }
  optionalString(params, 'roleArn', 'dynamoDB');
  return {
    kind: 'dynamoDB',
    invoke: (input) => attempt(async () => {
      const table = param(input, tableName);
      const key: JsonObject = { [hashKeyField]: keyValue(param(input, hashKeyValue), hashKeyType, 'hash key') };
      if (rangeKeyField !== undefined) key[rangeKeyField] = keyValue(param(input, rangeKeyValue!), rangeKeyType, 'range key');
      const op = operation === undefined ? 'INSERT' : param(input, operation);
      if (op === 'DELETE') {
        await sinks.tables.delete(table, key);
      } else if (op === 'INSERT' || op === 'UPDATE') {
        // INSERT replaces the item; UPDATE keeps its other attributes and sets the payload field.
        const existing = op === 'UPDATE' ? sinks.tables.get(table, key) : undefined;
        await sinks.tables.put(table, { ...existing, ...key, [payloadField]: storedOutput(input) }, input.traceId);
      } else {
        throw new EngineError('InvalidInput', `dynamoDB operation "${op}" is not INSERT, UPDATE or DELETE`);
      }
      return { table, operation: op, key };
    }),
  };
};
