// Desktop notifications of notification topics (`sinks.notified`) shown by the OS through Electron, from the main
// process, which holds the engine; the renderer leaves them to this file when it runs inside Electron.
import { Notification } from 'electron';
import { desktopNotificationText, type Disposable, type ThingbenchEvents } from '../../engine/contract/index.js';
import type { TypedEmitter } from '../../engine/core/index.js';

export function showSinkNotifications(events: TypedEmitter<ThingbenchEvents>): Disposable {
  return events.on('sinks.notified', (n) => {
    if (!Notification.isSupported()) return;
    new Notification(desktopNotificationText(n)).show();
  });
}
