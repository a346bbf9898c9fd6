import type { AedesClient, AedesPacket } from '../aedes-adapter.js';
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
