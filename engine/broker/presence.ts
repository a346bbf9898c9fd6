/** AWS IoT lifecycle events: https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html */

export type DisconnectReason =
  | 'AUTH_ERROR' | 'CLIENT_INITIATED_DISCONNECT' | 'CLIENT_ERROR' | 'CONNECTION_LOST' | 'DUPLICATE_CLIENTID'
  | 'FORBIDDEN_ACCESS' | 'MQTT_KEEP_ALIVE_TIMEOUT' | 'SERVER_ERROR' | 'SERVER_INITIATED_DISCONNECT' | 'THROTTLED';

export interface SessionIdentity {
  clientId: string;
  sessionIdentifier: string;
  principalIdentifier: string;
  versionNumber: number;
  /** A device session's protocol (`https`, `coap`): its events say it; an MQTT connection's stay as AWS sends them. */
  protocol?: 'https' | 'coap';
}

export const presenceTopic = (kind: 'connected' | 'disconnected', clientId: string) => `$aws/events/presence/${kind}/${clientId}`;
export const subscriptionTopic = (kind: 'subscribed' | 'unsubscribed', clientId: string) => `$aws/events/subscriptions/${kind}/${clientId}`;

/** AWS publishes no lifecycle events for client ids containing wildcard characters. */
export function hasLifecycleEvents(clientId: string): boolean {
  return !clientId.includes('#') && !clientId.includes('+');
}

export function connectedEvent(s: SessionIdentity, timestamp: number, ipAddress: string) {
  const event = {
    clientId: s.clientId,
    timestamp,
    eventType: 'connected',
    sessionIdentifier: s.sessionIdentifier,
    principalIdentifier: s.principalIdentifier,
    ipAddress,
    versionNumber: s.versionNumber,
  };
  return s.protocol ? { ...event, protocol: s.protocol } : event;
}

export function disconnectedEvent(s: SessionIdentity, timestamp: number, reason: DisconnectReason) {
  const event = {
    clientId: s.clientId,
    timestamp,
    eventType: 'disconnected',
    sessionIdentifier: s.sessionIdentifier,
    principalIdentifier: s.principalIdentifier,
    clientInitiatedDisconnect: reason === 'CLIENT_INITIATED_DISCONNECT',
    disconnectReason: reason,
    versionNumber: s.versionNumber,
  };
  return s.protocol ? { ...event, protocol: s.protocol } : event;
}

export function subscriptionEvent(s: SessionIdentity, timestamp: number, kind: 'subscribed' | 'unsubscribed', topics: string[]) {
  return {
    clientId: s.clientId,
    timestamp,
    eventType: kind,
    sessionIdentifier: s.sessionIdentifier,
    principalIdentifier: s.principalIdentifier,
    topics,
  };
}

/** Socket errors that mean the peer went away rather than misbehaved. */
export function isConnectionLoss(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT' || code === 'ECONNABORTED';
}
