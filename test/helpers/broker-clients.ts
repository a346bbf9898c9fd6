/**
 * Client-side helpers for the broker behaviour suites (test/integration/broker-*.test.ts): an mqtt.js client that
 * records every message from the first byte on, a raw MQTT socket built on mqtt-packet (to send what mqtt.js will not
 * and to see exactly which packets come back), child processes, and log lookups.
 */
import net from 'node:net';
import { spawn } from 'node:child_process';
import mqtt, { type IClientOptions, type IConnackPacket, type IPublishPacket, type MqttClient } from 'mqtt';
import * as mqttPacket from 'mqtt-packet';
import type { LogEntry } from '../../engine/core/index.js';
import { until } from './engine.js';

export interface Received {
  topic: string;
  payload: Buffer;
  retain: boolean;
  qos: number;
  dup: boolean;
  /** Date.now() on arrival. */
  at: number;
}

export interface Recorded {
  client: MqttClient;
  /** Every PUBLISH the client received, in order, recorded from before CONNACK (queued messages follow it at once). */
  messages: Received[];
  connack: IConnackPacket;
  /** Resolves when the connection closes, with the time it closed. */
  closed: Promise<number>;
}

/**
 * Connects mqtt.js with a message recorder attached before the connection exists, so nothing delivered right after
 * CONNACK (stored messages of a persistent session, retained messages) can be missed. Rejects on a refused CONNACK.
 */
export function open(urlOrPort: string | number, opts: IClientOptions = {}): Promise<Recorded> {
  const url = typeof urlOrPort === 'number' ? `mqtt://127.0.0.1:${urlOrPort}` : urlOrPort;
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  const messages: Received[] = [];
  client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
    messages.push({ topic, payload, retain: packet.retain, qos: packet.qos, dup: packet.dup, at: Date.now() });
  });
  const closed = new Promise<number>((resolve) => client.once('close', () => resolve(Date.now())));
  return new Promise((resolve, reject) => {
    client.once('connect', (connack) => resolve({ client, messages, connack, closed }));
    client.once('error', (e) => {
      client.end(true);
      reject(e);
    });
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
}

/** Ends every client that is still open, without waiting for the broker to notice. */
export async function closeAll(clients: Array<MqttClient | RawClient | undefined>): Promise<void> {
  await Promise.all(clients.splice(0).map(async (c) => {
    if (!c) return;
    if (c instanceof RawClient) return c.destroy();
    if (!c.disconnected) await c.endAsync(true).catch(() => {});
  }));
}

/** Messages received on one topic. */
export const on = (messages: Received[], topic: string) => messages.filter((m) => m.topic === topic);

/** A raw MQTT 3.1.1 connection: sends any packet mqtt-packet can encode and records every packet that comes back. */
export class RawClient {
  readonly packets: mqttPacket.Packet[] = [];
  readonly closed: Promise<number>;
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 });
  isClosed = false;

  private constructor(readonly socket: net.Socket) {
    this.parser.on('packet', (p) => this.packets.push(p));
    socket.on('data', (buf) => this.parser.parse(buf));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.isClosed = true;
      resolve(Date.now());
    }));
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Opens a socket and sends CONNECT; resolves with the CONNACK (use `connectOnly` to send CONNECT and not wait). */
  static async open(port: number, connect: Partial<mqttPacket.IConnectPacket> = {}): Promise<{ raw: RawClient; connack: mqttPacket.IConnackPacket }> {
    const raw = await RawClient.connect(port);
    raw.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: `raw-${Math.random().toString(16).slice(2)}`, ...connect } as mqttPacket.IConnectPacket);
    const connack = (await raw.next('connack')) as mqttPacket.IConnackPacket;
    return { raw, connack };
  }

  send(packet: mqttPacket.Packet): void {
    this.socket.write(mqttPacket.generate(packet));
  }

  /** Bytes as they are, for packets mqtt-packet refuses to encode. */
  sendBytes(bytes: number[] | Buffer): void {
    this.socket.write(Buffer.from(bytes));
  }

  /** Resolves with the first recorded packet of this kind (optionally after index `from`) once it arrives. */
  async next(cmd: mqttPacket.PacketCmd, from = 0, ms = 5000): Promise<mqttPacket.Packet> {
    const find = () => this.packets.slice(from).find((p) => p.cmd === cmd);
    await until(() => !!find() || this.isClosed, ms, `${cmd} packet`);
    const found = find();
    if (!found) throw new Error(`connection closed before a ${cmd} arrived (got ${this.packets.map((p) => p.cmd).join(', ') || 'nothing'})`);
    return found;
  }

  /**
   * Sends PINGREQ and resolves once PINGRESP arrives. aedes handles one connection's packets in order, so whatever an
   * earlier packet would have caused to be written back (PUBACK, SUBACK, ...) is decided by then.
   */
  async ping(): Promise<void> {
    const from = this.packets.length;
    this.send({ cmd: 'pingreq' });
    await this.next('pingresp', from);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Runs a child process to completion (or kills it after `ms`); resolves with its exit code and output. */
export function run(cmd: string, args: string[], ms = 10_000): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; kill(): void } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { done, kill: () => void (child.exitCode === null && child.kill('SIGKILL')) };
}

/** `warn` entries from `broker.aws` for one deviation id. */
export function deviationLogs(logs: LogEntry[], id: string): LogEntry[] {
  return logs.filter((l) => l.source === 'broker.aws' && l.level === 'warn' && l.details?.deviation === id);
}

/** Waits until an async predicate holds, polling every 10 ms. */
export async function eventually(predicate: () => Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A bounded wait, used only to assert that something does NOT happen. */
export const quietPeriod = (ms = 300) => new Promise((r) => setTimeout(r, ms));

let counter = 0;
/** A client id / topic segment unique within the test run. */
export const uid = (prefix = 'c') => `${prefix}-${process.pid}-${++counter}`;
