import type WebSocket from 'ws';
import type { Transport, WireMessage } from '../../engine/contract/index.js';

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
