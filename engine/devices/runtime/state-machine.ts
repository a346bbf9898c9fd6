import type { DeviceClock, TimerHandle } from './device-clock.js';
import { topicMatches, type State } from './shadow-state.js';

/** What a transition's guard sees. */
export interface GuardScope {
  /** The device's reported state. */
  shadow: State;
  /** The state machine's current state. */
  state: string;
  /** The message that triggered a message transition (parsed JSON, or the text when it is not JSON). */
  message?: unknown;
  /** The delta that triggered a delta transition. */
  delta?: State;
}

export type TransitionTrigger = { kind: 'message'; topic: string } | { kind: 'delta'; key?: string } | { kind: 'timer'; afterMs: number };

export interface TransitionSpec {
  /** A state name, or '*' for any state. */
  from: string;
  to: string;
  on: TransitionTrigger;
  when?(scope: GuardScope): boolean;
  /** Telemetry (by name) published once when the transition is taken. */
  publish?: string[];
}

export interface StateMachineSpec {
  initial: string;
  transitions: TransitionSpec[];
}

export interface StateMachineHooks {
  shadow(): State;
  onTransition(from: string, to: string, t: TransitionSpec): void;
}

/**
 * A device's small state machine: transitions on messages (topic filters), on shadow deltas (optionally one key) and
 * on timers armed when a state is entered; the first transition, in file order, whose guard holds is taken.
 */
export class DeviceStateMachine {
  private currentState: string;
  private timers: TimerHandle[] = [];

  constructor(private readonly spec: StateMachineSpec, private readonly clock: DeviceClock, private readonly hooks: StateMachineHooks) {
    this.currentState = spec.initial;
  }

  get current(): string {
    return this.currentState;
  }

  /** Topic filters the device subscribes to for message transitions. */
  messageFilters(): string[] {
    return [...new Set(this.spec.transitions.flatMap((t) => (t.on.kind === 'message' ? [t.on.topic] : [])))];
  }

  start(): void {
    this.arm();
  }

  stop(): void {
    for (const t of this.timers) this.clock.clearTimer(t);
    this.timers = [];
  }

  onMessage(topic: string, payload: Buffer): void {
    let message: unknown = payload.toString('utf8');
    try {
      message = JSON.parse(message as string);
    } catch { /* not JSON: the guard sees the text */ }
    this.fire((t) => t.on.kind === 'message' && topicMatches(t.on.topic, topic), { message });
  }

  onDelta(delta: State): void {
    this.fire((t) => t.on.kind === 'delta' && (t.on.key === undefined || t.on.key in delta), { delta });
  }

  private fire(matches: (t: TransitionSpec) => boolean, extra: Partial<GuardScope>): void {
    const from = this.currentState;
    const t = this.spec.transitions.find((x) => (x.from === '*' || x.from === from) && matches(x)
      && (!x.when || x.when({ shadow: this.hooks.shadow(), state: from, ...extra })));
    if (t) this.take(t);
  }

  private take(t: TransitionSpec): void {
    const from = this.currentState;
    this.stop();
    this.currentState = t.to;
    this.hooks.onTransition(from, t.to, t);
    this.arm();
  }

  /** Timer transitions of the state just entered start counting now. */
  private arm(): void {
    const state = this.currentState;
    for (const t of this.spec.transitions) {
      if (t.on.kind !== 'timer' || (t.from !== '*' && t.from !== state)) continue;
      this.timers.push(this.clock.setTimer(() => {
        if (this.currentState === state && (!t.when || t.when({ shadow: this.hooks.shadow(), state }))) this.take(t);
      }, t.on.afterMs));
    }
  }
}
