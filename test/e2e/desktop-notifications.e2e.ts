/**
 * Desktop notifications in browser mode: a real engine and UI server, the renderer built by Vite, headless Chromium
 * with the notifications permission granted, and a real MQTT.js device whose message a rule's sns action publishes to
 * a notification topic with a `desktop` subscription. The page records each Notification it constructs (the real
 * constructor still runs), so the test sees what the user would.
 */
import fs from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';

declare global {
  interface Window { shownNotifications?: Array<{ title: string; body: string | undefined }> }
}

describe.skipIf(!fs.existsSync(CHROMIUM))('desktop notifications in browser mode (headless Chromium)', () => {
  let bm: BrowserMode;
  let device: MqttClient;

  beforeAll(async () => {
    bm = await startBrowserMode({
      tmpPrefix: 'tb-e2e-notify-',
      grantNotifications: true,
      // Record what the page shows, still constructing the browser's own Notification.
      initScript: () => {
        const Real = window.Notification;
        window.shownNotifications = [];
        window.Notification = class extends Real {
          constructor(title: string, options?: NotificationOptions) {
            super(title, options);
            window.shownNotifications!.push({ title, body: options?.body });
          }
        } as typeof Notification;
      },
    });
    await bm.page.waitForSelector('[data-testid=connection-status][data-state="open"]', { timeout: 10_000 });
    device = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'e2e-boiler', reconnectPeriod: 0 });
  }, 240_000); // the first e2e file of a run builds the renderer

  afterAll(async () => {
    await device?.endAsync();
    await bm?.stop();
  });

  it('shows a Web Notification for a desktop subscription fed by a rule', async () => {
    const { engine, page, pageProblems } = bm;
    const ops = await engine.api.sinks.create('notify', 'ops', { subscriptions: [{ protocol: 'desktop' }] });
    await engine.api.rules.put('overheat', {
      sql: "SELECT temp FROM 'boiler/temp' WHERE temp > 80", awsIotSqlVersion: '2016-03-23',
      actions: [{ sns: { targetArn: ops.arn, roleArn: 'arn:aws:iam::123456789012:role/sns' } }],
    });
    await device.publishAsync('boiler/temp', '{"temp":95}', { qos: 1 });
    await page.waitForFunction(() => (window.shownNotifications?.length ?? 0) > 0, undefined, { timeout: 10_000 });
    expect(await page.evaluate(() => window.shownNotifications)).toEqual([{ title: 'Thingbench: ops', body: '{"temp":95}' }]);
    expect(pageProblems).toEqual([]);
  });
});
