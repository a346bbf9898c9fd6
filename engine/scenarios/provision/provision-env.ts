import type { IoTClient } from '@aws-sdk/client-iot';
import { EngineError } from '../../core/index.js';
import type { Target } from '../targets/target.js';
import { exceptionName } from './iot-control.js';
import type { Tags } from './creation-tags.js';
import type { IfExists } from './provision-spec.js';

/** The run's cleanup stack: undone in reverse order at the end of the run, also when it fails. */
export interface CleanupStack {
  push(description: string, undo: () => Promise<void>): void;
}

/** What provisioning works with. */
export interface ProvisionEnv {
  target: Target;
  /** The target's control plane (made on first use). */
  iot(): IoTClient;
  cleanup: CleanupStack;
  /** A function's `file` as a path: relative to the scenario file's folder, and refused where the run may not read. */
  resolveFile(file: string): string;
  /** The step's default for resources that do not say. */
  ifExists: IfExists;
  log(message: string): void;
  /** Aborts waits between cleanup retries when the run is cancelled. */
  signal?: AbortSignal;
  /** Tags put on what is created where the API takes them (policies, rules, thing groups and types). */
  tags?: Tags;
}

/** The sentence for a resource that exists when the step was told to fail on it. */
export function alreadyExists(env: ProvisionEnv, what: string, name: string): EngineError {
  return new EngineError('AlreadyExists', `${what} '${name}' already exists on the target '${env.target.name}': remove it, rename it in the scenario, or set ifExists: reuse to use it as it is`);
}

const RETRY_DELAYS_MS = [1000, 2000, 4000];
const EVENTUALLY_CONSISTENT = new Set(['InvalidRequestException', 'DeleteConflictException', 'ConflictException', 'CertificateStateException']);

/**
 * Runs a delete; AWS's control plane is eventually consistent (a principal just detached can still block DeleteThing
 * for a moment), so on a remote target a conflict is retried a few times before it is reported.
 */
export async function deleting(env: ProvisionEnv, undo: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await undo();
      return;
    } catch (e) {
      if (exceptionName(e) === 'ResourceNotFoundException') return; // already gone: nothing to clean up
      const retry = env.target.kind !== 'local' && attempt < RETRY_DELAYS_MS.length && EVENTUALLY_CONSISTENT.has(exceptionName(e)) && !env.signal?.aborted;
      if (!retry) throw e;
      await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt]));
    }
  }
}
