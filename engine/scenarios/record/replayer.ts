import mqtt, { type IClientPublishOptions, type MqttClient } from 'mqtt';
import { EngineError } from '../../core/index.js';
import type { MessageProperties } from '../../contract/index.js';
import type { RecordedMessage } from './recording-format.js';
import type { MqttLogin, TlsFiles } from './recorder.js';
import { systemReplayClock, type ReplayClock } from './replay-clock.js';

export interface ReplayOptions {
  /** The broker to publish to: mqtt://, mqtts://, ws:// or wss://. */
  mqttUrl: string;
  /** Playback rate: 2 plays twice as fast, 0.5 half as fast; Infinity publishes back to back (default 1). */
  speed?: number;
  /** How many times to play the recording; Infinity loops until `signal` aborts (default 1). */
  loops?: number;
  /** Put before every recorded client id (e.g. `replay-`); none by default, so the original publishers come back. */
  clientIdPrefix?: string;
  /** Client id for messages recorded without one (default `thingbench-replay-<pid>`). */
  anonymousClientId?: string;
  clock?: ReplayClock;
  /** Stops the replay after the message being published; the summary counts what went out. */
  signal?: AbortSignal;
  /** Called once each message is out (QoS 1/2: acknowledged), with the clock's time when it was sent and its lag in ms. */
  onPublished?: (msg: RecordedMessage, at: number, lagMs: number) => void;
  connectTimeoutMs?: number;
  /** Certificate, key and CA (PEM) for mqtts:// and wss://; every replayed client presents the same certificate. */
  tls?: TlsFiles;
  /** MQTT username and password for every replayed client. */
  login?: MqttLogin;
}

/** At most this many publish failures are described in a summary (all are counted). */
const MAX_ERRORS = 10;

export interface ReplaySummary {
  /** Messages published (QoS 1/2: acknowledged). */
  messages: number;
  /** Messages the broker refused, or that a closed connection could not send. */
  failed: number;
  /** The first few failures, one sentence each. */
  errors: string[];
  clients: number;
  /** Time from the first scheduled message to the last publish, on the replay clock. */
  durationMs: number;
  loops: number;
  /** How late publishes went out compared with their scheduled time. */
  lagMs: { mean: number; max: number };
}

/**
 * Plays a recording back as its original publishers: one MQTT 5 connection per recorded client id (connected before
 * the first message, so connecting costs no lag), each message at its offset divided by `speed`, with its QoS,
 * retain flag and properties. Order is kept: a message from another client than the previous one waits until the
 * previous one is out (QoS 1/2: acknowledged by the broker; QoS 0: a PINGREQ answered behind it).
 */
export async function replay(messages: readonly RecordedMessage[], opts: ReplayOptions): Promise<ReplaySummary> {
  const speed = opts.speed ?? 1;
  if (!(speed > 0)) throw new EngineError('InvalidInput', `speed must be a number above 0, not ${speed}`);
  const loops = opts.loops ?? 1;
  if (!(loops >= 1)) throw new EngineError('InvalidInput', `loops must be 1 or more, not ${loops}`);
  const clock = opts.clock ?? systemReplayClock;
  const anonymous = opts.anonymousClientId ?? `thingbench-replay-${process.pid}`;
  const idOf = (m: RecordedMessage) => (m.clientId === undefined ? anonymous : `${opts.clientIdPrefix ?? ''}${m.clientId}`);

  const ids = [...new Set(messages.map(idOf))];
  const clients = new Map<string, Connection>();
  try {
    for (const id of ids) clients.set(id, await connect(opts.mqttUrl, id, opts.connectTimeoutMs ?? 10_000, opts.tls, opts.login));
    // A loop starts where the previous one's last message was; a recording without any time span loops once a second.
    const period = messages.length && messages[messages.length - 1].t > 0 ? messages[messages.length - 1].t : 1000;
    const start = clock.now();
    let sent = 0;
    let failed = 0;
    const errors: string[] = [];
    let lagSum = 0;
    let lagMax = 0;
    let loop = 0;
    let previous: { id: string; qos: number; done: Promise<void> } | undefined;
    const pending = new Set<Promise<void>>();
    for (; loop < loops && !opts.signal?.aborted; loop++) {
      for (const msg of messages) {
        if (opts.signal?.aborted) break;
        const due = start + (loop * period + msg.t) / speed;
        const wait = due - clock.now();
        if (wait > 0) await clock.sleep(wait, opts.signal);
        if (opts.signal?.aborted) break;
        const id = idOf(msg);
        if (previous && previous.id !== id) {
          await previous.done;
          // A QoS 0 message has no acknowledgement: a PINGREQ round trip behind it shows the broker has read it.
          if (previous.qos === 0) await pingRoundTrip(clients.get(previous.id)!.client);
        }
        const sentAt = clock.now();
        const lag = Math.max(0, sentAt - due);
        lagSum += lag;
        lagMax = Math.max(lagMax, lag);
        const conn = clients.get(id)!;
        // No more QoS 1/2 messages unacknowledged than the broker's Receive Maximum [MQTT-4.9.0-2].
        if (msg.qos > 0) while (conn.inFlight.size >= conn.receiveMaximum) await Promise.race(conn.inFlight);
        const done = publish(conn.client, id, msg).then((error) => {
          if (error === undefined) {
            sent++;
            opts.onPublished?.(msg, sentAt, lag);
          } else {
            failed++;
            if (errors.length < MAX_ERRORS) errors.push(error);
          }
        });
        pending.add(done);
        if (msg.qos > 0) conn.inFlight.add(done);
        void done.then(() => {
          pending.delete(done);
          conn.inFlight.delete(done);
        });
        previous = { id, qos: msg.qos, done };
      }
    }
    await Promise.all(pending);
    const tried = sent + failed;
    return {
      messages: sent,
      failed,
      errors,
      clients: ids.length,
      durationMs: clock.now() - start,
      loops: loop,
      lagMs: { mean: tried ? lagSum / tried : 0, max: lagMax },
    };
  } finally {
    // mqtt.js's end() on a connection the broker already closed never calls back.
    await Promise.all([...clients.values()].map(({ client: c }) => (c.connected ? c.endAsync().catch(() => c.end(true)) : c.end(true))));
  }
}

interface Connection {
  client: MqttClient;
  /** The CONNACK's Receive Maximum (65,535 when it gives none). */
  receiveMaximum: number;
  inFlight: Set<Promise<void>>;
}

function connect(url: string, clientId: string, timeoutMs: number, tls?: TlsFiles, login?: MqttLogin): Promise<Connection> {
  const client = mqtt.connect(url, { clientId, protocolVersion: 5, clean: true, reconnectPeriod: 0, connectTimeout: timeoutMs, ...tls, ...login });
  client.setMaxListeners(0); // one 'close' listener per message awaiting its acknowledgement
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      client.end(true);
      reject(new EngineError('Unavailable', `cannot connect to ${url} as client "${clientId}": ${why}`));
    };
    const onError = (e: Error) => fail(e.message);
    const onClose = () => fail('the connection closed before CONNACK');
    client.once('connect', (connack) => {
      client.off('error', onError).off('close', onClose);
      // Later connection errors surface as failed publishes.
      client.on('error', () => {});
      resolve({ client, receiveMaximum: connack.properties?.receiveMaximum ?? 65_535, inFlight: new Set() });
    });
    client.once('error', onError);
    client.once('close', onClose);
  });
}

function pingRoundTrip(client: MqttClient): Promise<void> {
  if (!client.connected) return Promise.resolve();
  return new Promise((resolve) => {
    const onPacket = (packet: { cmd: string }) => {
      if (packet.cmd !== 'pingresp') return;
      client.off('packetreceive', onPacket).off('close', onClose);
      resolve();
    };
    const onClose = () => {
      client.off('packetreceive', onPacket);
      resolve();
    };
    client.on('packetreceive', onPacket).once('close', onClose);
    client.sendPing();
  });
}

/** Resolves with what went wrong, or undefined once the message is out (QoS 1/2: acknowledged). */
function publish(client: MqttClient, id: string, msg: RecordedMessage): Promise<string | undefined> {
  // mqtt.js would queue a message for a closed client until a reconnect that never comes (reconnectPeriod 0).
  if (!client.connected) return Promise.resolve(`client "${id}" could not publish to ${msg.topic}: the broker closed its connection`);
  const options: IClientPublishOptions = { qos: msg.qos, retain: msg.retain };
  if (msg.properties) options.properties = toMqttJs(msg.properties);
  return new Promise((resolve) => {
    // A QoS 1/2 message whose connection closes before its acknowledgement would otherwise wait for a reconnect.
    const onClose = () => resolve(`client "${id}" could not publish to ${msg.topic}: the broker closed its connection`);
    client.once('close', onClose);
    client.publish(msg.topic, msg.payload, options, (err) => {
      client.off('close', onClose);
      resolve(err ? `client "${id}" could not publish to ${msg.topic}: ${err.message}` : undefined);
    });
  });
}

/** Contract properties → mqtt.js's. mqtt.js groups user properties by name (each name's values stay in order). */
export function toMqttJs(p: MessageProperties): NonNullable<IClientPublishOptions['properties']> {
  const out: NonNullable<IClientPublishOptions['properties']> = {};
  if (p.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = p.payloadFormatIndicator;
  if (p.messageExpiryInterval !== undefined) out.messageExpiryInterval = p.messageExpiryInterval;
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) out.correlationData = Buffer.from(p.correlationData, 'base64');
  if (p.userProperties?.length) {
    const grouped: Record<string, string[]> = {};
    for (const [name, value] of p.userProperties) (grouped[name] ??= []).push(value);
    out.userProperties = Object.fromEntries(Object.entries(grouped).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
  }
  return out;
}
