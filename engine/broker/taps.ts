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

interface Tap {
  levels: string[];
  handler: TapHandler;
}

/**
 * In-engine subscribers: services see every matching publish after the broker stored and dispatched it,
 * without an MQTT connection of their own. Handlers must not throw and must not block (queue work instead).
 * Taps are grouped by their filter's first level, so a publish that no tap can match costs one map lookup.
 */
export class Taps {
  private readonly byFirstLevel = new Map<string, Tap[]>();
  /** Taps whose filter starts with a wildcard (they never match a `$` topic [MQTT-4.7.2-1]). */
  private readonly wildFirst: Tap[] = [];
  private count = 0;

  add(filter: string, handler: TapHandler): Disposable {
    const tap = { levels: filter.split('/'), handler };
    const first = tap.levels[0];
    const group = first === '+' || first === '#' ? this.wildFirst : this.groupOf(first);
    group.push(tap);
    this.count++;
    return {
      dispose: () => {
        const at = group.indexOf(tap);
        if (at < 0) return;
        group.splice(at, 1);
        this.count--;
      },
    };
  }

  get size(): number {
    return this.count;
  }

  /** On every publish: `message` is built, and the topic split, only when some tap may match. */
  dispatch(topic: string, message: () => TappedMessage): void {
    const slash = topic.indexOf('/');
    const named = this.byFirstLevel.get(slash < 0 ? topic : topic.slice(0, slash));
    const dollar = topic.charCodeAt(0) === 36;
    const wild = dollar ? undefined : this.wildFirst;
    if (!named?.length && !wild?.length) return;
    const levels = topic.split('/');
    const msg = named ? this.run(named, levels, undefined, message) : undefined;
    if (wild) this.run(wild, levels, msg, message);
  }

  /** Calls the group's matching taps; returns the message if one was built. (No closure: this runs per publish.) */
  private run(group: Tap[], levels: string[], built: TappedMessage | undefined, message: () => TappedMessage): TappedMessage | undefined {
    let msg = built;
    for (const tap of group.slice()) if (levelsMatch(tap.levels, levels)) tap.handler((msg ??= message()));
    return msg;
  }

  private groupOf(first: string): Tap[] {
    let group = this.byFirstLevel.get(first);
    if (!group) this.byFirstLevel.set(first, (group = []));
    return group;
  }
}

/** MQTT 3.1.1 §4.7 matching on pre-split levels (`$` topics are kept from leading wildcards by the caller). */
function levelsMatch(filter: string[], topic: string[]): boolean {
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
