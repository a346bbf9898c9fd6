/**
 * The Registry view in headless Chromium on a real engine whose registry was made through the AWS IoT control plane
 * (@aws-sdk/client-iot): things found with a fleet-search query (and AWS's error for a bad one), a thing's detail
 * (attributes, type, groups, certificate, connectivity turning "connected" when its device connects, a link to its
 * shadows), the group tree, a certificate with its status and things, a policy's document in the read-only editor,
 * and "would this be allowed?" showing allow and deny with the deciding statement.
 */
import fs from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';
import { seedRegistry, type RegistrySample } from '../helpers/registry-sample.js';

const WAIT = { timeout: 15_000 };

describe.skipIf(!fs.existsSync(CHROMIUM))('the Registry view', { timeout: 60_000 }, () => {
  let bm: BrowserMode;
  let sample: RegistrySample;

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-registry-view-', viewport: { width: 1280, height: 900 } });
    sample = await seedRegistry(bm.info.endpoints.http);
    await bm.page.waitForSelector('[data-testid=connection-status][data-state="open"]', WAIT);
  }, 120_000); // builds the renderer first

  afterAll(async () => {
    await bm?.stop();
  });

  const page = () => bm.page;
  const text = (selector: string) => page().textContent(selector).then((t) => (t ?? '').replace(/\s+/g, ' ').trim());
  const go = async (hash: string) => {
    await page().evaluate((h) => { location.hash = h; }, hash);
    await page().waitForSelector('[data-testid=registry-view]', WAIT);
  };
  /** The texts of the elements matching `selector`, each trimmed. */
  const texts = (selector: string) => page().$$eval(selector, (els) => els.map((e) => (e.textContent ?? '').trim()));
  const thingRows = () => page().$$eval('[data-testid=thing-row]', (rows) => rows.map((r) => r.getAttribute('data-thing')));

  it('lists the things and narrows them with a fleet-search query, showing AWS\'s error for a bad one', async () => {
    await go('#/registry/things');
    await page().waitForFunction(() => document.querySelectorAll('[data-testid=thing-row]').length === 3, null, WAIT);
    expect(await thingRows()).toEqual(['bedroom-thermostat', 'garage-door', 'kitchen-thermostat']);
    expect(await text('[data-testid=tab-things]')).toBe('Things3');

    await page().fill('[data-testid=thing-search]', 'attributes.floor:0 AND thingTypeName:thermostat');
    await page().waitForFunction(() => document.querySelectorAll('[data-testid=thing-row]').length === 1, null, WAIT);
    expect(await thingRows()).toEqual(['kitchen-thermostat']);

    await page().fill('[data-testid=thing-search]', 'attributes.floor:[0 TO');
    const error = await page().waitForSelector('[data-testid=thing-search-error]', WAIT);
    expect(await error.textContent()).toMatch(/\S/);
    expect(await page().getAttribute('[data-testid=thing-search]', 'class')).toContain('invalid');

    await page().fill('[data-testid=thing-search]', 'thingGroupNames:upstairs');
    await page().waitForFunction(() => document.querySelector('[data-testid=thing-row]')?.getAttribute('data-thing') === 'bedroom-thermostat' && !document.querySelector('[data-testid=thing-search-error]'), null, WAIT);
    await page().fill('[data-testid=thing-search]', '');
    await page().waitForFunction(() => document.querySelectorAll('[data-testid=thing-row]').length === 3, null, WAIT);
  });

  it('shows a thing\'s attributes, type, groups, certificate and connectivity, and links to its shadows', async () => {
    await go('#/registry/things');
    await page().click('[data-testid=thing-row][data-thing=kitchen-thermostat]');
    await page().waitForFunction(() => location.hash === '#/registry/things/kitchen-thermostat', null, WAIT);
    await page().waitForSelector('[data-testid=thing-detail][data-thing=kitchen-thermostat]', WAIT);
    expect(await text('[data-testid=thing-type]')).toBe('thermostat');
    expect(await texts('[data-testid=thing-attributes] tr > *')).toEqual(['floor', '0', 'room', 'kitchen']);
    expect(await text('[data-testid=thing-groups]')).toBe('ground-floor');
    expect(await text('[data-testid=thing-principals]')).toContain(`${sample.certificateId.slice(0, 16)}…`);
    expect(await text('[data-testid=thing-principals]')).toContain('ACTIVE');
    expect(await text('[data-testid=thing-connectivity]')).toBe('not connected');

    // Its device connects (client id = thing name): the detail says so once the registry is read again.
    const device = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'kitchen-thermostat', reconnectPeriod: 0 });
    try {
      await page().click('[data-testid=registry-reload]');
      await page().waitForFunction(() => document.querySelector('[data-testid=thing-connectivity]')?.textContent === 'connected', null, WAIT);
      await page().waitForSelector('[data-testid=thing-row][data-thing=kitchen-thermostat] .dot.on', WAIT);
    } finally {
      await device.endAsync();
    }

    await page().click('[data-testid=thing-shadows-link]');
    await page().waitForSelector('[data-testid=view-shadows]', WAIT);
    expect(await page().evaluate(() => location.hash)).toBe('#/shadows/kitchen-thermostat');
  });

  it('shows the groups as a tree with their things, and a certificate with its status, things and policies', async () => {
    await go('#/registry/groups');
    await page().waitForFunction(() => document.querySelectorAll('[data-testid=group-row]').length === 3, null, WAIT);
    const tree = await page().$$eval('[data-testid=group-row]', (rows) => rows.map((r) => `${r.getAttribute('data-depth')}:${r.getAttribute('data-group')}`));
    expect(tree).toEqual(['0:home', '1:ground-floor', '1:upstairs']);
    await page().click('[data-testid=group-row][data-group=home]');
    await page().waitForSelector('[data-testid=group-detail][data-group=home] [data-testid=group-things]', WAIT);
    expect(await text('[data-testid=group-things]')).toBe('garage-door');
    await page().check('[data-testid=group-recursive]');
    await page().waitForFunction(() => document.querySelector('[data-testid=group-things]')?.textContent?.replace(/\s+/g, '') === 'bedroom-thermostatgarage-doorkitchen-thermostat', null, WAIT);

    await go('#/registry/certificates');
    await page().click(`[data-testid=cert-row][data-key="${sample.certificateId}"]`);
    await page().waitForSelector(`[data-testid=cert-detail][data-cert="${sample.certificateId}"]`, WAIT);
    expect(await text('[data-testid=cert-detail-status]')).toBe('ACTIVE');
    expect(await text('[data-testid=cert-things]')).toBe('kitchen-thermostat');
    expect(await texts('[data-testid=cert-policies] button')).toEqual(['home-device', 'no-firmware']);
  });

  it('shows a policy\'s document read-only in the editor', async () => {
    await go('#/registry/policies/home-device');
    await page().waitForSelector('[data-testid=policy-code][data-ready=true]', WAIT);
    const shown = ((await page().textContent('[data-testid=policy-code] .view-lines')) ?? '').replace(/\s+/g, '');
    expect(shown).toContain('"Action":"iot:Connect"');
    expect(shown).toContain('"Effect":"Allow"');
    expect(await page().getAttribute('[data-testid=policy-code] textarea', 'readonly')).not.toBeNull();
    expect(await text('[data-testid=policy-targets]')).toContain(`${sample.certificateId.slice(0, 12)}…`);
  });

  it('answers "would this be allowed?" with the decision and the deciding statement', async () => {
    await go('#/registry/certificates');
    await page().click(`[data-testid=cert-row][data-key="${sample.certificateId}"]`);
    await page().click('[data-testid=cert-test]');
    await page().waitForSelector('[data-testid=authorize-form]', WAIT);
    await page().waitForFunction((arn) => (document.querySelector('[data-testid=authorize-principal]') as HTMLSelectElement).value === arn, sample.certificateArn, WAIT);
    expect(await page().inputValue('[data-testid=authorize-client]')).toBe('kitchen-thermostat');

    await page().selectOption('[data-testid=authorize-action]', 'iot:Publish');
    await page().fill('[data-testid=authorize-target]', 'home/kitchen-thermostat/telemetry');
    expect(await text('[data-testid=authorize-resource]')).toBe('arn:aws:iot:us-east-1:000000000000:topic/home/kitchen-thermostat/telemetry');
    await page().click('[data-testid=authorize-ask]');
    await page().waitForSelector('[data-testid=authorize-decision][data-decision=ALLOWED]', WAIT);
    expect(await page().getAttribute('[data-testid=authorize-statement]', 'data-policy')).toBe('home-device');
    expect(await page().getAttribute('[data-testid=authorize-statement]', 'data-index')).toBe('1');
    expect(JSON.parse((await page().textContent('[data-testid=authorize-statement-text]'))!)).toMatchObject({ Effect: 'Allow', Action: 'iot:Publish' });

    // Another thing's topic: no statement allows it.
    await page().fill('[data-testid=authorize-target]', 'home/garage-door/telemetry');
    await page().click('[data-testid=authorize-ask]');
    await page().waitForSelector('[data-testid=authorize-decision][data-decision=IMPLICIT_DENY]', WAIT);
    expect(await page().$('[data-testid=authorize-statement]')).toBeNull();
    expect(await text('[data-testid=authorize-implicit]')).toBe('home-device, no-firmware');

    // The firmware topic: the Deny statement decides.
    await page().fill('[data-testid=authorize-target]', 'home/kitchen-thermostat/firmware');
    await page().click('[data-testid=authorize-ask]');
    await page().waitForSelector('[data-testid=authorize-decision][data-decision=EXPLICIT_DENY]', WAIT);
    expect(await page().getAttribute('[data-testid=authorize-statement]', 'data-policy')).toBe('no-firmware');
    expect(await text('[data-testid=authorize-statement-text]')).toContain('"Deny"');
    expect(await text('[data-testid=authorize-explicit]')).toBe('no-firmware');
    expect(bm.pageProblems).toEqual([]);
  });
});
