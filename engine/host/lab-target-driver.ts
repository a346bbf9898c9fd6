/**
 * How `thingbench lab …` reaches a lab: the `LabDriver` interface, and its implementation on a named target
 * (`--target NAME`: another Thingbench, AWS, a local engine of a target profile) where the lab runs in this process,
 * its progress kept in this data directory's `labs/progress.json` under the target's name.
 */
import { EngineError, TypedEmitter } from '../core/index.js';
import {
  checkLab, defaultAttendee, findLab, labEnv, loadLabCatalogue, ProgressStore, resetLab, solveLab, startLab, watchLab,
  type CheckReport, type Lab, type LabCatalogue, type LabProgress,
} from '../labs/index.js';
import type { FaultResult, FaultSpec } from '../devices/index.js';
import type { ScenarioEvents, Target } from '../scenarios/index.js';

/** One line of `lab list`. */
export interface LabListing {
  id: number;
  slug: string;
  title: string;
  summary: string;
  minutes: number;
  progress?: { startedAt?: number; done: number; total: number; solvedAt?: number; finishedAt?: number };
  /** Shipped with Thingbench or the user's own (`--labs`, `<dataDir>/labs/`), and its folder. */
  source?: 'shipped' | 'user';
  dir?: string;
  /** A user lab that does not load: why (`file:line:col: …` lines). */
  broken?: string;
}

/** `lab list`'s lines from a catalogue: its labs with their progress, then the broken user labs with why. */
export function labListings(catalogue: LabCatalogue, progress: (lab: number) => LabProgress | undefined): LabListing[] {
  return [
    ...catalogue.labs.map((l): LabListing => {
      const p = progress(l.id);
      return {
        id: l.id, slug: l.slug, title: l.title, summary: l.summary, minutes: l.minutes, source: l.source ?? 'shipped', dir: l.dir,
        ...(p ? { progress: { startedAt: p.startedAt, done: Object.keys(p.done).length, total: l.checks.length, solvedAt: p.solvedAt, finishedAt: p.finishedAt } } : {}),
      };
    }),
    ...catalogue.broken.map((b): LabListing => ({ id: b.id, slug: b.slug, title: `${String(b.id).padStart(2, '0')}-${b.slug}`, summary: '', minutes: 0, source: b.source, dir: b.dir, broken: b.error })),
  ];
}

export interface LabStarted {
  env: Record<string, string>;
  /** What `fresh` removed, one "kind name" each. */
  removed: string[];
  /** The lab's devices when they run in this process (a lab on a target): they stop when this process does. */
  devices?: { names: string[]; stop(): Promise<void> };
}

export interface LabSolved {
  passed: boolean;
  message?: string;
}

export interface LabReset {
  removed: string[];
  errors: string[];
}

/** A step of a start or solve, for the terminal. */
export type LabProgressLine = (text: string) => void;

export interface LabDriver {
  /** Where the lab runs, for messages ("the Thingbench running on …", "target 'cloud'"). */
  readonly where: string;
  list(): Promise<LabListing[]>;
  env(ref: string): Promise<Record<string, string>>;
  start(ref: string, opts: { fresh?: boolean; progress: LabProgressLine }): Promise<LabStarted>;
  check(ref: string): Promise<CheckReport>;
  /** Reports every round whose statuses changed, the first one included. */
  watch(ref: string, onReport: (r: CheckReport) => void, onError: (e: Error) => void): Promise<{ stop(): Promise<void> }>;
  solve(ref: string, progress: LabProgressLine): Promise<LabSolved>;
  reset(ref: string): Promise<LabReset>;
  /** A fault on the lab's running devices (all, or those named). */
  fault(ref: string, fault: FaultSpec, devices?: string[]): Promise<FaultResult>;
  close(): Promise<void>;
}

export interface TargetDriverOptions {
  dataDir: string;
  attendee?: string;
  /** The AWS CLI the guide's `$AWS` names (default `aws`). */
  awsCli?: string;
  /** How messages name the target (default: "target 'NAME' (kind)"). */
  where?: string;
  /** The user's lab folders (`--labs`); `<dataDir>/labs/` is read too. */
  labDirs?: readonly string[];
}

/** Scenario runner events as one line per finished step. */
export function stepLines(progress: LabProgressLine): TypedEmitter<ScenarioEvents> {
  const events = new TypedEmitter<ScenarioEvents>();
  events.on('step.finished', (r) => {
    if (r.id.includes('.')) return; // nested steps: their parent says it
    const mark = r.status === 'passed' ? '✓' : r.status === 'skipped' ? '–' : '✗';
    progress(`  ${mark} ${r.label ?? r.step}${r.status === 'passed' || !r.message ? '' : `: ${r.message}`}`);
  });
  return events;
}

/** The lab on a target opened in this process. */
export class TargetLabDriver implements LabDriver {
  private readonly labs: Lab[];
  private readonly catalogue: LabCatalogue;
  private readonly attendee: string;
  private readonly progressStore: ProgressStore;

  constructor(private readonly target: Target, private readonly opts: TargetDriverOptions) {
    this.catalogue = loadLabCatalogue({ dirs: opts.labDirs, dataDir: opts.dataDir });
    this.labs = this.catalogue.labs;
    this.attendee = opts.attendee ?? defaultAttendee();
    this.progressStore = new ProgressStore(opts.dataDir);
  }

  get where(): string {
    return this.opts.where ?? `target '${this.target.name}' (${this.target.kind})`;
  }

  private lab(ref: string): Lab {
    return findLab(this.labs, ref);
  }

  async list(): Promise<LabListing[]> {
    return labListings(this.catalogue, (id) => this.progressStore.get(this.target.name, this.attendee, id));
  }

  async env(ref: string): Promise<Record<string, string>> {
    return labEnv(this.lab(ref), this.target, { attendee: this.attendee, awsCli: this.opts.awsCli });
  }

  async start(ref: string, o: { fresh?: boolean; progress: LabProgressLine }): Promise<LabStarted> {
    const lab = this.lab(ref);
    const started = await startLab(lab, this.target, { attendee: this.attendee, fresh: o.fresh, awsCli: this.opts.awsCli, dataDir: this.opts.dataDir, events: stepLines(o.progress) });
    this.progressStore.started(lab, this.target.name, this.attendee, started.startedAt);
    return { env: started.env, removed: started.removed.map((r) => `${r.kind} ${r.name}`), ...(started.devices?.names.length ? { devices: started.devices } : {}) };
  }

  private since(lab: Lab): number | undefined {
    return this.progressStore.get(this.target.name, this.attendee, lab.id)?.startedAt;
  }

  async check(ref: string): Promise<CheckReport> {
    const lab = this.lab(ref);
    const report = await checkLab(lab, this.target, { attendee: this.attendee, since: this.since(lab) });
    this.progressStore.checked(lab, report);
    return report;
  }

  async watch(ref: string, onReport: (r: CheckReport) => void, onError: (e: Error) => void): Promise<{ stop(): Promise<void> }> {
    const lab = this.lab(ref);
    const watch = await watchLab(lab, this.target, {
      attendee: this.attendee, since: this.since(lab), onError,
      onReport: (r) => {
        this.progressStore.checked(lab, r);
        onReport(r);
      },
    });
    return { stop: () => watch.stop() };
  }

  async solve(ref: string, progress: LabProgressLine): Promise<LabSolved> {
    const lab = this.lab(ref);
    const run = await solveLab(lab, this.target, { attendee: this.attendee, awsCli: this.opts.awsCli, dataDir: this.opts.dataDir, events: stepLines(progress) });
    const passed = run.status === 'passed';
    if (passed) this.progressStore.solved(lab, this.target.name, this.attendee);
    return { passed, ...(run.message ? { message: run.message } : {}) };
  }

  async reset(ref: string): Promise<LabReset> {
    const lab = this.lab(ref);
    const r = await resetLab(lab, this.target, { attendee: this.attendee });
    this.progressStore.reset(lab, this.target.name, this.attendee);
    return { removed: r.removed.map((x) => `${x.kind} ${x.name}`), errors: r.errors };
  }

  /** Not supported: on a target the lab's devices run in the foreground `lab start` process, out of this one's reach. */
  async fault(ref: string): Promise<FaultResult> {
    this.lab(ref);
    throw new EngineError('InvalidInput', `lab fault reaches the devices of a lab started on the running Thingbench; with --target they run in the foreground lab start process, which takes no faults`, { reason: 'NotSupported' });
  }

  async close(): Promise<void> {
    await this.target.close();
  }
}
