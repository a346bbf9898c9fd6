/**
 * Jobs and executions in the engine's store (migration 0016-jobs). Reads are synchronous; each write is applied to
 * the in-memory database at once and resolves when durable, so a check and its write in one turn cannot race.
 */
import type { Statement, Store } from '../storage/index.js';
import type { ExecutionRecord, ExecutionStatus, JobCounts, JobRecord, JobStatus, TargetSelection } from './job-types.js';

interface JobRow {
  job_id: string;
  seq: number;
  record: string;
}

interface ExecutionRow {
  job_id: string;
  thing_name: string;
  execution_number: number;
  seq: number;
  status: string;
  visible: number;
  version: number;
  status_details: string;
  queued_at: number;
  started_at: number | null;
  last_updated_at: number;
  step_timeout_minutes: number | null;
  timeout_at: number | null;
  force_canceled: number;
}

const execution = (r: ExecutionRow): ExecutionRecord => ({
  jobId: r.job_id,
  thingName: r.thing_name,
  executionNumber: r.execution_number,
  status: r.status as ExecutionStatus,
  versionNumber: r.version,
  statusDetails: JSON.parse(r.status_details) as Record<string, string>,
  queuedAt: r.queued_at,
  ...(r.started_at !== null ? { startedAt: r.started_at } : {}),
  lastUpdatedAt: r.last_updated_at,
  ...(r.step_timeout_minutes !== null ? { stepTimeoutInMinutes: r.step_timeout_minutes } : {}),
  ...(r.timeout_at !== null ? { timeoutAt: r.timeout_at } : {}),
  forceCanceled: r.force_canceled === 1,
  visible: r.visible === 1,
  seq: r.seq,
});

/** A page of a listing: `after` is the key to continue from (absent on the last page). */
export interface Page<T> {
  items: T[];
  after?: string;
}

/** Order of a thing's pending executions as devices see them: IN_PROGRESS first, then QUEUED, each in creation order. */
const PENDING_ORDER = `ORDER BY CASE status WHEN 'IN_PROGRESS' THEN 0 ELSE 1 END, seq`;

export class JobStore {
  /** The last creation-order number handed out; read from the store on first use (constructors do no I/O). */
  private seq: number | undefined;

  constructor(private readonly store: Store) {}

  nextSeq(): number {
    if (this.seq === undefined) {
      const row = this.store.get<{ s: number | null }>('SELECT MAX(s) AS s FROM (SELECT MAX(seq) AS s FROM jobs UNION ALL SELECT MAX(seq) AS s FROM job_executions)');
      this.seq = row?.s ?? 0;
    }
    return ++this.seq;
  }

  // ── jobs ──

  job(jobId: string): JobRecord | undefined {
    const row = this.store.get<JobRow>('SELECT job_id, seq, record FROM jobs WHERE job_id = ?', [jobId]);
    return row && (JSON.parse(row.record) as JobRecord);
  }

  putJob(job: JobRecord, seq?: number): Statement {
    if (seq !== undefined) {
      return { sql: 'INSERT INTO jobs (job_id, seq, status, target_selection, created_at, record) VALUES (?, ?, ?, ?, ?, ?)', params: [job.jobId, seq, job.status, job.targetSelection, job.createdAt, JSON.stringify(job)] };
    }
    return { sql: 'UPDATE jobs SET status = ?, record = ? WHERE job_id = ?', params: [job.status, JSON.stringify(job), job.jobId] };
  }

  deleteJob(jobId: string): Statement[] {
    return [
      { sql: 'DELETE FROM job_executions WHERE job_id = ?', params: [jobId] },
      { sql: 'DELETE FROM jobs WHERE job_id = ?', params: [jobId] },
    ];
  }

  /** Jobs newest first, filtered; `after` is the seq of the last job of the previous page. */
  listJobs(filter: { status?: JobStatus; targetSelection?: TargetSelection; target?: string }, limit: number, after?: string): Page<JobRecord> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const add = (clause: string, value: string | number) => {
      where.push(clause);
      params.push(value);
    };
    if (filter.status) add('status = ?', filter.status);
    if (filter.targetSelection) add('target_selection = ?', filter.targetSelection);
    if (after !== undefined) add('seq < ?', Number(after));
    const rows = this.store.all<JobRow>(`SELECT job_id, seq, record FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC`, params);
    const jobs = rows.map((r) => ({ seq: r.seq, job: JSON.parse(r.record) as JobRecord }))
      .filter((j) => filter.target === undefined || j.job.targets.includes(filter.target));
    const page = jobs.slice(0, limit);
    return { items: page.map((j) => j.job), ...(jobs.length > limit ? { after: String(page[page.length - 1].seq) } : {}) };
  }

  /** Every job still IN_PROGRESS (CONTINUOUS jobs follow their groups). */
  jobsInProgress(): JobRecord[] {
    return this.store.all<JobRow>("SELECT job_id, seq, record FROM jobs WHERE status = 'IN_PROGRESS' ORDER BY seq").map((r) => JSON.parse(r.record) as JobRecord);
  }

  counts(jobId: string): JobCounts {
    const rows = this.store.all<{ status: string; n: number }>(
      `SELECT status, COUNT(*) AS n FROM job_executions e WHERE job_id = ? AND visible = 1
       AND execution_number = (SELECT MAX(execution_number) FROM job_executions x WHERE x.job_id = e.job_id AND x.thing_name = e.thing_name)
       GROUP BY status`, [jobId]);
    const n = (s: ExecutionStatus) => rows.find((r) => r.status === s)?.n ?? 0;
    return {
      numberOfCanceledThings: n('CANCELED'), numberOfSucceededThings: n('SUCCEEDED'), numberOfFailedThings: n('FAILED'),
      numberOfRejectedThings: n('REJECTED'), numberOfQueuedThings: n('QUEUED'), numberOfInProgressThings: n('IN_PROGRESS'),
      numberOfRemovedThings: n('REMOVED'), numberOfTimedOutThings: n('TIMED_OUT'),
    };
  }

  /** Executions of the job that are not terminal, held ones included. */
  unfinished(jobId: string): number {
    return this.store.get<{ n: number }>("SELECT COUNT(*) AS n FROM job_executions WHERE job_id = ? AND status IN ('QUEUED', 'IN_PROGRESS')", [jobId])?.n ?? 0;
  }

  // ── executions ──

  /** The execution of `jobId` on `thing`: the given execution number, else the latest. Held ones only with `held`. */
  execution(jobId: string, thing: string, executionNumber?: number, held = false): ExecutionRecord | undefined {
    const vis = held ? '' : ' AND visible = 1';
    const row = executionNumber === undefined
      ? this.store.get<ExecutionRow>(`SELECT * FROM job_executions WHERE job_id = ? AND thing_name = ?${vis} ORDER BY execution_number DESC LIMIT 1`, [jobId, thing])
      : this.store.get<ExecutionRow>(`SELECT * FROM job_executions WHERE job_id = ? AND thing_name = ? AND execution_number = ?${vis}`, [jobId, thing, executionNumber]);
    return row && execution(row);
  }

  putExecution(e: ExecutionRecord): Statement {
    return {
      sql: `INSERT OR REPLACE INTO job_executions (job_id, thing_name, execution_number, seq, status, visible, version, status_details, queued_at,
            started_at, last_updated_at, step_timeout_minutes, timeout_at, force_canceled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      params: [e.jobId, e.thingName, e.executionNumber, e.seq, e.status, e.visible ? 1 : 0, e.versionNumber, JSON.stringify(e.statusDetails), e.queuedAt,
        e.startedAt ?? null, e.lastUpdatedAt, e.stepTimeoutInMinutes ?? null, e.timeoutAt ?? null, e.forceCanceled ? 1 : 0],
    };
  }

  deleteExecution(e: Pick<ExecutionRecord, 'jobId' | 'thingName' | 'executionNumber'>): Statement {
    return { sql: 'DELETE FROM job_executions WHERE job_id = ? AND thing_name = ? AND execution_number = ?', params: [e.jobId, e.thingName, e.executionNumber] };
  }

  /** A thing's visible pending executions in device order (IN_PROGRESS first, then QUEUED, each oldest first); held ones too with `held`. */
  pending(thing: string, held = false): ExecutionRecord[] {
    return this.store.all<ExecutionRow>(`SELECT * FROM job_executions WHERE thing_name = ?${held ? '' : ' AND visible = 1'} AND status IN ('QUEUED', 'IN_PROGRESS') ${PENDING_ORDER}`, [thing]).map(execution);
  }

  /** Every execution of a job (held ones with `held`), in creation order. */
  executionsOfJob(jobId: string, held = false): ExecutionRecord[] {
    return this.store.all<ExecutionRow>(`SELECT * FROM job_executions WHERE job_id = ?${held ? '' : ' AND visible = 1'} ORDER BY seq`, [jobId]).map(execution);
  }

  /** A page of a job's visible executions (filtered by status), oldest first; `after` is a seq. */
  listForJob(jobId: string, status: ExecutionStatus | undefined, limit: number, after?: string): Page<ExecutionRecord> {
    return this.page('job_id = ?', [jobId], status, limit, after);
  }

  /** A page of a thing's visible executions (filtered by status and job), oldest first. */
  listForThing(thing: string, filter: { status?: ExecutionStatus; jobId?: string }, limit: number, after?: string): Page<ExecutionRecord> {
    return filter.jobId !== undefined
      ? this.page('thing_name = ? AND job_id = ?', [thing, filter.jobId], filter.status, limit, after)
      : this.page('thing_name = ?', [thing], filter.status, limit, after);
  }

  /** The things that already have an execution of the job (held ones included). */
  thingsOf(jobId: string): Set<string> {
    return new Set(this.store.all<{ thing_name: string }>('SELECT DISTINCT thing_name FROM job_executions WHERE job_id = ?', [jobId]).map((r) => r.thing_name));
  }

  private page(where: string, params: (string | number)[], status: ExecutionStatus | undefined, limit: number, after?: string): Page<ExecutionRecord> {
    const clauses = [where, 'visible = 1'];
    const p = [...params];
    if (status) {
      clauses.push('status = ?');
      p.push(status);
    }
    if (after !== undefined) {
      clauses.push('seq > ?');
      p.push(Number(after));
    }
    const rows = this.store.all<ExecutionRow>(`SELECT * FROM job_executions WHERE ${clauses.join(' AND ')} ORDER BY seq LIMIT ?`, [...p, limit + 1]).map(execution);
    const items = rows.slice(0, limit);
    return { items, ...(rows.length > limit ? { after: String(items[items.length - 1].seq) } : {}) };
  }

  write(statements: Statement[]): Promise<void> {
    return this.store.write(statements);
  }
}
