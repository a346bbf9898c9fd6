/**
 * The model's state machine as pure logic: the caller feeds it messages, shadow deltas and the time, and runs the
 * telemetry a transition names. Transitions are tried in file order; the first whose `from` matches the current
 * state (or is `*`), whose trigger matches and whose guard holds is taken. Entering a state (also the same one again)
 * restarts its timers.
 */
import { topicMatches } from '../../contract/index.js';
import { compileExpression, type CompiledExpression } from './expression.js';
import { contextScope, renderTemplate } from './sampler.js';
import type { DeviceContext, StateMachine, Transition } from './types.js';

export type StateMachineEvent =
  | { kind: 'message'; topic: string; payload: unknown }
  | { kind: 'delta'; delta: Record<string, unknown> }
  | { kind: 'timer' };

export interface TakenTransition { from: string; to: string; publish: string[] }

/** MQTT topic filter match (`+` one level, `#` the rest); a filter starting with a wildcard does not match `$` topics. */
export function topicFilterMatches(filter: string, topic: string): boolean {
  return topicMatches(filter, topic);
}

interface Compiled { t: Transition; filter?: string; guard?: CompiledExpression }

export class DeviceStateMachine {
  private current: string;
  private enteredAt: number;
  private readonly transitions: Compiled[];
  private readonly scope: Record<string, unknown>;

  /** `now`: the virtual time the device starts in the initial state. */
  constructor(sm: StateMachine, ctx: DeviceContext, now: number) {
    this.current = sm.initial;
    this.enteredAt = now;
    this.scope = contextScope(ctx);
    this.transitions = sm.transitions.map((t) => ({
      t,
      ...(t.on.kind === 'message' ? { filter: renderTemplate(t.on.topic, ctx) } : {}),
      ...(t.when !== undefined ? { guard: compileExpression(t.when) } : {}),
    }));
  }

  get state(): string { return this.current; }

  /** The topic filters the device must subscribe to for its message transitions. */
  messageFilters(): string[] {
    return [...new Set(this.transitions.flatMap((c) => (c.filter === undefined ? [] : [c.filter])))];
  }

  /** When the earliest timer transition out of the current state is due, or undefined when there is none. */
  nextTimerAt(): number | undefined {
    const due = this.transitions
      .filter((c) => c.t.on.kind === 'timer' && (c.t.from === '*' || c.t.from === this.current))
      .map((c) => this.enteredAt + (c.t.on as { afterMs: number }).afterMs);
    return due.length ? Math.min(...due) : undefined;
  }

  /**
   * Feeds one event at virtual time `now`, with `shadow` the device's reported state. Returns the transition taken,
   * or undefined. For a `timer` event every timer transition that is due (and whose guard holds) is a candidate.
   */
  handle(event: StateMachineEvent, now: number, shadow: Record<string, unknown> = {}): TakenTransition | undefined {
    for (const c of this.transitions) {
      const { t } = c;
      if (t.from !== '*' && t.from !== this.current) continue;
      if (!this.triggers(c, event, now)) continue;
      const extra = event.kind === 'message' ? { message: event.payload, topic: event.topic } : event.kind === 'delta' ? { delta: event.delta } : {};
      if (c.guard && !c.guard.evaluate({ ...this.scope, shadow, state: this.current, ...extra })) continue;
      const from = this.current;
      this.current = t.to;
      this.enteredAt = now;
      return { from, to: t.to, publish: t.publish ?? [] };
    }
    return undefined;
  }

  private triggers(c: Compiled, event: StateMachineEvent, now: number): boolean {
    const on = c.t.on;
    if (on.kind !== event.kind) return false;
    if (on.kind === 'timer') return now - this.enteredAt >= on.afterMs;
    if (on.kind === 'delta') return on.key === undefined || Object.prototype.hasOwnProperty.call((event as { delta: object }).delta, on.key);
    return topicFilterMatches(c.filter ?? '', (event as { topic: string }).topic);
  }
}
