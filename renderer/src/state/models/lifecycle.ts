import type { BrokerActivity } from '../../../../engine/contract/index.js';

export type LifecycleKind = 'connected' | 'disconnected' | 'subscribed' | 'unsubscribed';

/** A client's connect, disconnect, subscribe or unsubscribe. */
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

/** An event of `broker.events` / `broker.activity` as the timeline shows it. */
export function activityEvent(a: BrokerActivity): LifecycleEvent {
  const base = { id: a.id, time: a.time, clientId: a.clientId, kind: a.kind };
  switch (a.kind) {
    case 'connected':
      return { ...base, detail: `${a.ipAddress} · ${a.transport}`, abnormal: false };
    case 'disconnected':
      return { ...base, detail: a.reason, abnormal: a.reason !== 'CLIENT_INITIATED_DISCONNECT' };
    case 'subscribed':
      return { ...base, detail: a.subscriptions.map((s) => `${s.filter} (QoS ${s.qos})`).join(', '), abnormal: false };
    case 'unsubscribed':
      return { ...base, detail: a.filters.join(', '), abnormal: false };
  }
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
