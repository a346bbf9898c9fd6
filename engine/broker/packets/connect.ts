import type { AedesClient, AedesPacket } from '../aedes-adapter.js';
import { Mqtt5Connection } from '../mqtt5/connection.js';
import type { ConnectProperties } from '../mqtt5/inbound.js';
import { REASON } from '../mqtt5/reason-codes.js';
import { encodeConnack5 } from '../mqtt5/wire.js';
import type { Session } from '../sessions.js';
import type { Transport } from '../listeners.js';
import type { PacketContext } from './context.js';

/** CONNECT, before aedes looks at it: notes a zero-length client id and clamps the keep-alive to the limits. */
export function preConnect(ctx: PacketContext, session: Session | undefined, packet: AedesPacket & { clientId?: string }): void {
  if (!packet.clientId && session) session.emptyClientId = true;
  const { keepAliveMin: min, keepAliveMax: max } = ctx.limits;
  if (!max || packet.keepalive === undefined) return;
  const wanted = packet.keepalive;
  const granted = wanted === 0 ? max : Math.min(max, Math.max(min, wanted));
  if (granted !== wanted) {
    packet.keepalive = granted;
    if (session?.mqtt5) session.mqtt5.connack.serverKeepAlive = granted; // [MQTT-3.2.2-21]
    if (ctx.aws) ctx.deviations.explain('keepAliveClamped', { clientId: packet.clientId, requested: wanted, granted });
  }
}

/** An MQTT 5 CONNECT let through to aedes: the connection's MQTT 5 state, and the packet aedes is handed. */
export interface AcceptedMqtt5 {
  connection: Mqtt5Connection;
  packet: AedesPacket;
}

/**
 * An MQTT 5 CONNECT (protocol level 5), before aedes sees it. aedes speaks MQTT 3.1.1 only: it is handed a *copy*
 * with level 4 (mqtt-packet keeps the original as its settings and goes on parsing the connection as MQTT 5), the
 * will with its properties, and a clean session only for Clean Start 1 with Session Expiry Interval 0: otherwise aedes
 * keeps the session, which session-expiry.ts discards at CONNECT (Clean Start 1) or at disconnect (interval 0).
 * Enhanced authentication is refused with CONNACK 0x8C: AWS IoT has none; a Will QoS over the Maximum QoS offered
 * (aws: QoS 2) with CONNACK 0x9B. Null when refused (the connection closes).
 */
export function acceptMqtt5(
  ctx: PacketContext, client: AedesClient, session: Session | undefined,
  packet: AedesPacket & { protocolVersion?: number; clientId?: string; clean?: boolean; will?: object | null },
  decoded: ConnectProperties, log: (message: string) => void,
): AcceptedMqtt5 | null {
  const requested = decoded.properties;
  if (requested.authenticationMethod !== undefined) {
    const why = `enhanced authentication (method "${requested.authenticationMethod}") is not supported: AWS IoT Core has no AUTH exchange`;
    log(`refused the MQTT 5 connection of ${packet.clientId ? `client ${packet.clientId}` : 'a client'} with CONNACK 0x8C (Bad authentication method): ${why}`);
    client.conn.end(encodeConnack5(false, REASON.badAuthenticationMethod, { reasonString: why }));
    return null;
  }
  const willQos = (packet.will as { qos?: number } | null | undefined)?.qos ?? 0;
  const maximumQoS = ctx.mqtt5.maximumQoS ?? 2;
  if (packet.will && willQos > maximumQoS) {
    // [MQTT-3.2.2-12]: a Will QoS over the Maximum QoS this server offers (aws: 1, as AWS IoT Core has no QoS 2).
    const why = `Will QoS ${willQos} is more than this server's Maximum QoS ${maximumQoS}`;
    log(`refused the MQTT 5 connection of ${packet.clientId ? `client ${packet.clientId}` : 'a client'} with CONNACK 0x9B (QoS not supported): ${why}`);
    if (ctx.aws) ctx.deviations.explain('qos2Will', { clientId: packet.clientId });
    client.conn.end(encodeConnack5(false, REASON.qosNotSupported, { reasonString: why }));
    return null;
  }
  const connection = new Mqtt5Connection(client.conn, requested, ctx.mqtt5, (code, reason) => {
    log(`sent DISCONNECT 0x${code.toString(16)} to MQTT 5 client ${client.id ?? packet.clientId ?? ''}: ${reason}`);
  });
  if (session) {
    session.mqtt5 = connection;
    session.cleanStart = packet.clean === true;
  }
  const expiry = requested.sessionExpiryInterval ?? 0;
  const will = packet.will ? { ...packet.will, properties: decoded.will } : packet.will;
  return { connection, packet: { ...packet, protocolVersion: 4, clean: packet.clean === true && expiry === 0, will, properties: requested } as AedesPacket };
}

export type ConnectRefusal = { returnCode: 2 | 5; message: string };

/**
 * CONNECT, once aedes assigned the client id: the client id rules, then (Security) iot:Connect. A refusal is answered
 * with CONNACK `returnCode` (2 identifier rejected, 5 not authorized). `previous` is a live connection with the same id.
 */
export function authenticate(ctx: PacketContext, client: AedesClient, session: Session | undefined, previous: Session | undefined): ConnectRefusal | null {
  const idBytes = Buffer.byteLength(client.id, 'utf8');
  if (session?.emptyClientId && !client.clean && !session.mqtt5) return { returnCode: 2, message: 'zero-length client id requires a clean session' }; // [MQTT-3.1.3-8]
  if (ctx.limits.maxClientIdBytes && idBytes > ctx.limits.maxClientIdBytes) {
    if (ctx.aws) ctx.deviations.explain('clientIdTooLong', { clientId: client.id.slice(0, 64) + '…', bytes: idBytes });
    return { returnCode: 2, message: `client id of ${idBytes} bytes is over the limit` };
  }
  // Security: iot:Connect (CONNACK 5 "not authorized" when denied).
  if (ctx.security && session) {
    // An MQTT connection's session: device sessions never CONNECT.
    const r = ctx.security.connect({ clientId: client.id, transport: session.transport as Transport, remoteAddress: session.ipAddress, peer: session.peer });
    if (r && 'refused' in r) return { returnCode: 5, message: r.refused };
    session.guard = r;
    if (r) session.principalIdentifier = r.principal;
  }
  if (previous) previous.reason = 'DUPLICATE_CLIENTID';
  return null;
}
