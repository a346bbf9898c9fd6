/**
 * Raw MQTT 5 peers for the MQTT 5 conformance files: every packet the broker sends is seen as it is on the wire
 * (reason codes, properties), and the bytes a real client library would never send can be written as they are.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AttachPolicyCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, IoTClient } from '@aws-sdk/client-iot';
import { expect } from 'vitest';
import type { Packet } from 'mqtt-packet';
import type { LogEntry } from '../../../engine/core/index.js';
import { rawConnect, type RawPeer } from '../../integration/helpers/raw-mqtt.js';

/** A packet as mqtt-packet parses MQTT 5. */
export type Packet5 = Packet & {
  reasonCode?: number;
  sessionPresent?: boolean;
  granted?: number[];
  topic?: string;
  payload?: Buffer;
  qos?: number;
  retain?: boolean;
  messageId?: number;
  properties?: Record<string, unknown> & { reasonString?: string; subscriptionIdentifier?: number | number[]; userProperties?: Record<string, string | string[]> };
};

export interface Peer5 {
  peer: RawPeer;
  connack: Packet5;
  /** Next packet, which must be a `cmd`. */
  expect(cmd: string, ms?: number): Promise<Packet5>;
  send(packet: object): void;
}

export interface Connect5Options {
  clean?: boolean;
  keepalive?: number;
  properties?: object;
  will?: object;
  creds?: { key: string; cert: string; ca: string };
  /** Leave a refused CONNACK to the test instead of failing. */
  refusable?: boolean;
}

/** CONNECT at protocol level 5, and its CONNACK (accepted unless `refusable`). */
export async function connect5(port: number, clientId: string, opts: Connect5Options = {}): Promise<Peer5> {
  const peer = await rawConnect(port, '127.0.0.1', 5, opts.creds);
  peer.send({
    cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: opts.clean ?? true, clientId, keepalive: opts.keepalive ?? 60,
    properties: opts.properties, will: opts.will,
  } as Packet);
  const connack = (await peer.next()) as Packet5;
  expect(connack.cmd).toBe('connack');
  if (!opts.refusable) expect(connack.reasonCode, JSON.stringify(connack.properties)).toBe(0);
  return wrap(peer, connack);
}

export function wrap(peer: RawPeer, connack: Packet5): Peer5 {
  return {
    peer,
    connack,
    async expect(cmd, ms) {
      const p = (await peer.next(ms)) as Packet5;
      expect(p.cmd, JSON.stringify(p)).toBe(cmd);
      return p;
    },
    send: (packet) => peer.send(packet as Packet),
  };
}

let nextId = 1;
/** A packet identifier not used yet in this file. */
export const packetId = () => (nextId = nextId >= 65535 ? 1 : nextId + 1);

/** SUBSCRIBE and its SUBACK's reason codes. */
export async function subscribe5(c: Peer5, subscriptions: Array<{ topic: string; qos: number; nl?: boolean; rap?: boolean; rh?: number }>, properties?: object): Promise<number[]> {
  const messageId = packetId();
  c.send({ cmd: 'subscribe', messageId, subscriptions: subscriptions.map((s) => ({ nl: false, rap: false, rh: 0, ...s })), properties });
  const suback = await c.expect('suback');
  expect(suback.messageId).toBe(messageId);
  return suback.granted ?? [];
}

/** A QoS 1 PUBLISH and its PUBACK's reason code. */
export async function publish1(c: Peer5, topic: string, payload: string, properties?: object): Promise<number> {
  const messageId = packetId();
  c.send({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, messageId, retain: false, dup: false, properties });
  const puback = await c.expect('puback');
  expect(puback.messageId).toBe(messageId);
  return puback.reasonCode ?? 0;
}

/** A QoS 0 PUBLISH. */
export function publish0(c: Peer5, topic: string, payload: string, properties?: object): void {
  c.send({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: false, dup: false, properties });
}

/**
 * Proves that nothing else reached `receiver` before now: `sender` publishes a marker to `topic` (which `receiver`
 * subscribes to) and the receiver's very next packet is that marker.
 */
export async function markerArrives(sender: Peer5, receiver: Peer5, topic: string): Promise<void> {
  const payload = `marker-${packetId()}`;
  const messageId = packetId();
  sender.send({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, messageId, retain: false, dup: false });
  const check = (got: Packet5) => {
    expect(got.cmd, JSON.stringify(got)).toBe('publish');
    expect(got.topic).toBe(topic);
    expect(got.payload?.toString()).toBe(payload);
  };
  if (sender !== receiver) {
    const ack = await sender.expect('puback');
    expect([ack.messageId, ack.reasonCode ?? 0]).toEqual([messageId, 0]);
    return check(await receiver.expect('publish'));
  }
  // The client's own PUBACK and its copy of the marker may come in either order; nothing else may come first.
  const [first, second] = [(await sender.peer.next()) as Packet5, (await sender.peer.next()) as Packet5];
  const ack = first.cmd === 'puback' ? first : second;
  expect([ack.cmd, ack.messageId, ack.reasonCode ?? 0]).toEqual(['puback', messageId, 0]);
  check(first.cmd === 'puback' ? second : first);
}

/** Resolves with the DISCONNECT the broker sends, once the connection has closed after it [MQTT-3.14.4-1]. */
export async function disconnected(c: Peer5, ms = 5000): Promise<Packet5> {
  const d = await c.expect('disconnect', ms);
  await c.peer.closed;
  return d;
}

/** Subscription identifiers of a PUBLISH as a sorted list. */
export function subscriptionIds(p: Packet5): number[] {
  const ids = p.properties?.subscriptionIdentifier;
  return ids === undefined ? [] : (Array.isArray(ids) ? [...ids] : [ids]).sort((a, b) => a - b);
}

/** The log lines that name `clientId` and match `pattern` (in the message or its details). */
export function logsAbout(logs: LogEntry[], clientId: string, pattern: RegExp): LogEntry[] {
  return logs.filter((l) => {
    const text = `${l.message} ${JSON.stringify(l.details ?? {})}`;
    return text.includes(clientId) && pattern.test(text);
  });
}

/** An AWS departure explained in the deviation log for `clientId`. */
export function deviationFor(logs: LogEntry[], deviation: string, clientId: string): LogEntry | undefined {
  return logs.find((l) => l.source === 'broker.aws' && (l.details as { deviation?: string } | undefined)?.deviation === deviation && JSON.stringify(l.details).includes(clientId));
}

// ── hand-built packets: what client libraries refuse to send ─────────────────

/** A Variable Byte Integer. */
export function vbi(n: number): Buffer {
  const out: number[] = [];
  do {
    let d = n & 0x7f;
    n >>>= 7;
    if (n > 0) d |= 0x80;
    out.push(d);
  } while (n > 0);
  return Buffer.from(out);
}

const str = (s: string) => {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};

/** A whole packet: fixed header byte, Remaining Length, body. */
export function frame(first: number, ...body: Buffer[]): Buffer {
  const b = Buffer.concat(body);
  return Buffer.concat([Buffer.from([first]), vbi(b.length), b]);
}

/** An MQTT 5 PUBLISH with the property bytes given as they are (without their Property Length). */
export function rawPublish5(topic: string, props: Buffer, payload = 'x', qos = 0, messageId = 1): Buffer {
  const id = qos > 0 ? Buffer.from([messageId >> 8, messageId & 0xff]) : Buffer.alloc(0);
  return frame(0x30 | (qos << 1), str(topic), id, vbi(props.length), props, Buffer.from(payload));
}

/** An MQTT 5 CONNECT (clean start) with the property bytes given as they are. */
export function rawConnect5(clientId: string, props: Buffer, level = 5): Buffer {
  return frame(0x10, str('MQTT'), Buffer.from([level, 0x02, 0, 60]), vbi(props.length), props, str(clientId));
}

// ── devices with policies (mutual TLS) ───────────────────────────────────────

export const ACCOUNT = 'arn:aws:iot:us-east-1:000000000000';

/** A certificate issued by the engine (AWS SDK v3 against its endpoint) with a policy of `statements` attached. */
export async function deviceWithPolicy(httpUrl: string, dataDir: string, policyName: string, statements: object[]): Promise<{ key: string; cert: string; ca: string }> {
  const iot = new IoTClient({ endpoint: httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new CreatePolicyCommand({ policyName, policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
  await iot.send(new AttachPolicyCommand({ policyName, target: c.certificateArn }));
  iot.destroy();
  return { key: c.keyPair!.PrivateKey!, cert: c.certificatePem!, ca: fs.readFileSync(path.join(dataDir, 'security', 'root-ca.pem'), 'utf8') };
}
