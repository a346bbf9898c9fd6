import { DeviceStateMachine, type StateMachineSpec } from '../model/index.js';
import type { DeviceClock, TimerHandle } from './device-clock.js';
import type { State } from './shadow-state.js';

export interface MachineHooks {
  shadow(): State;
  onTransition(from: string, to: string, publish: string[]): void;
}

/**
 * Runs a device's state machine (`DeviceStateMachine`, pure) on the device clock: feeds it the device's messages and
 * deltas, keeps one timer armed at its next due timer transition, and reports each transition taken.
 */
export class MachineRunner {
  private machine: DeviceStateMachine | undefined;
  private timer: TimerHandle | undefined;

  constructor(private readonly spec: StateMachineSpec, private readonly clock: DeviceClock, private readonly hooks: MachineHooks) {}

  get current(): string {
    return this.machine?.state ?? this.spec.initial;
  }

  /** Topic filters the device subscribes to for message transitions. */
  messageFilters(): string[] {
    return (this.machine ?? new DeviceStateMachine(this.spec, 0)).messageFilters();
  }

  /** Enters the initial state now (its timers start counting). */
  start(): void {
    this.machine = new DeviceStateMachine(this.spec, this.clock.now());
    this.arm();
  }

  stop(): void {
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  onMessage(topic: string, payload: Buffer): void {
    let message: unknown = payload.toString('utf8');
    try {
      message = JSON.parse(message as string);
    } catch { /* not JSON: the guard sees the text */ }
    this.feed({ kind: 'message', topic, payload: message });
  }

  onDelta(delta: State): void {
    this.feed({ kind: 'delta', delta });
  }

  private feed(event: Parameters<DeviceStateMachine['handle']>[0]): void {
    const m = this.machine;
    if (!m) return;
    const taken = m.handle(event, this.clock.now(), this.hooks.shadow());
    if (taken) this.hooks.onTransition(taken.from, taken.to, taken.publish);
    if (taken || event.kind === 'timer') this.arm();
  }

  private arm(): void {
    this.stop();
    const at = this.machine?.nextTimerAt();
    if (at === undefined) return;
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.feed({ kind: 'timer' });
    }, at - this.clock.now());
  }
}
