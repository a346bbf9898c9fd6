import type { MessageRecord } from '../contract/index.js';
import { toMessageProperties } from './message-properties.js';
import type { Properties } from './mqtt5/properties.js';

/** Preview size for payloads sent to the UI (ARCHITECTURE §4). */
export const PREVIEW_BYTES = 16 * 1024;

export interface CapturedMessage {
  id: number;
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  clientId: string | null;
  time: number;
  /** Where the history keeps the payload (see PayloadRing): -1 for a copy of its own. */
  segment: number;
  /** Set once the history let go of the message (its payload may then be written over). */
  gone?: boolean;
  /** MQTT 5 properties, shared with the message (never changed after publication). */
  properties?: Properties;
}

export function toRecord(msg: CapturedMessage, full = false): MessageRecord {
  const truncated = !full && msg.payload.length > PREVIEW_BYTES;
  const record: MessageRecord = {
    id: msg.id,
    topic: msg.topic,
    payload: (truncated ? msg.payload.subarray(0, PREVIEW_BYTES) : msg.payload).toString('base64'),
    size: msg.payload.length,
    truncated,
    qos: msg.qos,
    retain: msg.retain,
    clientId: msg.clientId,
    time: msg.time,
  };
  if (msg.properties) record.properties = toMessageProperties(msg.properties);
  return record;
}
