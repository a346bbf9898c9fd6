import type { Duplex } from 'node:stream';
import { TopicMemo } from '../core/index.js';

/**
 * Workarounds for aedes 1.2 behaviour, kept apart from the broker's own logic (each is covered by broker-standard tests).
 * Called by `aedes-adapter.ts`, whose AEDES_INTERNALS lists the private members used here and checks them at start.
 */

interface AedesPacket {
  cmd?: string;
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  dup?: boolean;
  messageId?: number;
  brokerId?: string;
  brokerCounter?: number;
  clientId?: string;
  properties?: object;
  messageExpiry?: number;
}

/**
 * aedes numbers a publish (brokerCounter) when `broker.publish` starts, may store it (retained, offline queues) before
 * it dispatches, and each subscriber drops a publish numbered below one it already received (client.js `dedupe`). So a
 * publish with a storing step was overtaken by a later one without, e.g. a retained publish followed by a plain one
 * in the same TCP read, and silently lost for live subscribers (aedes 1.2.0 does this with its memory persistence
 * too). Publishes that may store therefore enter aedes one at a time, each once the previous one has been
 * dispatched; the steps in between are in-memory, so this costs microtasks, not fsyncs.
 *
 * A publish that stores nothing (`mayStore` false), when none is in progress, is numbered and dispatched at once:
 * what aedes' pipeline would do for it (number it, hand it to the subscribers, call the `published` hook with the
 * publish as it came in), without the pipeline's per-step closures and promise hops.
 */
export function serializePublishes(aedes: unknown, mayStore: (packet: AedesPacket) => boolean, entering: (packet: AedesPacket, client: unknown) => void = noop): void {
  const broker = aedes as SerialBroker;
  const publish = broker.publish.bind(broker);
  const emit = broker.mq.emit.bind(broker.mq);
  // The publish between numbering and dispatch (`started` once aedes took it); then those waiting.
  let current: SerialPublish | null = null;
  const waiting: SerialPublish[] = [];
  const next = () => {
    const later = waiting.shift();
    current = later ?? null;
    if (later) queueMicrotask(() => later.start(publish, finish));
  };
  const finish = (p: SerialPublish) => {
    if (current === p) next();
  };
  broker.mq.emit = (packet, cb) => {
    const p = current;
    emit(packet, cb); // subscribers' dedupe runs synchronously in here
    if (p?.started && packet.payload === p.packet.payload) finish(p);
  };
  broker.publish = (packet, client, done) => {
    if (typeof client === 'function') [client, done] = [null, client as Done];
    entering(packet, client);
    if (!current && !mayStore(packet) && levelCount(packet.topic) <= broker.maxTopicLevels) {
      const numbered: AedesPacket = {
        cmd: 'publish', brokerId: broker.id, brokerCounter: ++broker.counter, topic: packet.topic,
        payload: packet.payload ?? EMPTY, qos: packet.qos ?? 0, retain: false, dup: false, messageId: undefined,
      };
      const from = client as { id?: string } | null;
      if (from?.id) numbered.clientId = from.id;
      if (packet.properties) numbered.properties = packet.properties;
      if (packet.messageExpiry !== undefined) numbered.messageExpiry = packet.messageExpiry;
      emit(numbered, () => broker.published(packet, client, done ?? noop));
      return;
    }
    const p = new SerialPublish(packet, client, done);
    if (current) waiting.push(p);
    else {
      current = p;
      p.start(publish, finish);
    }
  };
}

const EMPTY = Buffer.alloc(0);
const noop = () => {};

interface SerialBroker {
  id: string;
  counter: number;
  maxTopicLevels: number;
  publish(p: AedesPacket, c: unknown, d?: Done): void;
  published(p: AedesPacket, c: unknown, d: Done): void;
  mq: { emit(p: AedesPacket, cb?: () => void): void };
}

function levelCount(topic: string): number {
  let n = 1;
  for (let i = topic.indexOf('/'); i >= 0; i = topic.indexOf('/', i + 1)) n++;
  return n;
}

type Done = (err?: Error | null) => void;

/** One publish of `serializePublishes` (a class, not closures: this runs per publish). */
class SerialPublish {
  started = false;

  constructor(readonly packet: AedesPacket, private readonly client: unknown, private readonly done: Done | undefined) {}

  start(publish: (p: AedesPacket, c: unknown, d: Done) => void, finish: (p: SerialPublish) => void): void {
    this.started = true;
    publish(this.packet, this.client, (err) => {
      finish(this); // when it ended without a dispatch
      this.done?.(err);
    });
  }
}

/**
 * aedes writes each delivery in its own setImmediate, and mqtt-packet uncorks after each packet, so a busy
 * subscriber costs one writev system call per message. Holding one extra cork until the next loop turn sends
 * everything written in this turn together.
 */
export function coalesceWrites(stream: Duplex): void {
  let corked = false;
  const uncork = () => {
    corked = false;
    stream.uncork();
  };
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      stream.cork();
      setImmediate(uncork);
    }
    return write(...args);
  }) as Duplex['write'];
}

/**
 * mqemitter asks its qlobber trie for a publish's subscribers on every publish, splitting the topic each time, while
 * devices publish to the same few topics again and again. The answers are kept per topic until a subscription
 * changes (any add or remove clears them all), bounded so that a flood of distinct topics cannot grow memory.
 */
export function cacheTopicMatches(aedes: unknown, maxTopics = 10_000): void {
  type Matcher = { match(topic: string): unknown[]; add(...a: unknown[]): unknown; remove(...a: unknown[]): unknown; clear(): unknown };
  const matcher = (aedes as { mq: { _matcher: Matcher } }).mq._matcher;
  const cache = new TopicMemo(matcher.match.bind(matcher), maxTopics);
  matcher.match = (topic) => cache.get(topic);
  for (const change of ['add', 'remove', 'clear'] as const) {
    const original = matcher[change].bind(matcher) as (...a: unknown[]) => unknown;
    matcher[change] = (...args: unknown[]) => {
      cache.clear();
      return original(...args);
    };
  }
}
