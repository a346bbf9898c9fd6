import { app, dialog, Menu, type MenuItemConstructorOptions } from 'electron';

/** A minimal menu: standard roles so copy/paste and zoom work, plus an About box. */
export function appMenu(): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' } as const] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' } as const]),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{
        label: 'About Thingbench',
        click: () => void dialog.showMessageBox({ title: 'Thingbench', message: `Thingbench ${app.getVersion()}`, detail: 'A local AWS-IoT-style lab and MQTT workbench.' }),
      }],
    },
  ];
  return Menu.buildFromTemplate(template);
}
