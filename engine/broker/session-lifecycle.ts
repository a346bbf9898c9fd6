import type { Logger } from '../core/index.js';
import type { Store } from '../storage/index.js';
import type { AedesAdapter, AedesPacket } from './aedes-adapter.js';
import type { DelayedWills } from './delayed-wills.js';
import type { DurablePersistence } from './durable-persistence.js';
import type { PacketContext } from './packets/context.js';
import type { PacketHandlers } from './packets/handlers.js';
import { SessionExpiry } from './session-expiry.js';

/** What a persistent session's end reaches of the broker; aedes and the wills exist only once the broker started. */
export interface SessionEndPort {
  ctx: PacketContext;
  store: Store;
  logger: Logger;
  persistence: DurablePersistence;
  aedes(): AedesAdapter | undefined;
  wills(): DelayedWills | undefined;
}

/** The expiry of persistent sessions: ends them after their interval, with their will, and says so in the log. */
export function sessionExpiry(port: SessionEndPort): SessionExpiry {
  const { ctx, logger, persistence } = port;
  const { sessionExpiryDefault: period, sessionExpiryMax: max } = ctx.limits;
  if (ctx.aws && max && period > max) {
    logger.log('warn', 'broker', `sessionExpiryDefault ${period} s is over AWS's maximum of ${max} s: persistent sessions expire after ${max} s`);
  }
  return new SessionExpiry({
    aws: ctx.aws,
    limits: ctx.limits,
    store: port.store,
    now: ctx.now,
    endSession: (clientId) => {
      port.aedes()?.sessionEnded(clientId);
      port.wills()?.sessionEnded(clientId); // a will waiting for its delay goes out when its session ends [MQTT-3.1.2-8]
      return persistence.endSession(clientId);
    },
    storedSessions: () => persistence.storedSessions(),
    expired: (clientId, info) => {
      logger.log('info', 'broker', `the persistent session of client ${clientId} ended: disconnected for its session expiry interval of ${info.expirySeconds} s; `
        + `${info.subscriptions} subscription(s) and ${info.queued} queued message(s) discarded`, { clientId, ...info });
      if (ctx.aws && info.protocol !== 5) ctx.deviations.explain('sessionExpired', { clientId, expirySeconds: info.expirySeconds });
    },
    crossVersion: (clientId, info) => ctx.deviations.explain('crossVersionSession', { clientId, ...info }),
  });
}

/**
 * MQTT 5 wills the previous run still held (it stopped or crashed with their connections open, or while they waited
 * for their Will Delay Interval) wait for that interval again from now, as for a connection found lost at start:
 * published when it passes or the session ends, dropped when the client reconnects to its session first
 * [MQTT-3.1.3-9]. aedes' will sweep (which would publish them a few minutes after start) leaves them alone.
 */
export async function holdRestoredWills(aedes: AedesAdapter, persistence: DurablePersistence, handlers: PacketHandlers): Promise<void> {
  const brokerId = aedes.brokerId;
  for await (const will of persistence.streamWill({ [brokerId]: true })) {
    const packet = will as AedesPacket & { clientId?: string; brokerId?: string };
    const seconds = packet.properties?.willDelayInterval ?? 0;
    const clientId = packet.clientId;
    if (!seconds || clientId === undefined) continue;
    packet.brokerId = brokerId; // this run holds it now
    handlers.wills.hold(clientId, seconds, (publish) => {
      if (!publish) return; // the client's new connection replaces its stored will
      // Unstored first: a new connection's will, stored meanwhile, must not be the one deleted afterwards.
      void persistence.delWill({ id: clientId }).catch(() => {});
      handlers.authorizePublish(null as never, packet, (err) => {
        if (!err) handlers.publishWill(packet, null);
      });
    });
  }
}
