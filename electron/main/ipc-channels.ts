import { ipcMain, type IpcMainEvent } from 'electron';
import { isAppUrl } from './app-protocol.js';

/**
 * The only IPC between a window and the main process: the window's preload asks for a channel to the engine
 * (`tb:connect`, on every page load) and receives one MessagePort (`tb:port`); the contract then flows over that
 * port between the window and the engine process. The preload keeps its own copy of these names (it is sandboxed
 * and loads no other file); test/electron checks they agree.
 */
export const CONNECT_CHANNEL = 'tb:connect';
export const PORT_CHANNEL = 'tb:port';

/** Answers `tb:connect` from the app's own top frame (Electron security checklist: validate the sender), nothing else. */
export function serveConnectRequests(connect: (event: IpcMainEvent) => void): () => void {
  const listener = (event: IpcMainEvent) => {
    const frame = event.senderFrame;
    if (!frame || frame !== event.sender.mainFrame || !isAppUrl(frame.url)) return;
    connect(event);
  };
  ipcMain.on(CONNECT_CHANNEL, listener);
  return () => void ipcMain.off(CONNECT_CHANNEL, listener);
}
