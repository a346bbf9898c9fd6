import { BrowserWindow, screen } from 'electron';
import { MIN_SIZE, readWindowState, restoreWindowState, WindowStateWriter } from './window-state.js';

/**
 * The main window with the security settings the architecture requires (ARCHITECTURE §1), opened where it was
 * last closed (`stateFile`, clamped to the displays there are now) and remembering where it is moved.
 */
export function createMainWindow(preloadPath: string, stateFile: string): BrowserWindow {
  const workAreas = [screen.getPrimaryDisplay(), ...screen.getAllDisplays()].map((d) => d.workArea);
  const placement = restoreWindowState(readWindowState(stateFile), workAreas);
  const win = new BrowserWindow({
    ...(placement.x !== undefined && placement.y !== undefined ? { x: placement.x, y: placement.y } : {}),
    width: placement.width,
    height: placement.height,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'Thingbench',
    show: false,
    backgroundColor: '#111418',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => {
    if (placement.maximized) win.maximize();
    win.show();
  });

  const writer = new WindowStateWriter(stateFile);
  const current = () => ({ bounds: win.getNormalBounds(), maximized: win.isMaximized() });
  for (const event of ['resize', 'move', 'maximize', 'unmaximize'] as const) {
    win.on(event as 'resize', () => writer.schedule(current()));
  }
  win.on('close', () => writer.flush(current()));
  return win;
}
