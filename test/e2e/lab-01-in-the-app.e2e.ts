/**
 * Lab 1 done as an attendee does it in the app, beside a terminal: the Labs view starts the lab and shows the
 * attendee's names; the thing, the policy (the lab's least-privilege document typed into the editor) and a certificate
 * with its downloaded files are made in the Registry view; the device publishes with the real `mosquitto_pub` over
 * mutual TLS with those files; and every check in the Labs view turns green as it happens, with no click on Check.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';

const WAIT = { timeout: 15_000 };
const LAB_DIR = new URL('../../labs/01-getting-set-up/', import.meta.url);
const MOSQUITTO_PUB = '/usr/bin/mosquitto_pub';
const run = promisify(execFile);

describe.skipIf(!fs.existsSync(CHROMIUM) || !fs.existsSync(MOSQUITTO_PUB))('lab 1 in the app and a terminal', { timeout: 60_000 }, () => {
  let bm: BrowserMode;
  let env: Record<string, string>;
  const page = () => bm.page;
  const text = (selector: string) => page().textContent(selector).then((t) => (t ?? '').replace(/\s+/g, ' ').trim());
  const check = (id: string) => `[data-testid=lab-check][data-check="${id}"]`;
  const go = async (hash: string, view: string) => {
    await page().evaluate((h) => { location.hash = h; }, hash);
    await page().waitForSelector(`[data-testid=${view}]`, WAIT);
  };

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-lab1-app-', viewport: { width: 1280, height: 900 } });
    await page().waitForSelector('[data-testid=connection-status][data-state="open"]', WAIT);
  }, 240_000); // the first e2e file of a run builds the renderer

  afterAll(async () => {
    await bm?.stop();
  });

  it('starts lab 1 from the Labs view, which names the attendee\'s thing, policy and endpoints', async () => {
    await go('#/labs/1', 'lab-title');
    await page().click('[data-testid=lab-start]');
    await page().waitForSelector('[data-testid=lab-status]:has-text("Started")', WAIT);
    // The `export` lines the guide shows, as an attendee copies them into a terminal.
    const lines = (await page().textContent('[data-testid=guide-env] pre')) ?? '';
    env = Object.fromEntries([...lines.matchAll(/^export (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
    expect(env.THING).toMatch(/^l01-.+-ratchet$/);
    expect(env.POLICY).toMatch(/^l01-.+-device$/);
    expect(fs.existsSync(env.CA_FILE)).toBe(true);
    expect(await text('[data-testid=lab-checks-count]')).toBe('0 of 7 done');
  });

  it('makes the thing, the policy and the certificate in the Registry view; their checks tick in the Labs view', async () => {
    await go('#/registry/things', 'registry-view');
    await page().click('[data-testid=thing-new]');
    await page().fill('[data-testid=thing-new-name]', env.THING);
    await page().click('[data-testid=thing-new-create]');
    await page().waitForSelector(`[data-testid=thing-detail][data-thing="${env.THING}"]`, WAIT);

    // The lab's policy document, typed into the editor as an attendee pastes it.
    const document = JSON.stringify(JSON.parse(fs.readFileSync(new URL('files/device-policy.json', LAB_DIR), 'utf8')));
    await go('#/registry/policies', 'registry-view');
    await page().click('[data-testid=policy-new]');
    await page().waitForSelector('[data-testid=policy-new-form] [data-testid=policy-code][data-ready=true]', WAIT);
    await page().fill('[data-testid=policy-new-name]', env.POLICY);
    await page().click('[data-testid=policy-new-form] [data-testid=policy-code] .view-lines');
    await page().keyboard.press('Control+A');
    await page().keyboard.press('Delete');
    await page().keyboard.insertText(document);
    await page().click('[data-testid=policy-save]');
    await page().waitForSelector(`[data-testid=policy-detail][data-policy="${env.POLICY}"]`, WAIT);

    await go('#/registry/certificates', 'registry-view');
    await page().click('[data-testid=cert-new]');
    await page().click('[data-testid=cert-new-create]');
    await page().waitForSelector('[data-testid=cert-download-key]', WAIT);
    for (const [testid, file] of [['cert-download-cert', 'device.pem.crt'], ['cert-download-key', 'private.pem.key']]) {
      const [download] = await Promise.all([page().waitForEvent('download'), page().click(`[data-testid=${testid}]`)]);
      await download.saveAs(path.join(bm.tmp, file));
    }
    await page().selectOption('[data-testid=cert-new-thing]', env.THING);
    await page().selectOption('[data-testid=cert-new-policy]', env.POLICY);
    await page().click('[data-testid=cert-new-attach]');
    await page().waitForSelector('[data-testid=cert-new-attached]', WAIT);
    expect(await text('[data-testid=cert-new-attached]')).toBe(`Attached: thing ${env.THING}, policy ${env.POLICY}`);

    await go('#/labs/1', 'lab-title');
    for (const id of ['thing', 'certificate', 'policy-attached', 'policy-allows-connect', 'policy-allows-own-topic', 'policy-refuses-other']) {
      await page().waitForSelector(`${check(id)}[data-status=done]`, WAIT);
    }
    expect(await page().getAttribute(check('data'), 'data-status')).toBe('missing');
    expect(await text('[data-testid=lab-checks-count]')).toBe('6 of 7 done');
  });

  it('publishes as the device with mosquitto_pub and the downloaded files: the last check ticks and the lab is done', async () => {
    await run(MOSQUITTO_PUB, [
      '--cafile', env.CA_FILE, '--cert', path.join(bm.tmp, 'device.pem.crt'), '--key', path.join(bm.tmp, 'private.pem.key'),
      '-h', env.MQTT_HOST, '-p', env.MQTT_TLS_PORT, '-i', env.THING, '-t', `device/${env.THING}/data`, '-m', '{"temperature": 21.5}', '-q', '1',
    ]);
    await page().waitForSelector('[data-testid=lab-checks][data-complete=true]', WAIT);
    expect(await text('[data-testid=lab-checks-count]')).toBe('7 of 7 done');
    expect(await page().locator('[data-testid=lab-hint]').count()).toBe(0);
  });
});
