import { RpcError, type ControlAnswer, type ControlSendInput, type ThingbenchClient } from '../../../engine/contract/index.js';
import { failureMessage } from './registry.svelte.js';

/** What became of a command sent from the UI: the device's answer, no answer in time, or the engine's refusal. */
export interface CommandOutcome {
  thing: string;
  name: string;
  timeoutMs: number;
  answer?: ControlAnswer;
  /** The request id of a command nobody answered in time. */
  timedOut?: { requestId?: string };
  error?: string;
}

/** Outcomes kept per thing, newest first. */
const KEPT = 5;

/**
 * Command & control from the UI (`control.send`): one command to a thing however it is connected (MQTT command
 * topics, or the answer to its next HTTPS/CoAP request), with the correlated answer or the timeout, kept per thing.
 */
export class ControlStore {
  /** The things a command is waiting on an answer from (one at a time per thing). */
  waiting = $state.raw<readonly string[]>([]);
  outcomes = $state.raw<Readonly<Record<string, readonly CommandOutcome[]>>>({});

  constructor(private readonly client: ThingbenchClient) {}

  async send(input: ControlSendInput & { timeoutMs: number }): Promise<CommandOutcome> {
    this.waiting = [...this.waiting, input.thing];
    const base = { thing: input.thing, name: input.name, timeoutMs: input.timeoutMs };
    let outcome: CommandOutcome;
    try {
      outcome = { ...base, answer: await this.client.control.send(input) };
    } catch (err) {
      const details = err instanceof RpcError ? (err.details as { reason?: string; requestId?: string } | undefined) : undefined;
      outcome = details?.reason === 'Timeout' ? { ...base, timedOut: { requestId: details.requestId } } : { ...base, error: failureMessage(err) };
    }
    this.waiting = this.waiting.filter((t) => t !== input.thing);
    this.outcomes = { ...this.outcomes, [input.thing]: [outcome, ...(this.outcomes[input.thing] ?? [])].slice(0, KEPT) };
    return outcome;
  }
}
