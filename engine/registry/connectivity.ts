/**
 * `connectivity.*` for the fleet index, from the broker's lifecycle events on `$aws/events/presence/+/+`
 * [DG:life-cycle-events]. A thing's connectivity is that of the MQTT client whose id equals the thing name.
 * Events may arrive out of order: a disconnect of an older session (lower `versionNumber`) never overrides a newer connect.
 * Only the broker's own events count: a client may publish anything to `$aws/events/presence/…` (standard mode lets it),
 * and that is data, not a change of anyone's connectivity.
 *
 * LIMITATIONS:
 * - Kept in memory: after a restart every thing reads as disconnected with no timestamp until it connects again.
 */
import type { Disposable } from '../core/index.js';
import type { ThingConnectivity } from '../contract/index.js';

export const PRESENCE_FILTER = '$aws/events/presence/+/+';

/** What the tracker needs from the broker (`BrokerService` satisfies it). */
export interface PresenceSource {
  tap(filter: string, handler: (msg: { topic: string; payload: Buffer; origin: 'engine' | 'client' }) => void): Disposable;
}

/** Feeds the broker's own presence events to `tracker`; returns the tap. */
export function trackPresence(source: PresenceSource, tracker: ConnectivityTracker): Disposable {
  return source.tap(PRESENCE_FILTER, (msg) => {
    if (msg.origin === 'engine') tracker.onPresence(msg.topic, msg.payload);
  });
}

interface Entry extends ThingConnectivity {
  versionNumber: number;
}

export class ConnectivityTracker {
  private readonly byClient = new Map<string, Entry>();

  /** Applies one presence message; ignores anything that does not look like one. */
  onPresence(topic: string, payload: Buffer): void {
    const m = /^\$aws\/events\/presence\/(connected|disconnected)\/(.+)$/.exec(topic);
    if (!m) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return; // `null`, `1`, `[]` are JSON too
    const event = parsed as { timestamp?: unknown; versionNumber?: unknown; disconnectReason?: unknown };
    const clientId = m[2];
    const versionNumber = typeof event.versionNumber === 'number' ? event.versionNumber : 0;
    const timestamp = typeof event.timestamp === 'number' ? event.timestamp : undefined;
    const current = this.byClient.get(clientId);
    if (m[1] === 'connected') {
      if (current?.connected && current.versionNumber > versionNumber) return;
      this.byClient.set(clientId, { connected: true, timestamp, versionNumber });
    } else {
      if (current && current.versionNumber > versionNumber) return;
      const reason = typeof event.disconnectReason === 'string' ? event.disconnectReason : undefined;
      this.byClient.set(clientId, { connected: false, timestamp, disconnectReason: reason, versionNumber });
    }
  }

  get(clientId: string): ThingConnectivity {
    const e = this.byClient.get(clientId);
    if (!e) return { connected: false };
    return e.connected
      ? { connected: true, ...(e.timestamp === undefined ? {} : { timestamp: e.timestamp }) }
      : { connected: false, ...(e.timestamp === undefined ? {} : { timestamp: e.timestamp }), ...(e.disconnectReason ? { disconnectReason: e.disconnectReason } : {}) };
  }
}
