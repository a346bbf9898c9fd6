import type { PersistedPacket } from 'aedes-persistence/asyncPersistence.js';
import type { Properties } from './mqtt5/properties.js';

/** The MQTT 5 properties that hold binary data: stored as base64 like the payload. */
const BINARY_PROPERTIES = ['correlationData', 'authenticationData'] as const;

/**
 * aedes packets as stored JSON: the payload travels as base64. Packets without one (PUBREL) keep none.
 * MQTT 5 `properties` are kept as they are (user properties as ordered pairs) except binary ones, which are base64;
 * rows written before properties were stored have none and decode as before.
 */
export function encodePacket(packet: PersistedPacket): string {
  const payload = packet.payload as Buffer | string | undefined;
  const properties = (packet as { properties?: Properties }).properties;
  return JSON.stringify({
    ...packet,
    payload: payload === undefined ? undefined : Buffer.from(payload).toString('base64'),
    properties: properties === undefined ? undefined : encodeProperties(properties),
  });
}

export function decodePacket(json: string): PersistedPacket {
  const raw = JSON.parse(json) as Omit<PersistedPacket, 'payload'> & { payload?: string; properties?: Record<string, unknown> };
  const packet = (raw.payload === undefined ? raw : { ...raw, payload: Buffer.from(raw.payload, 'base64') }) as PersistedPacket & { properties?: Properties };
  if (raw.properties !== undefined) packet.properties = decodeProperties(raw.properties);
  return packet;
}

function encodeProperties(properties: Properties): Record<string, unknown> {
  const out: Record<string, unknown> = { ...properties };
  for (const key of BINARY_PROPERTIES) {
    const value = properties[key];
    if (value !== undefined) out[key] = Buffer.from(value).toString('base64');
  }
  return out;
}

function decodeProperties(raw: Record<string, unknown>): Properties {
  const out = { ...raw } as Properties & Record<string, unknown>;
  for (const key of BINARY_PROPERTIES) {
    const value = raw[key];
    if (typeof value === 'string') out[key] = Buffer.from(value, 'base64');
  }
  return out;
}
