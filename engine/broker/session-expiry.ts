import type { Store } from '../storage/index.js';
import type { BrokerLimits } from './limits.js';

/** MQTT 5's Session Expiry Interval that means "never" [MQTT-3.1.2-11 ff.]: 0xFFFFFFFF. */
export const NEVER_EXPIRES = 0xffff_ffff;

/** How long a CONNECT that resumes a pending session may take to its CONNACK before the timer may end it anyway. */
const RESUME_GRACE_MS = 30_000;

/** How often, at most, the expiry timer re-reads the clock (so a test's fake clock needs no fake timers). */
export const EXPIRY_CHECK_MS = 1000;

/** A connection, as the expiry sees it: its client id. (aedes' client object in the broker.) */
export interface SessionOwner {
  readonly id: string;
}

/** What a session's end discarded; `written` settles once the journal has it. */
export interface EndedSession {
  subscriptions: number;
  queued: number;
  written: Promise<void>;
}

export interface SessionExpiryDeps {
  aws: boolean;
  limits: Pick<BrokerLimits, 'sessionExpiryDefault' | 'sessionExpiryMax'>;
  store: Store;
  now(): number;
  /** Wipes a disconnected session's state, as a clean session would have ended (DurablePersistence.endSession). */
  endSession(clientId: string): EndedSession;
  /** Client ids with stored session state (DurablePersistence.storedSessions). */
  storedSessions(): string[];
  /** The session of `clientId` ended after its interval (`protocol` 4: MQTT 3.1.1). */
  expired(clientId: string, info: { protocol: number; expirySeconds: number; subscriptions: number; queued: number }): void;
  /** aws mode: a disconnected session made with one MQTT version was ended because a CONNECT of the other came. */
  crossVersion?(clientId: string, info: { storedProtocol: number; protocol: number }): void;
}

interface Live {
  protocol: number;
  /** The interval that applies when the connection closes. */
  seconds: number;
  /** A clean session (3.1.1 clean session 1; MQTT 5 Clean Start 1 with interval 0): nothing is stored for it. */
  cleanedByBroker: boolean;
}

interface Pending {
  protocol: number;
  seconds: number;
  deadline: number;
}

/**
 * Session expiry: a persistent session ends once it has been disconnected for its expiry interval
 * (AWS IoT: "Persistent session expiry period", https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt-persistent-sessions).
 *
 * Intervals: an MQTT 3.1.1 persistent session (clean session 0) gets `limits.sessionExpiryDefault` (aws: the account's
 * period, 1 hour; standard: 0 = never, as MQTT 3.1.1 has no expiry). An MQTT 5 session gets the CONNECT's Session
 * Expiry Interval (absent: 0), capped in aws mode by the account's period, and in standard mode by
 * `limits.sessionExpiryMax` when set. The broker's MQTT 5 CONNACK returns the granted value when it differs.
 *
 * The API, in the order a connection calls it (`owner` is the connection; several may share a client id during a
 * takeover, and only the latest one owns the session):
 * - {@link onConnect} once the CONNECT is accepted, before the session is read: ends a stored session that is due
 *   (or, for MQTT 5 Clean Start, any; in aws mode one made with the other MQTT version, which AWS does not resume),
 *   and returns the granted interval.
 * - {@link onConnack} once CONNACK 0 is sent: the session is live; a pending end is cancelled.
 * - {@link onDisconnectPacket} for an MQTT 5 DISCONNECT carrying a Session Expiry Interval.
 * - {@link onClose} when the connection is gone: the session ends now (interval 0) or is scheduled to end.
 *
 * Each persistent session with a finite interval has a row in `broker_sessions`, written at CONNACK and updated at
 * close, so a restart (also after `kill -9`) ends the sessions whose deadline passed and reschedules the others; a
 * session still connected when the engine died, or stored by a version without this table, counts as disconnected
 * when the engine starts (that is when the broker "detects" it).
 */
export class SessionExpiry {
  private readonly live = new WeakMap<SessionOwner, Live>();
  private readonly owners = new Map<string, SessionOwner>();
  private readonly pending = new Map<string, Pending>();
  /** Client ids whose CONNECT is resuming a pending session (real time it began): the timer leaves them to CONNACK. */
  private readonly resuming = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly deps: SessionExpiryDeps) {}

  /** The longest interval granted; `NEVER_EXPIRES` when unbounded. */
  get maximum(): number {
    const { sessionExpiryDefault: period, sessionExpiryMax: max } = this.deps.limits;
    const ceiling = max || NEVER_EXPIRES;
    return this.deps.aws ? Math.min(period || NEVER_EXPIRES, ceiling) : ceiling;
  }

  /** The interval a CONNECT gets: `requested` undefined for MQTT 3.1.1 (then `clean` decides). */
  granted(requested: number | undefined, clean: boolean): number {
    if (requested === undefined) return clean ? 0 : Math.min(this.deps.limits.sessionExpiryDefault || NEVER_EXPIRES, this.maximum);
    return Math.min(requested, this.maximum);
  }

  /** Ends the sessions that expired while the engine was down and schedules the others. Call before clients connect. */
  start(): void {
    const now = this.deps.now();
    const rows = this.deps.store.all<{ client_id: string; expiry_s: number; protocol: number; disconnected_at: number | null }>(
      'SELECT client_id, expiry_s, protocol, disconnected_at FROM broker_sessions',
    );
    const known = new Set(rows.map((r) => r.client_id));
    const detected: Array<{ sql: string; params: Array<string | number> }> = [];
    for (const r of rows) {
      if (r.disconnected_at === null) detected.push({ sql: 'UPDATE broker_sessions SET disconnected_at = ? WHERE client_id = ?', params: [now, r.client_id] });
      this.pending.set(r.client_id, { protocol: r.protocol, seconds: r.expiry_s, deadline: deadline(r.disconnected_at ?? now, r.expiry_s) });
    }
    // Sessions stored without a row: MQTT 3.1.1 ones from before this table (or that never expired until now).
    const seconds = this.granted(undefined, false);
    if (seconds !== NEVER_EXPIRES) {
      for (const clientId of this.deps.storedSessions()) {
        if (known.has(clientId)) continue;
        detected.push({ sql: 'INSERT INTO broker_sessions (client_id, expiry_s, protocol, disconnected_at) VALUES (?, ?, 4, ?)', params: [clientId, seconds, now] });
        this.pending.set(clientId, { protocol: 4, seconds, deadline: deadline(now, seconds) });
      }
    }
    if (detected.length) void this.deps.store.write(detected).catch(() => {});
    this.sweep();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /**
   * A CONNECT was accepted (3.1.1: `requested` undefined and `cleanStart` its clean session flag; MQTT 5: the Session
   * Expiry Interval, absent = 0, and Clean Start). Ends the stored session first if it is due, or if MQTT 5 Clean
   * Start asks to discard it [MQTT-3.1.2-4] (for 3.1.1 the broker's clean session path does that). Returns the
   * granted interval.
   */
  onConnect(owner: SessionOwner, protocol: number, requested: number | undefined, cleanStart: boolean): number {
    const seconds = this.granted(requested, cleanStart);
    // The broker's own clean session path ends it (aedes is handed a clean session: 3.1.1 clean, or Clean Start 1 with 0).
    const cleanedByBroker = cleanStart && (requested === undefined || requested === 0);
    const pending = this.pending.get(owner.id);
    if (pending) this.resuming.set(owner.id, Date.now());
    if (pending && pending.deadline <= this.deps.now()) this.expire(owner.id, pending);
    else if (cleanStart && !cleanedByBroker) this.end(owner.id);
    else if (this.deps.aws && pending && pending.protocol !== protocol && !cleanStart) {
      // AWS IoT: "An MQTT 3 persistent session can't be resumed as an MQTT 5 session, and vice versa."
      this.end(owner.id);
      this.deps.crossVersion?.(owner.id, { storedProtocol: pending.protocol, protocol });
    }
    this.live.set(owner, { protocol, seconds, cleanedByBroker });
    return seconds;
  }

  /** CONNACK 0 was sent: `owner` now holds its client id's session; a scheduled end is cancelled. */
  onConnack(owner: SessionOwner): void {
    const live = this.live.get(owner);
    if (!live) return;
    this.owners.set(owner.id, owner);
    this.resuming.delete(owner.id);
    const had = this.pending.delete(owner.id);
    if (live.seconds === 0 || live.seconds === NEVER_EXPIRES) {
      if (had || this.recorded(owner.id)) this.write([{ sql: 'DELETE FROM broker_sessions WHERE client_id = ?', params: [owner.id] }]);
      return;
    }
    this.write([{
      sql: 'INSERT OR REPLACE INTO broker_sessions (client_id, expiry_s, protocol, disconnected_at) VALUES (?, ?, ?, NULL)',
      params: [owner.id, live.seconds, live.protocol],
    }]);
  }

  /**
   * An MQTT 5 DISCONNECT with a Session Expiry Interval: it replaces the session's interval, except that a session
   * connected with 0 cannot set one above 0 [MQTT-3.14.2-2] — then `protocolError`, and the broker answers with
   * DISCONNECT 0x82; the session still ends at close.
   */
  onDisconnectPacket(owner: SessionOwner, seconds: number): 'ok' | 'protocolError' {
    const live = this.live.get(owner);
    if (!live) return 'ok';
    if (live.seconds === 0 && seconds > 0) return 'protocolError';
    live.seconds = Math.min(seconds, this.maximum);
    return 'ok';
  }

  /** The connection is gone: its session ends now (interval 0) or `seconds` from now; never when it never expires. */
  onClose(owner: SessionOwner): void {
    const live = this.live.get(owner);
    this.live.delete(owner);
    if (!live || this.owners.get(owner.id) !== owner) return; // a takeover: the newer connection owns the session
    this.owners.delete(owner.id);
    if (live.seconds === 0) {
      if (!live.cleanedByBroker) this.end(owner.id);
      return;
    }
    if (live.seconds === NEVER_EXPIRES) return;
    const now = this.deps.now();
    this.pending.set(owner.id, { protocol: live.protocol, seconds: live.seconds, deadline: deadline(now, live.seconds) });
    this.write([{ sql: 'UPDATE broker_sessions SET disconnected_at = ? WHERE client_id = ?', params: [now, owner.id] }]);
    this.arm();
  }

  /** Disconnected sessions waiting for their end: client id → deadline (engine clock, epoch ms). */
  deadlines(): Map<string, number> {
    return new Map([...this.pending].map(([id, p]) => [id, p.deadline]));
  }

  private sweep = (): void => {
    this.timer = undefined;
    if (this.stopped) return;
    const now = this.deps.now();
    for (const [clientId, p] of this.pending) {
      // A CONNECT between its check of the deadline and its CONNACK has read the session: it is not ended under it
      // (unless that CONNECT went nowhere: then its mark lapses after RESUME_GRACE_MS).
      const since = this.resuming.get(clientId);
      if (since !== undefined && Date.now() - since < RESUME_GRACE_MS) continue;
      this.resuming.delete(clientId);
      if (p.deadline <= now && !this.owners.has(clientId)) this.expire(clientId, p);
    }
    this.arm();
  };

  /** One timer for the earliest deadline, re-checked at least every `EXPIRY_CHECK_MS`. */
  private arm(): void {
    if (this.timer || this.stopped || !this.pending.size) return;
    let next = Infinity;
    for (const p of this.pending.values()) next = Math.min(next, p.deadline);
    this.timer = setTimeout(this.sweep, Math.max(0, Math.min(next - this.deps.now(), EXPIRY_CHECK_MS)));
    this.timer.unref?.();
  }

  private expire(clientId: string, p: Pending): void {
    const ended = this.end(clientId);
    this.deps.expired(clientId, { protocol: p.protocol, expirySeconds: p.seconds, subscriptions: ended.subscriptions, queued: ended.queued });
  }

  private end(clientId: string): EndedSession {
    this.pending.delete(clientId);
    const ended = this.deps.endSession(clientId);
    ended.written.catch(() => {});
    if (this.recorded(clientId)) this.write([{ sql: 'DELETE FROM broker_sessions WHERE client_id = ?', params: [clientId] }]);
    return ended;
  }

  private recorded(clientId: string): boolean {
    return this.deps.store.get('SELECT 1 AS found FROM broker_sessions WHERE client_id = ?', [clientId]) !== undefined;
  }

  private write(statements: Array<{ sql: string; params: Array<string | number> }>): void {
    this.deps.store.write(statements).catch(() => {});
  }
}

function deadline(disconnectedAt: number, seconds: number): number {
  return disconnectedAt + seconds * 1000;
}
