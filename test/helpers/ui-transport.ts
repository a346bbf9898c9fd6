import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { createClient, type ThingbenchClient, type Transport, type WireMessage } from '../../engine/contract/index.js';
import { silentLogger } from '../../engine/core/index.js';
import { startUiServer, type UiServer } from '../../engine/host/index.js';
import type { TestEngine } from './engine.js';

/** The contract's Transport over a Node `ws` socket, as the page's WebSocketTransport does it. */
export function nodeTransport(socket: WebSocket): Transport {
  return {
    send: (msg) => socket.send(JSON.stringify(msg)),
    onMessage: (cb) => {
      const listener = (data: WebSocket.RawData) => cb(JSON.parse(data.toString()) as WireMessage);
      socket.on('message', listener);
      return { dispose: () => void socket.off('message', listener) };
    },
  };
}

/** The contract over browser mode's WebSocket `/rpc`, as the page reaches it: a UI server on the test engine. */
export interface OpenContract {
  api: ThingbenchClient;
  ui: UiServer;
  /** Disposes the client, drops the socket and closes the UI server; safe to call twice. */
  close(): Promise<void>;
}

export async function openContract(te: TestEngine): Promise<OpenContract> {
  const staticDir = path.join(te.dataDir, 'static');
  fs.mkdirSync(staticDir, { recursive: true });
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>tb</title>');
  const ui = await startUiServer(te.engine, { host: '127.0.0.1', port: 0, staticDir, logger: silentLogger });
  const socket = new WebSocket(`ws://127.0.0.1:${ui.port}/rpc?token=${ui.token}`, { origin: `http://127.0.0.1:${ui.port}` });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const api = createClient(nodeTransport(socket));
  let closed: Promise<void> | undefined;
  return {
    api,
    ui,
    close: () => (closed ??= (async () => {
      api.dispose();
      socket.terminate();
      await ui.close();
    })()),
  };
}
