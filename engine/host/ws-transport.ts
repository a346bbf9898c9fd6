import { WebSocket, type RawData } from 'ws';
import type { Disposable, Transport, WireMessage } from '../contract/index.js';
import { UNKNOWN_CALL_ID } from './rpc-server.js';

export interface WsFlowLimits {
  /** Above this many unsent bytes the peer counts as congested: live events are coalesced for it. */
  congestedBytes: number;
  /** Above this the peer has stopped reading (replies pile up too): the socket is dropped. */
  maxBufferedBytes: number;
}

export const defaultWsFlowLimits: WsFlowLimits = { congestedBytes: 1 << 20, maxBufferedBytes: 64 << 20 };

/** Server side of the browser-mode transport: one JSON text frame per wire message. */
export class WsTransport implements Transport {
  constructor(private readonly socket: WebSocket, private readonly limits: WsFlowLimits = defaultWsFlowLimits) {}

  send(msg: WireMessage): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.socket.terminate();
      return;
    }
    this.socket.send(JSON.stringify(msg));
  }

  onMessage(cb: (msg: WireMessage) => void): Disposable {
    const listener = (data: RawData, isBinary: boolean) => {
      let msg: unknown;
      try {
        if (isBinary) throw new Error('binary frame');
        msg = JSON.parse(data.toString());
      } catch {
        this.send({ kind: 'error', id: UNKNOWN_CALL_ID, error: { code: 'InvalidInput', message: 'expected one JSON wire message per text frame' } });
        return;
      }
      // Shape checks belong to the dispatcher (rpc-server), which treats the message as untrusted.
      cb(msg as WireMessage);
    };
    this.socket.on('message', listener);
    return { dispose: () => void this.socket.off('message', listener) };
  }

  isCongested(): boolean {
    return this.socket.bufferedAmount > this.limits.congestedBytes;
  }
}
