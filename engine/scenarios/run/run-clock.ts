/**
 * The run's time. Real mode: wall time and Node timers. Deterministic mode: devices schedule on a `VirtualClock` that
 * starts at a fixed instant and moves only while a step waits (`wait`, `expect … within`, `absent`), one due timer at a
 * time; after each firing the run settles (devices connected, the broker's deliveries caught up) before it goes on.
 */
import { realClock, VirtualClock, type DeviceClock } from '../../devices/index.js';
import type { RunClock } from '../steps/step.js';

/** Where virtual time starts: 2026-01-01T00:00:00Z, so timestamps in payloads are the same in every run. */
export const VIRTUAL_EPOCH = Date.UTC(2026, 0, 1);

type Wake = (wake: () => void) => { dispose(): void };

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

export class RealRunClock implements RunClock {
  readonly virtual = false;
  readonly devices: DeviceClock = realClock();
  private readonly t0 = performance.now();

  constructor(private readonly signal: AbortSignal) {}

  elapsed(): number {
    return Math.round(performance.now() - this.t0);
  }

  sleep(ms: number): Promise<void> {
    this.signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(this.signal.reason);
      };
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async waitFor<T>(ms: number, probe: () => T | undefined | Promise<T | undefined>, changed?: Wake): Promise<T | undefined> {
    this.signal.throwIfAborted();
    const first = await probe();
    if (first !== undefined) return first;
    let sub: { dispose(): void } | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        aborted(this.signal),
        new Promise<T | undefined>((resolve, reject) => {
          let running = false, again = false, done = false;
          const run = async (final: boolean) => {
            if (done) return;
            if (running && !final) {
              again = true;
              return;
            }
            running = true;
            try {
              do {
                again = false;
                const v = await probe();
                if (v !== undefined || final) {
                  done = true;
                  resolve(v);
                  return;
                }
              } while (again && !done);
            } catch (e) {
              done = true;
              reject(e);
            } finally {
              running = false;
            }
          };
          sub = changed?.(() => void run(false));
          timer = setTimeout(() => void run(true), ms);
        }),
      ]);
    } finally {
      sub?.dispose();
      if (timer) clearTimeout(timer);
    }
  }
}

export class VirtualRunClock implements RunClock {
  readonly virtual = true;
  readonly devices: VirtualClock;

  /** `settle` resolves once what the last timer firing set off has reached the broker and come back. */
  constructor(private readonly signal: AbortSignal, private readonly settle: () => Promise<void>, start = VIRTUAL_EPOCH) {
    this.devices = new VirtualClock(start);
    this.start = start;
  }

  private readonly start: number;

  elapsed(): number {
    return this.devices.now() - this.start;
  }

  async sleep(ms: number): Promise<void> {
    await this.waitFor(ms, () => undefined);
  }

  async waitFor<T>(ms: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T | undefined> {
    const end = this.devices.now() + ms;
    for (;;) {
      this.signal.throwIfAborted();
      await this.settle();
      this.signal.throwIfAborted();
      const v = await probe();
      if (v !== undefined) return v;
      const due = this.devices.nextDue();
      if (due === undefined || due > end) break;
      this.devices.advance(due - this.devices.now());
    }
    this.devices.advance(Math.max(0, end - this.devices.now()));
    await this.settle();
    this.signal.throwIfAborted();
    return probe();
  }
}
