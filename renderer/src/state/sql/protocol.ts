/** Messages between the SQL console's store and its database worker (sql.js, SQLite in WebAssembly). */
import type { SqlErrorPosition } from '../models/sql-errors.js';
import type { SqlResult } from '../models/sql-results.js';
import type { SqlTable } from '../models/sql-tables.js';

export type SqlRequest =
  | { id: number; op: 'load'; tables: SqlTable[] }
  | { id: number; op: 'exec'; sql: string };

export interface SqlFailure {
  message: string;
  position: SqlErrorPosition | null;
}

export type SqlReply =
  | { id: number; ok: true; result?: SqlQueryResult }
  | { id: number; ok: false; error: SqlFailure };

export interface SqlQueryResult extends SqlResult {
  /** True when the rows stopped at the worker's limit. */
  limited: boolean;
}

/** Rows a query returns at most (the rest are not read). */
export const MAX_RESULT_ROWS = 200_000;
