/**
 * Lab progress in `<dataDir>/labs/progress.json`, per target, attendee and lab: when it started, which checks were
 * done (and when each was first done), when it was solved by `lab solve`, when every check was first done. Several
 * processes write it (a CLI run with `--target` beside a running engine): every update re-reads the file under a lock
 * file (`progress.json.lock`, made with O_EXCL, see `progress-lock.ts`), changes its own entry and replaces the file
 * atomically (write a temporary file, rename it), so no update is lost and a crash never leaves half a file. A file
 * that does not parse is set aside as `progress.json.bad` rather than lost.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabProgressInfo } from '../../contract/index.js';
import type { CheckReport } from './check-lab.js';
import { withFileLock } from './progress-lock.js';

/** A lab's stored progress: the contract's `LabProgressInfo`, with the lab it belongs to. */
export interface LabProgress extends LabProgressInfo {
  lab: number;
  slug: string;
}

interface ProgressFile { version: 1; labs: Record<string, LabProgress> }

export const progressKey = (target: string, attendee: string, lab: number): string => `${target}/${attendee}/${lab}`;

export class ProgressStore {
  constructor(private readonly dataDir: string) {}

  get file(): string {
    return join(this.dataDir, 'labs', 'progress.json');
  }

  /** The file as it is now; undefined when it does not parse. */
  private read(): ProgressFile | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return { version: 1, labs: {} };
    }
    try {
      const parsed = JSON.parse(text) as ProgressFile;
      if (parsed && typeof parsed === 'object' && parsed.labs && typeof parsed.labs === 'object') return { version: 1, labs: parsed.labs };
    } catch {
      // Not JSON.
    }
    return undefined;
  }

  /** The file as it is now; one that does not parse is set aside (under the lock: another process may be replacing it). */
  private current(locked: boolean): ProgressFile {
    const data = this.read();
    if (data) return data;
    const setAside = () => {
      if (!this.read() && existsSync(this.file)) renameSync(this.file, `${this.file}.bad`);
      return this.read() ?? { version: 1, labs: {} };
    };
    return locked ? setAside() : withFileLock(this.file, setAside);
  }

  /** Re-reads the file under the lock, lets `change` edit it and writes it back atomically. */
  private update<T>(change: (data: ProgressFile) => T): T {
    mkdirSync(join(this.dataDir, 'labs'), { recursive: true });
    return withFileLock(this.file, () => {
      const data = this.current(true);
      const out = change(data);
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
      renameSync(tmp, this.file);
      return out;
    });
  }

  /** Every lab's progress, as the file holds it now. */
  all(): LabProgress[] {
    return Object.values(this.current(false).labs);
  }

  get(target: string, attendee: string, lab: number): LabProgress | undefined {
    return this.current(false).labs[progressKey(target, attendee, lab)];
  }

  private static entry(data: ProgressFile, lab: { id: number; slug: string }, target: string, attendee: string): LabProgress {
    const key = progressKey(target, attendee, lab.id);
    return (data.labs[key] ??= { lab: lab.id, slug: lab.slug, target, attendee, done: {}, statuses: {} });
  }

  started(lab: { id: number; slug: string }, target: string, attendee: string, at = Date.now()): LabProgress {
    return this.update((data) => {
      const e = ProgressStore.entry(data, lab, target, attendee);
      Object.assign(e, { startedAt: at, done: {}, statuses: {} });
      delete e.solvedAt;
      delete e.finishedAt;
      delete e.checkedAt;
      return e;
    });
  }

  /** Records a check round; returns true when a status changed. */
  checked(lab: { id: number; slug: string }, report: CheckReport): boolean {
    return this.update((data) => {
      const e = ProgressStore.entry(data, lab, report.target, report.attendee);
      // Two processes may record rounds out of order: the statuses are the latest round's, each first `done` the earliest.
      const latest = e.checkedAt === undefined || report.checkedAt >= e.checkedAt;
      let changed = false;
      for (const c of report.checks) {
        if (latest) {
          if (e.statuses[c.id] !== c.status) changed = true;
          e.statuses[c.id] = c.status;
        }
        if (c.status === 'done' && (e.done[c.id] === undefined || report.checkedAt < e.done[c.id])) e.done[c.id] = report.checkedAt;
      }
      if (latest) e.checkedAt = report.checkedAt;
      if (report.complete && (e.finishedAt === undefined || report.checkedAt < e.finishedAt)) e.finishedAt = report.checkedAt;
      return changed;
    });
  }

  solved(lab: { id: number; slug: string }, target: string, attendee: string, at = Date.now()): void {
    this.update((data) => {
      ProgressStore.entry(data, lab, target, attendee).solvedAt = at;
    });
  }

  reset(lab: { id: number }, target: string, attendee: string): void {
    this.update((data) => {
      delete data.labs[progressKey(target, attendee, lab.id)];
    });
  }
}
