/**
 * The things' device sessions as CoAP sees them. A CoAP device has no connection, so its guard (its policies, with
 * their decisions cached) lives as long as the broker's session: while the session stays open every request reuses
 * both; once it has ended (idle), the next request gets a new session with a new guard, as a reconnecting MQTT
 * device would. A session is kept alive while its thing observes or waits for a command.
 */
import { EngineError, type Disposable } from '../../core/index.js';
import type { ConnectionGuard, DeviceSession } from '../../broker/index.js';
import type { CoapPorts } from './coap-ports.js';

/** How often held sessions are touched: well inside the broker's idle time for device sessions. */
const KEEP_ALIVE_MS = 15_000;

interface Entry { session: DeviceSession; guard: ConnectionGuard | null; tokenId: string; holds: number }

export class CoapSessions {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ports: Pick<CoapPorts, 'deviceGuard' | 'openSession'>) {}

  /** The thing's session; EngineError Forbidden when its policies refuse the device. */
  get(thing: string, tokenId: string, remoteAddress: string): DeviceSession {
    const entry = this.entries.get(thing);
    if (entry && entry.tokenId === tokenId) {
      const session = this.ports.openSession({ thing, remoteAddress, guard: entry.guard });
      if (session === entry.session) return session;
    }
    const guard = this.ports.deviceGuard({ thing, tokenId, remoteAddress });
    if (guard && 'refused' in guard) throw new EngineError('Forbidden', guard.refused);
    const session = this.ports.openSession({ thing, remoteAddress, guard });
    this.entries.set(thing, { session, guard, tokenId, holds: entry?.holds ?? 0 });
    return session;
  }

  /** Keeps the thing's session alive until disposed (an observation, a ttd wait). */
  hold(thing: string): Disposable {
    const entry = this.entries.get(thing);
    if (!entry) return { dispose: () => {} };
    entry.holds++;
    entry.session.touch();
    this.timer ??= setInterval(() => this.touchHeld(), KEEP_ALIVE_MS).unref();
    let done = false;
    return {
      dispose: () => {
        if (done) return;
        done = true;
        entry.holds--;
      },
    };
  }

  closeAll(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const { session } of this.entries.values()) session.close('SERVER_INITIATED_DISCONNECT');
    this.entries.clear();
  }

  private touchHeld(): void {
    let held = 0;
    for (const e of this.entries.values()) {
      if (e.holds <= 0) continue;
      held++;
      e.session.touch();
    }
    if (!held) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
