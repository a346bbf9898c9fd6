import { TopicMemo, type Disposable, type Logger } from '../core/index.js';

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
  /** The publisher's certificate id when it connected over mutual TLS (rules' `principal()`). */
  principal?: string;
  /** A client's last will, published by the broker for it (the shadow service ignores these, as AWS does). */
  will?: true;
}

export type TapHandler = (msg: TappedMessage) => void;

interface Tap {
  filter: string;
  levels: string[];
  handler: TapHandler;
}

/** Told about a tap that threw: the error, the tap's filter, the topic, and how many taps have thrown so far. */
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

  constructor(private readonly report: TapErrorReport = reportOnStderr) {}

  /** Handler calls that threw since the start. */
  get errors(): number {
    return this.thrown;
  }

  add(filter: string, handler: TapHandler): Disposable {
    const tap = { filter, levels: filter.split('/'), handler };
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
        this.report(e, tap.filter, topic, ++this.thrown);
      }
    }
  }

  private match(topic: string): Tap[] {
    const levels = topic.split('/');
    const dollar = topic.charCodeAt(0) === 36;
    return this.taps.filter((tap) => levelsMatch(tap.levels, levels, dollar));
  }
}

/** Reported at 1, 10, 100, … errors per tap, so a tap that throws on every message does not flood the log. */
const worthReporting = (count: number) => Number.isInteger(Math.log10(count));

function reportOnStderr(error: unknown, filter: string, topic: string, count: number): void {
  if (worthReporting(count)) process.stderr.write(`thingbench: a tap on ${filter} threw on ${topic} (${count} so far): ${(error as Error)?.stack ?? String(error)}\n`);
}

/**
 * The broker as the engine's services see it: every tap they add is guarded, so a handler that throws is logged
 * (with the tap's filter and the topic) and counted, and never reaches the broker's publish path.
 */
export function guardedPublisher(pub: Publisher, logger: Logger): Publisher & { readonly tapErrors: number } {
  let errors = 0;
  const perFilter = new Map<string, number>();
  return {
    publish: (msg, opts) => pub.publish(msg, opts),
    tap: (filter, handler) => pub.tap(filter, (msg) => {
      try {
        handler(msg);
      } catch (e) {
        errors++;
        const count = (perFilter.get(filter) ?? 0) + 1;
        perFilter.set(filter, count);
        if (worthReporting(count)) {
          logger.log('error', 'broker.taps', `a consumer of ${filter} threw on ${msg.topic}; the message was delivered and stored anyway (${count} errors on this tap so far): ${(e as Error)?.message ?? String(e)}`, { filter, topic: msg.topic, count, stack: (e as Error)?.stack });
        }
      }
    }),
    get tapErrors() {
      return errors;
    },
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

export interface PublishOptions {
  /** `client` for what the engine publishes on a user's behalf (HTTP Publish, the UI); default `engine`. */
  origin?: MessageOrigin;
}

/** What services that publish need from the broker; `BrokerService` satisfies it. */
export interface Publisher {
  publish(msg: { topic: string; payload: Buffer; qos: 0 | 1; retain: boolean }, opts?: PublishOptions): Promise<void>;
  /** See every publish matching an MQTT filter (a leading wildcard does not match `$` topics; name them). */
  tap(filter: string, handler: TapHandler): Disposable;
}
