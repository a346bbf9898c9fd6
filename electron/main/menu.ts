import { app, BrowserWindow, dialog, Menu, shell } from 'electron';
import { menuTemplate, pageScript, type MenuAction } from './menu-template.js';

/** The application menu; `dataDir` is what File › Show Data Folder opens. */
export function appMenu(dataDir: string): Menu {
  const run = (action: MenuAction) => {
    const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
    const script = pageScript(action);
    if (script) {
      if (win) void win.webContents.executeJavaScript(script);
    } else if (action.kind === 'data-folder') {
      void shell.openPath(dataDir);
    } else if (action.kind === 'about') {
      const options = { title: 'About Thingbench', message: `Thingbench ${app.getVersion()}`, detail: `A local AWS-IoT-style lab and MQTT workbench.\nData: ${dataDir}` };
      void (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options));
    }
  };
  return Menu.buildFromTemplate(menuTemplate({ isMac: process.platform === 'darwin', isDevelopment: !app.isPackaged, run }));
}
