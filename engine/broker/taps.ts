import type { Disposable } from '../core/index.js';

/** A message as in-engine services see it (shadow requests, rules input). */
export interface TappedMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** Publisher's client id; null for the engine's own publishes. */
  clientId: string | null;
  time: number;
  /** The publisher's certificate id when it connected over mutual TLS (rules' `principal()`). */
  principal?: string;
  /** A client's last will, published by the broker for it (the shadow service ignores these, as AWS does). */
  will?: true;
}

export type TapHandler = (msg: TappedMessage) => void;

/**
 * In-engine subscribers: services see every matching publish after the broker stored and dispatched it,
 * without an MQTT connection of their own. Handlers must not throw and must not block (queue work instead).
 */
export class Taps {
  private readonly taps: Array<{ levels: string[]; handler: TapHandler }> = [];

  add(filter: string, handler: TapHandler): Disposable {
    const tap = { levels: filter.split('/'), handler };
    this.taps.push(tap);
    return { dispose: () => void this.taps.splice(this.taps.indexOf(tap) >>> 0, 1) };
  }

  get size(): number {
    return this.taps.length;
  }

  /** On every publish: the topic is split once, whatever the number of taps. */
  dispatch(msg: TappedMessage): void {
    const topic = msg.topic.split('/');
    const dollar = msg.topic.charCodeAt(0) === 36;
    for (const tap of this.taps) if (levelsMatch(tap.levels, topic, dollar)) tap.handler(msg);
  }
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

/** What services that publish need from the broker; `BrokerService` satisfies it. */
export interface Publisher {
  publish(msg: { topic: string; payload: Buffer; qos: 0 | 1; retain: boolean }): Promise<void>;
  /** See every publish matching an MQTT filter (a leading wildcard does not match `$` topics; name them). */
  tap(filter: string, handler: TapHandler): Disposable;
}
