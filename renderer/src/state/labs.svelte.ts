import {
  RpcError, type LabCheckReport, type LabDetail, type LabResetResult, type LabSolution, type LabSummary, type LabTargetInput,
  type ScenarioStepEvent, type ThingbenchClient,
} from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { perFrame } from './frame.js';

/** What a lab action is doing now. */
export type LabBusy = 'starting' | 'checking' | 'solving' | 'resetting' | null;

/** One step of the reference solution as it runs. */
export interface SolveStep {
  id: string;
  step: string;
  label?: string;
  status: 'running' | 'passed' | 'failed' | 'skipped' | 'aborted';
  message?: string;
}

/** The solution's progress: its steps as they start and finish. */
export interface SolveProgress {
  runId: string | null;
  total: number;
  steps: SolveStep[];
  state: 'running' | 'passed' | 'failed' | 'aborted' | 'error';
  message?: string;
}

/** The catalogue is read again this often while watched (progress changes from the CLI too). */
const RESYNC_MS = 10_000;

/**
 * Workshop labs on the local engine: the catalogue with the attendee's progress, and the open lab's guide and live
 * checks (`labs.checked` events of a started lab, `labs.check` on open). Actions (start, check, solve, reset) report
 * what they did in `notice` or why they failed in `error`; solving follows the solution's `scenarios.step` events.
 * Everything runs against the target selected in the Targets view (the engine itself by default); only started labs
 * on the engine itself are watched live, a lab on another target is checked when asked.
 */
export class LabsStore {
  list = $state.raw<readonly LabSummary[]>([]);
  loaded = $state(false);
  /** The open lab's id (as in the address), or null. */
  open = $state<string | null>(null);
  detail = $state.raw<LabDetail | null>(null);
  /** Why the open lab could not be read (an unknown lab). */
  detailError = $state<string | null>(null);
  report = $state.raw<LabCheckReport | null>(null);
  busy = $state<LabBusy>(null);
  /** The last action's outcome, in a sentence. */
  notice = $state<string | null>(null);
  error = $state<string | null>(null);
  /** Start refused because an earlier run left resources: the view offers to start fresh. */
  conflict = $state(false);
  solve = $state.raw<SolveProgress | null>(null);
  lastReset = $state.raw<LabResetResult | null>(null);
  /** The open lab's reference solution, once asked for. */
  solution = $state.raw<LabSolution | null>(null);
  /** The target the list and the open lab were read from. */
  target = $state('local');

  private pendingReport: LabCheckReport | null = null;
  private listDirty = false;
  private solveDirty = false;
  private solveSteps: Record<string, SolveStep> = {};
  private solveRun: SolveProgress | null = null;
  private readonly schedule = perFrame(() => this.flush());

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore, private readonly targets: { selected: string }) {
    this.target = targets.selected;
  }

  /** Where a lab operation runs: the selected target (nothing for the engine itself). */
  private where(): LabTargetInput | undefined {
    return this.target === 'local' ? undefined : { target: this.target };
  }

  /** Follows the selected target: the catalogue and the open lab are read again from it. */
  useTarget(name: string): void {
    if (name === this.target) return;
    this.target = name;
    this.list = [];
    this.loaded = false;
    void this.reload();
    const open = this.open;
    if (open !== null) {
      this.open = null;
      this.select(open);
    }
  }

  /** Shows (loading once) or hides the open lab's reference solution. */
  async toggleSolution(): Promise<void> {
    if (this.solution) {
      this.solution = null;
      return;
    }
    const lab = this.open;
    if (lab === null) return;
    try {
      const solution = await this.client.labs.solution(lab);
      if (this.open === lab) this.solution = solution;
    } catch (err) {
      this.error = message(err);
    }
  }

  /** Follows check events and the solution's steps while the view is open; returns the stop function. */
  watch(): () => void {
    const checked = this.client.on('labs.checked', (r) => this.onChecked(r));
    const steps = this.client.on('scenarios.step', (e) => this.onStep(e));
    void this.reload();
    const timer = setInterval(() => void this.reload(), RESYNC_MS);
    return () => {
      checked.dispose();
      steps.dispose();
      clearInterval(timer);
    };
  }

  async reload(): Promise<void> {
    try {
      const target = this.target;
      const list = await this.client.labs.list(this.where());
      if (target !== this.target) return;
      this.list = list;
      this.loaded = true;
    } catch (err) {
      this.connection.reportError('Could not list the labs')(err);
    }
  }

  /** Opens a lab (its guide, then its checks), or closes it with null. */
  select(lab: string | null): void {
    if (lab === this.open) return;
    this.open = lab;
    this.detail = null;
    this.detailError = null;
    this.report = null;
    this.notice = null;
    this.error = null;
    this.conflict = false;
    this.solve = null;
    this.lastReset = null;
    this.solution = null;
    if (lab !== null) void this.load(lab);
  }

  private async load(lab: string): Promise<void> {
    try {
      const detail = await this.client.labs.get(lab, this.where());
      if (this.open !== lab) return;
      this.detail = detail;
    } catch (err) {
      if (this.open === lab) this.detailError = message(err);
      return;
    }
    await this.check(false);
  }

  /** Checks the open lab now. */
  async check(announce = true): Promise<void> {
    const lab = this.open;
    if (lab === null) return;
    await this.act('checking', async () => {
      const report = await this.client.labs.check(lab, this.where());
      if (this.open !== lab) return;
      this.report = report;
      if (announce) this.notice = `Checked: ${report.done} of ${report.total} done.`;
    });
  }

  /** Sets up the lab's starting state; `fresh` removes what an earlier run left first. */
  async start(fresh = false): Promise<void> {
    const lab = this.open;
    if (lab === null) return;
    this.conflict = false;
    await this.act('starting', async () => {
      try {
        const result = await this.client.labs.start(lab, { ...this.where(), fresh });
        if (this.open !== lab) return;
        this.report = result.report;
        const removed = result.removed.length ? ` Removed from an earlier run: ${result.removed.join(', ')}.` : '';
        this.notice = `Started: the lab's starting state is set up; its checks tick as you work.${removed}`;
      } catch (err) {
        if (err instanceof RpcError && err.code === 'Conflict') this.conflict = true;
        throw err;
      }
      void this.reload();
    });
  }

  /** Starts the lab fresh (removing what is under its names, the attendee's work too), then runs the solution. */
  async freshSolve(): Promise<void> {
    await this.start(true);
    if (!this.error) await this.solveIt();
  }

  /** Runs the reference solution, following its steps, then shows the checks. */
  async solveIt(): Promise<void> {
    const lab = this.open;
    if (lab === null || !this.detail) return;
    this.solveSteps = {};
    this.solveRun = { runId: null, total: 0, steps: [], state: 'running' };
    this.solve = this.solveRun;
    const prefix = `lab-${this.detail.id}-solve-`;
    this.solvePrefix = prefix;
    await this.act('solving', async () => {
      try {
        const result = await this.client.labs.solve(lab, this.where());
        if (this.open !== lab) return;
        this.report = result.report;
        const run = result.run;
        this.solveRun = { ...(this.solveRun ?? { runId: null, total: 0, steps: [] }), state: run.status, ...(run.message ? { message: run.message } : {}) };
        // Steps the events did not bring (events can be dropped on a congested link) come from the result.
        for (const s of run.steps) this.solveSteps[s.id] = { id: s.id, step: s.step, ...(s.label ? { label: s.label } : {}), status: s.status, ...(s.message ? { message: s.message } : {}) };
        this.solveDirty = true;
        this.flush();
        this.notice = run.status === 'passed'
          ? `Solved: ${result.report.done} of ${result.report.total} checks done.`
          : `The solution ${run.status}${run.message ? `: ${run.message}` : '.'}`;
      } catch (err) {
        this.solveRun = { ...(this.solveRun ?? { runId: null, total: 0, steps: [] }), state: 'error', message: message(err) };
        this.solveDirty = true;
        this.flush();
        throw err;
      } finally {
        this.solvePrefix = null;
      }
      void this.reload();
    });
  }

  /** Removes everything under the lab's names and forgets its progress. */
  async reset(): Promise<void> {
    const lab = this.open;
    if (lab === null) return;
    await this.act('resetting', async () => {
      const result = await this.client.labs.reset(lab, this.where());
      if (this.open !== lab) return;
      this.lastReset = result;
      this.solve = null;
      this.notice = `Reset: removed ${result.removed.length ? result.removed.join(', ') : 'nothing'}.${result.errors.length ? ` Not removed: ${result.errors.join(' ')}` : ''}`;
      const report = await this.client.labs.check(lab, this.where());
      if (this.open === lab) this.report = report;
      void this.reload();
    });
  }

  private solvePrefix: string | null = null;

  private async act(what: Exclude<LabBusy, null>, work: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = what;
    this.error = null;
    this.notice = null;
    try {
      await work();
    } catch (err) {
      this.error = message(err);
    } finally {
      this.busy = null;
    }
  }

  private onChecked(report: LabCheckReport): void {
    if (report.target !== this.target) return;
    // Any lab's change moves its progress in the catalogue (read again once per frame at most).
    this.listDirty = true;
    if (this.detail && report.lab === this.detail.id) this.pendingReport = report;
    this.schedule();
  }

  private onStep(e: ScenarioStepEvent): void {
    const prefix = this.solvePrefix;
    if (!prefix || !e.runId.startsWith(prefix) || !this.solveRun) return;
    const run = this.solveRun;
    if (e.kind === 'run.started') {
      this.solveRun = { ...run, runId: e.runId, total: e.data.steps };
    } else if (e.kind === 'step.started' && !e.data.cleanup && e.data.depth === 0) {
      this.solveSteps[e.data.id] = { id: e.data.id, step: e.data.step, ...(e.data.label ? { label: e.data.label } : {}), status: 'running' };
    } else if (e.kind === 'step.finished' && !e.data.cleanup && e.data.depth === 0) {
      const s = e.data;
      this.solveSteps[s.id] = { id: s.id, step: s.step, ...(s.label ? { label: s.label } : {}), status: s.status, ...(s.message ? { message: s.message } : {}) };
    } else {
      return;
    }
    this.solveDirty = true;
    this.schedule();
  }

  private flush(): void {
    if (this.listDirty) {
      this.listDirty = false;
      void this.reload();
    }
    if (this.pendingReport) {
      const r = this.pendingReport;
      this.pendingReport = null;
      if (this.detail && r.lab === this.detail.id && (!this.report || r.checkedAt >= this.report.checkedAt)) this.report = r;
    }
    if (this.solveDirty && this.solveRun) {
      this.solveDirty = false;
      const steps = Object.values(this.solveSteps).sort((a, b) => compareIds(a.id, b.id));
      this.solveRun = { ...this.solveRun, steps };
      this.solve = this.solveRun;
    }
  }
}

function compareIds(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let k = 0; k < Math.max(pa.length, pb.length); k++) {
    const d = (pa[k] ?? -1) - (pb[k] ?? -1);
    if (d) return d;
  }
  return 0;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
