import type { Duplex } from 'node:stream';

/** Workarounds for aedes 1.2 behaviour, kept apart from the broker's own logic (each is covered by broker-standard tests). */

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
}

/**
 * aedes numbers a publish (brokerCounter) when `broker.publish` starts, may store it (retained, offline queues) before
 * it dispatches, and each subscriber drops a publish numbered below one it already received (client.js `dedupe`). So a
 * publish with a storing step was overtaken by a later one without, e.g. a retained publish followed by a plain one
 * in the same TCP read, and silently lost for live subscribers (aedes 1.2.0 does this with its memory persistence
 * too). Publishes therefore enter aedes one at a time, each once the previous one has been dispatched; the steps in
 * between are in-memory, so this costs microtasks, not fsyncs.
 */
export function serializePublishes(aedes: unknown): DirectDispatch {
  const broker = aedes as SerialBroker;
  const publish = broker.publish.bind(broker);
  const emit = broker.mq.emit.bind(broker.mq);
  // The publish between numbering and dispatch (`dispatched` false until mq.emit saw its payload); then those waiting.
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
    // A QoS 0 publish with nothing to store is numbered and dispatched in one go: nothing can overtake it.
    if (!current && packet.qos === 0 && !packet.retain) return publish(packet, client, done);
    const p = new SerialPublish(packet, client, done);
    if (current) waiting.push(p);
    else {
      current = p;
      p.start(publish, finish);
    }
  };
  return {
    dispatch(packet, done) {
      if (current || packet.retain || levelCount(packet.topic) > broker.maxTopicLevels) return false;
      // What aedes' publish pipeline does for a publish with nothing to store: number it, hand it to the
      // subscribers, then call the `published` hook; without its steps' closures and promise hops.
      const numbered: AedesPacket = {
        cmd: 'publish', brokerId: broker.id, brokerCounter: ++broker.counter, topic: packet.topic,
        payload: packet.payload, qos: packet.qos, retain: false, dup: false, messageId: undefined,
      };
      broker.mq.emit(numbered, () => broker.published(numbered, null, done));
      return true;
    },
  };
}

/** The engine's own publishes that store nothing skip aedes' publish pipeline (see serializePublishes). */
export interface DirectDispatch {
  /**
   * Dispatches `packet` now and calls `done` once the `published` hook ran; returns false, doing nothing, when it
   * must go through `broker.publish` instead (retained, a serialized publish in progress, too many topic levels).
   * Call it only when no persistent session would queue the message.
   */
  dispatch(packet: AedesPacket, done: Done): boolean;
}

interface SerialBroker {
  id: string;
  counter: number;
  maxTopicLevels: number;
  publish(p: AedesPacket, c: unknown, d?: Done): void;
  published(p: AedesPacket, c: null, d: Done): void;
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
  const cache = new Map<string, unknown[]>();
  const match = matcher.match.bind(matcher);
  matcher.match = (topic) => {
    let found = cache.get(topic);
    if (found === undefined) {
      if (cache.size >= maxTopics) cache.clear();
      found = match(topic);
      cache.set(topic, found);
    }
    return found;
  };
  for (const change of ['add', 'remove', 'clear'] as const) {
    const original = matcher[change].bind(matcher) as (...a: unknown[]) => unknown;
    matcher[change] = (...args: unknown[]) => {
      cache.clear();
      return original(...args);
    };
  }
}
