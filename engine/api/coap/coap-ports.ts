/** What the CoAP edge needs from the engine, as narrow ports composed in `engine/engine.ts`. */
import type { ConnectionGuard, DeviceSession } from '../../broker/index.js';
import type { AskingDevices } from '../../control/index.js';

export interface CoapPorts {
  /** The token's id when `token` is the thing's device token; undefined otherwise. */
  verifyToken(thing: string, token: string): string | undefined;
  /** The security service's guard for a CoAP device: its thing's principals' and groups' policies. */
  deviceGuard(req: { thing: string; tokenId: string; remoteAddress: string }): ConnectionGuard | null | { refused: string };
  /** The broker's device session of the thing (its open one, or a new one). */
  openSession(req: { thing: string; remoteAddress: string; guard: ConnectionGuard | null }): DeviceSession;
  /** Commands for devices that only ask (`hono-ttd`). */
  commands: AskingDevices;
  /** The broker's payload limit (0: none). */
  maxPayloadBytes(): number;
}
