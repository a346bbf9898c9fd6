/**
 * A table's secondary indexes (UpdateTable's Create, Delete and Update of a GlobalSecondaryIndex): a new index is
 * filled from the table's items a chunk at a time, the engine serving other requests in between; it is in the table's
 * options from the start (so writes keep it) and marked backfilling until the last chunk, and a build cut short by a
 * restart resumes when the sinks start.
 */
import type { JsonValue } from '../contract/index.js';
import { backfillChunk, indexStats } from './table-rows.js';
import { indexOptions, optionsStatement, schemaOf, type IndexOptions } from './table-schema.js';
import type { SinkContext, Target } from './sink-context.js';
import { normalizeOptions } from './sink-options.js';

/** Items an index build reads and indexes per write; the engine serves other work between chunks. */
const BACKFILL_CHUNK = 1000;

export class TableIndexes {
  constructor(private readonly ctx: SinkContext) {}

  /** Adds a secondary index and fills it from the table's items. */
  async add(table: string, index: IndexOptions): Promise<void> {
    const target = this.ctx.target('table', table);
    await this.writeIndexes(target, [...indexOptions(target), { ...index, backfilling: true }]);
    await this.backfill(table, index.name);
  }

  /** Finishes the index builds a restart cut short. */
  async resume(tables: string[]): Promise<void> {
    for (const table of tables) {
      const target = this.ctx.target('table', table);
      for (const ix of indexOptions(target).filter((i) => i.backfilling)) await this.backfill(table, ix.name);
    }
  }

  /** Deletes a secondary index and its entries. */
  async remove(table: string, name: string): Promise<void> {
    const target = this.ctx.target('table', table);
    const options = normalizeOptions('table', { ...target.options, indexes: indexOptions(target).filter((i) => i.name !== name) as unknown as JsonValue });
    await this.ctx.store.write([
      optionsStatement(table, options),
      { sql: 'DELETE FROM sink_table_index_items WHERE table_name = ? AND index_name = ?', params: [table, name] },
    ]);
    target.options = options;
  }

  /** Sets a global secondary index's provisioned throughput (kept and described, not enforced). */
  async setThroughput(table: string, name: string, t: { readCapacityUnits: number; writeCapacityUnits: number }): Promise<void> {
    const target = this.ctx.target('table', table);
    const indexes = indexOptions(target).map((i) => (i.name === name ? { ...i, ...t } : i));
    const options = normalizeOptions('table', { ...target.options, indexes: indexes as unknown as JsonValue });
    await this.ctx.store.write([optionsStatement(table, options)]);
    target.options = options;
  }

  /** Item count and size per secondary index. */
  stats(table: string): Map<string, { count: number; bytes: number }> {
    return indexStats(this.ctx.store, table);
  }

  private async backfill(table: string, name: string): Promise<void> {
    let after: [string, string] | undefined;
    for (;;) {
      let target: Target;
      try {
        target = this.ctx.target('table', table);
      } catch {
        return; // the table is gone
      }
      const ix = schemaOf(target).indexes?.find((i) => i.name === name);
      if (!ix) return; // the index was deleted meanwhile
      const chunk = backfillChunk(this.ctx.store, table, schemaOf(target), ix, after, BACKFILL_CHUNK);
      if (chunk.statements.length) await this.ctx.store.write(chunk.statements);
      if (!chunk.next) {
        await this.writeIndexes(target, indexOptions(target).map((i) => (i.name === name ? { ...i, backfilling: undefined } : i)));
        return;
      }
      after = chunk.next;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async writeIndexes(target: Target, indexes: IndexOptions[]): Promise<void> {
    const clean = indexes.map((i) => Object.fromEntries(Object.entries(i).filter(([, v]) => v !== undefined)));
    const options = normalizeOptions('table', { ...target.options, indexes: clean as unknown as JsonValue });
    // the store applies a write at once: writes made while this one becomes durable already see the new indexes
    const previous = target.options;
    const durable = this.ctx.store.write([optionsStatement(target.name, options)]);
    target.options = options;
    try {
      await durable;
    } catch (e) {
      target.options = previous;
      throw e;
    }
  }
}
