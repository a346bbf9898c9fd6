import type { ReplayInput, ReplayResult, ScenarioFile, ScenarioProblem, ScenarioRunInfo, ScenarioRunInput } from '../scenario-types.js';

/** Scenario runs against the engine itself; progress arrives as `scenarios.step` events. */
export interface ScenariosApi {
  /** Every problem of a scenario's text as `file:line:col`; empty when it would run. Never fails on a bad scenario. */
  validate(text: string, file?: string): Promise<ScenarioProblem[]>;
  /**
   * Starts a run and resolves with it at once (`run-1`, …). InvalidInput with every problem when the scenario does
   * not load, or with the sentence when the engine cannot do what a step needs; NotFound for a missing file.
   */
  run(input: ScenarioRunInput): Promise<ScenarioRunInfo>;
  /** Running runs, then the most recently finished ones (with their results). */
  runs(): Promise<ScenarioRunInfo[]>;
  /** Aborts a run; resolves once its cleanup has run. */
  cancel(id: string): Promise<ScenarioRunInfo>;
  /** The shipped examples, then the `.yaml` files of `<dataDir>/scenarios` (top level), with their text. */
  files(): Promise<ScenarioFile[]>;
  /** The scenario file's JSON Schema (`schemas/scenario.schema.json`), composed from every step's schema: for editors. */
  schema(): Promise<Record<string, unknown>>;
  /**
   * Plays a recording into the engine itself as its original publishers (one MQTT connection per recorded client
   * id), at `speed`; resolves when it has played. InvalidInput with `FILE:line` problems for a bad recording;
   * Conflict while another replay plays (one at a time).
   */
  replay(input: ReplayInput): Promise<ReplayResult>;
  /** Stops the replay that is playing (after the message being published); false when none was. */
  stopReplay(): Promise<boolean>;
}
