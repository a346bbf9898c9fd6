// Electron host: a thin shell around the engine (ARCHITECTURE §3: hosts only choose config and transport).
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, Menu, session } from 'electron';
import { defaultConfig } from '../../engine/config.js';
import { streamLogger } from '../../engine/core/index.js';
import { createEngine } from '../../engine/engine.js';
import type { Engine } from '../../engine/engine-types.js';
import { openEngineControl, serveRpc, uiContentSecurityPolicy } from '../../engine/host/index.js';
import { APP_ORIGIN, registerAppScheme, serveAppProtocol } from './app-protocol.js';
import { hardenApp } from './hardening.js';
import { IpcTransport } from './ipc-transport.js';
import { appMenu } from './menu.js';
import { showSinkNotifications } from './notifications.js';
import { createMainWindow } from './window.js';

// This file runs from electron/dist/electron/main/; the renderer build sits at the repository root.
const rendererDir = fileURLToPath(new URL('../../../../renderer/dist/', import.meta.url));
const preloadPath = fileURLToPath(new URL('../preload/preload.js', import.meta.url));
// IPC only: the Electron renderer opens no sockets.
const csp = uiContentSecurityPolicy();
const logger = streamLogger(process.stderr, 'info');

let engine: Engine | undefined;
let engineStopped = false;
let control: { close(): Promise<void> } | undefined;

registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  // A second engine would fight the first one over its ports and data directory.
  app.quit();
} else {
  app.on('second-instance', () => focusOrOpenWindow());
  app.whenReady().then(start).catch((err: unknown) => fail('Thingbench could not start', err));
}

async function start(): Promise<void> {
  hardenApp(session.defaultSession, csp);
  serveAppProtocol(session.defaultSession, rendererDir, csp);
  Menu.setApplicationMenu(appMenu());
  engine = await createEngine(defaultConfig(), { logger });
  const info = await engine.start();
  // `thingbench lab …` in a terminal drives this engine through its control socket.
  control = await openEngineControl(engine, info.dataDir, info.endpoints, logger)
    .catch((err: unknown) => void logger.log('warn', 'electron', `the control socket could not be opened: ${String(err)}`));
  showSinkNotifications(engine.events);
  openWindow(engine);
  app.on('activate', () => focusOrOpenWindow());
}

function openWindow(running: Engine): void {
  const win = createMainWindow(preloadPath);
  const transport = new IpcTransport(win.webContents);
  const rpc = serveRpc(running, transport, { logger });
  win.on('closed', () => rpc.dispose());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
}

function focusOrOpenWindow(): void {
  const [win] = BrowserWindow.getAllWindows();
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  } else if (engine) {
    openWindow(engine);
  }
}

// macOS keeps apps alive without windows; elsewhere closing the window ends the app (and the engine).
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Stop the engine (flush storage, disconnect clients) before the process exits.
app.on('before-quit', (event) => {
  if (!engine || engineStopped) return;
  event.preventDefault();
  const running = engine;
  (control?.close() ?? Promise.resolve()).then(() => running.stop())
    .catch((err: unknown) => logger.log('error', 'electron', 'engine stop failed', { error: String(err) }))
    .finally(() => {
      engineStopped = true;
      app.quit();
    });
});

function fail(title: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  logger.log('error', 'electron', title, { error: message });
  dialog.showErrorBox(title, message);
  app.exit(1);
}
