/**
 * Where an MQTT 5 connection's outbound packets are encoded. aedes writes every packet through one call,
 * `mqttPacket.writeToStream(packet, client.conn)` (aedes 1.2 lib/write.js), always as MQTT 3.1.1. That call is
 * replaced once: a stream registered here as an MQTT 5 connection has its packets encoded by its Mqtt5Connection;
 * every other stream (MQTT 3.1.1 clients, in-process MQTT.js clients) gets mqtt-packet's own writer, unchanged.
 */
import { createRequire } from 'node:module';
import type { Mqtt5Connection, OutboundPacket } from './connection.js';

const connections = new WeakMap<object, Mqtt5Connection>();

/** The MQTT 5 connection writing to `stream`, if it is one. */
export function mqtt5Of(stream: object): Mqtt5Connection | undefined {
  return connections.get(stream);
}

/** From now on, what aedes writes to `stream` is encoded by `connection`. */
export function registerMqtt5(stream: object, connection: Mqtt5Connection): void {
  installOutboundEncoder();
  connections.set(stream, connection);
}

type WriteToStream = (packet: object, stream: NodeJS.WritableStream, opts?: object) => boolean;
let installed = false;

/** Routes mqtt-packet's writeToStream by stream (idempotent). */
export function installOutboundEncoder(): void {
  if (installed) return;
  installed = true;
  // Required here, not imported: mqtt-packet must first load after silence-packet-debug.ts has run.
  const mp = createRequire(import.meta.url)('mqtt-packet') as { writeToStream: WriteToStream };
  const original = mp.writeToStream;
  const routed: WriteToStream = (packet, stream, opts) => {
    const connection = connections.get(stream);
    return connection ? connection.write(packet as OutboundPacket) : original(packet, stream, opts);
  };
  mp.writeToStream = Object.assign(routed, original);
}
