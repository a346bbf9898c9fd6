/** Messages between the SQL console's store and its database worker (sql.js, SQLite in WebAssembly). */
import type { MessageRecord } from '../../../../engine/contract/index.js';
import type { SqlErrorPosition } from '../models/sql-errors.js';
import type { SqlResult } from '../models/sql-results.js';
import type { SqlTable } from '../models/sql-tables.js';
import type { MessagesInfo } from '../models/messages-table.js';

/**
 * `stage` hands the worker a page of the history before `load` (which makes the `messages` table of the staged pages
 * and the other tables), so the main thread never builds or copies the whole history at once; `append` adds live
 * messages to the loaded table.
 */
export type SqlRequest =
  | { id: number; op: 'stage'; messages: MessageRecord[] }
  | { id: number; op: 'load'; tables: SqlTable[]; maxMessages: number }
  | { id: number; op: 'append'; messages: MessageRecord[] }
  | { id: number; op: 'exec'; sql: string };

export interface SqlFailure {
  message: string;
  position: SqlErrorPosition | null;
}

export type SqlReply =
  | { id: number; ok: true; result?: SqlQueryResult; messages?: MessagesInfo }
  | { id: number; ok: false; error: SqlFailure };

export interface SqlQueryResult extends SqlResult {
  /** True when the rows stopped at the worker's limit. */
  limited: boolean;
}

/** Rows a query returns at most (the rest are not read). */
export const MAX_RESULT_ROWS = 200_000;
