/**
 * Capacity units as DynamoDB counts them (Developer Guide, "DynamoDB read and write operations"), and the
 * `ConsumedCapacity` an operation returns when asked (`ReturnConsumedCapacity: TOTAL | INDEXES`):
 * - a write is the larger of the item before and after it, in 1 KB units (at least one; a DeleteItem the deleted item);
 * - a read is 4 KB units of what was read, half when eventually consistent: GetItem and each BatchGetItem key on its
 *   own (an item that is not there still costs one unit), a Query or Scan the items it read summed before its
 *   FilterExpression discards any (projections do not make an item smaller);
 * - transactions cost twice as much.
 */
import { itemSize, type Item } from './attribute-value.js';
import { ddbValidation } from './ddb-errors.js';

export interface ConsumedCapacity {
  TableName: string;
  CapacityUnits: number;
  /** With `INDEXES`: the table's own share (indexes' writes are not counted: see LIMITATIONS in item-operations.ts). */
  Table?: { CapacityUnits: number };
}

/** Write units of one item write: the larger of the item before and after, in 1 KB units, at least one. */
export function writeUnits(before: Item | undefined, after?: Item): number {
  const bytes = Math.max(before ? itemSize(before) : 0, after ? itemSize(after) : 0);
  return Math.max(1, Math.ceil(bytes / 1024));
}

/** Read units of `bytes` read at once, in 4 KB units (at least one), half when eventually consistent. */
export function readUnits(bytes: number, consistent: boolean | undefined): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? units : units / 2;
}

export const itemReadUnits = (item: Item | undefined, consistent: boolean | undefined) => readUnits(item ? itemSize(item) : 0, consistent);

export type CapacityMode = false | 'TOTAL' | 'INDEXES';

/** The ConsumedCapacity the caller asked for, false for none (AWS's enum; anything else is refused as AWS refuses it). */
export function capacityMode(mode: unknown): CapacityMode {
  if (mode === undefined || mode === 'NONE') return false;
  if (mode === 'TOTAL' || mode === 'INDEXES') return mode;
  throw ddbValidation(`1 validation error detected: Value '${String(mode)}' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]`);
}

/** One table's ConsumedCapacity in the shape `mode` asks for. */
export function consumed(mode: 'TOTAL' | 'INDEXES', table: string, units: number): ConsumedCapacity {
  return mode === 'INDEXES' ? { TableName: table, CapacityUnits: units, Table: { CapacityUnits: units } } : { TableName: table, CapacityUnits: units };
}

/** Units per table, summed in the order tables were first seen (the batch and transaction operations' list). */
export class CapacityByTable {
  private readonly units = new Map<string, number>();

  add(table: string, units: number): void {
    this.units.set(table, (this.units.get(table) ?? 0) + units);
  }

  list(mode: 'TOTAL' | 'INDEXES'): ConsumedCapacity[] {
    return [...this.units].map(([table, units]) => consumed(mode, table, units));
  }
}

/** `{ ConsumedCapacity }` for one table when asked, else nothing (spread into an operation's output). */
export const capacityOf = (mode: CapacityMode, table: string, units: number): { ConsumedCapacity?: ConsumedCapacity } =>
  (mode ? { ConsumedCapacity: consumed(mode, table, units) } : {});
