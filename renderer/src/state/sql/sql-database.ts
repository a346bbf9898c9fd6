/** The SQL console's side of its database worker: requests answered in order, and a way to stop a runaway query. */
import type { MessageRecord } from '../../../../engine/contract/index.js';
import type { SqlTable } from '../models/sql-tables.js';
import type { MessagesInfo } from '../models/messages-table.js';
import type { SqlFailure, SqlQueryResult, SqlReply, SqlRequest } from './protocol.js';

/** A query's failure: SQLite's message and where in the text it is. */
export class SqlError extends Error {
  constructor(readonly failure: SqlFailure) {
    super(failure.message);
  }
}

type Answer = Extract<SqlReply, { ok: true }>;
type Pending = { resolve: (r: Answer) => void; reject: (e: Error) => void };
/** Distributive: the request without its id, each kind keeping its own fields. */
type SqlAsk = SqlRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class SqlDatabase {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();

  /** Hands a page of the history to the worker for the next `load`'s `messages` table. */
  async stage(messages: MessageRecord[]): Promise<void> {
    await this.ask({ op: 'stage', messages });
  }

  /** Replaces every table (a fresh database): `messages` from the staged pages (the newest `maxMessages`), then `tables`. */
  async load(tables: SqlTable[], maxMessages: number): Promise<MessagesInfo> {
    return (await this.ask({ op: 'load', tables, maxMessages })).messages!;
  }

  /** Adds live messages to the `messages` table (the oldest leave past its most). */
  async append(messages: MessageRecord[]): Promise<MessagesInfo> {
    return (await this.ask({ op: 'append', messages })).messages!;
  }

  async exec(sql: string): Promise<SqlQueryResult> {
    return (await this.ask({ op: 'exec', sql })).result!;
  }

  /** Ends the worker (a query that runs too long) and fails what was asked; the next request starts a new one (empty). */
  stop(reason = 'Stopped.'): void {
    this.worker?.terminate();
    this.worker = null;
    for (const p of this.pending.values()) p.reject(new SqlError({ message: reason, position: null }));
    this.pending.clear();
  }

  private ask(req: SqlAsk): Promise<Answer> {
    const worker = this.worker ??= this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...req, id } as SqlRequest);
    });
  }

  private start(): Worker {
    // Vite bundles the worker (and sql.js with it) as its own file: nothing of it is in the app's first chunk.
    const worker = new Worker(new URL('./sql-worker.ts', import.meta.url), { type: 'module', name: 'sql' });
    worker.onmessage = (e: MessageEvent<SqlReply>) => {
      const reply = e.data;
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply);
      else p.reject(new SqlError(reply.error));
    };
    worker.onerror = (e) => this.stop(`The database did not start: ${e.message || 'worker error'}`);
    return worker;
  }
}
