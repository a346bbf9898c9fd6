import type { Disposable, PreloadBridge, Transport, WireMessage } from '../../../engine/contract/index.js';

/** Electron transport: the preload's `window.thingbench` bridge over the `tb:rpc` IPC channel. */
export class BridgeTransport implements Transport {
  constructor(private readonly bridge: PreloadBridge) {}

  send(msg: WireMessage): void {
    this.bridge.send(msg);
  }

  onMessage(cb: (msg: WireMessage) => void): Disposable {
    const unsubscribe = this.bridge.onMessage(cb);
    return { dispose: unsubscribe };
  }
}
