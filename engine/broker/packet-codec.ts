import type { PersistedPacket } from 'aedes-persistence/asyncPersistence.js';

/** aedes packets as stored JSON: the payload travels as base64. Packets without one (PUBREL) keep none. */
export function encodePacket(packet: PersistedPacket): string {
  const payload = packet.payload as Buffer | string | undefined;
  return JSON.stringify({ ...packet, payload: payload === undefined ? undefined : Buffer.from(payload).toString('base64') });
}

export function decodePacket(json: string): PersistedPacket {
  const raw = JSON.parse(json) as Omit<PersistedPacket, 'payload'> & { payload?: string };
  return (raw.payload === undefined ? raw : { ...raw, payload: Buffer.from(raw.payload, 'base64') }) as PersistedPacket;
}
