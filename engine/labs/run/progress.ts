/**
 * Lab progress in `<dataDir>/labs/progress.json`, per target, attendee and lab: when it started, which checks were
 * done (and when each was first done), when it was solved by `lab solve`, when every check was first done. Written by
 * replacing the file atomically (write a temporary file, rename it), so a crash never leaves half a file, and read
 * back after a restart. A file that does not parse is set aside as `progress.json.bad` rather than lost.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabProgressInfo } from '../../contract/index.js';
import type { CheckReport } from './check-lab.js';

/** A lab's stored progress: the contract's `LabProgressInfo`, with the lab it belongs to. */
export interface LabProgress extends LabProgressInfo {
  lab: number;
  slug: string;
}

interface ProgressFile { version: 1; labs: Record<string, LabProgress> }

export const progressKey = (target: string, attendee: string, lab: number): string => `${target}/${attendee}/${lab}`;

export class ProgressStore {
  private data: ProgressFile | undefined;

  constructor(private readonly dataDir: string) {}

  get file(): string {
    return join(this.dataDir, 'labs', 'progress.json');
  }

  private load(): ProgressFile {
    if (this.data) return this.data;
    let data: ProgressFile = { version: 1, labs: {} };
    if (existsSync(this.file)) {
      try {
        const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as ProgressFile;
        if (parsed && typeof parsed === 'object' && parsed.labs && typeof parsed.labs === 'object') data = { version: 1, labs: parsed.labs };
      } catch {
        renameSync(this.file, `${this.file}.bad`);
      }
    }
    this.data = data;
    return data;
  }

  private save(): void {
    mkdirSync(join(this.dataDir, 'labs'), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.load(), null, 2)}\n`);
    renameSync(tmp, this.file);
  }

  /** Every lab's progress (re-read from the file). */
  all(): LabProgress[] {
    this.data = undefined;
    return Object.values(this.load().labs);
  }

  get(target: string, attendee: string, lab: number): LabProgress | undefined {
    return this.load().labs[progressKey(target, attendee, lab)];
  }

  private entry(lab: { id: number; slug: string }, target: string, attendee: string): LabProgress {
    const labs = this.load().labs;
    const key = progressKey(target, attendee, lab.id);
    return (labs[key] ??= { lab: lab.id, slug: lab.slug, target, attendee, done: {}, statuses: {} });
  }

  started(lab: { id: number; slug: string }, target: string, attendee: string, at = Date.now()): LabProgress {
    const e = this.entry(lab, target, attendee);
    Object.assign(e, { startedAt: at, done: {}, statuses: {} });
    delete e.solvedAt;
    delete e.finishedAt;
    delete e.checkedAt;
    this.save();
    return e;
  }

  /** Records a check round; returns true when a status changed. */
  checked(lab: { id: number; slug: string }, report: CheckReport): boolean {
    const e = this.entry(lab, report.target, report.attendee);
    let changed = false;
    for (const c of report.checks) {
      if (e.statuses[c.id] !== c.status) changed = true;
      e.statuses[c.id] = c.status;
      if (c.status === 'done' && e.done[c.id] === undefined) e.done[c.id] = report.checkedAt;
    }
    e.checkedAt = report.checkedAt;
    if (report.complete && e.finishedAt === undefined) e.finishedAt = report.checkedAt;
    this.save();
    return changed;
  }

  solved(lab: { id: number; slug: string }, target: string, attendee: string, at = Date.now()): void {
    this.entry(lab, target, attendee).solvedAt = at;
    this.save();
  }

  reset(lab: { id: number }, target: string, attendee: string): void {
    delete this.load().labs[progressKey(target, attendee, lab.id)];
    this.save();
  }
}
