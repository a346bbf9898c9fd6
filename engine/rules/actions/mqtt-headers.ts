/**
 * The republish action's MQTT 5 `headers` [API:MqttHeaders]: checked when the rule is created, resolved per message.
 *
 * - Every field is a string of at most 1,024 characters and supports substitution templates (`${…}`); `userProperties`
 *   is a list of 1 to 100 `{ key, value }` pairs, each also at most 1,024 characters [API:UserProperty].
 * - Per message, after substitution: `payloadFormatIndicator` is `UNSPECIFIED_BYTES` or `UTF8_DATA`, `messageExpiry` a
 *   whole number of seconds, `correlationData` base64, `responseTopic` a topic name without wildcards. A value that is
 *   none of these fails the action (its errorAction runs), since the rule cannot publish what it says.
 * - A field whose template comes out empty (e.g. `${get_mqtt_property('content_type')}` on a message without one) is
 *   left out of the published message rather than sent empty.
 */
import { EngineError } from '../../core/index.js';
import type { Properties } from '../../broker/index.js';

/** Header fields as AWS names them, each a template. */
export interface MqttHeaders {
  payloadFormatIndicator?: string;
  contentType?: string;
  responseTopic?: string;
  correlationData?: string;
  messageExpiry?: string;
  userProperties?: Array<{ key: string; value: string }>;
}

const STRING_FIELDS = ['payloadFormatIndicator', 'contentType', 'responseTopic', 'correlationData', 'messageExpiry'] as const;
const MAX_LENGTH = 1024;
const MAX_USER_PROPERTIES = 100;
const MAX_EXPIRY = 0xffff_ffff; // a four-byte integer in MQTT 5
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const invalid = (message: string) => new EngineError('InvalidInput', message);

function checkString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(`republish.headers.${field} must be a string`);
  if (value.length > MAX_LENGTH) throw invalid(`republish.headers.${field} must be at most ${MAX_LENGTH} characters`);
  return value;
}

/** Checks a republish action's `headers` as CreateTopicRule does; undefined when there are none. */
export function parseMqttHeaders(raw: unknown): MqttHeaders | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid('republish.headers must be an object');
  const h = raw as Record<string, unknown>;
  const out: MqttHeaders = {};
  for (const field of STRING_FIELDS) if (h[field] !== undefined && h[field] !== null) out[field] = checkString(h[field], field);
  const users = h.userProperties;
  if (users !== undefined && users !== null) {
    if (!Array.isArray(users) || users.length < 1 || users.length > MAX_USER_PROPERTIES) {
      throw invalid(`republish.headers.userProperties must be a list of 1 to ${MAX_USER_PROPERTIES} { key, value } pairs`);
    }
    out.userProperties = users.map((u, i) => {
      if (typeof u !== 'object' || u === null || Array.isArray(u)) throw invalid(`republish.headers.userProperties[${i}] must be an object with key and value`);
      const { key, value } = u as Record<string, unknown>;
      if (key === undefined || value === undefined) throw invalid(`republish.headers.userProperties[${i}] needs both key and value`);
      return { key: checkString(key, `userProperties[${i}].key`), value: checkString(value, `userProperties[${i}].value`) };
    });
  }
  return out;
}

/** The MQTT 5 properties of one republished message, or the reason the headers cannot be sent. */
export function resolveMqttHeaders(headers: MqttHeaders, substitute: (template: string) => string): Properties | { error: string } {
  const out: Properties = {};
  const pfi = headers.payloadFormatIndicator === undefined ? '' : substitute(headers.payloadFormatIndicator);
  if (pfi !== '') {
    if (pfi !== 'UNSPECIFIED_BYTES' && pfi !== 'UTF8_DATA') return { error: `headers.payloadFormatIndicator ${JSON.stringify(pfi)} is not UNSPECIFIED_BYTES or UTF8_DATA` };
    out.payloadFormatIndicator = pfi === 'UTF8_DATA';
  }
  const expiry = headers.messageExpiry === undefined ? '' : substitute(headers.messageExpiry).trim();
  if (expiry !== '') {
    const n = /^\d{1,10}$/.test(expiry) ? Number(expiry) : NaN;
    if (!(n <= MAX_EXPIRY)) return { error: `headers.messageExpiry ${JSON.stringify(expiry)} is not a whole number of seconds` };
    out.messageExpiryInterval = n;
  }
  const contentType = headers.contentType === undefined ? '' : substitute(headers.contentType);
  if (contentType !== '') out.contentType = contentType;
  const responseTopic = headers.responseTopic === undefined ? '' : substitute(headers.responseTopic);
  if (responseTopic !== '') {
    if (/[+#\u0000]/.test(responseTopic)) return { error: `headers.responseTopic ${JSON.stringify(responseTopic)} is not a valid topic name` }; // [MQTT-3.3.2-14]
    out.responseTopic = responseTopic;
  }
  const correlation = headers.correlationData === undefined ? '' : substitute(headers.correlationData);
  if (correlation !== '') {
    if (!BASE64.test(correlation)) return { error: 'headers.correlationData must be base64-encoded' };
    out.correlationData = Buffer.from(correlation, 'base64');
  }
  if (headers.userProperties) out.userProperties = headers.userProperties.map(({ key, value }) => [substitute(key), substitute(value)]);
  return out;
}
