import type { Duplex } from 'node:stream';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { NetworkLink } from '../faults/index.js';
import type { CommandBehaviour, DeviceSpec } from './device-spec.js';
import type { State } from './shadow-state.js';

const FOREVER = 2_000_000_000; // mqtt.js' own connect timer: effectively off, the device clock decides.

/**
 * One connection attempt of a device: an MQTT.js client with the spec's identity, keep-alive and will, no automatic
 * reconnect (the device runs its own back-off), its stream built through the device's network link (where network
 * faults and partitions act). Call `connect()` on it once the listeners are attached.
 */
export function deviceClient(spec: DeviceSpec, link: NetworkLink): MqttClient {
  const { connection, will, clientId } = spec;
  const v5 = (connection.protocolVersion ?? 4) === 5;
  const opts: IClientOptions = {
    clientId,
    protocolVersion: connection.protocolVersion ?? 4,
    keepalive: connection.keepaliveSec ?? 60,
    clean: connection.clean ?? true,
    ...(connection.sessionExpirySec !== undefined && v5 ? { properties: { sessionExpiryInterval: connection.sessionExpirySec } } : {}),
    reconnectPeriod: 0,
    connectTimeout: FOREVER,
    manualConnect: true,
    ...(will ? { will: {
      topic: will.topic, payload: Buffer.from(will.payload), qos: will.qos ?? 0, retain: will.retain ?? false,
      ...(will.delaySec !== undefined && v5 ? { properties: { willDelayInterval: will.delaySec } } : {}),
    } } : {}),
    ...(connection.tls ?? {}),
    ...(connection.login ? { username: connection.login.username, ...(connection.login.password !== undefined ? { password: connection.login.password } : {}) } : {}),
  };
  const client = mqtt.connect(connection.url, opts);
  // MQTT.js 5 builds each connection's stream (tcp, tls, ws) with this; the link wraps whatever it builds.
  const build = client['streamBuilder'];
  client['streamBuilder'] = (c: MqttClient) => link.wrap(() => build(c) as Duplex);
  return client;
}

/** A command's reply: where it goes, its body and publish options (MQTT 5 correlation data carried back). */
export function commandReply(
  commands: CommandBehaviour, topic: string, payload: Buffer, packet: IPublishPacket, ctx: { thingName: string; state: State },
): { replyTopic: string; body: unknown; opts: { qos: 1; properties?: { correlationData: Buffer } } } {
  const request = parseObject(payload);
  const props = packet.properties;
  const configured = commands.replyTopic ?? '{topic}/reply';
  const replyTopic = props?.responseTopic
    ?? (typeof request?.replyTopic === 'string' ? request.replyTopic : undefined)
    ?? (typeof configured === 'function' ? configured(request ?? {}, topic) : configured.replaceAll('{topic}', topic));
  let body: unknown;
  if (!request) body = { status: 'error', message: 'the request is not a JSON object' };
  else {
    try {
      body = commands.handle ? commands.handle(request, { thingName: ctx.thingName, topic, state: ctx.state }) : { status: 'ok', command: request.command ?? null };
    } catch (e) {
      body = { status: 'error', message: (e as Error).message };
    }
  }
  // Without MQTT 5 correlation data the JSON body carries the request's correlation field back.
  if (request && !props?.correlationData && typeof body === 'object' && body !== null) {
    const keys = commands.correlateField === null ? [] : commands.correlateField ? [commands.correlateField] : ['correlationId', 'clientToken'];
    for (const key of keys) if (request[key] !== undefined) (body as State)[key] = request[key];
  }
  const opts = props?.correlationData ? { qos: 1 as const, properties: { correlationData: props.correlationData } } : { qos: 1 as const };
  return { replyTopic, body, opts };
}

export function parseObject(payload: Buffer): State | undefined {
  try {
    const v: unknown = JSON.parse(payload.toString('utf8'));
    return isState(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export const isState = (v: unknown): v is State => typeof v === 'object' && v !== null && !Array.isArray(v);
