import type { SinkNotified } from './sink-types.js';

/**
 * What a desktop notification of a notification topic says, the same in the browser (Web Notification) and the
 * desktop app (Electron's Notification): the subject, or the topic name when the message has none, over the message.
 */
export function desktopNotificationText(n: SinkNotified): { title: string; body: string } {
  return { title: n.subject ?? `Thingbench: ${n.topic}`, body: n.message };
}
