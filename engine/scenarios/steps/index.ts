/**
 * Every scenario step, in one table. A step is one file in this folder exporting a `StepDefinition` (see `step.ts`);
 * add it here and it is in the scenario schema, the validator and the runner.
 */
import type { AnyStepDefinition } from './step.js';
import { publishStep } from './publish.js';
import { waitStep } from './wait.js';
import { provisionStep } from './provision.js';
import { replayStep } from './replay.js';
import { startStep } from './start.js';
import { stopStep } from './stop.js';
import { shadowUpdateStep } from './shadow-update.js';
import { expectStep } from './expect.js';
import { absentStep } from './absent.js';
import { shadowExpectStep } from './shadow-expect.js';
import { captureStep } from './capture.js';
import { faultStep } from './fault.js';
import { repeatStep } from './repeat.js';
import { includeStep } from './include.js';
import { sinkExpectStep } from './sink-expect.js';
import { cleanupStep } from './cleanup.js';
import { awsCallStep } from './aws-call.js';
import { certificateStep } from './certificate.js';
import { commandStep } from './command.js';
import { requestStep } from './mqtt-request.js';
import { deliveryStep } from './delivery.js';

export const STEPS: readonly AnyStepDefinition[] = [
  publishStep,
  waitStep,
  provisionStep,
  replayStep,
  startStep,
  stopStep,
  shadowUpdateStep,
  expectStep,
  absentStep,
  shadowExpectStep,
  captureStep,
  faultStep,
  repeatStep,
  includeStep,
  sinkExpectStep,
  cleanupStep,
  awsCallStep,
  certificateStep,
  commandStep,
  requestStep,
  deliveryStep,
];

const byName = new Map(STEPS.map((s) => [s.name, s]));

/** The step registered under `name`, or undefined. */
export function stepDefinition(name: string): AnyStepDefinition | undefined {
  return byName.get(name);
}

export const STEP_NAMES: readonly string[] = STEPS.map((s) => s.name);

export * from './step.js';
export { durationMs, durationSchema, payloadBytes, payloadSchema, qosSchema } from './args.js';
