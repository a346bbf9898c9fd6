/** A value a statement parameter may hold; Uint8Array is stored as a BLOB. */
export type SqlValue = string | number | null | Uint8Array;

export interface Statement {
  sql: string;
  params?: SqlValue[];
}

/**
 * The storage layer every service keeps its state in (ARCHITECTURE §2).
 * Writes are applied to the in-memory database at once, so reads see them immediately, and the
 * returned promise resolves when they are durable: callers acknowledge to clients only after it.
 */
export interface Store {
  /** Applies the statements atomically; resolves once journaled and fsynced. Statements must be deterministic. */
  write(statements: Statement[]): Promise<void>;
  all<T extends object>(sql: string, params?: SqlValue[]): T[];
  get<T extends object>(sql: string, params?: SqlValue[]): T | undefined;
  /** Snapshot now and truncate the journal (also runs in the background as the journal grows). */
  compact(): Promise<void>;
  close(): Promise<void>;
}
