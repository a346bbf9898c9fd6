/**
 * The evaluation context of one message. Create one per message and pass it to every matching rule: the payload
 * is parsed at most once, on first use, however many rules read it; topic levels and the timestamp likewise.
 */
import { randomUUID } from 'node:crypto';
import { jsonTooDeep } from './limits.js';
import type { SqlValue } from './values.js';

/** One message as the rules engine sees it. */
export interface SqlMessage {
  topic: string;
  payload: Uint8Array;
  /** MQTT client id of the publisher; absent or null when the message did not come over MQTT (`clientid()` = "n/a"). */
  clientId?: string | null;
  /** `principal()`: certificate thumbprint, `roleId:session` or user id. */
  principal?: string;
  /** `traceid()`: the message's trace id; absent when not sent over MQTT (then Undefined). */
  traceId?: string;
  /** Epoch ms at which the rules engine received the message (`timestamp()`); defaults to `env.now()`. */
  timestamp?: number;
  /** `sourceip()`. */
  sourceIp?: string;
  /** MQTT 5 properties for `get_mqtt_property()` and `get_user_properties()`. */
  mqtt5?: Mqtt5Properties;
  /** `topic` split at `/`, when the caller has split it already. */
  topicLevels?: string[];
}

export interface Mqtt5Properties {
  contentType?: string;
  responseTopic?: string;
  correlationData?: Uint8Array;
  payloadFormatIndicator?: 0 | 1;
  userProperties?: Array<[string, string]>;
}

/** What functions that reach outside the message need; everything is optional and injected by the rules service. */
export interface SqlEnvironment {
  /** `accountid()`. */
  accountId?: string;
  now?(): number;
  newUuid?(): string;
  random?(): number;
  /**
   * `get_thing_shadow(thing[, shadowName], roleArn)`: the shadow document (with `state`, `metadata`, `version`,
   * `timestamp`), or undefined when it does not exist. Synchronous: the closure runs inline on the message path.
   */
  getThingShadow?(thingName: string, shadowName: string | undefined): SqlValue;
  /** External functions (`aws_lambda`, `get_dynamodb`, `get_secret`, …); absent → they evaluate to Undefined. */
  callExternal?(name: string, args: SqlValue[]): SqlValue;
}

const UNPARSED: unique symbol = Symbol('unparsed');
/** Bytes a JSON text can start with (after blanks): { [ " - 0-9 t f n, and a UTF-8 BOM. */
const JSON_START = new Uint8Array(256);
for (const c of '{["-0123456789tfn') JSON_START[c.charCodeAt(0)] = 1;
JSON_START[0xef] = 1;

export type PayloadKind = 'json' | 'empty' | 'binary';

export class MessageContext {
  private parsed: SqlValue | typeof UNPARSED = UNPARSED;
  private kind: PayloadKind = 'binary';
  private levels: string[] | undefined;
  private receivedAt: number | undefined;

  constructor(readonly message: SqlMessage, readonly env: SqlEnvironment = {}) {}

  get topic(): string { return this.message.topic; }

  /** The parsed payload, or Undefined when it is empty or not JSON. Parsed once, on first use. */
  json(): SqlValue {
    if (this.parsed === UNPARSED) this.parse();
    return this.parsed as SqlValue;
  }

  payloadKind(): PayloadKind {
    if (this.parsed === UNPARSED) this.parse();
    return this.kind;
  }

  /** Whether the payload has been parsed: lets tests and benchmarks check it is parsed once. */
  get isParsed(): boolean { return this.parsed !== UNPARSED; }

  topicLevels(): string[] {
    return (this.levels ??= this.message.topicLevels ?? this.message.topic.split('/'));
  }

  timestamp(): number {
    return (this.receivedAt ??= this.message.timestamp ?? (this.env.now ? this.env.now() : Date.now()));
  }

  newUuid(): string { return this.env.newUuid ? this.env.newUuid() : randomUUID(); }
  random(): number { return this.env.random ? this.env.random() : Math.random(); }

  private parse(): void {
    const p = this.message.payload;
    this.parsed = undefined;
    if (p.length === 0) { this.kind = 'empty'; return; }
    // A payload whose first non-blank byte cannot start JSON is binary: skip JSON.parse and its costly SyntaxError.
    let i = 0;
    while (i < p.length && (p[i] === 0x20 || p[i] === 0x09 || p[i] === 0x0a || p[i] === 0x0d)) i++;
    if (i < p.length && !JSON_START[p[i]]) { this.kind = 'binary'; return; }
    const text = Buffer.isBuffer(p) ? p.toString('utf8') : Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('utf8');
    if (jsonTooDeep(text)) { this.kind = 'binary'; return; }
    try {
      this.parsed = JSON.parse(text) as SqlValue;
      this.kind = 'json';
    } catch {
      this.kind = 'binary';
    }
  }
}
