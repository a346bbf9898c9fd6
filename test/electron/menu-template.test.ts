import fs from 'node:fs';
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { menuTemplate, menuViews, pageScript, type MenuAction } from '../../electron/main/menu-template.js';

const submenu = (item: MenuItemConstructorOptions) => (item.submenu ?? []) as MenuItemConstructorOptions[];
const top = (items: MenuItemConstructorOptions[]) => items.map((i) => i.label ?? i.role);

describe('the application menu', () => {
  it('has File, Edit, View, Window and Help (and the app menu on macOS)', () => {
    const run = () => undefined;
    expect(top(menuTemplate({ isMac: false, isDevelopment: false, run }))).toEqual(['File', 'editMenu', 'View', 'windowMenu', 'help']);
    expect(top(menuTemplate({ isMac: true, isDevelopment: false, run }))).toEqual(['Thingbench', 'File', 'editMenu', 'View', 'windowMenu', 'help']);
  });

  it('lists every view of the renderer with its Alt+key, in the navigation rail\'s order', () => {
    const router = fs.readFileSync(new URL('../../renderer/src/state/router.svelte.ts', import.meta.url), 'utf8');
    const rendererViews = [...router.matchAll(/\{ id: '([a-z]+)', title: '([^']+)', key: '(\d)'/g)].map(([, id, title, key]) => ({ id, title, key }));
    expect(rendererViews.length).toBeGreaterThan(0);
    expect(menuViews.map((v) => ({ ...v }))).toEqual(rendererViews);

    const actions: MenuAction[] = [];
    const view = menuTemplate({ isMac: false, isDevelopment: false, run: (a) => actions.push(a) }).find((i) => i.label === 'View')!;
    const viewItems = submenu(view).filter((i) => i.accelerator?.startsWith('Alt+'));
    expect(viewItems.map((i) => [i.label, i.accelerator])).toEqual(rendererViews.map((v) => [v.title, `Alt+${v.key}`]));
    // Shown, not registered: the key press reaches the renderer, which handles it in both hosts.
    expect(viewItems.every((i) => i.registerAccelerator === false)).toBe(true);
    for (const item of viewItems) (item.click as () => void)();
    expect(actions).toEqual(rendererViews.map((v) => ({ kind: 'view', id: v.id })));
  });

  it('has reload always and the developer tools only in development', () => {
    const roles = (isDevelopment: boolean) => submenu(menuTemplate({ isMac: false, isDevelopment, run: () => undefined })
      .find((i) => i.label === 'View')!).map((i) => i.role).filter(Boolean);
    expect(roles(false)).toContain('reload');
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(true)).toContain('toggleDevTools');
  });

  it('About and Show Data Folder reach the main process; quitting is in File (or the app menu on macOS)', () => {
    const actions: MenuAction[] = [];
    const run = (a: MenuAction) => actions.push(a);
    const linux = menuTemplate({ isMac: false, isDevelopment: false, run });
    const file = submenu(linux.find((i) => i.label === 'File')!);
    expect(file.map((i) => i.role ?? i.label ?? i.type)).toEqual(['Show Data Folder', 'separator', 'quit']);
    (file[0].click as () => void)();
    (submenu(linux.find((i) => i.role === 'help')!)[0].click as () => void)();
    expect(actions).toEqual([{ kind: 'data-folder' }, { kind: 'about' }]);
    const mac = menuTemplate({ isMac: true, isDevelopment: false, run });
    expect(submenu(mac[0]).map((i) => i.role ?? i.label ?? i.type)).toContain('quit');
  });

  it('navigates the page by its hash route and opens the palette by its own shortcut', () => {
    expect(pageScript({ kind: 'view', id: 'registry' })).toBe('location.hash = "#/registry"');
    expect(pageScript({ kind: 'palette' })).toContain("key: 'k'");
    expect(pageScript({ kind: 'about' })).toBeUndefined();
    expect(pageScript({ kind: 'data-folder' })).toBeUndefined();
  });
});
