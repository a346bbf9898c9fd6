import type { Disposable, Transport, WireMessage } from '../../../engine/contract/index.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** Browser-mode transport: one JSON text frame per wire message over the server's `/rpc` WebSocket. */
export class WebSocketTransport implements Transport {
  private readonly socket: WebSocket;
  /** Calls made before the socket opened; bounded by what the UI asks for at start-up. */
  private readonly outbox: string[] = [];
  private readonly listeners = new Set<(msg: WireMessage) => void>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.addEventListener('open', () => {
      for (const text of this.outbox.splice(0)) this.socket.send(text);
      this.emitState('open');
    });
    this.socket.addEventListener('close', () => this.emitState('closed'));
    this.socket.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') return;
      let msg: WireMessage;
      try {
        msg = JSON.parse(event.data) as WireMessage;
      } catch {
        return;
      }
      this.listeners.forEach((cb) => cb(msg));
    });
  }

  get state(): ConnectionState {
    return this.socket.readyState === WebSocket.OPEN ? 'open' : this.socket.readyState === WebSocket.CONNECTING ? 'connecting' : 'closed';
  }

  send(msg: WireMessage): void {
    const text = JSON.stringify(msg);
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(text);
    else if (this.socket.readyState === WebSocket.CONNECTING) this.outbox.push(text);
    // Closed: the call stays pending until the client is disposed on the state change.
  }

  onMessage(cb: (msg: WireMessage) => void): Disposable {
    this.listeners.add(cb);
    return { dispose: () => void this.listeners.delete(cb) };
  }

  onStateChange(cb: (state: ConnectionState) => void): Disposable {
    this.stateListeners.add(cb);
    return { dispose: () => void this.stateListeners.delete(cb) };
  }

  close(): void {
    this.socket.close();
  }

  private emitState(state: ConnectionState): void {
    this.stateListeners.forEach((cb) => cb(state));
  }
}
