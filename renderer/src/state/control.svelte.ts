import {
  RpcError, type ControlAnswer, type ControlAnswered, type ControlHandedOver, type ControlPendingInfo, type ControlSendInput, type ThingbenchClient,
} from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { poll } from './poll.js';
import { failureMessage } from './registry.svelte.js';

/** What became of a command sent from the UI: the device's answer, no answer in time, or the engine's refusal. */
export interface CommandOutcome {
  thing: string;
  name: string;
  timeoutMs: number;
  oneWay?: boolean;
  answer?: ControlAnswer;
  /** A one-way command handed to the device (no answer expected). */
  handed?: ControlHandedOver;
  /** The request id of a command nobody answered in time. */
  timedOut?: { requestId?: string };
  error?: string;
}

/** Outcomes kept per thing, newest first. */
const KEPT = 5;
/** Answers (`control.answered`) kept per thing, newest first. */
const ANSWERS_KEPT = 10;
/**
 * The engine has no event for a command sent elsewhere (CLI, HTTP API, a function) or handed to a device in the answer
 * to its request: the pending list is read again this often while a thing's command card is shown.
 */
const PENDING_MS = 1_000;

/** A device's answer as the `control.answered` event brought it, with when it arrived. */
export type ArrivedAnswer = ControlAnswered & { at: number };

/**
 * Command & control from the UI (`control.send`): one command to a thing however it is connected (MQTT command
 * topics, or the answer to its next HTTPS/CoAP request), with the correlated answer or the timeout, kept per thing.
 */
export class ControlStore {
  /** The things a command is waiting on an answer from (one at a time per thing). */
  waiting = $state.raw<readonly string[]>([]);
  outcomes = $state.raw<Readonly<Record<string, readonly CommandOutcome[]>>>({});
  /** The commands waiting for an answer (every thing's), oldest first. */
  pending = $state.raw<readonly ControlPendingInfo[]>([]);
  /** The answers that arrived while a command card was shown, per thing, newest first. */
  answered = $state.raw<Readonly<Record<string, readonly ArrivedAnswer[]>>>({});
  /** When the pending list was read last (the cards count ages and deadlines from it). */
  readAt = $state(Date.now());

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  /** Follows the pending commands and the answers as they arrive while a command card is shown; returns the stop function. */
  watch(): () => void {
    const sub = this.client.on('control.answered', (a) => {
      this.answered = { ...this.answered, [a.thing]: [{ ...a, at: Date.now() }, ...(this.answered[a.thing] ?? [])].slice(0, ANSWERS_KEPT) };
      this.pending = this.pending.filter((p) => p.requestId !== a.requestId);
    });
    const stop = poll(() => this.readPending(), PENDING_MS);
    return () => {
      sub.dispose();
      stop();
    };
  }

  private async readPending(): Promise<void> {
    try {
      this.pending = await this.client.control.pending();
      this.readAt = Date.now();
    } catch (err) {
      this.connection.reportError('Could not read the pending commands')(err);
    }
  }

  /** Sends a command and waits for its answer, or with `oneWay` until it is handed to the device. */
  async send(input: ControlSendInput & { timeoutMs: number; oneWay?: boolean }): Promise<CommandOutcome> {
    this.waiting = [...this.waiting, input.thing];
    void this.readPending(); // shows the command as pending without waiting for the next read
    const base = { thing: input.thing, name: input.name, timeoutMs: input.timeoutMs, ...(input.oneWay ? { oneWay: true } : {}) };
    let outcome: CommandOutcome;
    try {
      const { oneWay, ...command } = input;
      outcome = oneWay ? { ...base, handed: await this.client.control.send({ ...command, oneWay: true }) } : { ...base, answer: await this.client.control.send(command) };
    } catch (err) {
      const details = err instanceof RpcError ? (err.details as { reason?: string; requestId?: string } | undefined) : undefined;
      outcome = details?.reason === 'Timeout' ? { ...base, timedOut: { requestId: details.requestId } } : { ...base, error: failureMessage(err) };
    }
    this.waiting = this.waiting.filter((t) => t !== input.thing);
    this.outcomes = { ...this.outcomes, [input.thing]: [outcome, ...(this.outcomes[input.thing] ?? [])].slice(0, KEPT) };
    return outcome;
  }
}
