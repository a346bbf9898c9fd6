import type { MessageRecord } from '../../../../engine/contract/index.js';
import { decodePayload } from '../../lib/format.js';

export type LifecycleKind = 'connected' | 'disconnected' | 'subscribed' | 'unsubscribed';

/** A client's connect, disconnect, subscribe or unsubscribe, from AWS IoT's lifecycle events. */
export interface LifecycleEvent {
  id: number;
  time: number;
  clientId: string;
  kind: LifecycleKind;
  /** Disconnect reason, or the topic filters (un)subscribed. */
  detail: string;
  /** Disconnects the client did not ask for (lost connection, keep-alive timeout, duplicate client id, …). */
  abnormal: boolean;
}

const KINDS = new Set<string>(['connected', 'disconnected', 'subscribed', 'unsubscribed']);

/** The event a lifecycle message carries, or null for other messages (and for ones a client published). */
export function lifecycleEvent(m: MessageRecord): LifecycleEvent | null {
  if (m.clientId !== null || !m.topic.startsWith('$aws/events/')) return null;
  const [, , area, kind, ...rest] = m.topic.split('/');
  if ((area !== 'presence' && area !== 'subscriptions') || !KINDS.has(kind) || !rest.length) return null;
  const decoded = decodePayload(m.payload, m.truncated);
  const doc = decoded.kind === 'text' && decoded.isJson && decoded.json && typeof decoded.json === 'object' ? decoded.json as Record<string, unknown> : {};
  const reason = typeof doc.disconnectReason === 'string' ? doc.disconnectReason : '';
  const topics = Array.isArray(doc.topics) ? doc.topics.filter((t): t is string => typeof t === 'string') : [];
  return {
    id: m.id,
    time: typeof doc.timestamp === 'number' ? doc.timestamp : m.time,
    clientId: typeof doc.clientId === 'string' ? doc.clientId : rest.join('/'),
    kind: kind as LifecycleKind,
    detail: kind === 'disconnected' ? reason : kind === 'connected' ? (typeof doc.ipAddress === 'string' ? doc.ipAddress : '') : topics.join(', '),
    abnormal: kind === 'disconnected' && reason !== '' && reason !== 'CLIENT_INITIATED_DISCONNECT',
  };
}

/** One connected session of a client, on the timeline. */
export interface Session {
  from: number;
  to: number;
  open: boolean;
  reason: string;
  abnormal: boolean;
}

/** A client's lane: its sessions and its subscribe and unsubscribe events. */
export interface Lane {
  clientId: string;
  sessions: Session[];
  marks: LifecycleEvent[];
}

/**
 * Lanes of the `max` most recently active clients from events in id order; a session still open ends at `now`, a
 * disconnect with no connect seen starts at `from`, and a second connect ends the first (a duplicate client id).
 */
export function lanesOf(events: readonly LifecycleEvent[], from: number, now: number, max: number): Lane[] {
  const byClient = new Map<string, Lane>();
  for (const e of events) {
    let lane = byClient.get(e.clientId);
    if (!lane) byClient.set(e.clientId, (lane = { clientId: e.clientId, sessions: [], marks: [] }));
    const open = lane.sessions.at(-1);
    if (e.kind === 'connected') {
      if (open?.open) Object.assign(open, { to: e.time, open: false });
      lane.sessions.push({ from: e.time, to: now, open: true, reason: '', abnormal: false });
    } else if (e.kind === 'disconnected') {
      if (open?.open) Object.assign(open, { to: e.time, open: false, reason: e.detail, abnormal: e.abnormal });
      else lane.sessions.push({ from, to: e.time, open: false, reason: e.detail, abnormal: e.abnormal });
    } else lane.marks.push(e);
  }
  const last = (l: Lane) => (l.sessions.at(-1)?.open ? Infinity : Math.max(l.sessions.at(-1)?.to ?? 0, l.marks.at(-1)?.time ?? 0));
  return [...byClient.values()].sort((a, b) => last(b) - last(a)).slice(0, max);
}
