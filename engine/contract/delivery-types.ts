/** How the broker delivers a message: `telemetry` fire and forget, `event` stored and forwarded until its TTL. */
export type DeliveryClass = 'telemetry' | 'event';

/** A mapping to set (`delivery.put`): by topic filter or by device (a thing name or MQTT client id), exactly one. */
export interface DeliveryMappingInput {
  /** Replaces the mapping with this id; a new id when omitted. */
  id?: string;
  /** MQTT topic filter (`sensors/+/alarm`). */
  filter?: string;
  /** The publisher's client id (a thing name): every message it publishes. */
  device?: string;
  class: DeliveryClass;
  /** Events: how long one is kept for an absent consumer, in seconds (default 3600). */
  ttlSeconds?: number;
}

export interface DeliveryMapping {
  id: string;
  filter?: string;
  device?: string;
  class: DeliveryClass;
  /** Events only. */
  ttlSeconds?: number;
  createdAt: number;
}

/** An event kept for a consumer that is away (`delivery.stored`). */
export interface StoredEventInfo {
  /** Who it waits for: an MQTT client id, a CoAP device's thing name, or a shared subscription's `$share/{group}`. */
  consumer: string;
  topic: string;
  /** Payload bytes. */
  size: number;
  /** Order of publication (delivered in this order). */
  seq: number;
  publishedAt: number;
  /** After this time (ms since the epoch) it is dropped undelivered. */
  expiresAt: number;
}

/** Mappings or stored events changed: read them again. */
export interface DeliveryChanged {
  what: 'mappings' | 'stored';
}
