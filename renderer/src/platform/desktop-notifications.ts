import { desktopNotificationText, type Disposable, type SinkNotified, type ThingbenchClient } from '../../../engine/contract/index.js';

/**
 * Browser mode: shows notification topics' desktop messages (`sinks.notified`) as Web Notifications. Permission is
 * asked on the first one, so a page that never gets a desktop notification never asks. In the desktop app the main
 * process shows them with Electron's Notification instead, so the renderer stays out of the way there.
 */
export function showDesktopNotifications(client: ThingbenchClient, host: 'electron' | 'browser'): Disposable {
  if (host === 'electron' || typeof Notification === 'undefined') return { dispose() {} };
  return client.on('sinks.notified', (n) => void show(n));
}

async function show(n: SinkNotified): Promise<void> {
  if (Notification.permission === 'default') await Notification.requestPermission();
  if (Notification.permission !== 'granted') return;
  const { title, body } = desktopNotificationText(n);
  new Notification(title, { body, tag: n.messageId });
}
