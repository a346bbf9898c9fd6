import type { Duplex } from 'node:stream';

/** Workarounds for aedes 1.2 behaviour, kept apart from the broker's own logic (each is covered by broker-standard tests). */

interface AedesPacket {
  payload: Buffer;
  qos: number;
  retain: boolean;
}

/**
 * aedes numbers a publish (brokerCounter) when `broker.publish` starts, may store it (retained, offline queues) before
 * it dispatches, and each subscriber drops a publish numbered below one it already received (client.js `dedupe`). So a
 * publish with a storing step was overtaken by a later one without, e.g. a retained publish followed by a plain one
 * in the same TCP read, and silently lost for live subscribers (aedes 1.2.0 does this with its memory persistence
 * too). Publishes therefore enter aedes one at a time, each once the previous one has been dispatched; the steps in
 * between are in-memory, so this costs microtasks, not fsyncs.
 */
export function serializePublishes(aedes: unknown): void {
  type Done = (err?: Error | null) => void;
  const broker = aedes as { publish(p: AedesPacket, c: unknown, d?: Done): void; mq: { emit(p: AedesPacket, cb?: () => void): void } };
  const publish = broker.publish.bind(broker);
  const emit = broker.mq.emit.bind(broker.mq);
  const starting = { payload: null as Buffer | null };
  let current: { payload: Buffer | null } | null = null; // the publish between numbering and dispatch
  const queue: Array<() => void> = [];
  const finish = (token: { payload: Buffer | null }) => {
    if (current !== token) return;
    const run = queue.shift();
    current = run ? starting : null;
    if (run) queueMicrotask(run);
  };
  broker.mq.emit = (packet, cb) => {
    const token = current;
    emit(packet, cb); // subscribers' dedupe runs synchronously in here
    if (token && token !== starting && packet.payload === token.payload) finish(token);
  };
  broker.publish = (packet, client, done) => {
    if (typeof client === 'function') [client, done] = [null, client as Done];
    // A QoS 0 publish with nothing to store is numbered and dispatched in one go: nothing can overtake it.
    if (!current && packet.qos === 0 && !packet.retain) return publish(packet, client, done);
    const run = () => {
      const token = { payload: packet.payload };
      current = token;
      publish(packet, client, (err) => {
        finish(token); // when it ended without a dispatch
        done?.(err);
      });
    };
    if (current) queue.push(run);
    else run();
  };
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
