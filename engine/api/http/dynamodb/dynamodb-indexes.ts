/**
 * DynamoDB's secondary indexes on the table operations: GlobalSecondaryIndexes and LocalSecondaryIndexes of
 * CreateTable, UpdateTable's GlobalSecondaryIndexUpdates (Create, Delete, Update of throughput), and their
 * descriptions in DescribeTable, with AWS's validation messages and limits (20 global, 5 local per table)
 * [DynamoDB DG: "Improving data access with secondary indexes", "Quotas"].
 */
import { serviceError } from '../protocols/index.js';

interface KeyElement { AttributeName: string; KeyType: 'HASH' | 'RANGE' }
interface AttributeDefinition { AttributeName: string; AttributeType: string }
interface Projection { ProjectionType?: string; NonKeyAttributes?: string[] }
interface Throughput { ReadCapacityUnits: number; WriteCapacityUnits: number }
export interface IndexInput { IndexName: string; KeySchema: KeyElement[]; Projection: Projection; ProvisionedThroughput?: Throughput }
type KeyDef = { name: string; type: 'S' | 'N' | 'B' };
/** An index as the table's options keep it (engine/sinks/table.ts IndexOptions). */
export interface IndexOptions {
  name: string; global: boolean; hashKey: KeyDef; rangeKey?: KeyDef; projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; nonKeyAttributes?: string[];
  readCapacityUnits?: number; writeCapacityUnits?: number;
  /** Still being filled from the table's items. */
  backfilling?: boolean;
}

export const MAX_GLOBAL = 20;
export const MAX_LOCAL = 5;
/** DynamoDB's limit on NonKeyAttributes across a table's indexes. */
const MAX_PROJECTED = 100;
const NAME = /^[a-zA-Z0-9_.-]+$/;
const invalid = (message: string) => serviceError('ValidationException', message);
const PREFIX = 'One or more parameter values were invalid: ';

function checkIndexName(name: unknown): string {
  if (typeof name !== 'string' || name.length < 3 || name.length > 255 || !NAME.test(name)) {
    throw invalid(`1 validation error detected: Value '${String(name)}' at 'indexName' failed to satisfy constraint: ${typeof name === 'string' && NAME.test(name) ? `Member must have length ${name.length < 3 ? 'greater than or equal to 3' : 'less than or equal to 255'}` : 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'}`);
  }
  return name;
}

/**
 * One index of a request as the table keeps it. `table` is the table's key schema (an LSI shares its hash key and
 * needs a range key); `defs` the request's AttributeDefinitions.
 */
export function parseIndex(ix: IndexInput, global: boolean, defs: AttributeDefinition[], table: KeyElement[], billing: string): IndexOptions {
  const name = checkIndexName(ix.IndexName);
  const ks = ix.KeySchema ?? [];
  const keys = ks.map((k) => k.AttributeName);
  if (ks.length < 1 || ks.length > 2) throw invalid(`1 validation error detected: Value '${JSON.stringify(ks)}' at 'keySchema' failed to satisfy constraint: Member must have length ${ks.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 2'}`);
  if (keys.some((k) => !defs.some((d) => d.AttributeName === k))) {
    throw invalid(`${PREFIX}Some index key attributes are not defined in AttributeDefinitions. Keys: [${keys.join(', ')}], AttributeDefinitions: [${defs.map((d) => d.AttributeName).join(', ')}]`);
  }
  if (ks.length === 2 && keys[0] === keys[1]) throw invalid('Both the Hash Key and the Range Key element in the KeySchema have the same name');
  if (ks[0].KeyType !== 'HASH') throw invalid('Invalid KeySchema: The first KeySchemaElement is not a HASH key type');
  if (ks[1] && ks[1].KeyType !== 'RANGE') throw invalid('Invalid KeySchema: The second KeySchemaElement is not a RANGE key type');
  if (!global) {
    if (ks.length !== 2) throw invalid(`${PREFIX}Index KeySchema does not have a range key for index: ${name}`);
    if (keys[0] !== table[0].AttributeName) {
      throw invalid(`${PREFIX}Index KeySchema does not have the same leading hash key as table KeySchema for index: ${name}. index hash key: ${keys[0]}, table hash key: ${table[0].AttributeName}`);
    }
  }
  const p = ix.Projection ?? {};
  if (p.ProjectionType == null) throw invalid(`${PREFIX}Unknown ProjectionType: null`);
  if (p.ProjectionType !== 'ALL' && p.ProjectionType !== 'KEYS_ONLY' && p.ProjectionType !== 'INCLUDE') {
    throw invalid(`1 validation error detected: Value '${p.ProjectionType}' at 'projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]`);
  }
  if (p.NonKeyAttributes && p.ProjectionType !== 'INCLUDE') throw invalid(`${PREFIX}ProjectionType is ${p.ProjectionType}, but NonKeyAttributes is specified`);
  if (p.ProjectionType === 'INCLUDE' && !p.NonKeyAttributes?.length) throw invalid(`${PREFIX}ProjectionType is INCLUDE, but NonKeyAttributes is not specified`);
  const dup = p.NonKeyAttributes?.find((n, i) => p.NonKeyAttributes!.indexOf(n) !== i);
  if (dup !== undefined) throw invalid(`${PREFIX}Duplicate element in NonKeyAttributes: ${dup}`);
  if (global && billing === 'PROVISIONED' && !ix.ProvisionedThroughput) {
    throw invalid(`${PREFIX}ProvisionedThroughput is not specified for index: ${name}`);
  }
  if (global && billing === 'PAY_PER_REQUEST' && ix.ProvisionedThroughput) {
    throw invalid(`${PREFIX}ProvisionedThroughput should not be specified for index: ${name} when BillingMode is PAY_PER_REQUEST`);
  }
  const type = (n: string) => defs.find((d) => d.AttributeName === n)!.AttributeType as 'S' | 'N' | 'B';
  return {
    name, global, hashKey: { name: keys[0], type: type(keys[0]) }, ...(keys[1] ? { rangeKey: { name: keys[1], type: type(keys[1]) } } : {}),
    projection: p.ProjectionType, ...(p.NonKeyAttributes ? { nonKeyAttributes: p.NonKeyAttributes } : {}),
    ...(ix.ProvisionedThroughput ? { readCapacityUnits: ix.ProvisionedThroughput.ReadCapacityUnits, writeCapacityUnits: ix.ProvisionedThroughput.WriteCapacityUnits } : {}),
  };
}

/** CreateTable's indexes: each parsed, names unique, the per-table limits and the projected-attribute limit. */
export function parseIndexes(input: { GlobalSecondaryIndexes?: IndexInput[]; LocalSecondaryIndexes?: IndexInput[] }, defs: AttributeDefinition[], table: KeyElement[], billing: string): IndexOptions[] {
  const out: IndexOptions[] = [];
  const names = new Set<string>();
  for (const [list, global] of [[input.LocalSecondaryIndexes, false], [input.GlobalSecondaryIndexes, true]] as const) {
    if (!list) continue;
    if (list.length === 0) throw invalid(`${PREFIX}List of ${global ? 'GlobalSecondaryIndexes' : 'LocalSecondaryIndexes'} is empty`);
    if (!global && table.length !== 2) throw invalid(`${PREFIX}Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex`);
    for (const ix of list) {
      const parsed = parseIndex(ix, global, defs, table, billing);
      if (names.has(parsed.name)) throw invalid(`${PREFIX}Duplicate index name: ${parsed.name}`);
      names.add(parsed.name);
      out.push(parsed);
    }
    if (!global && list.length > MAX_LOCAL) throw invalid(`${PREFIX}Number of LocalSecondaryIndexes exceeds per-table limit of ${MAX_LOCAL}`);
    if (global && list.length > MAX_GLOBAL) throw invalid(`${PREFIX}GlobalSecondaryIndex count exceeds the per-table limit of ${MAX_GLOBAL}`);
  }
  checkProjected(out);
  return out;
}

export function checkProjected(indexes: IndexOptions[]): void {
  const projected = new Set(indexes.flatMap((i) => i.nonKeyAttributes ?? []));
  if (projected.size > MAX_PROJECTED) throw invalid(`${PREFIX}The number of projected attributes in all indexes exceeds the limit of ${MAX_PROJECTED}`);
}

/** Every attribute the table's and its indexes' key schemas name, each once (DescribeTable's AttributeDefinitions). */
export function attributeDefinitions(keys: KeyDef[], indexes: IndexOptions[]): { AttributeName: string; AttributeType: string }[] {
  const seen = new Map<string, string>();
  for (const k of [...keys, ...indexes.flatMap((i) => (i.rangeKey ? [i.hashKey, i.rangeKey] : [i.hashKey]))]) if (!seen.has(k.name)) seen.set(k.name, k.type);
  return [...seen].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
}

/** DescribeTable's GlobalSecondaryIndexes and LocalSecondaryIndexes. */
export function describeIndexes(tableArn: string, indexes: IndexOptions[], stats: Map<string, { count: number; bytes: number }>, provisioned: boolean, status: Map<string, string> = new Map()) {
  const one = (i: IndexOptions) => ({
    IndexName: i.name,
    KeySchema: [{ AttributeName: i.hashKey.name, KeyType: 'HASH' }, ...(i.rangeKey ? [{ AttributeName: i.rangeKey.name, KeyType: 'RANGE' }] : [])],
    Projection: { ProjectionType: i.projection, ...(i.nonKeyAttributes ? { NonKeyAttributes: i.nonKeyAttributes } : {}) },
    ...(i.global ? {
      IndexStatus: status.get(i.name) ?? (i.backfilling ? 'CREATING' : 'ACTIVE'),
      ...(i.backfilling ? { Backfilling: true } : {}),
      ProvisionedThroughput: { NumberOfDecreasesToday: 0, ReadCapacityUnits: provisioned ? i.readCapacityUnits ?? 0 : 0, WriteCapacityUnits: provisioned ? i.writeCapacityUnits ?? 0 : 0 },
    } : {}),
    IndexSizeBytes: stats.get(i.name)?.bytes ?? 0,
    ItemCount: stats.get(i.name)?.count ?? 0,
    IndexArn: `${tableArn}/index/${i.name}`,
  });
  const global = indexes.filter((i) => i.global), local = indexes.filter((i) => !i.global);
  return {
    ...(global.length ? { GlobalSecondaryIndexes: global.map(one) } : {}),
    ...(local.length ? { LocalSecondaryIndexes: local.map(one) } : {}),
  };
}
