import type { PersistedPacket } from 'aedes-persistence/asyncPersistence.js';

/** aedes packets as stored JSON: the payload travels as base64. */
export function encodePacket(packet: PersistedPacket): string {
  return JSON.stringify({ ...packet, payload: packet.payload.toString('base64') });
}

export function decodePacket(json: string): PersistedPacket {
  const raw = JSON.parse(json) as Omit<PersistedPacket, 'payload'> & { payload: string };
  return { ...raw, payload: Buffer.from(raw.payload, 'base64') } as PersistedPacket;
}
