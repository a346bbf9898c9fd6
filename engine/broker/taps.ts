import { TopicMemo, type Disposable, type Logger } from '../core/index.js';
import type { Properties } from './mqtt5/properties.js';

/**
 * Who published a message. `engine`: the engine's own services and the broker's lifecycle events; `client`: anyone
 * else (an MQTT client or its will, HTTP Publish, the UI). A client may publish to any topic it is allowed to,
 * `$aws/events/…` included, so only `engine` messages may be trusted as what their topic says they are.
 */
export type MessageOrigin = 'engine' | 'client';

/** A message as in-engine services see it (shadow requests, rules input). */
export interface TappedMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** Publisher's client id; null for the engine's own publishes and HTTP Publish. */
  clientId: string | null;
  origin: MessageOrigin;
  time: number;
  /** Its id in the message history (`broker.message(id)`), for tracing the message through the rules. */
  messageId: number;
  /** The publisher's certificate id when it connected over mutual TLS (rules' `principal()`). */
  principal?: string;
  /** A client's last will, published by the broker for it (the shadow service ignores these, as AWS does). */
  will?: true;
  /** The message's MQTT 5 properties (user properties as ordered pairs); absent when it had none (MQTT 3.1.1). */
  properties?: Properties;
  /**
   * Where an engine publish came from, as its publisher said (`PublishOptions.lineage`): the rules whose republishes
   * produced it, oldest first. Absent for everything else, and never present on a client's publish.
   */
  lineage?: readonly string[];
}

export type TapHandler = (msg: TappedMessage) => void;

interface Tap {
  filter: string;
  levels: string[];
  handler: TapHandler;
  thrown: number;
}

/** Told about a tap that threw: the error, the tap's filter, the topic, and how many times that tap has thrown. */
export type TapErrorReport = (error: unknown, filter: string, topic: string, count: number) => void;

/**
 * In-engine subscribers: services see every matching publish after the broker stored and dispatched it,
 * without an MQTT connection of their own. Handlers must not block (queue work instead) and should not throw: one
 * that does is caught, counted and reported, and the other taps and the broker's publish path go on (ARCHITECTURE §6).
 * Which taps a topic reaches is worked out once per topic and remembered until a tap is added or removed (bounded,
 * like the broker's own subscriber lookup), so a publish that no tap wants costs one map lookup.
 */
export class Taps {
  private readonly taps: Tap[] = [];
  private readonly byTopic = new TopicMemo((topic) => this.match(topic));
  private thrown = 0;

  constructor(private readonly report: TapErrorReport) {}

  /** Handler calls that threw since the start. */
  get errors(): number {
    return this.thrown;
  }

  add(filter: string, handler: TapHandler): Disposable {
    const tap: Tap = { filter, levels: filter.split('/'), handler, thrown: 0 };
    this.taps.push(tap);
    this.byTopic.clear();
    return {
      dispose: () => {
        const at = this.taps.indexOf(tap);
        if (at < 0) return;
        this.taps.splice(at, 1);
        this.byTopic.clear();
      },
    };
  }

  get size(): number {
    return this.taps.length;
  }

  /** On every publish: `message` is built only when some tap matches, and once however many do. */
  dispatch(topic: string, message: () => TappedMessage): void {
    const matching = this.byTopic.get(topic);
    if (matching.length === 0) return;
    const msg = message();
    for (const tap of matching) {
      try {
        tap.handler(msg);
      } catch (e) {
        this.thrown++;
        this.report(e, tap.filter, topic, ++tap.thrown);
      }
    }
  }

  private match(topic: string): Tap[] {
    const levels = topic.split('/');
    const dollar = topic.charCodeAt(0) === 36;
    return this.taps.filter((tap) => levelsMatch(tap.levels, levels, dollar));
  }
}

/**
 * Reports a tap's errors in the engine log, at its 1st, 10th, 100th, … error, so a tap that throws on every message
 * does not flood the log.
 */
export function logTapErrors(logger: Logger): TapErrorReport {
  return (error, filter, topic, count) => {
    if (!Number.isInteger(Math.log10(count))) return;
    const reason = (error as Error)?.message ?? String(error);
    logger.log('error', 'broker.taps', `a consumer of ${filter} threw on ${topic}; the message was delivered and stored anyway (${count} errors on this tap so far): ${reason}`, { filter, topic, count, stack: (error as Error)?.stack });
  };
}

/** MQTT 3.1.1 §4.7 matching on pre-split levels; a leading wildcard does not match a `$` topic [MQTT-4.7.2-1]. */
function levelsMatch(filter: string[], topic: string[], dollar: boolean): boolean {
  if (dollar && (filter[0] === '#' || filter[0] === '+')) return false;
  for (let i = 0; i < filter.length; i++) {
    const level = filter[i];
    if (level === '#') return true;
    if (i >= topic.length || (level !== '+' && level !== topic[i])) return false;
  }
  return filter.length === topic.length;
}

/** The origin of an engine publish, carried with the message to the taps (`TappedMessage.origin` and `.lineage`). */
export interface PublishOptions {
  /** `client` for what the engine publishes on a user's behalf (HTTP Publish, the UI); default `engine`. */
  origin?: MessageOrigin;
  /**
   * The producers that led to this publish, oldest first (the rules whose republishes produced it): handed to the taps
   * unchanged as `TappedMessage.lineage`, so a consumer knows a message by what its publisher said, not by its bytes.
   */
  lineage?: readonly string[];
  /** A publish AWS bills though no client sent it (the data plane's HTTP Publish): metered under this name and its topic. */
  meteredAs?: string;
}

/** A message the engine publishes: with `properties`, it reaches MQTT 5 subscribers, taps and rules as an MQTT 5 message. */
export interface OutgoingMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
  /** MQTT 5 message properties (payload format, expiry, content type, response topic, correlation data, user properties). */
  properties?: Properties;
}

/** What services that publish need from the broker; `BrokerService` satisfies it. */
export interface Publisher {
  publish(msg: OutgoingMessage, opts?: PublishOptions): Promise<void>;
  /** See every publish matching an MQTT filter (a leading wildcard does not match `$` topics; name them). */
  tap(filter: string, handler: TapHandler): Disposable;
}
