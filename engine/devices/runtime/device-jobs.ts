/**
 * A virtual device's side of AWS IoT Jobs over MQTT [DG: jobs-mqtt-api]. On connect and on every `notify-next` that
 * names an execution, the device publishes `start-next` (QUEUED → IN_PROGRESS); with the execution it
 *   1. reads the document (`job-document.ts`): not understood → `update` REJECTED with `statusDetails.reason`;
 *   2. downloads each file (HTTP(S) URL or MQTT stream), reporting IN_PROGRESS `{step: download, progress: "n%"}`;
 *   3. checks size, SHA-256 and signature: a file that fails → FAILED with the reason;
 *   4. reports `{step: apply}`, waits `applyDelayMs` on the device clock, then ends SUCCEEDED (after reporting the
 *      shadow's `report`) or, with the seeded failure probability, FAILED.
 * One execution at a time; a `notify-next` meanwhile is remembered and taken once the current one ends. A rejected
 * update (the execution was canceled or removed meanwhile) drops the work. A lost connection drops it too: the device
 * takes the execution again (start-next returns IN_PROGRESS executions first) once it is back.
 *
 * LIMITATIONS: no `expectedVersion` on updates; step timeouts are not requested (`stepTimeoutInMinutes`); a device
 * takes one execution at a time, as AWS's jobs agents do; statusDetails values are at most 256 characters.
 */
import type { DeviceClock, TimerHandle } from './device-clock.js';
import type { JobsSpec } from './device-spec.js';
import { parseJobDocument, type JobFile, type JobPlan } from './job-document.js';
import { checkFile, downloadUrl, StreamDownload, type StreamPort } from './job-download.js';

export type JobOutcome = 'SUCCEEDED' | 'FAILED' | 'REJECTED';

/** What the job runner needs from its device. */
export interface JobsPort extends StreamPort {
  clock: DeviceClock;
  /** The device's reported state, and a report of `state` to its shadow. */
  reported(): Record<string, unknown>;
  report(state: Record<string, unknown>): void;
  /** Called when an execution starts and when the device sends its outcome. */
  onJob(e: JobEvent): void;
}

/** IN_PROGRESS: the device took the execution; an outcome: it sent it; DROPPED: the service refused an update. */
export interface JobEvent { jobId: string; executionNumber: number; status: 'IN_PROGRESS' | JobOutcome | 'DROPPED'; reason?: string }

interface Execution {
  jobId: string;
  executionNumber: number;
  document: unknown;
}

type Status = 'IN_PROGRESS' | JobOutcome;
const TERMINAL = new Set<Status>(['SUCCEEDED', 'FAILED', 'REJECTED']);
/** Consecutive rejected updates of one execution after which the device leaves it alone. */
const MAX_REJECTED = 3;

class Dropped extends Error {}

export class DeviceJobs {
  private readonly base: string;
  /** Bumped whenever the current work must stop (a rejected update, a lost connection, stop). */
  private generation = 0;
  private current: Execution | undefined;
  private startPending = false;
  private nextWanted = false;
  private stream: StreamDownload | undefined;
  private readonly timers = new Set<TimerHandle>();
  private readonly rejectedInARow = new Map<string, number>();
  /** The outcome was sent; the execution ends when its update is answered. */
  private finishing = false;
  /** Updates sent for the current execution, and replies to them: the terminal one is answered last. */
  private sent = 0;
  private answered = 0;
  private stopped = false;

  constructor(private readonly spec: JobsSpec, private readonly port: JobsPort) {
    this.base = `$aws/things/${port.thingName}/jobs`;
  }

  /** The topic filters the device subscribes to on connect. */
  filters(): string[] {
    return [`${this.base}/notify-next`, `${this.base}/start-next/+`, `${this.base}/+/update/+`];
  }

  /** The device is online (again): take the next execution. */
  onConnected(): void {
    this.drop();
    this.startNext();
  }

  /** The connection is gone: the current work stops (it resumes through start-next after reconnecting). */
  onDisconnected(): void {
    this.drop();
    this.startPending = false;
  }

  stop(): void {
    this.stopped = true;
    this.drop();
  }

  /** True when the message was for the job runner. */
  onMessage(topic: string, payload: Buffer): boolean {
    if (this.stream?.onMessage(topic, payload)) return true;
    if (!topic.startsWith(`${this.base}/`)) return false;
    const rest = topic.slice(this.base.length + 1);
    const msg = parse(payload);
    if (rest === 'notify-next') {
      if (msg?.execution && typeof msg.execution === 'object') {
        if (this.current || this.startPending) this.nextWanted = true;
        else this.startNext();
      }
    } else if (rest === 'start-next/accepted') {
      this.startPending = false;
      const e = msg?.execution as Record<string, unknown> | undefined;
      if (e && typeof e.jobId === 'string') void this.run({ jobId: e.jobId, executionNumber: typeof e.executionNumber === 'number' ? e.executionNumber : 1, document: e.jobDocument });
      else this.afterExecution();
    } else if (rest === 'start-next/rejected') {
      this.startPending = false;
    } else if (rest.endsWith('/update/rejected') && this.current && rest === `${this.current.jobId}/update/rejected`) {
      const jobId = this.current.jobId;
      const n = (this.rejectedInARow.get(jobId) ?? 0) + 1;
      this.rejectedInARow.set(jobId, n);
      this.port.onJob({ jobId, executionNumber: this.current.executionNumber, status: 'DROPPED', reason: `update rejected: ${String(msg?.code ?? 'error')}` });
      this.drop();
      if (n < MAX_REJECTED) this.afterExecution(true);
    } else if (this.current && rest === `${this.current.jobId}/update/accepted` && ++this.answered >= this.sent && this.finishing) {
      this.rejectedInARow.delete(this.current.jobId);
      this.current = undefined;
      this.finishing = false;
      this.afterExecution();
    }
    return true;
  }


  private startNext(): void {
    if (this.stopped || this.startPending) return;
    this.nextWanted = false;
    if (this.port.publish(`${this.base}/start-next`, JSON.stringify({ statusDetails: { step: 'start' } }))) this.startPending = true;
  }

  /** After an execution ended (or none was pending): take the next one if a notify-next said there is one. */
  private afterExecution(always = false): void {
    if (always || this.nextWanted) this.startNext();
  }

  private drop(): void {
    this.generation++;
    this.current = undefined;
    this.finishing = false;
    this.stream?.abort('the job was dropped');
    this.stream = undefined;
    for (const t of this.timers) this.port.clock.clearTimer(t);
    this.timers.clear();
  }

  private async run(execution: Execution): Promise<void> {
    this.drop();
    const gen = this.generation;
    this.current = execution;
    this.sent = this.answered = 0;
    this.port.onJob({ jobId: execution.jobId, executionNumber: execution.executionNumber, status: 'IN_PROGRESS' });
    const parsed = parseJobDocument(execution.document, this.spec.operations);
    if ('rejected' in parsed) return this.finish(gen, 'REJECTED', { reason: parsed.rejected });
    const { plan } = parsed;
    if (this.spec.requireSignature) {
      const unsigned = plan.files.find((f) => !f.signature);
      if (unsigned || !plan.files.length) return this.finish(gen, 'REJECTED', { reason: unsigned ? `${unsigned.name} is not signed` : 'the document names no signed file' });
    }
    try {
      await this.download(gen, plan);
      this.update(gen, 'IN_PROGRESS', { step: 'apply' });
      await this.wait(gen, this.spec.applyDelayMs);
    } catch (e) {
      if (e instanceof Dropped) return;
      return this.finish(gen, 'FAILED', { reason: (e as Error).message });
    }
    if (this.spec.fails(execution.jobId, execution.executionNumber)) return this.finish(gen, 'FAILED', { reason: 'the update did not apply' });
    let reported: Record<string, unknown> | undefined;
    try {
      reported = this.spec.report?.(plan.document, execution.jobId, this.port.reported());
    } catch (e) {
      return this.finish(gen, 'FAILED', { reason: `the shadow report does not render: ${(e as Error).message}` });
    }
    if (reported && Object.keys(reported).length) this.port.report(reported);
    this.finish(gen, 'SUCCEEDED', { step: 'done' });
  }

  private async download(gen: number, plan: JobPlan): Promise<void> {
    const total = plan.files.reduce((n, f) => n + (f.size ?? 0), 0);
    const reports = this.spec.progressReports;
    let reported = 0, done = 0;
    const progress = (fraction: number) => {
      while (reports && reported < reports && fraction >= (reported + 1) / reports) {
        reported++;
        this.update(gen, 'IN_PROGRESS', { step: 'download', progress: `${Math.round((reported / reports) * 100)}%` });
      }
    };
    for (const [i, file] of plan.files.entries()) {
      const data = await this.fetch(gen, file, (f) => { if (total) progress((done + f * (file.size ?? 0)) / total); });
      if (gen !== this.generation) throw new Dropped();
      done += file.size ?? data.length;
      const problem = checkFile(file, data);
      if (problem) throw new Error(problem);
      // Without sizes in the document, progress counts files.
      progress(total ? done / total : (i + 1) / plan.files.length);
    }
  }

  private async fetch(gen: number, file: JobFile, onProgress: (fraction: number) => void): Promise<Buffer> {
    const opts = { maxBytes: this.spec.maxFileBytes, timeoutMs: this.spec.downloadTimeoutMs };
    if (file.source.kind === 'url') return downloadUrl(file.source.url, { ...opts, ...(this.spec.ca ? { ca: this.spec.ca } : {}) });
    const stream = new StreamDownload(this.port, { streamId: file.source.streamId, fileId: file.source.fileId, ...(file.size !== undefined ? { size: file.size } : {}) },
      this.spec.blockSizeBytes, opts.maxBytes);
    this.stream = stream;
    try {
      return await stream.run(opts.timeoutMs, onProgress);
    } catch (e) {
      if (gen !== this.generation) throw new Dropped();
      throw e;
    } finally {
      if (this.stream === stream) this.stream = undefined;
    }
  }

  private wait(gen: number, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const handle = this.port.clock.setTimer(() => {
        this.timers.delete(handle);
        if (gen === this.generation) resolve();
        else reject(new Dropped());
      }, ms);
      this.timers.add(handle);
    });
  }

  private finish(gen: number, status: JobOutcome, details: Record<string, string>): void {
    if (gen !== this.generation || !this.current) return;
    this.finishing = true;
    this.port.onJob({ jobId: this.current.jobId, executionNumber: this.current.executionNumber, status, ...(details.reason ? { reason: details.reason } : {}) });
    if (!this.update(gen, status, details)) this.drop();
  }

  private update(gen: number, status: Status, details: Record<string, string>): boolean {
    if (gen !== this.generation || !this.current) return false;
    const statusDetails = Object.fromEntries(Object.entries(details).map(([k, v]) => [k, clean(v)]));
    const ok = this.port.publish(`${this.base}/${this.current.jobId}/update`, JSON.stringify({ status, statusDetails }));
    if (ok) this.sent++;
    if (!ok && !TERMINAL.has(status)) this.drop();
    return ok;
  }
}

/** A statusDetails value: AWS allows no control characters, 1 to 1024 characters. */
function clean(v: string): string {
  const s = v.replace(/\p{C}+/gu, ' ').trim().slice(0, 256);
  return s || '-';
}

function parse(payload: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(payload.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
