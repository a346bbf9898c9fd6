import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { EngineError, systemClock, type Clock, type Disposable } from '../../core/index.js';
import { toMessageProperties, topicMatches, type MessageBatch, type MessageProperties, type MessageRecord, type MessageQuery } from '../../contract/index.js';
import { encodeLine, type RecordedMessage } from './recording-format.js';

/**
 * What a recording reads from a local engine: its live capture (`broker.messages` batches, which know each
 * publisher's client id) and its message history (full payloads, and what a busy live feed left out).
 * An `Engine` is one.
 */
export interface CaptureSource {
  events: { on(name: 'broker.messages', listener: (batch: MessageBatch) => void): Disposable };
  api: { broker: { message(id: number): Promise<MessageRecord | null>; messages(query?: MessageQuery): Promise<MessageRecord[]> } };
}

export type RecordSource =
  /**
   * A local engine: the publisher's client id of every message is kept. `clientsOnly` leaves out what the engine
   * published itself (shadow responses, presence events, rule republishes), which a replay into an engine would
   * only duplicate.
   */
  | { engine: CaptureSource; clientsOnly?: boolean }
  /** Any MQTT broker, through an MQTT 5 subscriber (properties kept; publishers unknown). */
  | { mqttUrl: string; clientId?: string; connectTimeoutMs?: number; tls?: TlsFiles; login?: MqttLogin };

/** An MQTT username and password (a plain broker's login). */
export interface MqttLogin {
  username: string;
  password?: string;
}

/** PEM texts for mqtts:// and wss://: a client certificate and key (mutual TLS) and the CA that signed the server. */
export interface TlsFiles {
  cert?: string;
  key?: string;
  ca?: string;
}

export interface RecordOptions {
  /** Topic filters to record (`+`, `#`). */
  filters: string[];
  /** The JSON-lines file to write (created or replaced). */
  out: string;
  source: RecordSource;
  /** Arrival times for an MQTT source (an engine source uses the engine's own capture times). */
  clock?: Clock;
  /** Called for each message written. */
  onMessage?: (msg: RecordedMessage) => void;
}

export interface RecordSummary {
  messages: number;
  clients: number;
  /** Offset of the last message. */
  durationMs: number;
  /** Messages the engine's history had let go of before they could be written (a very busy engine). */
  lost: number;
  file: string;
}

export interface Recording {
  /** Messages written so far. */
  readonly count: number;
  /** Stops listening, writes what is still on its way, closes the file. Safe to call twice. */
  stop(): Promise<RecordSummary>;
}

/** Starts recording; resolves once the source is listening (an MQTT source: subscribed). */
export async function record(opts: RecordOptions): Promise<Recording> {
  if (!opts.filters.length) throw new EngineError('InvalidInput', 'at least one topic filter is needed');
  for (const f of opts.filters) {
    const bad = !f || f.split('/').some((level, i, all) => (level.includes('#') && (level !== '#' || i !== all.length - 1)) || (level.includes('+') && level !== '+'));
    if (bad) throw new EngineError('InvalidInput', `"${f}" is not a valid topic filter`);
  }
  // The directory is checked first, the file replaced only once the source listens: a refused connection leaves an
  // earlier recording of the same name alone.
  try {
    fs.accessSync(path.dirname(path.resolve(opts.out)), fs.constants.W_OK);
  } catch (e) {
    throw new EngineError('InvalidInput', `cannot write ${opts.out}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (e as Error).message}`);
  }
  /** Lines that arrived before the file was opened (messages may come while the subscription completes). */
  const early: string[] = [];
  const sink: { file?: fs.WriteStream } = {};
  let first: number | undefined;
  let count = 0;
  let lost = 0;
  let lastT = 0;
  const clients = new Set<string>();
  const write = (time: number, m: Omit<RecordedMessage, 't'>) => {
    first ??= time;
    const msg: RecordedMessage = { t: Math.max(0, time - first), ...m };
    if (m.clientId !== undefined) clients.add(m.clientId);
    const line = encodeLine(msg) + '\n';
    if (sink.file) sink.file.write(line);
    else early.push(line);
    count++;
    lastT = msg.t;
    opts.onMessage?.(msg);
  };

  const close = 'engine' in opts.source
    ? await fromEngine(opts.source.engine, opts.filters, opts.source.clientsOnly === true, write, (n) => (lost += n))
    : await fromMqtt(opts.source, opts.filters, opts.clock ?? systemClock, write);
  const out = fs.createWriteStream(opts.out, { flags: 'w' });
  try {
    await once(out, 'open');
  } catch (e) {
    await close();
    throw new EngineError('InvalidInput', `cannot write ${opts.out}: ${(e as Error).message}`);
  }
  for (const line of early.splice(0)) out.write(line);
  sink.file = out;
  let stopped: Promise<RecordSummary> | undefined;
  return {
    get count() {
      return count;
    },
    stop() {
      stopped ??= (async () => {
        await close();
        out.end();
        await once(out, 'finish');
        return { messages: count, clients: clients.size, durationMs: lastT, lost, file: opts.out };
      })();
      return stopped;
    },
  };
}

type Write = (time: number, m: Omit<RecordedMessage, 't'>) => void;

async function fromEngine(engine: CaptureSource, filters: string[], clientsOnly: boolean, write: Write, onLost: (n: number) => void): Promise<() => Promise<void>> {
  const matches = (m: MessageRecord) => (!clientsOnly || m.clientId !== null) && filters.some((f) => topicMatches(f, m.topic));
  // Messages are numbered in the order the broker saw them; a gap in a batch is a message the live feed left out.
  let lastId = (await engine.api.broker.messages({ limit: 1 }))[0]?.id ?? 0;
  let queue = Promise.resolve();
  const take = async (m: MessageRecord) => {
    if (!matches(m)) return;
    const full = m.truncated ? await engine.api.broker.message(m.id) : m;
    if (!full) return onLost(1);
    write(full.time, {
      topic: full.topic, qos: full.qos, retain: full.retain, payload: Buffer.from(full.payload, 'base64'),
      ...(full.clientId !== null ? { clientId: full.clientId } : {}),
      ...(full.properties ? { properties: full.properties } : {}),
    });
  };
  /** Takes the messages after the last one written, up to `id`, from the history. */
  const fillTo = async (id: number) => {
    for (let next = lastId + 1; next <= id; next++) {
      const missed = await engine.api.broker.message(next);
      if (missed) await take(missed);
      else onLost(1);
      lastId = next;
    }
  };
  const newestId = async () => (await engine.api.broker.messages({ limit: 1 }))[0]?.id ?? lastId;
  const handle = async (batch: MessageBatch) => {
    for (const m of batch.messages) {
      if (m.id <= lastId) continue;
      await fillTo(m.id - 1);
      await take(m);
      lastId = m.id;
    }
    // What the live feed left out may also come after the batch's last message.
    if (batch.dropped) await fillTo(await newestId());
  };
  const sub = engine.events.on('broker.messages', (batch) => {
    queue = queue.then(() => handle(batch)).catch(() => {});
  });
  return async () => {
    sub.dispose();
    // Messages the broker saw that the next live batch would have brought.
    queue = queue.then(async () => fillTo(await newestId())).catch(() => {});
    await queue;
  };
}

async function fromMqtt(src: { mqttUrl: string; clientId?: string; connectTimeoutMs?: number; tls?: TlsFiles; login?: MqttLogin }, filters: string[], clock: Clock, write: Write): Promise<() => Promise<void>> {
  const clientId = src.clientId ?? `thingbench-record-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  const client: MqttClient = mqtt.connect(src.mqttUrl, { clientId, protocolVersion: 5, clean: true, reconnectPeriod: 0, connectTimeout: src.connectTimeoutMs ?? 10_000, ...src.tls, ...src.login });
  // A connection error after CONNACK ends the recording's input; what was written stays.
  client.on('error', () => {});
  client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
    const properties = fromMqttJs(packet.properties);
    write(clock.now(), { topic, qos: packet.qos, retain: packet.retain, payload: Buffer.from(payload), ...(properties ? { properties } : {}) });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', (e) => reject(new EngineError('Unavailable', `cannot connect to ${src.mqttUrl}: ${e.message}`)));
      client.once('close', () => reject(new EngineError('Unavailable', `cannot connect to ${src.mqttUrl}: the connection closed before CONNACK`)));
    });
    // QoS 2 keeps each publisher's QoS; Retain As Published keeps its retain flag; Retain Handling 2: no stored
    // retained messages at subscribe time, only live traffic.
    const granted = await client.subscribeAsync(Object.fromEntries(filters.map((f) => [f, { qos: 2 as const, rap: true, rh: 2 }])));
    const refused = granted.find((g) => g.qos > 2);
    if (refused) throw new EngineError('Forbidden', `${src.mqttUrl} refused the subscription to "${refused.topic}" (reason code 0x${refused.qos.toString(16)})`);
  } catch (e) {
    client.end(true);
    throw e instanceof EngineError ? e : new EngineError('Unavailable', `cannot record from ${src.mqttUrl}: ${(e as Error).message}`);
  }
  // mqtt.js's end() on a connection the broker already closed never calls back.
  return async () => {
    if (client.connected) await client.endAsync().catch(() => client.end(true));
    else client.end(true);
  };
}

/** mqtt.js's received properties → the contract's (the shared converter); undefined when none is a message property. */
function fromMqttJs(p: IPublishPacket['properties']): MessageProperties | undefined {
  if (!p) return undefined;
  const out = toMessageProperties(p);
  return Object.keys(out).length ? out : undefined;
}
