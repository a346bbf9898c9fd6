import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';

export type Transport = 'tcp' | 'ws';
export type ConnectionHandler = (stream: Duplex, info: { transport: Transport; remoteAddress: string; req?: http.IncomingMessage }) => void;

export interface Listener {
  port: number;
  close(): Promise<void>;
}

const plainAddress = (a: string | undefined) => (a ?? '').replace(/^::ffff:/, '');

/** MQTT over TCP. */
export async function listenTcp(host: string, port: number, onConnection: ConnectionHandler): Promise<Listener> {
  const server = net.createServer((socket) => {
    socket.setKeepAlive(true, 30_000); // half-open peers are found even without MQTT keep-alive
    socket.setNoDelay(true); // writes are already batched per loop turn (coalesceWrites); Nagle would only add delay
    onConnection(socket, { transport: 'tcp', remoteAddress: plainAddress(socket.remoteAddress) });
  });
  return bind(server, host, port);
}

/** MQTT over WebSocket on path `/mqtt`, subprotocol `mqtt` (also the legacy `mqttv3.1`). */
export async function listenWs(host: string, port: number, onConnection: ConnectionHandler): Promise<Listener> {
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket: connect to /mqtt with subprotocol "mqtt"\n');
  });
  const wss = new WebSocketServer({
    server,
    path: '/mqtt',
    maxPayload: 64 * 1024 * 1024,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
  });
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', () => ws.terminate());
    onConnection(stream, { transport: 'ws', remoteAddress: plainAddress(req.socket.remoteAddress), req });
  });
  const listener = await bind(server, host, port);
  return {
    port: listener.port,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await listener.close();
    },
  };
}

async function bind(server: net.Server, host: string, port: number): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
}
