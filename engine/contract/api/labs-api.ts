// Where labs run (target profiles) and the labs themselves.
import type { FleetFault, FleetFaultResult } from '../device-types.js';
import type {
  LabCheckReport, LabDetail, LabResetResult, LabSolution, LabSolveResult, LabStartInput, LabStartResult, LabSummary, LabTargetInput,
} from '../lab-types.js';
import type { TargetInfo, TargetProfileInput, TargetTestResult } from '../target-types.js';

/**
 * Target profiles (`<dataDir>/targets.json`, shared with `thingbench target`): where labs can run besides the
 * engine itself, with what each can do. Secrets stay in their files and variables.
 */
export interface TargetsApi {
  /** The engine itself (`local`), then every profile by name, with its capabilities and why one is missing. */
  list(): Promise<TargetInfo[]>;
  /** Adds or replaces a profile (InvalidInput naming the first problem: a missing option, a relative or unreadable file). */
  put(name: string, profile: TargetProfileInput): Promise<TargetInfo>;
  /** NotFound for an unknown profile; the engine itself cannot be removed. */
  delete(name: string): Promise<void>;
  /** Opens the target as a run would and closes it: `ok`, or the reason in a sentence. Never rejects for a target that fails. */
  test(name: string): Promise<TargetTestResult>;
}

/**
 * Workshop labs, against the engine itself (or a target profile). A started lab on the engine is re-checked as
 * things change and each change of a check's status arrives as a `labs.checked` event.
 */
export interface LabsApi {
  /** The catalogue, with this attendee's progress. */
  list(input?: LabTargetInput): Promise<LabSummary[]>;
  /** One lab: its names, environment, checks and guide. NotFound for an unknown lab. */
  get(lab: string, input?: LabTargetInput): Promise<LabDetail>;
  /** Sets up the starting state; Conflict when an earlier run left resources under the lab's names (unless `fresh`). */
  start(lab: string, input?: LabStartInput): Promise<LabStartResult>;
  /** Every check, with the reason and the first missing check's hint. */
  check(lab: string, input?: LabTargetInput): Promise<LabCheckReport>;
  /** The reference solution's scenario text, to read (NotFound for an unknown lab). */
  solution(lab: string): Promise<LabSolution>;
  /** Runs the reference solution (its steps arrive as `scenarios.step` events) and checks the lab. */
  solve(lab: string, input?: LabTargetInput): Promise<LabSolveResult>;
  /** Removes everything under the lab's names and forgets its progress. */
  reset(lab: string, input?: LabTargetInput): Promise<LabResetResult>;
  /**
   * Applies a fault (the same as `devices.fault`) to the devices a start of this lab runs: every one, or those named
   * (thing names or client ids; NotFound for another). Conflict when the lab's devices are not running.
   */
  fault(lab: string, fault: FleetFault, devices?: string[], input?: LabTargetInput): Promise<FleetFaultResult>;
}
