/**
 * A device's small state machine as pure logic, the one virtual devices run (the runtime's `MachineRunner` only feeds
 * it events and arms a timer at `nextTimerAt()`). Transitions fire on messages (topic filters), on shadow deltas
 * (optionally one key) and on timers that start counting when a state is entered. Transitions are tried in file order;
 * the first whose `from` matches the current state (or is `*`), whose trigger matches and whose guard holds is taken.
 * Entering a state (also the same one again) restarts its timers. A timer whose guard is false when it falls due is
 * spent until the state is entered again.
 */
import { topicMatches } from '../../contract/index.js';
import { compileExpression } from './expression.js';
import { contextScope, renderTemplate } from './sampler.js';
import type { DeviceContext, StateMachine } from './types.js';

type State = Record<string, unknown>;

/** What a transition's guard sees. */
export interface GuardScope {
  /** The device's reported state. */
  shadow: State;
  /** The state machine's current state. */
  state: string;
  /** The message that triggered a message transition (parsed JSON, or the text when it is not JSON), and its topic. */
  message?: unknown;
  topic?: string;
  /** The delta that triggered a delta transition. */
  delta?: State;
}

export type TransitionTriggerSpec = { kind: 'message'; topic: string } | { kind: 'delta'; key?: string } | { kind: 'timer'; afterMs: number };

/** A transition with its topic rendered for one device and its guard compiled (or written as a function). */
export interface TransitionSpec {
  /** A state name, or '*' for any state. */
  from: string;
  to: string;
  on: TransitionTriggerSpec;
  when?(scope: GuardScope): boolean;
  /** Telemetry (by name) published once when the transition is taken. */
  publish?: string[];
}

export interface StateMachineSpec {
  initial: string;
  transitions: TransitionSpec[];
}

export type StateMachineEvent =
  | { kind: 'message'; topic: string; payload: unknown }
  | { kind: 'delta'; delta: State }
  | { kind: 'timer' };

export interface TakenTransition { from: string; to: string; publish: string[] }

/** MQTT topic filter match (`+` one level, `#` the rest); a filter starting with a wildcard does not match `$` topics. */
export function topicFilterMatches(filter: string, topic: string): boolean {
  return topicMatches(filter, topic);
}

/** A model's state machine for device `ctx`: topics rendered, guards compiled over the device's context. */
export function compileStateMachine(sm: StateMachine, ctx: DeviceContext): StateMachineSpec {
  const scope = contextScope(ctx);
  return {
    initial: sm.initial,
    transitions: sm.transitions.map((t) => {
      const guard = t.when !== undefined ? compileExpression(t.when) : undefined;
      return {
        from: t.from,
        to: t.to,
        on: t.on.kind === 'message' ? { kind: 'message' as const, topic: renderTemplate(t.on.topic, ctx) } : t.on,
        ...(guard ? { when: (g: GuardScope) => Boolean(guard.evaluate({ ...scope, ...g })) } : {}),
        ...(t.publish ? { publish: t.publish } : {}),
      };
    }),
  };
}

export class DeviceStateMachine {
  private current: string;
  private enteredAt: number;
  /** Timer transitions (by index) that fell due since the current state was entered. */
  private spent = new Set<number>();
  private readonly spec: StateMachineSpec;

  /** `now`: the time the device starts in the initial state. */
  constructor(sm: StateMachine, ctx: DeviceContext, now: number);
  constructor(spec: StateMachineSpec, now: number);
  constructor(sm: StateMachine | StateMachineSpec, ctxOrNow: DeviceContext | number, now?: number) {
    this.spec = typeof ctxOrNow === 'number' ? (sm as StateMachineSpec) : compileStateMachine(sm as StateMachine, ctxOrNow);
    this.current = this.spec.initial;
    this.enteredAt = typeof ctxOrNow === 'number' ? ctxOrNow : now!;
  }

  get state(): string {
    return this.current;
  }

  /** The topic filters the device must subscribe to for its message transitions. */
  messageFilters(): string[] {
    return [...new Set(this.spec.transitions.flatMap((t) => (t.on.kind === 'message' ? [t.on.topic] : [])))];
  }

  /** When the earliest timer transition out of the current state that has not fallen due yet is due, or undefined. */
  nextTimerAt(): number | undefined {
    let at: number | undefined;
    this.spec.transitions.forEach((t, i) => {
      if (t.on.kind !== 'timer' || !this.from(t) || this.spent.has(i)) return;
      const due = this.enteredAt + t.on.afterMs;
      if (at === undefined || due < at) at = due;
    });
    return at;
  }

  /**
   * Feeds one event at time `now`, with `shadow` the device's reported state. Returns the transition taken, or
   * undefined. For a `timer` event the timers due by `now` are tried in the order they fell due (then file order);
   * each one whose guard is false is spent.
   */
  handle(event: StateMachineEvent, now: number, shadow: State = {}): TakenTransition | undefined {
    const state = this.current;
    if (event.kind === 'timer') {
      const due = this.spec.transitions
        .map((t, i) => ({ t, i }))
        .filter(({ t, i }) => t.on.kind === 'timer' && this.from(t) && !this.spent.has(i) && now - this.enteredAt >= t.on.afterMs)
        .sort((a, b) => (a.t.on as { afterMs: number }).afterMs - (b.t.on as { afterMs: number }).afterMs || a.i - b.i);
      for (const { t, i } of due) {
        this.spent.add(i);
        if (!t.when || t.when({ shadow, state })) return this.take(t, now);
      }
      return undefined;
    }
    const extra: Partial<GuardScope> = event.kind === 'message' ? { message: event.payload, topic: event.topic } : { delta: event.delta };
    for (const t of this.spec.transitions) {
      if (!this.from(t) || !this.triggers(t, event)) continue;
      if (t.when && !t.when({ shadow, state, ...extra })) continue;
      return this.take(t, now);
    }
    return undefined;
  }

  private from(t: TransitionSpec): boolean {
    return t.from === '*' || t.from === this.current;
  }

  private triggers(t: TransitionSpec, event: Exclude<StateMachineEvent, { kind: 'timer' }>): boolean {
    const on = t.on;
    if (on.kind !== event.kind) return false;
    if (on.kind === 'delta') return on.key === undefined || Object.prototype.hasOwnProperty.call((event as { delta: object }).delta, on.key);
    return on.kind === 'message' && topicFilterMatches(on.topic, (event as { topic: string }).topic);
  }

  private take(t: TransitionSpec, now: number): TakenTransition {
    const from = this.current;
    this.current = t.to;
    this.enteredAt = now;
    this.spent = new Set();
    return { from, to: t.to, publish: t.publish ?? [] };
  }
}
