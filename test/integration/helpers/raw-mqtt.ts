/** A raw TCP MQTT peer: writes exactly the bytes a test asks for and parses what the broker sends back. */
import net from 'node:net';
import tls from 'node:tls';
import mqttPacket, { type Packet } from 'mqtt-packet';

export interface RawPeer {
  socket: net.Socket;
  /** Packets received and not yet taken by `next()`. */
  inbox: Packet[];
  /** Resolves with the next packet (rejects after `ms`, or when the connection closes first). */
  next(ms?: number): Promise<Packet>;
  send(packet: Packet): void;
  write(bytes: Uint8Array): void;
  /** Resolves when the connection has closed (by the broker, a reset or `destroy()`). */
  closed: Promise<void>;
  isClosed(): boolean;
  /** Resolves true if the connection closes within `ms`, false if it is still open then. */
  closesWithin(ms: number): Promise<boolean>;
  destroy(): void;
}

/** `protocolVersion` 5: packets are generated and parsed as MQTT 5. With `creds`, over mutual TLS. */
export async function rawConnect(port: number, host = '127.0.0.1', protocolVersion: 4 | 5 = 4, creds?: { key: string; cert: string; ca: string }): Promise<RawPeer> {
  const socket: net.Socket = creds ? tls.connect({ port, host, ...creds, servername: 'localhost' }) : net.connect({ port, host });
  await new Promise<void>((resolve, reject) => {
    socket.once(creds ? 'secureConnect' : 'connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {}); // resets are expected in these tests
  const parser = mqttPacket.parser({ protocolVersion });
  const inbox: Packet[] = [];
  const waiters: Array<() => void> = [];
  let isClosed = false;
  parser.on('packet', (p: Packet) => {
    inbox.push(p);
    waiters.splice(0).forEach((w) => w());
  });
  parser.on('error', () => {});
  socket.on('data', (d: Buffer) => parser.parse(d));
  const closed = new Promise<void>((resolve) => socket.once('close', () => {
    isClosed = true;
    waiters.splice(0).forEach((w) => w());
    resolve();
  }));
  const peer: RawPeer = {
    socket,
    inbox,
    next: (ms = 5000) => new Promise<Packet>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no packet within ${ms} ms`)), ms);
      const check = () => {
        const p = inbox.shift();
        if (p) {
          clearTimeout(timer);
          resolve(p);
        } else if (isClosed) {
          clearTimeout(timer);
          reject(new Error('connection closed before the next packet'));
        } else waiters.push(check);
      };
      check();
    }),
    send: (packet) => void socket.write(mqttPacket.generate(packet, { protocolVersion })),
    write: (bytes) => void socket.write(bytes),
    closed,
    isClosed: () => isClosed,
    closesWithin: (ms) => Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]),
    destroy: () => socket.destroy(),
  };
  return peer;
}

/** CONNECT, then the CONNACK; throws unless it is accepted. */
export async function rawMqttConnect(port: number, opts: { clientId: string; clean?: boolean; keepalive?: number }): Promise<{ peer: RawPeer; sessionPresent: boolean }> {
  const peer = await rawConnect(port);
  peer.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: opts.clean ?? true, clientId: opts.clientId, keepalive: opts.keepalive ?? 60 });
  const connack = await peer.next();
  if (connack.cmd !== 'connack' || connack.returnCode !== 0) throw new Error(`connect refused: ${JSON.stringify(connack)}`);
  return { peer, sessionPresent: connack.sessionPresent };
}

/** An MQTT 5 CONNECT (with `properties`), then the CONNACK, accepted or not. */
export async function rawMqtt5Connect(port: number, opts: { clientId: string; clean?: boolean; keepalive?: number; properties?: object; will?: object }): Promise<{ peer: RawPeer; connack: Packet & { reasonCode?: number; sessionPresent?: boolean; properties?: Record<string, unknown> } }> {
  const peer = await rawConnect(port, '127.0.0.1', 5);
  peer.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: opts.clean ?? true, clientId: opts.clientId, keepalive: opts.keepalive ?? 60, properties: opts.properties, will: opts.will } as Packet);
  const connack = await peer.next();
  if (connack.cmd !== 'connack') throw new Error(`expected CONNACK, got ${JSON.stringify(connack)}`);
  return { peer, connack };
}
