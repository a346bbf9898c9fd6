import { describe, it, expect } from 'vitest';
import { ConnectivityTracker } from './connectivity.js';

const event = (kind: 'connected' | 'disconnected', clientId: string, body: object) =>
  [`$aws/events/presence/${kind}/${clientId}`, Buffer.from(JSON.stringify(body))] as const;

describe('connectivity from presence events [DG:life-cycle-events]', () => {
  it('connects, disconnects with the reason, and reads unknown clients as disconnected', () => {
    const t = new ConnectivityTracker();
    expect(t.get('lamp')).toEqual({ connected: false });
    t.onPresence(...event('connected', 'lamp', { timestamp: 10, versionNumber: 0 }));
    expect(t.get('lamp')).toEqual({ connected: true, timestamp: 10 });
    t.onPresence(...event('disconnected', 'lamp', { timestamp: 20, versionNumber: 0, disconnectReason: 'CONNECTION_LOST' }));
    expect(t.get('lamp')).toEqual({ connected: false, timestamp: 20, disconnectReason: 'CONNECTION_LOST' });
  });

  it('a late disconnect of an older session does not hide a newer connection (events may arrive out of order)', () => {
    const t = new ConnectivityTracker();
    t.onPresence(...event('connected', 'lamp', { timestamp: 10, versionNumber: 0 }));
    t.onPresence(...event('connected', 'lamp', { timestamp: 30, versionNumber: 1 }));
    t.onPresence(...event('disconnected', 'lamp', { timestamp: 31, versionNumber: 0, disconnectReason: 'DUPLICATE_CLIENTID' }));
    expect(t.get('lamp')).toEqual({ connected: true, timestamp: 30 });
  });

  it('ignores other topics and malformed payloads', () => {
    const t = new ConnectivityTracker();
    t.onPresence('$aws/events/subscriptions/subscribed/lamp', Buffer.from('{}'));
    t.onPresence('$aws/events/presence/connected/lamp', Buffer.from('not json'));
    for (const json of ['null', '1', '"x"', '[]', 'true']) t.onPresence('$aws/events/presence/connected/lamp', Buffer.from(json));
    expect(t.get('lamp')).toEqual({ connected: false });
  });
});
