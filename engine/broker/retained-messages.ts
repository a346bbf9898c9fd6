import type { RetainedInfo } from '../contract/index.js';
import type { RetainedEntry } from './durable-persistence.js';
import { PREVIEW_BYTES } from './message-log.js';
import type { Properties } from './mqtt5/properties.js';

/** A stored retained message as the broker hands it out: QoS capped at 1 (AWS IoT has no QoS 2), MQTT 5 properties if any. */
export interface RetainedMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  /** Epoch ms of the last update. */
  lastModifiedTime: number;
  /** The retained message's MQTT 5 properties, if it had any. */
  properties?: Properties;
}

export function retainedMessage(e: RetainedEntry): RetainedMessage {
  const m = { topic: e.packet.topic, payload: e.packet.payload, qos: Math.min(e.packet.qos, 1) as 0 | 1, lastModifiedTime: e.modified };
  const properties = (e.packet as { properties?: Properties }).properties;
  return properties ? { ...m, properties } : m;
}

/** A retained message as the UI lists it: the payload's preview (base64, at most PREVIEW_BYTES) and its full size. */
export function retainedInfo(e: RetainedEntry): RetainedInfo {
  const m = retainedMessage(e);
  const truncated = m.payload.length > PREVIEW_BYTES;
  return {
    topic: m.topic, payload: (truncated ? m.payload.subarray(0, PREVIEW_BYTES) : m.payload).toString('base64'), size: m.payload.length,
    truncated, qos: m.qos, lastModifiedTime: m.lastModifiedTime,
  };
}
