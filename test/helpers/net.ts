/** Small socket helpers the integration tests share. */
import net from 'node:net';
import WebSocket from 'ws';

/** A TCP port on 127.0.0.1 that was free a moment ago (for a listener a test starts itself). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

/** The HTTP status a WebSocket upgrade (subprotocol `mqtt`) is answered with (101 when it opens). */
export function upgradeStatus(url: string, opts: WebSocket.ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = new WebSocket(url, 'mqtt', opts);
    sock.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      sock.terminate();
    });
    sock.once('upgrade', (res) => {
      resolve(res.statusCode ?? 0);
      sock.terminate();
    });
    sock.once('error', (e) => reject(e));
  });
}
