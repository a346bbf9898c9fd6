// Sandboxed preload (ARCHITECTURE §1): exposes `window.thingbench = { send, onMessage }` and nothing else.
// It runs as a classic script (see ./package.json), may import only `electron` and contract types.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { PreloadBridge, WireMessage } from '../../engine/contract/index.js';

const RPC_CHANNEL = 'tb:rpc';

/** Only `tb:` channels cross the bridge; the page never names a channel itself. */
function checkedChannel(channel: string): string {
  if (!channel.startsWith('tb:')) throw new Error(`refused IPC channel ${channel}`);
  return channel;
}

const bridge: PreloadBridge = {
  send(msg: WireMessage) {
    ipcRenderer.send(checkedChannel(RPC_CHANNEL), msg);
  },
  onMessage(cb: (msg: WireMessage) => void) {
    // The IpcRendererEvent (it holds `sender`, i.e. ipcRenderer) never reaches the page: only the message does.
    const listener = (_event: IpcRendererEvent, msg: WireMessage) => cb(msg);
    ipcRenderer.on(checkedChannel(RPC_CHANNEL), listener);
    return () => void ipcRenderer.removeListener(RPC_CHANNEL, listener);
  },
};

contextBridge.exposeInMainWorld('thingbench', bridge);
