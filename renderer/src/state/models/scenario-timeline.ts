import type {
  ScenarioRunInfo, ScenarioRunResult, ScenarioSeenMessage, ScenarioStepEvent, ScenarioStepRecord, ScenarioStepStatus,
} from '../../../../engine/contract/index.js';

/** Log lines kept per step, and progress messages (the newest replaces the last). */
const LOGS_PER_STEP = 50;

/** One step of a run as the timeline shows it. */
export interface TimelineStep {
  id: string;
  step: string;
  label?: string;
  where?: string;
  depth: number;
  cleanup: boolean;
  status: ScenarioStepStatus | 'running';
  /** ms after the run started (when the step started; unknown for a run read afterwards). */
  startedAt?: number;
  durationMs?: number;
  note?: string;
  /** Why it failed (or was aborted). */
  message?: string;
  expected?: unknown;
  /** What a failed expectation saw. */
  seen?: ScenarioSeenMessage[];
  /** What a passed step published or matched. */
  messages?: ScenarioSeenMessage[];
  progress?: string;
  logs: { level: 'info' | 'warn'; message: string }[];
}

/**
 * A scenario run's steps in order, built from its `scenarios.step` events as they arrive (or from the finished run's
 * result). Changes in place: read `version`.
 */
export class ScenarioTimeline {
  version = 0;
  scenario = '';
  file = '';
  seed: number | undefined;
  /** Top-level steps the scenario has (from run.started). */
  total = 0;
  status: ScenarioRunInfo['state'] = 'running';
  durationMs: number | undefined;
  message: string | undefined;
  readonly steps: TimelineStep[] = [];
  readonly cleanups: { description: string; ok: boolean; error?: string }[] = [];
  private readonly byId = new Map<string, TimelineStep>();
  private startedAt: number | undefined;

  constructor(readonly runId: string, private readonly now: () => number = Date.now) {}

  /** Applies one event of this run. */
  apply(e: ScenarioStepEvent): void {
    switch (e.kind) {
      case 'run.started':
        this.startedAt = this.now();
        this.scenario = e.data.scenario;
        this.file = e.data.file;
        this.seed = e.data.seed;
        this.total = e.data.steps;
        break;
      case 'step.started': {
        const key = stepKey(e.data.id, e.data.cleanup);
        const step: TimelineStep = {
          id: e.data.id, step: e.data.step, depth: e.data.depth, cleanup: e.data.cleanup, status: 'running', logs: [],
          ...(e.data.label ? { label: e.data.label } : {}), ...(e.data.where ? { where: e.data.where } : {}),
          ...(this.startedAt !== undefined ? { startedAt: this.now() - this.startedAt } : {}),
        };
        const known = this.byId.get(key);
        if (known) Object.assign(known, step);
        else {
          this.byId.set(key, step);
          this.steps.push(step);
        }
        break;
      }
      case 'step.progress': {
        const step = this.lastRunning(e.data.id);
        if (step) step.progress = e.data.total ? `${e.data.message} (${e.data.done ?? 0}/${e.data.total})` : e.data.message;
        break;
      }
      case 'step.log': {
        const step = e.data.id ? this.lastRunning(e.data.id) : [...this.steps].reverse().find((s) => s.status === 'running');
        if (step) {
          step.logs.push({ level: e.data.level, message: e.data.message });
          if (step.logs.length > LOGS_PER_STEP) step.logs.shift();
        }
        break;
      }
      case 'step.finished':
        this.finishStep(e.data, e.data.cleanup, e.data.messages);
        break;
      case 'cleanup.finished':
        this.cleanups.push(e.data);
        break;
      case 'run.finished':
        this.finish(e.data);
        break;
    }
    this.version++;
  }

  /** Fills the timeline from a finished run's result (steps not seen live are added in order). */
  finish(result: ScenarioRunResult): void {
    this.scenario = result.scenario;
    this.file = result.file;
    this.seed = result.seed;
    this.status = result.status;
    this.durationMs = result.durationMs;
    this.message = result.message;
    const walk = (records: ScenarioStepRecord[], cleanup: boolean) => {
      for (const r of records) {
        this.finishStep(r, cleanup);
        walk(r.children, cleanup);
      }
    };
    walk(result.steps, false);
    walk(result.cleanup, true);
    if (!this.total) this.total = result.steps.length;
    this.version++;
  }

  /** A run that could not run: its sentence. */
  fail(message: string): void {
    this.status = 'error';
    this.message = message;
    this.version++;
  }

  counts(): Record<ScenarioStepStatus | 'running', number> {
    const c = { passed: 0, failed: 0, skipped: 0, aborted: 0, running: 0 };
    for (const s of this.steps) c[s.status]++;
    return c;
  }

  private finishStep(r: ScenarioStepRecord, cleanup: boolean, messages?: ScenarioSeenMessage[]): void {
    const key = stepKey(r.id, cleanup);
    let step = this.byId.get(key);
    if (!step) {
      step = { id: r.id, step: r.step, depth: r.depth, cleanup, status: r.status, logs: [] };
      this.byId.set(key, step);
      // Children finish before their parent's record arrives in a result: keep document order by id.
      const at = this.steps.findIndex((s) => s.cleanup === cleanup ? compareIds(s.id, r.id) > 0 : s.cleanup && !cleanup);
      if (at < 0) this.steps.push(step);
      else this.steps.splice(at, 0, step);
    }
    step.status = r.status;
    step.durationMs = r.durationMs;
    step.progress = undefined;
    if (r.label) step.label = r.label;
    if (r.where) step.where = r.where;
    if (r.note) step.note = r.note;
    if (r.message) step.message = r.message;
    if (r.expected !== undefined) step.expected = r.expected;
    if (r.seen) step.seen = r.seen;
    if (messages) step.messages = messages;
  }

  private lastRunning(id: string): TimelineStep | undefined {
    return this.byId.get(stepKey(id, true))?.status === 'running' ? this.byId.get(stepKey(id, true)) : this.byId.get(stepKey(id, false));
  }
}

const stepKey = (id: string, cleanup: boolean) => `${cleanup ? 'c' : 's'}:${id}`;

/** `3.2` after `3`, `10` after `9`. */
function compareIds(a: string, b: string): number {
  const x = a.split('.').map(Number), y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] === undefined) return -1;
    if (y[i] === undefined) return 1;
    if (x[i] !== y[i]) return x[i] - y[i];
  }
  return 0;
}
