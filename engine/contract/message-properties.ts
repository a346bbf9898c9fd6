/**
 * A PUBLISH's MQTT 5 message properties, from a wire library's shape to the contract's `MessageProperties`: the
 * engine's own `Properties` (user properties as ordered pairs) and mqtt.js's (user properties grouped by name) both
 * arrive here. Only message properties cross: payload format, expiry, content type, response topic, correlation data
 * and user properties (never a topic alias or subscription identifier). Pure TS: correlation data is encoded to base64
 * without `Buffer` (a `Buffer` is a `Uint8Array`, so either may be passed).
 */
import type { MessageProperties } from './types.js';

/** The message properties as MQTT libraries hold them. */
export interface WireMessageProperties {
  payloadFormatIndicator?: boolean;
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Uint8Array;
  /** Ordered `[name, value]` pairs (the engine), or values grouped by name (mqtt.js: each name's values in order). */
  userProperties?: ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string | readonly string[]>>;
}

/** For the UI contract: correlation data as base64, user properties as ordered pairs; `{}` when none is present. */
export function toMessageProperties(p: WireMessageProperties): MessageProperties {
  const out: MessageProperties = {};
  if (p.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = p.payloadFormatIndicator;
  if (p.messageExpiryInterval !== undefined) out.messageExpiryInterval = p.messageExpiryInterval;
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) out.correlationData = bytesToBase64(p.correlationData);
  const pairs = userPropertyPairs(p.userProperties);
  if (pairs.length) out.userProperties = pairs;
  return out;
}

function userPropertyPairs(u: WireMessageProperties['userProperties']): Array<[string, string]> {
  if (!u) return [];
  if (Array.isArray(u)) return (u as ReadonlyArray<readonly [string, string]>).map(([k, v]): [string, string] => [k, v]);
  return Object.entries(u as Record<string, string | readonly string[]>)
    .flatMap(([k, v]) => (Array.isArray(v) ? (v as readonly string[]) : [v as string]).map((s): [string, string] => [k, String(s)]));
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** RFC 4648 base64 (with padding) of some bytes. */
export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + '==';
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + '=';
  }
  return out;
}
