/**
 * Every scenario step, in one table. A step is one file in this folder exporting a `StepDefinition` (see `step.ts`);
 * add it here and it is in the scenario schema, the validator and the runner.
 */
import type { AnyStepDefinition } from './step.js';
import { publishStep } from './publish.js';
import { waitStep } from './wait.js';
import { provisionStep } from './provision.js';
import { replayStep } from './replay.js';

export const STEPS: readonly AnyStepDefinition[] = [
  publishStep,
  waitStep,
  provisionStep,
  replayStep,
];

const byName = new Map(STEPS.map((s) => [s.name, s]));

/** The step registered under `name`, or undefined. */
export function stepDefinition(name: string): AnyStepDefinition | undefined {
  return byName.get(name);
}

export const STEP_NAMES: readonly string[] = STEPS.map((s) => s.name);

export * from './step.js';
export { durationMs, durationSchema, payloadBytes, payloadSchema, qosSchema } from './args.js';
