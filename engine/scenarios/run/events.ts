/** What a run reports while it runs: the reporters and the engine contract (`scenarios.*`) listen to these. */
import type { SeenMessage } from '../steps/step.js';

export type StepStatus = 'passed' | 'failed' | 'skipped' | 'aborted';

/** One step's result; `id` is its position (`3`, `3.2` for the second step inside step 3). */
export interface StepRecord {
  id: string;
  step: string;
  label?: string;
  where?: string;
  depth: number;
  status: StepStatus;
  durationMs: number;
  note?: string;
  message?: string;
  expected?: unknown;
  seen?: SeenMessage[];
  children: StepRecord[];
}

export type RunStatus = 'passed' | 'failed' | 'aborted';

export interface RunResult {
  scenario: string;
  file: string;
  target: string;
  seed: number;
  deterministic: boolean;
  status: RunStatus;
  durationMs: number;
  /** Top-level steps, the scenario's `cleanup` steps after them (`cleanup: true`). */
  steps: StepRecord[];
  cleanup: StepRecord[];
  /** Undo actions that failed (each still ran). */
  cleanupErrors: string[];
  /** The first failure's sentence. */
  message?: string;
}

export interface ScenarioEvents {
  'run.started': { scenario: string; file: string; target: string; seed: number; deterministic: boolean; steps: number };
  'step.started': { id: string; step: string; label?: string; where?: string; depth: number; cleanup: boolean };
  'step.progress': { id: string; message: string; done?: number; total?: number };
  'step.log': { id?: string; level: 'info' | 'warn'; message: string; details?: Record<string, unknown> };
  /** `messages`: what a passed step published or matched (at most 5, newest last), for live views only. */
  'step.finished': StepRecord & { cleanup: boolean; messages?: SeenMessage[] };
  'cleanup.finished': { description: string; ok: boolean; error?: string };
  'run.finished': RunResult;
}
