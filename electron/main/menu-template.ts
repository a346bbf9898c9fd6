// The application menu as data (no Electron at run time, so it is unit-tested): File, Edit, View with a shortcut
// per view, Window, Help.
import type { MenuItemConstructorOptions } from 'electron';

/**
 * The renderer's views and their Alt+key shortcuts (renderer/src/state/router.svelte.ts, which test/electron checks
 * this list against). The renderer handles the keys itself, in both hosts; the menu shows them and its items
 * navigate the same way.
 */
export const menuViews = [
  { id: 'topics', title: 'Topics', key: '1' },
  { id: 'pipeline', title: 'Pipeline', key: '2' },
  { id: 'shadows', title: 'Shadows', key: '3' },
  { id: 'rules', title: 'Rules', key: '4' },
  { id: 'registry', title: 'Registry', key: '5' },
  { id: 'sinks', title: 'Sinks', key: '6' },
  { id: 'sql', title: 'SQL', key: '0' },
  { id: 'devices', title: 'Devices', key: '7' },
  { id: 'labs', title: 'Labs', key: '8' },
  { id: 'logs', title: 'Logs', key: '9' },
] as const;

export type MenuAction =
  | { kind: 'view'; id: (typeof menuViews)[number]['id'] }
  | { kind: 'palette' }
  | { kind: 'data-folder' }
  | { kind: 'about' };

export interface MenuOptions {
  isMac: boolean;
  /** Developer tools are in the menu only when the app is not packaged. */
  isDevelopment: boolean;
  run(action: MenuAction): void;
}

/**
 * What a menu action does inside the page: views are reached by their hash route, the palette by its own shortcut,
 * exactly as a click or a key press in the renderer would. Undefined for actions the main process handles.
 */
export function pageScript(action: MenuAction): string | undefined {
  if (action.kind === 'view') return `location.hash = ${JSON.stringify(`#/${action.id}`)}`;
  if (action.kind === 'palette') return `window.dispatchEvent(new KeyboardEvent('keydown', { key: 'k', code: 'KeyK', ctrlKey: true }))`;
  return undefined;
}

export function menuTemplate(opts: MenuOptions): MenuItemConstructorOptions[] {
  const { isMac, isDevelopment, run } = opts;
  const about: MenuItemConstructorOptions = { label: 'About Thingbench', click: () => run({ kind: 'about' }) };
  return [
    ...(isMac
      ? [{
          label: 'Thingbench',
          submenu: [about, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }],
        } satisfies MenuItemConstructorOptions]
      : []),
    {
      label: 'File',
      submenu: [
        { label: 'Show Data Folder', click: () => run({ kind: 'data-folder' }) },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        // The renderer reacts to these keys itself; the accelerators are shown, not registered, so the key press
        // reaches the page (and works the same in browser mode).
        ...menuViews.map((v): MenuItemConstructorOptions => ({
          label: v.title, accelerator: `Alt+${v.key}`, registerAccelerator: false, click: () => run({ kind: 'view', id: v.id }),
        })),
        { label: 'Command Palette…', accelerator: 'CmdOrCtrl+K', registerAccelerator: false, click: () => run({ kind: 'palette' }) },
        { type: 'separator' },
        { role: 'reload' },
        ...(isDevelopment ? [{ role: 'toggleDevTools' } as const] : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [about] },
  ];
}
