import { topicMatches } from '../contract/index.js';
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
}

export type TapHandler = (msg: TappedMessage) => void;

/**
 * In-engine subscribers: services see every matching publish after the broker stored and dispatched it,
 * without an MQTT connection of their own. Handlers must not throw and must not block (queue work instead).
 */
export class Taps {
  private readonly taps: Array<{ filter: string; handler: TapHandler }> = [];

  add(filter: string, handler: TapHandler): Disposable {
    const tap = { filter, handler };
    this.taps.push(tap);
    return { dispose: () => void this.taps.splice(this.taps.indexOf(tap) >>> 0, 1) };
  }

  get size(): number {
    return this.taps.length;
  }

  dispatch(msg: TappedMessage): void {
    for (const tap of this.taps) if (topicMatches(tap.filter, msg.topic)) tap.handler(msg);
  }
}

/** What services that publish need from the broker; `BrokerService` satisfies it. */
export interface Publisher {
  publish(msg: { topic: string; payload: Buffer; qos: 0 | 1; retain: boolean }): Promise<void>;
  /** See every publish matching an MQTT filter (a leading wildcard does not match `$` topics; name them). */
  tap(filter: string, handler: TapHandler): Disposable;
}
