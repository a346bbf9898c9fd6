import type { Disposable, Transport, WireMessage } from '../../engine/contract/index.js';
import { UNKNOWN_CALL_ID } from '../../engine/host/index.js';

/**
 * One end of a message channel, as the engine process sees it: Electron's MessagePortMain in the app, Node's
 * worker_threads MessagePort in tests (`port-link.ts` adapts both).
 */
export interface PortLike {
  postMessage(data: string): void;
  onMessage(cb: (data: unknown) => void): void;
  /** Called once when the other end goes away (its window closed or reloaded). */
  onClose(cb: () => void): void;
  close(): void;
}

/**
 * The contract over a MessagePort: one JSON text per wire message each way, exactly as browser mode's WebSocket
 * carries it, so both hosts hand the renderer the same values (no Dates or typed arrays only one of them keeps).
 */
export class PortTransport implements Transport {
  private listeners = new Set<(msg: WireMessage) => void>();
  private closed = false;

  constructor(private readonly port: PortLike) {
    port.onMessage((data) => this.receive(data));
    port.onClose(() => (this.closed = true));
  }

  send(msg: WireMessage): void {
    if (!this.closed) this.port.postMessage(JSON.stringify(msg));
  }

  onMessage(cb: (msg: WireMessage) => void): Disposable {
    this.listeners.add(cb);
    return { dispose: () => void this.listeners.delete(cb) };
  }

  private receive(data: unknown): void {
    let msg: unknown;
    try {
      if (typeof data !== 'string') throw new TypeError('not text');
      msg = JSON.parse(data);
    } catch {
      this.send({ kind: 'error', id: UNKNOWN_CALL_ID, error: { code: 'InvalidInput', message: 'expected one JSON wire message per port message' } });
      return;
    }
    for (const cb of this.listeners) cb(msg as WireMessage); // the shape is checked by host/rpc-server
  }
}
