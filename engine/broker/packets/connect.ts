import type { AedesClient, AedesPacket } from '../aedes-adapter.js';
import { CONNACK_UNSUPPORTED_VERSION } from '../connack-refusals.js';
import type { Session } from '../sessions.js';
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
    if (ctx.aws) ctx.deviations.explain('keepAliveClamped', { clientId: packet.clientId, requested: wanted, granted });
  }
}

/**
 * An MQTT 5 CONNECT (protocol level 5), which this broker does not speak yet: answered with the MQTT 5 CONNACK an
 * MQTT 5 client can decode, reason 0x84 *Unsupported Protocol Version*, then closed [MQTT-3.1.2-2]. (aedes would
 * answer with an MQTT 3.1.1 CONNACK, which MQTT 5 clients cannot read, so they retry forever.) True when refused.
 */
export function refusesMqtt5(client: AedesClient, packet: AedesPacket & { protocolVersion?: number; clientId?: string }, log: (message: string) => void): boolean {
  if (packet.protocolVersion !== 5) return false;
  log(`refused the MQTT 5 connection of ${packet.clientId ? `client ${packet.clientId}` : 'a client'} with CONNACK 0x84 (Unsupported Protocol Version): Thingbench speaks MQTT 3.1.1 only so far; connect with MQTT 3.1.1 (e.g. mqtt.js protocolVersion 4, mosquitto -V mqttv311, the Device SDK's MQTT 3.1.1 client)`);
  client.conn.end(CONNACK_UNSUPPORTED_VERSION);
  return true;
}

export type ConnectRefusal = { returnCode: 2 | 5; message: string };

/**
 * CONNECT, once aedes assigned the client id: the client id rules, then (Security) iot:Connect. A refusal is answered
 * with CONNACK `returnCode` (2 identifier rejected, 5 not authorized). `previous` is a live connection with the same id.
 */
export function authenticate(ctx: PacketContext, client: AedesClient, session: Session | undefined, previous: Session | undefined): ConnectRefusal | null {
  const idBytes = Buffer.byteLength(client.id, 'utf8');
  if (session?.emptyClientId && !client.clean) return { returnCode: 2, message: 'zero-length client id requires a clean session' }; // [MQTT-3.1.3-8]
  if (ctx.limits.maxClientIdBytes && idBytes > ctx.limits.maxClientIdBytes) {
    if (ctx.aws) ctx.deviations.explain('clientIdTooLong', { clientId: client.id.slice(0, 64) + '…', bytes: idBytes });
    return { returnCode: 2, message: `client id of ${idBytes} bytes is over the limit` };
  }
  // Security: iot:Connect (CONNACK 5 "not authorized" when denied).
  if (ctx.security && session) {
    const r = ctx.security.connect({ clientId: client.id, transport: session.transport, remoteAddress: session.ipAddress, peer: session.peer });
    if (r && 'refused' in r) return { returnCode: 5, message: r.refused };
    session.guard = r;
    if (r) session.principalIdentifier = r.principal;
  }
  if (previous) previous.reason = 'DUPLICATE_CLIENTID';
  return null;
}
