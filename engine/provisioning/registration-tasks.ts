/**
 * Bulk registration (StartThingRegistrationTask and its Describe, List, ListReports and Stop): a task reads a file of
 * JSON lines (one object of template parameters per line) from the local S3 bucket and key it was given, provisions
 * one device per line with the task's template, and writes two report files beside the input: RESULTS (one line per
 * device provisioned: `{"offset", "response": {"CertificatePem", "ResourceArns"}}`) and ERRORS (one line per line
 * that failed: `{"offset", "errorMessage"}`). A bad line does not stop the task. It runs in the background; as on AWS,
 * only one task runs at a time (starting another meanwhile is InvalidRequestException).
 *
 * LIMITATIONS: report links are plain URLs of the local S3 objects (AWS gives presigned URLs of its own bucket);
 * the role is recorded, not assumed; a task that was running when the engine stopped is marked Failed at the next
 * start (AWS would finish it).
 */
import { randomUUID } from 'node:crypto';
import { EngineError, type Clock, type Logger } from '../core/index.js';
import type { ObjectService } from '../objects/index.js';
import type { Store } from '../storage/index.js';
import { parseTemplate } from './template-renderer.js';
import type { ProvisionResult } from './resource-applier.js';

export type ObjectsPort = Pick<ObjectService, 'read' | 'put'>;
export type TaskStatus = 'InProgress' | 'Completed' | 'Failed' | 'Cancelled' | 'Cancelling';
export const TASK_STATUSES: TaskStatus[] = ['InProgress', 'Completed', 'Failed', 'Cancelled', 'Cancelling'];

export interface TaskRow {
  id: string;
  body: string;
  bucket: string;
  key: string;
  role_arn: string;
  status: TaskStatus;
  message: string | null;
  success: number;
  failure: number;
  progress: number;
  /** JSON: report type → object key. */
  reports: string;
  created: number;
  modified: number;
}

const invalid = (message: string) => new EngineError('InvalidInput', message);
/** Lines provisioned between progress writes (and turns of the event loop). */
const BATCH = 10;

export class RegistrationTasks {
  private readonly queue: string[] = [];
  private running?: Promise<void>;
  private stopping = false;

  constructor(private readonly store: Store, private readonly clock: Clock, private readonly opts: {
    logger: Logger; objects: ObjectsPort; publicUrl: () => string | undefined;
    provision: (templateBody: string, parameters: Record<string, string>) => Promise<ProvisionResult>;
  }) {}

  async start(): Promise<void> {
    const now = this.clock.now();
    await this.store.write([
      { sql: "UPDATE thing_registration_tasks SET status = 'Failed', message = ?, modified = ? WHERE status = 'InProgress'", params: ['The engine stopped while the task was running', now] },
      { sql: "UPDATE thing_registration_tasks SET status = 'Cancelled', modified = ? WHERE status = 'Cancelling'", params: [now] },
    ]);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  async startTask(input: { templateBody: unknown; inputFileBucket: unknown; inputFileKey: unknown; roleArn: unknown }): Promise<string> {
    if (typeof input.templateBody !== 'string') throw invalid("1 validation error detected: Value null at 'templateBody' failed to satisfy constraint: Member must not be null");
    parseTemplate(input.templateBody);
    for (const k of ['inputFileBucket', 'inputFileKey', 'roleArn'] as const) {
      if (typeof input[k] !== 'string' || !input[k]) throw invalid(`1 validation error detected: Value null at '${k}' failed to satisfy constraint: Member must not be null`);
    }
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(input.roleArn as string)) throw invalid(`1 validation error detected: Value '${String(input.roleArn)}' at 'roleArn' failed to satisfy constraint: Member must be an IAM role ARN`);
    if (!/^[a-zA-Z0-9._-]{3,256}$/.test(input.inputFileBucket as string)) {
      throw invalid(`1 validation error detected: Value '${String(input.inputFileBucket)}' at 'inputFileBucket' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9._-]+ and have length between 3 and 256`);
    }
    if ((input.inputFileKey as string).length > 1024) throw invalid("1 validation error detected: Value at 'inputFileKey' failed to satisfy constraint: Member must have length less than or equal to 1024");
    // AWS: only one bulk registration task can run at a time per account [DG:bulk-provisioning].
    const running = this.store.get<{ id: string; status: string }>("SELECT id, status FROM thing_registration_tasks WHERE status IN ('InProgress', 'Cancelling') LIMIT 1");
    if (running) throw invalid(`Only one bulk registration task can run at a time: task ${running.id} is ${running.status}`);
    const id = randomUUID();
    const now = this.clock.now();
    await this.store.write([{
      sql: 'INSERT INTO thing_registration_tasks (id, body, bucket, key, role_arn, status, message, success, failure, progress, reports, created, modified) VALUES (?, ?, ?, ?, ?, ?, NULL, 0, 0, 0, ?, ?, ?)',
      params: [id, input.templateBody, input.inputFileBucket as string, input.inputFileKey as string, input.roleArn as string, 'InProgress', '{}', now, now],
    }]);
    this.queue.push(id);
    this.running ??= this.drain();
    return id;
  }

  describe(id: string): TaskRow {
    const row = this.store.get<TaskRow>('SELECT * FROM thing_registration_tasks WHERE id = ?', [id]);
    if (!row) throw new EngineError('NotFound', `Thing registration task ${id} does not exist`);
    return row;
  }

  list(limit: number, after: string | undefined, status?: string): { ids: string[]; after?: string } {
    if (status !== undefined && !TASK_STATUSES.includes(status as TaskStatus)) {
      throw invalid(`1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [${TASK_STATUSES.join(', ')}]`);
    }
    const offset = after === undefined ? 0 : Number(after);
    if (!Number.isInteger(offset) || offset < 0) throw invalid('The nextToken is invalid');
    const rows = this.store.all<{ id: string }>(
      `SELECT id FROM thing_registration_tasks ${status ? 'WHERE status = ?' : ''} ORDER BY created DESC, id LIMIT ? OFFSET ?`,
      [...(status ? [status] : []), limit + 1, offset],
    );
    return { ids: rows.slice(0, limit).map((r) => r.id), ...(rows.length > limit && { after: String(offset + limit) }) };
  }

  /** The task's report of `type` (RESULTS or ERRORS) as links to the local S3 objects; none while it runs or when empty. */
  reportLinks(id: string, type: string): string[] {
    if (type !== 'RESULTS' && type !== 'ERRORS') {
      throw invalid(`1 validation error detected: Value '${type}' at 'reportType' failed to satisfy constraint: Member must satisfy enum value set: [ERRORS, RESULTS]`);
    }
    const row = this.describe(id);
    const key = (JSON.parse(row.reports) as Record<string, string>)[type];
    const base = this.opts.publicUrl();
    return key && base ? [`${base}/${row.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`] : [];
  }

  /** StopThingRegistrationTask: the task stops after the line it is on (Cancelling, then Cancelled). */
  async stopTask(id: string): Promise<void> {
    const row = this.describe(id);
    if (row.status !== 'InProgress') throw invalid(`Thing registration task ${id} is ${row.status} and cannot be stopped`);
    const queued = this.queue.indexOf(id);
    if (queued >= 0) this.queue.splice(queued, 1);
    await this.setStatus(id, queued >= 0 ? 'Cancelled' : 'Cancelling');
  }

  private async drain(): Promise<void> {
    try {
      for (let id = this.queue.shift(); id !== undefined && !this.stopping; id = this.queue.shift()) {
        await this.run(id).catch((e: Error) => this.opts.logger.log('error', 'provisioning', `thing registration task ${id} failed: ${e.message}`));
      }
    } finally {
      this.running = undefined;
      if (this.queue.length && !this.stopping) this.running = this.drain();
    }
  }

  private async run(id: string): Promise<void> {
    const task = this.describe(id);
    let input: string;
    try {
      input = this.opts.objects.read(task.bucket, task.key).toString('utf8');
    } catch (e) {
      await this.finish(id, 'Failed', `Could not read the input file s3://${task.bucket}/${task.key}: ${(e as Error).message}`);
      return;
    }
    const lines = input.split('\n').map((l) => l.trim()).filter(Boolean);
    const results: string[] = [];
    const errors: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      if (this.stopping) return;
      if (this.describe(id).status === 'Cancelling') {
        await this.progress(id, results.length, errors.length, Math.floor((i * 100) / lines.length));
        await this.writeReports(task, results, errors);
        await this.finish(id, 'Cancelled', null);
        return;
      }
      try {
        const parameters = parseLine(lines[i]);
        const r = await this.opts.provision(task.body, parameters);
        results.push(JSON.stringify({ offset: i, response: { CertificatePem: r.certificatePem ?? null, ResourceArns: r.resources } }));
      } catch (e) {
        errors.push(JSON.stringify({ offset: i, errorMessage: (e as Error).message }));
      }
      if ((i + 1) % BATCH === 0 || i === lines.length - 1) {
        await this.progress(id, results.length, errors.length, Math.floor(((i + 1) * 100) / lines.length));
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    await this.writeReports(task, results, errors);
    await this.finish(id, 'Completed', null);
  }

  private async progress(id: string, success: number, failure: number, percent: number): Promise<void> {
    await this.store.write([{
      sql: 'UPDATE thing_registration_tasks SET success = ?, failure = ?, progress = ?, modified = ? WHERE id = ?',
      params: [success, failure, percent, this.clock.now(), id],
    }]);
  }

  private async writeReports(task: TaskRow, results: string[], errors: string[]): Promise<void> {
    const reports: Record<string, string> = {};
    for (const [type, lines] of [['RESULTS', results], ['ERRORS', errors]] as const) {
      if (!lines.length) continue;
      const key = `ThingRegistrationTask/${task.id}/${type.toLowerCase()}.json`;
      await this.opts.objects.put(task.bucket, key, Buffer.from(lines.join('\n') + '\n'), { headers: { 'content-type': 'application/json' } });
      reports[type] = key;
    }
    await this.store.write([{ sql: 'UPDATE thing_registration_tasks SET reports = ? WHERE id = ?', params: [JSON.stringify(reports), task.id] }]);
  }

  private async finish(id: string, status: TaskStatus, message: string | null): Promise<void> {
    await this.store.write([{ sql: 'UPDATE thing_registration_tasks SET status = ?, message = ?, modified = ? WHERE id = ?', params: [status, message, this.clock.now(), id] }]);
    this.opts.logger.log(status === 'Completed' ? 'info' : 'warn', 'provisioning', `thing registration task ${id} ${status}${message ? `: ${message}` : ''}`);
  }

  private async setStatus(id: string, status: TaskStatus): Promise<void> {
    await this.store.write([{ sql: 'UPDATE thing_registration_tasks SET status = ?, modified = ? WHERE id = ?', params: [status, this.clock.now(), id] }]);
  }
}

/** One input line: a JSON object of parameter names to values (numbers and booleans are taken as their text). */
function parseLine(line: string): Record<string, string> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw invalid('The line is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid('The line must be a JSON object of parameter names to values');
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)]));
}
