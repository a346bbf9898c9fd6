/** The time a replay waits on: the system's, or a virtual one a test or a deterministic scenario drives. */
export interface ReplayClock {
  now(): number;
  /** Resolves after `ms`, or at once (without rejecting) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemReplayClock: ReplayClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  }),
};

/**
 * A clock that never waits: each sleep moves virtual time forward by its length at once, so a replay of an
 * hour-long recording runs as fast as the broker takes it while every publish still happens at its scheduled
 * virtual time. `sleeps` lists every wait asked for.
 */
export class VirtualReplayClock implements ReplayClock {
  readonly sleeps: number[] = [];
  constructor(private time = 0) {}

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += Math.max(0, ms);
    return Promise.resolve();
  }
}
