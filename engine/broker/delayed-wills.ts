/**
 * MQTT 5's Will Delay Interval (§3.1.3.2.2): the will of a lost connection is published once its delay has passed or
 * its session ends, whichever comes first [MQTT-3.1.2-8]; a new connection to the session before then means it is
 * not published at all [MQTT-3.1.3-9]. A new connection that starts clean ends the old session, so the will goes out
 * at once. Until it is released the will stays in the broker's persistence (a restart still finds it).
 *
 * Timers re-read the engine clock at least every `CHECK_MS`, so a test's fake clock moves them without fake timers.
 */

export const CHECK_MS = 1000;

/**
 * What happens to a held will: published, or discarded (the session went on). `replaced`: a new connection for the
 * client id is being accepted, and will store its own will in the stored one's place.
 */
export type WillRelease = (publish: boolean, replaced: boolean) => void;

interface Held {
  deadline: number;
  release: WillRelease;
}

export class DelayedWills {
  private readonly held = new Map<string, Held>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly now: () => number) {}

  /** Wills waiting, by client id, with when each is due (engine clock, epoch ms). */
  deadlines(): Map<string, number> {
    return new Map([...this.held].map(([id, h]) => [id, h.deadline]));
  }

  /** Holds `clientId`'s will for `seconds` (> 0). A will already held for it (a stale one) is published now. */
  hold(clientId: string, seconds: number, release: WillRelease): void {
    this.take(clientId)?.(true, false);
    this.held.set(clientId, { deadline: this.now() + seconds * 1000, release });
    this.arm();
  }

  /**
   * A new connection for `clientId` was accepted: a held will is discarded when the connection continues the session
   * [MQTT-3.1.3-9], published when it starts clean (the old session ends). Returns what was done, if anything.
   */
  connected(clientId: string, cleanStart: boolean): 'published' | 'discarded' | undefined {
    const release = this.take(clientId);
    if (!release) return undefined;
    release(cleanStart, true);
    return cleanStart ? 'published' : 'discarded';
  }

  /** The session of `clientId` ended (its expiry): its held will goes out now. */
  sessionEnded(clientId: string): void {
    this.take(clientId)?.(true, false);
  }

  /** The broker stops: held wills stay stored (a later start publishes them); no timer runs on. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.held.clear();
  }

  private take(clientId: string): WillRelease | undefined {
    const h = this.held.get(clientId);
    if (!h) return undefined;
    this.held.delete(clientId);
    return h.release;
  }

  private sweep = (): void => {
    this.timer = undefined;
    if (this.stopped) return;
    const now = this.now();
    for (const [clientId, h] of [...this.held]) {
      if (h.deadline > now) continue;
      this.held.delete(clientId);
      h.release(true, false);
    }
    this.arm();
  };

  private arm(): void {
    if (this.timer || this.stopped || !this.held.size) return;
    let next = Infinity;
    for (const h of this.held.values()) next = Math.min(next, h.deadline);
    this.timer = setTimeout(this.sweep, Math.max(0, Math.min(next - this.now(), CHECK_MS)));
    this.timer.unref?.();
  }
}
