/** Scenario runs as the UI sees them (engine/scenarios runs them against the engine itself). */

/** One problem of a scenario file, at `file:line:col`. */
export interface ScenarioProblem {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** What `scenarios.run` runs: a scenario's text, or a file in `<dataDir>/scenarios` (or the shipped examples). */
export interface ScenarioRunInput {
  /** The scenario's YAML; its includes are read from `<dataDir>/scenarios`. */
  text?: string;
  /** A `.yaml` file, relative to `<dataDir>/scenarios` (or `examples/<name>.yaml` for the shipped examples). */
  path?: string;
  /** Fixes every generator, id and jitter (default: the scenario's, else a random one, reported). */
  seed?: number;
  /** Overrides the scenario's `deterministic`. */
  deterministic?: boolean;
  /**
   * The target profile (`targets.list`) to run it on, opened as `thingbench run --target` opens it, over the scenario's
   * own `target:`; absent (or `local` when no profile has that name) is this engine.
   */
  target?: string;
  /** The target profile to run it on when neither `target` nor the scenario's `target:` names one (the app's selected target). */
  defaultTarget?: string;
}

export type ScenarioStepStatus = 'passed' | 'failed' | 'skipped' | 'aborted';

/** A message an expectation saw (shown beside what it expected). */
export interface ScenarioSeenMessage {
  topic: string;
  /** UTF-8 text, or `base64:…` for a binary payload. */
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** Run time in ms. */
  at: number;
}

/** One step's result; `id` is its position (`3`, `3.2` for the second step inside step 3). */
export interface ScenarioStepRecord {
  id: string;
  step: string;
  label?: string;
  where?: string;
  depth: number;
  status: ScenarioStepStatus;
  durationMs: number;
  note?: string;
  message?: string;
  expected?: unknown;
  seen?: ScenarioSeenMessage[];
  children: ScenarioStepRecord[];
}

export interface ScenarioRunResult {
  scenario: string;
  file: string;
  target: string;
  seed: number;
  deterministic: boolean;
  status: 'passed' | 'failed' | 'aborted';
  durationMs: number;
  steps: ScenarioStepRecord[];
  cleanup: ScenarioStepRecord[];
  cleanupErrors: string[];
  /** The first failure's sentence. */
  message?: string;
}

/** running; then passed, failed or aborted (the run's own verdict), or error (it could not run: the message says why). */
export type ScenarioRunState = 'running' | 'passed' | 'failed' | 'aborted' | 'error';

export interface ScenarioRunInfo {
  /** `run-1`, `run-2`, … in start order. */
  id: string;
  scenario: string;
  file: string;
  state: ScenarioRunState;
  startedAt: number;
  /** The seed the run uses (repeat the run with it). */
  seed?: number;
  /** The target profile it runs on (absent: this engine). */
  target?: string;
  /** Set once the run has finished. */
  result?: ScenarioRunResult;
  /** Why the run could not run (state `error`). */
  error?: string;
}

/** A run's progress, as the runner reports it: `kind` names the runner event, `data` is its payload. */
export type ScenarioStepEvent = { runId: string } & (
  | { kind: 'run.started'; data: { scenario: string; file: string; target: string; seed: number; deterministic: boolean; steps: number } }
  | { kind: 'step.started'; data: { id: string; step: string; label?: string; where?: string; depth: number; cleanup: boolean } }
  | { kind: 'step.progress'; data: { id: string; message: string; done?: number; total?: number } }
  | { kind: 'step.log'; data: { id?: string; level: 'info' | 'warn'; message: string; details?: Record<string, unknown> } }
  /** `messages`: what a passed step published or matched (at most 5, newest last); a failed step has `seen`. */
  | { kind: 'step.finished'; data: ScenarioStepRecord & { cleanup: boolean; messages?: ScenarioSeenMessage[] } }
  | { kind: 'cleanup.finished'; data: { description: string; ok: boolean; error?: string } }
  | { kind: 'run.finished'; data: ScenarioRunResult }
);

/** A scenario file the engine can run: a shipped example or a file of `<dataDir>/scenarios`. */
export interface ScenarioFile {
  /** What `scenarios.run({path})` takes: `examples/<file>` for a shipped example, else relative to `<dataDir>/scenarios`. */
  path: string;
  /** The scenario's `name` (the file name when it has none or does not parse). */
  name: string;
  description?: string;
  example: boolean;
  text: string;
}

/** What `scenarios.replay` plays into the engine itself: a recording in `thingbench record`'s JSON-lines format. */
export interface ReplayInput {
  /** The recording's text (what `broker.export` and `thingbench record` write). */
  recording: string;
  /** Playback rate: 2 plays twice as fast (default 1; at most 1,000). */
  speed?: number;
  /** Put before every recorded client id (e.g. `replay-`), so the replay does not take over live clients' sessions. */
  clientIdPrefix?: string;
  /** The target profile to play it into, as for `scenarios.run`; absent (or `local`) is this engine. */
  target?: string;
}

/** How a replay went. */
export interface ReplayResult {
  /** Messages published (QoS 1/2: acknowledged). */
  messages: number;
  failed: number;
  /** The first few failures, one sentence each. */
  errors: string[];
  clients: number;
  durationMs: number;
  lagMs: { mean: number; max: number };
  /** It was stopped (`scenarios.stopReplay`) before the end. */
  stopped: boolean;
}
