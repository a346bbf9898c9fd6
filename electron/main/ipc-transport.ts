import { ipcMain, type IpcMainEvent, type WebContents } from 'electron';
import type { Disposable, Transport, WireMessage } from '../../engine/contract/index.js';
import { isAppUrl } from './app-protocol.js';

export const RPC_CHANNEL = 'tb:rpc';

/** Electron side of the contract's transport: one window's renderer over the `tb:rpc` channel. */
export class IpcTransport implements Transport {
  constructor(private readonly contents: WebContents) {}

  send(msg: WireMessage): void {
    if (!this.contents.isDestroyed()) this.contents.send(RPC_CHANNEL, msg);
  }

  onMessage(cb: (msg: WireMessage) => void): Disposable {
    const listener = (event: IpcMainEvent, msg: unknown) => {
      // Validate the sender (Electron security checklist): this window's top frame, showing the app itself.
      const frame = event.senderFrame;
      if (event.sender !== this.contents || !frame || frame !== this.contents.mainFrame || !isAppUrl(frame.url)) return;
      cb(msg as WireMessage); // the shape is checked by host/rpc-server
    };
    ipcMain.on(RPC_CHANNEL, listener);
    return { dispose: () => void ipcMain.off(RPC_CHANNEL, listener) };
  }
}
