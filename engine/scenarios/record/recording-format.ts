/**
 * The recording file: JSON lines, one message per line, in the order the broker saw them.
 *
 *   {"t":0,"topic":"dev/1/telemetry","qos":1,"retain":false,"payload":"{\"temp\":21}","clientId":"dev-1"}
 *   {"t":250,"topic":"dev/1/raw","qos":0,"retain":false,"payload":"AAEC","encoding":"base64","clientId":"dev-1",
 *    "properties":{"contentType":"application/octet-stream","userProperties":[["k","v"]]}}
 *
 * `t` is milliseconds since the first message; `payload` is the UTF-8 text, or base64 with `"encoding":"base64"`
 * when the bytes are not valid UTF-8; `clientId` is the publisher's client id when it is known (absent otherwise);
 * `properties` are the message's MQTT 5 properties (contract shape: correlation data base64) when it had any.
 * Blank lines are ignored.
 */
import fs from 'node:fs/promises';
import { EngineError } from '../../core/index.js';
import type { MessageProperties } from '../../contract/index.js';

export interface RecordedMessage {
  /** Milliseconds since the first recorded message. */
  t: number;
  topic: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  payload: Buffer;
  /** The publisher's client id, when the recording knew it. */
  clientId?: string;
  properties?: MessageProperties;
}

/** At most this many problems are reported for one file; reading stops there. */
export const MAX_REPORTED_ERRORS = 10;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One JSON line (no newline) for a message. */
export function encodeLine(msg: RecordedMessage): string {
  let text: string | undefined;
  try {
    text = utf8.decode(msg.payload);
  } catch {
    text = undefined;
  }
  const line: Record<string, unknown> = { t: msg.t, topic: msg.topic, qos: msg.qos, retain: msg.retain };
  if (text !== undefined) line.payload = text;
  else {
    line.payload = msg.payload.toString('base64');
    line.encoding = 'base64';
  }
  if (msg.clientId !== undefined) line.clientId = msg.clientId;
  if (msg.properties && Object.keys(msg.properties).length) line.properties = msg.properties;
  return JSON.stringify(line);
}

export interface ParsedRecording {
  messages: RecordedMessage[];
  /** `FILE:line: what is wrong`, at most MAX_REPORTED_ERRORS; the recording is unusable when there is any. */
  errors: string[];
}

const KEYS = new Set(['t', 'topic', 'qos', 'retain', 'payload', 'encoding', 'clientId', 'properties']);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Reads a recording's text; `file` names it in the errors. */
export function parseRecording(text: string, file: string): ParsedRecording {
  const messages: RecordedMessage[] = [];
  const errors: string[] = [];
  const lines = text.split('\n');
  let previousT = 0;
  for (let i = 0; i < lines.length && errors.length < MAX_REPORTED_ERRORS; i++) {
    const raw = lines[i].replace(/\r$/, '');
    if (!raw.trim()) continue;
    const where = `${file}:${i + 1}`;
    const result = parseLine(raw, previousT);
    if (typeof result === 'string') errors.push(`${where}: ${result}`);
    else {
      previousT = result.t;
      messages.push(result);
    }
  }
  if (!errors.length && !messages.length) errors.push(`${file}:1: the recording has no messages`);
  return { messages, errors };
}

/** A message, or what is wrong with the line. */
function parseLine(raw: string, previousT: number): RecordedMessage | string {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    return `not valid JSON (${(e as Error).message})`;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'expected a JSON object per line';
  const o = v as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !KEYS.has(k));
  if (unknown) return `unknown field "${unknown}" (expected t, topic, qos, retain, payload, encoding, clientId, properties)`;
  if (typeof o.t !== 'number' || !Number.isFinite(o.t) || o.t < 0) return '"t" must be a number of milliseconds ≥ 0';
  if (o.t < previousT) return `"t" goes back in time (${o.t} after ${previousT}): lines must be in time order`;
  if (typeof o.topic !== 'string' || !o.topic) return '"topic" must be a non-empty string';
  if (/[+#\u0000]/.test(o.topic)) return `"topic" must be a topic name without wildcards (+, #), not "${o.topic}"`;
  if (o.qos !== 0 && o.qos !== 1 && o.qos !== 2) return '"qos" must be 0, 1 or 2';
  if (typeof o.retain !== 'boolean') return '"retain" must be true or false';
  if (typeof o.payload !== 'string') return '"payload" must be a string';
  if (o.encoding !== undefined && o.encoding !== 'base64') return '"encoding" must be "base64" when present';
  if (o.encoding === 'base64' && !BASE64.test(o.payload)) return '"payload" is not valid base64';
  if (o.clientId !== undefined && o.clientId !== null && (typeof o.clientId !== 'string' || !o.clientId)) return '"clientId" must be a non-empty string';
  const properties = o.properties === undefined ? undefined : parseProperties(o.properties);
  if (typeof properties === 'string') return properties;
  const msg: RecordedMessage = {
    t: o.t,
    topic: o.topic,
    qos: o.qos,
    retain: o.retain,
    payload: o.encoding === 'base64' ? Buffer.from(o.payload, 'base64') : Buffer.from(o.payload, 'utf8'),
  };
  if (typeof o.clientId === 'string') msg.clientId = o.clientId;
  if (properties) msg.properties = properties;
  return msg;
}

function parseProperties(v: unknown): MessageProperties | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return '"properties" must be an object';
  const p = v as Record<string, unknown>;
  const out: MessageProperties = {};
  for (const [k, value] of Object.entries(p)) {
    switch (k) {
      case 'payloadFormatIndicator':
        if (typeof value !== 'boolean') return '"properties.payloadFormatIndicator" must be true or false';
        out.payloadFormatIndicator = value;
        break;
      case 'messageExpiryInterval':
        if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 0xffffffff) return '"properties.messageExpiryInterval" must be whole seconds from 0 to 4294967295';
        out.messageExpiryInterval = value as number;
        break;
      case 'contentType':
      case 'responseTopic':
        if (typeof value !== 'string') return `"properties.${k}" must be a string`;
        out[k] = value;
        break;
      case 'correlationData':
        if (typeof value !== 'string' || !BASE64.test(value)) return '"properties.correlationData" must be base64';
        out.correlationData = value;
        break;
      case 'userProperties':
        if (!Array.isArray(value) || !value.every((pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && typeof pair[1] === 'string')) {
          return '"properties.userProperties" must be a list of [name, value] string pairs';
        }
        out.userProperties = (value as Array<[string, string]>).map(([n, s]) => [n, s]);
        break;
      default:
        return `unknown property "${k}" (expected payloadFormatIndicator, messageExpiryInterval, contentType, responseTopic, correlationData, userProperties)`;
    }
  }
  return out;
}

/**
 * Reads and checks a recording file (for the scenario runner's replay step). A missing file or a bad line is an
 * `InvalidInput` error whose message has one `FILE:line: what is wrong` per line and whose `details.errors` lists them.
 */
export async function readRecordingFile(file: string): Promise<RecordedMessage[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new EngineError('InvalidInput', `cannot read ${file}: ${why}`, { errors: [`${file}: ${why}`] });
  }
  const parsed = parseRecording(text, file);
  if (parsed.errors.length) throw new EngineError('InvalidInput', parsed.errors.join('\n'), { errors: parsed.errors });
  return parsed.messages;
}
