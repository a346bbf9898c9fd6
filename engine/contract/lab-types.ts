/**
 * Workshop labs as the UI sees them (engine/labs checks them against the engine itself, or a target profile).
 * A lab is named by its id (`1`) or slug (`getting-set-up`); the attendee defaults to the engine's OS user.
 */
import type { ScenarioRunResult } from './scenario-types.js';

export type LabCheckStatus = 'done' | 'missing' | 'waiting' | 'skipped';

/** Where and for whom a lab operation runs. */
export interface LabTargetInput {
  /** A target profile (thingbench target list); the engine itself by default. */
  target?: string;
  /** Whose names the lab uses (default: the engine's OS user name). */
  attendee?: string;
}

export interface LabStartInput extends LabTargetInput {
  /** Remove what an earlier run left under the lab's names instead of refusing to start. */
  fresh?: boolean;
}

/** One check's outcome; the first check not done carries its hint. */
export interface LabCheckOutcome {
  id: string;
  title: string;
  kind: string;
  status: LabCheckStatus;
  /** One sentence naming what was found. */
  reason: string;
  hint?: string;
}

/** Every check of a lab, in order (the `labs.checked` event carries one whenever a status changes). */
export interface LabCheckReport {
  lab: number;
  slug: string;
  target: string;
  attendee: string;
  checkedAt: number;
  checks: LabCheckOutcome[];
  done: number;
  total: number;
  /** No check missing or waiting: every one done, or skipped with why (a local-only check elsewhere, messages not watched). */
  complete: boolean;
}

/** What is stored of a lab's progress (`<dataDir>/labs/progress.json`). */
export interface LabProgressInfo {
  target: string;
  attendee: string;
  /** Epoch ms of the last `lab start`. */
  startedAt?: number;
  /** Check ids with the epoch ms each was first done (since the last start). */
  done: Record<string, number>;
  /** The last statuses, by check id. */
  statuses: Record<string, string>;
  checkedAt?: number;
  solvedAt?: number;
  finishedAt?: number;
}

export interface LabSummary {
  id: number;
  slug: string;
  title: string;
  summary: string;
  minutes: number;
  cost: string;
  /** How many checks the lab has. */
  checks: number;
  /** This attendee's progress on this target, when the lab was started. */
  progress?: LabProgressInfo;
  /** Shipped with Thingbench, or one of the user's own labs (`--labs`, config `labs.dirs`, `<dataDir>/labs/`). */
  source?: 'shipped' | 'user';
  /** The lab's folder. */
  dir?: string;
  /**
   * A user's lab that does not load (every problem as `file:line:col: …`, one a line) or whose number or slug another
   * lab has: listed so its author sees why, but it cannot be started (id and slug come from its folder's name).
   */
  broken?: string;
}

export interface LabCheckDecl {
  id: string;
  /** With the attendee's names in it. */
  title: string;
  kind: string;
  localOnly: boolean;
}

export interface LabGuideInfo {
  title: string;
  goal: string;
  /** The mermaid source of the pipeline diagram. */
  pipeline: string;
  before?: string;
  steps: Array<{ n: number; title: string; markdown: string }>;
  why: string;
  cost: string;
  cleanUp: string;
}

export interface LabDetail extends LabSummary {
  /** Variable → the attendee's resource name (`THING` → `l01-alice-ratchet`). */
  names: Record<string, string>;
  /** The guide's environment on the target (`export` lines: `$AWS`, `$MQTT_HOST`, `$CA_FILE`, …). */
  env: Record<string, string>;
  checkList: LabCheckDecl[];
  guide: LabGuideInfo;
}

export interface LabStartResult {
  lab: number;
  target: string;
  attendee: string;
  names: Record<string, string>;
  env: Record<string, string>;
  startedAt: number;
  /** What `fresh` removed, as `kind name`. */
  removed: string[];
  /** The checks right after the start. */
  report: LabCheckReport;
}

export interface LabSolveResult {
  run: ScenarioRunResult;
  report: LabCheckReport;
}

export interface LabResetResult {
  /** What was removed, as `kind name`. */
  removed: string[];
  /** One sentence per resource that could not be removed. */
  errors: string[];
}

/** A lab's reference solution: the scenario `Solve it for me` runs, as written (`${THING}` is the lab's names). */
export interface LabSolution {
  lab: number;
  /** Its path in the repository, e.g. `labs/01-getting-set-up/solution.yaml`. */
  file: string;
  text: string;
}
