// Electron host: a thin shell around the engine (ARCHITECTURE §3: hosts only choose config and transport).
// The engine runs in its own utility process (../engine-process/main.ts); each window gets a MessagePort to it,
// so the main process only draws menus and windows and a busy broker never freezes them.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, Menu, Notification, session } from 'electron';
import { streamLogger } from '../../engine/core/index.js';
import { uiContentSecurityPolicy } from '../../engine/host/index.js';
import { APP_ORIGIN, registerAppScheme, serveAppProtocol } from './app-protocol.js';
import { EngineProcess } from './engine-process.js';
import { hardenApp } from './hardening.js';
import { serveConnectRequests } from './ipc-channels.js';
import { appMenu } from './menu.js';
import { createMainWindow } from './window.js';

// This file runs from electron/dist/electron/main/; the renderer build sits at the repository root.
const rendererDir = fileURLToPath(new URL('../../../../renderer/dist/', import.meta.url));
const preloadPath = fileURLToPath(new URL('../preload/preload.js', import.meta.url));
const engineEntry = fileURLToPath(new URL('../engine-process/main.js', import.meta.url));
// IPC only: the Electron renderer opens no sockets.
const csp = uiContentSecurityPolicy();
const logger = streamLogger(process.stderr, 'info');

let engine: EngineProcess | undefined;
let quitting: 'no' | 'stopping' | 'done' = 'no';

registerAppScheme();
// The same folder whether run from a checkout (where the package name, lowercase, would name it) or packaged.
app.setPath('userData', path.join(app.getPath('appData'), 'Thingbench'));

if (!app.requestSingleInstanceLock()) {
  // A second engine would fight the first one over its ports and data directory: the first window comes forward.
  app.quit();
} else {
  app.on('second-instance', () => focusOrOpenWindow());
  app.whenReady().then(start).catch((err: unknown) => fail('Thingbench could not start', err));
}

async function start(): Promise<void> {
  // Everything the app keeps (the engine's storage, certificates, models, the window's place) is in the user-data folder.
  const dataDir = app.getPath('userData');
  hardenApp(session.defaultSession, csp);
  serveAppProtocol(session.defaultSession, rendererDir, csp);
  Menu.setApplicationMenu(appMenu(dataDir));
  engine = await EngineProcess.start({
    entry: engineEntry,
    dataDir,
    logger,
    onNotification: (title, body) => {
      if (Notification.isSupported()) new Notification({ title, body }).show();
    },
    onUnexpectedExit: (code) => fail('The Thingbench engine stopped', new Error(`its process exited with code ${code}; the log above says why`)),
  });
  const running = engine;
  serveConnectRequests((event) => running.connect(event.sender));
  openWindow(dataDir);
  app.on('activate', () => focusOrOpenWindow());
}

function openWindow(dataDir: string): void {
  const win = createMainWindow(preloadPath, path.join(dataDir, 'window-state.json'));
  void win.loadURL(`${APP_ORIGIN}/index.html`);
}

function focusOrOpenWindow(): void {
  const [win] = BrowserWindow.getAllWindows();
  if (win) {
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  } else if (engine) {
    openWindow(app.getPath('userData'));
  }
}

// macOS keeps apps alive without windows; elsewhere closing the window ends the app (and the engine).
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Stop the engine (flush storage, disconnect clients) before the app exits; killed if it takes too long.
app.on('before-quit', (event) => {
  if (!engine || quitting === 'done') return;
  event.preventDefault();
  if (quitting === 'stopping') return;
  quitting = 'stopping';
  void engine.stop().then((how) => {
    if (how === 'killed') logger.log('warn', 'electron', 'the engine did not stop in time and was killed');
    quitting = 'done';
    app.quit();
  });
});

function fail(title: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  logger.log('error', 'electron', title, { error: message });
  dialog.showErrorBox(title, message);
  app.exit(1);
}
