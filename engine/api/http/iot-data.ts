/**
 * AWS IoT data plane (`iot-data`, restJson1) operations on messages: Publish, GetRetainedMessage,
 * ListRetainedMessages [DP-model]. One handler per operation; `iotDataRoutes(broker)` lists them for the server.
 *
 * Publish's MQTT 5 properties (`contentType`, `responseTopic`, `messageExpiry`, user properties, payload format
 * indicator, correlation data) travel with the message: MQTT 5 subscribers, rules and capture see them, and
 * GetRetainedMessage returns a retained message's user properties (`userProperties`, base64 of the JSON array).
 *
 * LIMITATIONS:
 * - No authorization (`iot:Publish`, `iot:RetainPublish`, `iot:GetRetainedMessage`, `iot:ListRetainedMessages`).
 * - Error message texts are modelled on AWS's style; AWS's exact wording is not documented for most of them.
 * - RETAIN on a reserved (`$`) topic is refused whatever the broker mode, as AWS does; `0` limits only relax sizes.
 */
import { HTTP_PUBLISH_CALLER } from '../../contract/index.js';
import { EngineError } from '../../core/index.js';
import type { Properties } from '../../broker/index.js';
import type { DataPlaneBroker, RetainedMessage } from './data-plane-broker.js';
import type { HttpHandler, HttpRequest, Route } from './http-server.js';

/** Same names and meaning as the broker's `BrokerLimits` (a subset), so `cfg.broker.limits` can be passed as is. `0` disables a limit. */
export interface IotDataLimits {
  /** Publish payload cap in bytes. AWS: 128 KB [GR]. With 0, the MQTT maximum still caps the HTTP body. */
  maxPayloadBytes: number;
  /** Topic name cap in UTF-8 bytes, Basic Ingest prefix excluded. AWS: 256 [GR]. */
  maxTopicBytes: number;
  /** Forward slashes allowed in a topic, Basic Ingest prefix excluded. AWS: 7, i.e. 8 levels [GR]. */
  maxTopicSlashes: number;
}

export const awsIotDataLimits: IotDataLimits = { maxPayloadBytes: 128 * 1024, maxTopicBytes: 256, maxTopicSlashes: 7 };

/** The largest payload an MQTT PUBLISH can carry at all (remaining length 268,435,455 minus the smallest header). */
const MQTT_MAX_PAYLOAD = 268_435_455 - 5;

/** ListRetainedMessages `maxResults` range [DP-model]; the default page is the largest one. */
export const MAX_RESULTS_MIN = 1;
export const MAX_RESULTS_MAX = 200;

const invalid = (message: string) => new EngineError('InvalidInput', message);

/** `$aws/rules/<ruleName>/` does not count towards topic limits (AWS IoT Basic Ingest). */
const BASIC_INGEST = /^\$aws\/rules\/[^/]+\//;

/** Validates a topic *name* (not a filter), as for an MQTT PUBLISH and the AWS limits. */
export function validateTopicName(topic: string, limits: IotDataLimits = awsIotDataLimits): void {
  if (topic.length === 0) throw invalid('The topic must not be empty'); // [MQTT-4.7.3-1]
  if (/[+#]/.test(topic)) throw invalid(`Topic name must not contain wildcard characters: ${topic}`); // [MQTT-3.3.2-2]
  if (topic.includes('\u0000')) throw invalid('Topic name must not contain the null character'); // [MQTT-4.7.3-2]
  const counted = topic.replace(BASIC_INGEST, '');
  if (limits.maxTopicBytes > 0 && Buffer.byteLength(counted, 'utf8') > limits.maxTopicBytes) {
    throw invalid(`Topic name exceeds the maximum length of ${limits.maxTopicBytes} bytes`);
  }
  if (limits.maxTopicSlashes > 0 && counted.split('/').length - 1 > limits.maxTopicSlashes) {
    throw invalid(`Topic name exceeds the maximum of ${limits.maxTopicSlashes} forward slashes`);
  }
  if (Buffer.byteLength(topic, 'utf8') > 65535) throw invalid('Topic name exceeds 65535 bytes'); // [MQTT-1.5.3]
  // The broker's own ceiling, whatever the limits (aedes and its topic trie handle at most 100 levels).
  if (topicLevels(topic) > MAX_TOPIC_LEVELS) throw invalid(`Topic name exceeds the maximum of ${MAX_TOPIC_LEVELS} levels`);
}

/** The most levels a topic may have in any broker mode (aedes' `maxTopicLevels` ceiling). */
export const MAX_TOPIC_LEVELS = 100;

function topicLevels(topic: string): number {
  let n = 1;
  for (let i = topic.indexOf('/'); i >= 0; i = topic.indexOf('/', i + 1)) n++;
  return n;
}

export function parseQos(value: string | null): 0 | 1 {
  if (value === null) return 0; // AWS: default QoS is 0
  if (value === '0' || value === '1') return Number(value) as 0 | 1;
  throw invalid(`Invalid qos: ${value}. Valid values are 0 and 1`);
}

export function parseBoolean(name: string, value: string | null): boolean {
  if (value === null) return false;
  if (value === 'true' || value === 'false') return value === 'true';
  throw invalid(`Invalid ${name}: ${value}. Valid values are true and false`);
}

/** MQTT 5 properties a Publish may carry (query + `x-amz-mqtt5-*` headers). */
export interface Mqtt5PublishProperties {
  contentType?: string;
  responseTopic?: string;
  messageExpiry?: number;
  payloadFormatIndicator?: 'UNSPECIFIED_BYTES' | 'UTF8_DATA';
  /** Decoded from the base64 JSON header, e.g. `[{"deviceName":"alpha"}]`. */
  userProperties?: Record<string, string>[];
  correlationData?: Buffer;
}

export interface PublishRequest {
  topic: string;
  qos: 0 | 1;
  retain: boolean;
  properties: Mqtt5PublishProperties;
}

const header = (headers: HttpRequest['headers'], name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function parseUserProperties(value: string): Record<string, string>[] {
  let parsed: unknown;
  try {
    if (!BASE64.test(value)) throw new Error('not base64');
    parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    throw invalid('Invalid x-amz-mqtt5-user-properties: expected a base64-encoded JSON array of objects');
  }
  const ok = Array.isArray(parsed) && parsed.every((p) => p !== null && typeof p === 'object' && !Array.isArray(p)
    && Object.values(p).every((v) => typeof v === 'string'));
  if (!ok) throw invalid('Invalid x-amz-mqtt5-user-properties: expected a JSON array of objects with string values');
  return parsed as Record<string, string>[];
}

/** Parses and validates everything of a Publish except the payload (pure). */
export function parsePublishRequest(
  topic: string, query: URLSearchParams, headers: HttpRequest['headers'], limits: IotDataLimits = awsIotDataLimits,
): PublishRequest {
  validateTopicName(topic, limits);
  const qos = parseQos(query.get('qos'));
  const retain = parseBoolean('retain', query.get('retain'));
  // AWS IoT: RETAIN is not supported on reserved topics (those starting with `$`) [DG:mqtt#mqtt-retain].
  if (retain && topic.startsWith('$')) throw invalid(`Retained messages are not supported on reserved topics: ${topic}`);

  const properties: Mqtt5PublishProperties = {};
  const contentType = query.get('contentType');
  if (contentType !== null) properties.contentType = contentType;
  const responseTopic = query.get('responseTopic');
  if (responseTopic !== null) {
    if (responseTopic === '' || /[+#]/.test(responseTopic)) throw invalid(`Invalid responseTopic: ${responseTopic}`); // [MQTT-3.3.2-14]
    properties.responseTopic = responseTopic;
  }
  const expiry = query.get('messageExpiry');
  if (expiry !== null) {
    if (!/^\d{1,15}$/.test(expiry)) throw invalid(`Invalid messageExpiry: ${expiry}. Expected a non-negative integer`);
    properties.messageExpiry = Number(expiry);
  }
  const pfi = header(headers, 'x-amz-mqtt5-payload-format-indicator');
  if (pfi !== undefined) {
    if (pfi !== 'UNSPECIFIED_BYTES' && pfi !== 'UTF8_DATA') {
      throw invalid(`Invalid payloadFormatIndicator: ${pfi}. Valid values are UNSPECIFIED_BYTES and UTF8_DATA`);
    }
    properties.payloadFormatIndicator = pfi;
  }
  const userProps = header(headers, 'x-amz-mqtt5-user-properties');
  if (userProps !== undefined) properties.userProperties = parseUserProperties(userProps);
  const correlation = header(headers, 'x-amz-mqtt5-correlation-data');
  if (correlation !== undefined) {
    if (!BASE64.test(correlation)) throw invalid('Invalid x-amz-mqtt5-correlation-data: expected base64');
    properties.correlationData = Buffer.from(correlation, 'base64');
  }
  return { topic, qos, retain, properties };
}

/** The most an MQTT 5 Message Expiry Interval can say (a four-byte integer, OASIS MQTT 5.0 §3.3.2.3.3). */
const MAX_EXPIRY_INTERVAL = 0xffff_ffff;

/** A Publish's properties as the broker carries them: user properties as ordered [name, value] pairs. */
export function toMqttProperties(p: Mqtt5PublishProperties): Properties | undefined {
  const out: Properties = {};
  if (p.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = p.payloadFormatIndicator === 'UTF8_DATA';
  if (p.messageExpiry !== undefined) out.messageExpiryInterval = Math.min(p.messageExpiry, MAX_EXPIRY_INTERVAL);
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) out.correlationData = p.correlationData;
  const pairs = (p.userProperties ?? []).flatMap((o) => Object.entries(o));
  if (pairs.length) out.userProperties = pairs;
  return Object.keys(out).length ? out : undefined;
}

/** GetRetainedMessage's `userProperties`: a blob holding the JSON array of one-entry objects, as Publish takes it. */
export function userPropertiesBlob(properties: Properties | undefined): string | undefined {
  const pairs = properties?.userProperties;
  if (!pairs?.length) return undefined;
  return Buffer.from(JSON.stringify(pairs.map(([k, v]) => ({ [k]: v }))), 'utf8').toString('base64');
}

/** nextToken: opaque to clients; encodes the last topic of the previous page so paging survives changes. */
export function encodeNextToken(lastTopic: string): string {
  return Buffer.from(`r1:${lastTopic}`, 'utf8').toString('base64url');
}

export function decodeNextToken(token: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  if (!text.startsWith('r1:')) throw invalid('Invalid nextToken');
  return text.slice(3);
}

export function parseMaxResults(value: string | null): number {
  if (value === null) return MAX_RESULTS_MAX;
  const n = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(n >= MAX_RESULTS_MIN && n <= MAX_RESULTS_MAX)) {
    throw invalid(`Invalid maxResults: ${value}. Valid range is ${MAX_RESULTS_MIN}-${MAX_RESULTS_MAX}`);
  }
  return n;
}

export interface RetainedPage {
  items: RetainedMessage[];
  nextToken?: string;
}

/** One page of retained messages in topic order, starting after the topic a token names (pure). */
export function pageRetained(all: readonly RetainedMessage[], maxResults: number, nextToken?: string): RetainedPage {
  const after = nextToken === undefined ? undefined : decodeNextToken(nextToken);
  const sorted = [...all].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((m) => m.topic > after);
  const items = rest.slice(0, maxResults);
  return rest.length > maxResults ? { items, nextToken: encodeNextToken(items[items.length - 1].topic) } : { items };
}

const payloadCap = (limits: IotDataLimits) => (limits.maxPayloadBytes > 0 ? Math.min(limits.maxPayloadBytes, MQTT_MAX_PAYLOAD) : MQTT_MAX_PAYLOAD);

/** Publish: `POST /topics/{topic}` → 200 with an empty body. */
export function publish(broker: DataPlaneBroker, limits: IotDataLimits = awsIotDataLimits): HttpHandler {
  return async (req) => {
    const { topic, qos, retain, properties } = parsePublishRequest(req.params.topic, req.query, req.headers, limits);
    if (req.body.length > payloadCap(limits)) {
      throw new EngineError('TooLarge', `The payload exceeds the maximum size of ${payloadCap(limits)} bytes`);
    }
    // An empty payload with retain=true clears the topic's retained message (MQTT [MQTT-3.3.1-10], AWS Publish docs).
    // The caller's message, not the engine's: taps must not take a Publish to `$aws/events/…` for a lifecycle event.
    const mqtt5 = toMqttProperties(properties);
    // Billed as AWS bills it (5 KB increments, MQTT 5 headers included), under its topic and HTTP_PUBLISH_CALLER.
    const opts = { origin: 'client', meteredAs: HTTP_PUBLISH_CALLER } as const;
    await broker.publish(mqtt5 ? { topic, payload: req.body, qos, retain, properties: mqtt5 } : { topic, payload: req.body, qos, retain }, opts);
    return {};
  };
}

/** GetRetainedMessage: `GET /retainedMessage/{topic}` → `{topic, payload, qos, lastModifiedTime, userProperties?}` or 404. */
export function getRetainedMessage(broker: DataPlaneBroker, limits: IotDataLimits = awsIotDataLimits): HttpHandler {
  return (req) => {
    const topic = req.params.topic;
    validateTopicName(topic, limits);
    const msg = broker.getRetained(topic);
    if (!msg) throw new EngineError('NotFound', `No retained message found for topic: ${topic}`);
    const json: Record<string, unknown> = { topic: msg.topic, payload: msg.payload.toString('base64'), qos: msg.qos, lastModifiedTime: msg.lastModifiedTime };
    const userProperties = userPropertiesBlob(msg.properties);
    if (userProperties !== undefined) json.userProperties = userProperties;
    return { json };
  };
}

/** ListRetainedMessages: `GET /retainedMessage?maxResults=&nextToken=` → `{retainedTopics, nextToken?}`. */
export function listRetainedMessages(broker: DataPlaneBroker): HttpHandler {
  return (req) => {
    const maxResults = parseMaxResults(req.query.get('maxResults'));
    const token = req.query.get('nextToken');
    const page = pageRetained(broker.listRetained(), maxResults, token === null || token === '' ? undefined : token);
    const retainedTopics = page.items.map((m) => ({
      topic: m.topic, payloadSize: m.payload.length, qos: m.qos, lastModifiedTime: m.lastModifiedTime,
    }));
    return { json: page.nextToken ? { retainedTopics, nextToken: page.nextToken } : { retainedTopics } };
  };
}

/** The routes of this file; `{topic+}` also accepts raw slashes in the topic. */
export function iotDataRoutes(broker: DataPlaneBroker, limits: Partial<IotDataLimits> = {}): Route[] {
  const l: IotDataLimits = {
    maxPayloadBytes: limits.maxPayloadBytes ?? awsIotDataLimits.maxPayloadBytes,
    maxTopicBytes: limits.maxTopicBytes ?? awsIotDataLimits.maxTopicBytes,
    maxTopicSlashes: limits.maxTopicSlashes ?? awsIotDataLimits.maxTopicSlashes,
  };
  return [
    { method: 'POST', path: '/topics/{topic+}', operation: 'Publish', handler: publish(broker, l), maxBodyBytes: payloadCap(l), rawBody: true },
    { method: 'GET', path: '/retainedMessage', operation: 'ListRetainedMessages', handler: listRetainedMessages(broker) },
    { method: 'GET', path: '/retainedMessage/{topic+}', operation: 'GetRetainedMessage', handler: getRetainedMessage(broker, l) },
  ];
}
