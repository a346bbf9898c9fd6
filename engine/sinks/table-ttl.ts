/**
 * Time to live of a table (UpdateTimeToLive): the attribute holding each item's expiry, and the periodic sweep that
 * deletes expired items as DynamoDB's background process does, each deletion a stream REMOVE record made by the
 * DynamoDB service.
 */
import type { JsonObject } from '../contract/index.js';
import type { ItemChange } from './dynamodb/index.js';
import { expiredRows, expiryStatements, typedOf } from './table-rows.js';
import { optionsStatement, schemaOf } from './table-schema.js';
import type { SinkContext, Target } from './sink-context.js';
import { normalizeOptions } from './sink-options.js';

/** Expired items a sweep deletes per table at a time. */
const SWEEP_BATCH = 100;
/** The DynamoDB service as a stream record's userIdentity: who deletes expired items [DynamoDB DG: TTL and Streams]. */
const TTL_IDENTITY = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };

export class TableTtl {
  /** `write` applies item changes as the table sink does (stream records, indexes, counts). */
  constructor(private readonly ctx: SinkContext, private readonly write: (changes: ItemChange[]) => Promise<void>) {}

  /** Turns time to live on (the attribute holding each item's expiry) or off (undefined). */
  async set(table: string, attribute: string | undefined): Promise<void> {
    const target = this.ctx.target('table', table);
    const merged: JsonObject = { ...target.options };
    if (attribute === undefined) delete merged.ttlAttribute;
    else merged.ttlAttribute = attribute;
    const options = normalizeOptions('table', merged);
    await this.ctx.store.write([optionsStatement(table, options), ...expiryStatements(table, attribute)]);
    target.options = options;
  }

  /**
   * Deletes the items of tables with time to live whose expiry has passed on the engine's clock (and is not more
   * than five years old). Resolves with the number deleted.
   */
  async sweep(tables: string[]): Promise<number> {
    const now = this.ctx.clock.now() / 1000;
    let deleted = 0;
    for (const table of tables) {
      let target: Target;
      try {
        target = this.ctx.target('table', table);
      } catch {
        continue;
      }
      if (!schemaOf(target).ttlAttribute) continue;
      for (;;) {
        const rows = expiredRows(this.ctx.store, table, now, SWEEP_BATCH);
        if (rows.length === 0) break;
        await this.write(rows.map((r) => ({ table, hash: r.hash, range: r.range, old: typedOf(r), userIdentity: TTL_IDENTITY })));
        deleted += rows.length;
        if (rows.length < SWEEP_BATCH) break;
      }
    }
    return deleted;
  }
}
