// Sandboxed preload (ARCHITECTURE §1): exposes `window.thingbench = { send, onMessage }` and nothing else.
// It runs as a classic script (see ./package.json), may import only `electron` and contract types.
//
// The contract travels over a MessagePort straight to the engine's own process: on each page load the preload asks
// the main process for one (`tb:connect`) and receives it on `tb:port`; calls made before it arrives wait for it.
// One JSON text per message, as in browser mode's WebSocket. The port itself never reaches the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { PreloadBridge, WireMessage } from '../../engine/contract/index.js';

const CONNECT_CHANNEL = 'tb:connect';
const PORT_CHANNEL = 'tb:port';

/** The renderer's MessagePort, as far as the preload uses it (this project type-checks without the DOM library). */
interface RendererPort {
  postMessage(text: string): void;
  onmessage: ((event: { data: unknown }) => void) | null;
}

let port: RendererPort | undefined;
const pending: string[] = [];
const listeners = new Set<(msg: WireMessage) => void>();

ipcRenderer.on(PORT_CHANNEL, (event: IpcRendererEvent) => {
  const [received] = event.ports as unknown as RendererPort[];
  if (!received || port) return;
  port = received;
  port.onmessage = (e) => {
    if (typeof e.data !== 'string') return;
    let msg: WireMessage;
    try {
      msg = JSON.parse(e.data) as WireMessage;
    } catch {
      return;
    }
    for (const cb of listeners) cb(msg);
  };
  for (const text of pending.splice(0)) port.postMessage(text);
});
ipcRenderer.send(CONNECT_CHANNEL);

const bridge: PreloadBridge = {
  send(msg: WireMessage) {
    const text = JSON.stringify(msg);
    if (port) port.postMessage(text);
    else pending.push(text);
  },
  onMessage(cb: (msg: WireMessage) => void) {
    // Only the parsed message reaches the page: never the port or an IPC event.
    const listener = (msg: WireMessage) => cb(msg);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  },
};

contextBridge.exposeInMainWorld('thingbench', bridge);
