/**
 * HTTP/2 without TLS, by prior knowledge (h2c), on the HTTP/1.1 server's own port: a connection that opens with the
 * HTTP/2 preface goes to an HTTP/2 server whose requests reach the same handler through Node's compatibility API;
 * every other connection is the HTTP/1.1 server's as before. The AWS SDK v3 Kinesis client speaks HTTP/2 by default
 * (for SubscribeToShard), and so do gRPC-style clients given an `http://` endpoint.
 *
 * LIMITATIONS: no `Upgrade: h2c` from HTTP/1.1 (clients that want h2c send the preface, as the SDK does); no server
 * push; HTTP/2 requests carry no `Host` header, so `:authority` is copied into it for the edge's Host check.
 */
import http from 'node:http';
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n');
const FIRST_BYTE_MS = 60_000;

export interface H2c {
  /** Ends every HTTP/2 session (the HTTP/1.1 server closes its own connections). */
  close(): void;
}

export function acceptH2c(server: http.Server, onRequest: (req: http.IncomingMessage, res: http.ServerResponse) => void): H2c {
  const h2 = http2.createServer();
  const sessions = new Map<http2.Http2Session, Socket>();
  let accepting: Socket | undefined;
  h2.on('session', (s) => {
    if (accepting) sessions.set(s, accepting);
    s.on('error', () => {});
    s.once('close', () => sessions.delete(s));
  });
  h2.on('request', (req, res) => {
    if (req.headers.host === undefined && typeof req.headers[':authority'] === 'string') req.headers.host = req.headers[':authority'];
    // The edge reads the connection's addresses (loopback trust, the Host check): the TCP socket's, not the wrapper's.
    const socket = sessions.get(req.stream.session!);
    if (socket) Object.defineProperty(req, 'socket', { value: socket });
    onRequest(req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse);
  });
  const http1 = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  // Connections that have sent nothing yet: closed with the server, and after a minute of silence.
  const waiting = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    waiting.add(socket);
    const silent = setTimeout(() => socket.destroy(), FIRST_BYTE_MS);
    silent.unref();
    socket.once('close', () => {
      clearTimeout(silent);
      waiting.delete(socket);
    });
    socket.on('error', () => {});
    socket.once('data', (chunk: Buffer) => {
      clearTimeout(silent);
      waiting.delete(socket);
      socket.pause();
      const n = Math.min(chunk.length, PREFACE.length);
      if (n >= 3 && chunk.subarray(0, n).equals(PREFACE.subarray(0, n))) {
        accepting = socket;
        h2.emit('connection', replay(socket, chunk));
        accepting = undefined;
      }
      else {
        socket.unshift(chunk);
        for (const l of http1) l.call(server, socket);
        socket.resume();
      }
    });
  });
  return {
    close() {
      for (const s of sessions.keys()) s.destroy();
      for (const socket of waiting) socket.destroy();
      waiting.clear();
      sessions.clear();
    },
  };
}

/**
 * The socket as a stream that first yields the bytes already read: HTTP/2 sessions read a native socket's handle
 * directly, past anything put back into its stream, so they are given this instead (with the socket's addresses).
 */
function replay(socket: Socket, first: Buffer): Duplex {
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  Object.assign(stream, { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort, remoteFamily: socket.remoteFamily, localAddress: socket.localAddress, localPort: socket.localPort });
  stream.push(first);
  socket.on('data', (d: Buffer) => {
    if (!stream.push(d)) socket.pause();
  });
  socket.on('end', () => stream.push(null));
  socket.on('error', (e) => stream.destroy(e));
  socket.on('close', () => stream.destroy());
  return stream;
}
