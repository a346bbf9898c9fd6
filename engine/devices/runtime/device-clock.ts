/**
 * The time source a virtual device schedules on: real timers by default, a `VirtualClock` for tests and deterministic
 * runs (time moves only when `advance()` is called, and due timers fire in time order, ties in scheduling order).
 */
export interface TimerHandle {
  readonly id: number;
}

export interface DeviceClock {
  /** Milliseconds since the epoch (virtual clocks start where they are told). */
  now(): number;
  setTimer(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle | undefined): void;
}

let nextRealId = 1;

/** Node's timers (they keep the process alive, as a device waiting to reconnect should). */
export function realClock(): DeviceClock {
  const timers = new Map<number, NodeJS.Timeout>();
  return {
    now: () => Date.now(),
    setTimer(fn, ms) {
      const id = nextRealId++;
      const t = setTimeout(() => {
        timers.delete(id);
        fn();
      }, Math.max(0, ms));
      timers.set(id, t);
      return { id };
    },
    clearTimer(handle) {
      if (!handle) return;
      const t = timers.get(handle.id);
      if (t) clearTimeout(t);
      timers.delete(handle.id);
    },
  };
}

interface VirtualTimer {
  id: number;
  at: number;
  fn: () => void;
}

/** A clock that only moves when told to. */
export class VirtualClock implements DeviceClock {
  private time: number;
  private nextId = 1;
  private timers: VirtualTimer[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, at: this.time + Math.max(0, ms), fn };
    this.timers.push(timer);
    return { id: timer.id };
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle) this.timers = this.timers.filter((t) => t.id !== handle.id);
  }

  /** Timers still waiting. */
  get pending(): number {
    return this.timers.length;
  }

  /** When the next timer is due, or undefined when none waits. */
  nextDue(): number | undefined {
    return this.timers.reduce<number | undefined>((min, t) => (min === undefined || t.at < min ? t.at : min), undefined);
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way (including ones those timers set), each
   * with the clock reading its due time.
   */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let due: VirtualTimer | undefined;
      for (const t of this.timers) if (t.at <= end && (!due || t.at < due.at || (t.at === due.at && t.id < due.id))) due = t;
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = end;
  }
}

/** A device's one-shot timers on its clock: each runs unless the device has stopped; `clear()` cancels them all. */
export class DeviceTimers {
  private readonly timers = new Set<TimerHandle>();

  constructor(private readonly clock: DeviceClock, private readonly running: () => boolean) {}

  later(ms: number, fn: () => void): void {
    const handle = this.clock.setTimer(() => {
      this.timers.delete(handle);
      if (this.running()) fn();
    }, ms);
    this.timers.add(handle);
  }

  clear(): void {
    for (const t of this.timers) this.clock.clearTimer(t);
    this.timers.clear();
  }
}
