/**
 * The Registry view in headless Chromium on a real engine whose registry was made through the AWS IoT control plane
 * (@aws-sdk/client-iot): things found with a fleet-search query (and AWS's error for a bad one), a thing's detail
 * (attributes, type, groups, certificate, connectivity turning "connected" when its device connects, a link to its
 * shadows), the group tree, a certificate with its status and things, a policy's document in the read-only editor,
 * and "would this be allowed?" showing allow and deny with the deciding statement. Then a person's way through:
 * create a thing, create a certificate and download its files (a device connects over mutual TLS with them), attach
 * both and a policy, deactivate, activate and revoke it, see AWS's refusals, detach and delete.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CreateThingCommand, CreateThingGroupCommand, IoTClient } from '@aws-sdk/client-iot';
import { makeCertificate } from '../../engine/scenarios/steps/certificate.js';
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

  it('completes field names from the engine\'s index in the fleet search box, in any term of the query', async () => {
    await go('#/registry/things');
    await page().waitForFunction(() => document.querySelectorAll('[data-testid=thing-row]').length === 3, null, WAIT);
    const fields = await bm.engine.api.registry.searchFields();
    const attributes = fields.filter((f) => f.startsWith('attributes.')).sort();
    expect(attributes).toEqual(expect.arrayContaining(['attributes.floor', 'attributes.room']));
    try {
      await page().click('[data-testid=thing-search]');
      await page().keyboard.type('thingTypeName:thermostat AND attr');
      await page().waitForSelector('[data-testid=thing-search-fields]', WAIT);
      expect(await texts('[data-testid=thing-search-field]')).toEqual(attributes);
      // ↓ then ↑ comes back to the first; Tab takes it.
      await page().keyboard.press('ArrowDown');
      await page().keyboard.press('ArrowUp');
      await page().keyboard.type('ibutes.fl');
      expect(await texts('[data-testid=thing-search-field]')).toEqual(['attributes.floor']);
      await page().keyboard.press('Tab');
      expect(await page().inputValue('[data-testid=thing-search]')).toBe('thingTypeName:thermostat AND attributes.floor:');
      expect(await page().$('[data-testid=thing-search-fields]')).toBeNull();
      await page().keyboard.type('0');
      await page().waitForFunction(() => document.querySelectorAll('[data-testid=thing-row]').length === 1, null, WAIT);
      expect(await thingRows()).toEqual(['kitchen-thermostat']);
      // Esc closes the list without taking a field.
      await page().keyboard.type(' AND conn');
      await page().waitForSelector('[data-testid=thing-search-fields]', WAIT);
      expect(await texts('[data-testid=thing-search-field]')).toEqual(['connectivity.connected', 'connectivity.disconnectReason', 'connectivity.timestamp']);
      await page().keyboard.press('Escape');
      expect(await page().$('[data-testid=thing-search-fields]')).toBeNull();
      expect(await page().inputValue('[data-testid=thing-search]')).toBe('thingTypeName:thermostat AND attributes.floor:0 AND conn');
    } finally {
      await page().fill('[data-testid=thing-search]', '');
      await page().waitForFunction(() => document.querySelectorAll('[data-testid=thing-row]').length === 3, null, WAIT);
    }
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
    expect(await texts('[data-testid=cert-policies] .chip')).toEqual(['home-device', 'no-firmware']);
  });

  it('shows a policy\'s document in the editor, creates a policy, saves an edit as its new version and shows AWS\'s error for a bad one', async () => {
    await go('#/registry/policies/home-device');
    await page().waitForSelector('[data-testid=policy-code][data-ready=true]', WAIT);
    const shown = async () => ((await page().textContent('[data-testid=policy-code] .view-lines')) ?? '').replace(/\s+/g, '');
    // Monaco draws its lines a frame after it is ready (and a busy machine may show the view before its data).
    await expect.poll(shown, { timeout: 10_000 }).toContain('"Action":"iot:Connect"');
    await expect.poll(() => text('[data-testid=policy-targets]'), { timeout: 10_000 }).toContain(`${sample.certificateId.slice(0, 12)}…`);
    expect(await page().$('[data-testid=policy-save]')).toBeNull();

    const replaceText = async (body: string) => {
      await page().click('[data-testid=policy-code] .view-lines');
      await page().keyboard.press('Control+A');
      await page().keyboard.press('Delete');
      await page().keyboard.insertText(body);
    };
    await page().click('[data-testid=policy-new]');
    await page().waitForSelector('[data-testid=policy-new-form] [data-testid=policy-code][data-ready=true]', WAIT);
    await page().fill('[data-testid=policy-new-name]', 'ui-policy');
    await page().click('[data-testid=policy-save]');
    await page().waitForSelector('[data-testid=policy-detail][data-policy=ui-policy]', WAIT);
    expect(await text('[data-testid=policy-row][data-key=ui-policy] .badge')).toBe('v1');

    await page().waitForSelector('[data-testid=policy-code][data-ready=true]', WAIT);
    await replaceText('{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iot:Publish","Resource":"*"}]}');
    await page().click('[data-testid=policy-save]');
    await waitText(page(), '[data-testid=policy-saved]', 'Saved as version 2, the default.');
    expect(await text('[data-testid=policy-row][data-key=ui-policy] .badge')).toBe('v2');
    expect(JSON.parse((await bm.engine.api.security.policies()).find((p) => p.name === 'ui-policy')!.document)).toMatchObject({ Statement: [{ Effect: 'Deny' }] });

    await replaceText('{"Version":"2012-10-17","Statement":[{"Effect":"Perhaps","Action":"iot:Publish","Resource":"*"}]}');
    await page().click('[data-testid=policy-save]');
    const error = await page().waitForSelector('[data-testid=policy-error]', WAIT);
    expect(await error.textContent()).toMatch(/\S/);
    expect((await bm.engine.api.security.policies()).find((p) => p.name === 'ui-policy')!.defaultVersion).toBe('2');
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

  it('creates a thing and a certificate, downloads the certificate and key that a device then connects with, and changes and deletes them', async () => {
    await go('#/registry/things');
    await page().click('[data-testid=thing-new]');
    await page().fill('[data-testid=thing-new-name]', 'hall-sensor');
    await page().selectOption('[data-testid=thing-new-type]', 'thermostat');
    await page().fill('[data-testid=thing-new-attributes]', 'floor=1\nroom=hall');
    await page().click('[data-testid=thing-new-create]');
    await page().waitForSelector('[data-testid=thing-detail][data-thing=hall-sensor]', WAIT);
    expect(await texts('[data-testid=thing-attributes] tr > *')).toEqual(['floor', '1', 'room', 'hall']);
    expect(await page().$('[data-testid=thing-row][data-thing=hall-sensor]')).not.toBeNull();
    // The same name with other attributes: AWS's refusal, in the form.
    await page().click('[data-testid=thing-new]');
    await page().fill('[data-testid=thing-new-name]', 'hall-sensor');
    await page().click('[data-testid=thing-new-create]');
    expect(await text('[data-testid=thing-new-error]')).toBe('Thing hall-sensor already exists in account with different attributes');

    await go('#/registry/certificates');
    await page().click('[data-testid=cert-new]');
    await page().click('[data-testid=cert-new-create]');
    await page().waitForSelector('[data-testid=cert-download-key]', WAIT);
    const file = async (testid: string) => {
      const [download] = await Promise.all([page().waitForEvent('download'), page().click(`[data-testid=${testid}]`)]);
      return { name: download.suggestedFilename(), text: fs.readFileSync((await download.path())!, 'utf8') };
    };
    const cert = await file('cert-download-cert');
    const key = await file('cert-download-key');
    expect(cert.name).toMatch(/^[0-9a-f]{10}-certificate\.pem\.crt$/);
    expect(key.name).toMatch(/^[0-9a-f]{10}-private\.pem\.key$/);
    expect(new X509Certificate(cert.text).checkPrivateKey(createPrivateKey(key.text))).toBe(true);
    const id = new X509Certificate(cert.text).fingerprint256.replaceAll(':', '').toLowerCase();
    expect(id.startsWith(cert.name.slice(0, 10))).toBe(true);

    await page().selectOption('[data-testid=cert-new-thing]', 'hall-sensor');
    await page().selectOption('[data-testid=cert-new-policy]', 'home-device');
    await page().click('[data-testid=cert-new-attach]');
    await page().waitForSelector('[data-testid=cert-new-attached]', WAIT);
    expect(await text('[data-testid=cert-new-attached]')).toBe('Attached: thing hall-sensor, policy home-device');

    // A device with the downloaded files connects as its thing (the policy allows its own client id only).
    const device = await connectTls(bm, 'hall-sensor', cert.text, key.text);
    expect(device).toBe('connected');

    await page().click(`[data-testid=cert-row][data-key="${id}"]`);
    await page().waitForSelector(`[data-testid=cert-detail][data-cert="${id}"]`, WAIT);
    expect(await text('[data-testid=cert-things]')).toBe('hall-sensor');
    await page().click('[data-testid=cert-deactivate]');
    await waitText(page(), '[data-testid=cert-detail-status]', 'INACTIVE');
    expect(await connectTls(bm, 'hall-sensor', cert.text, key.text)).toMatch(/^refused/);
    await page().click('[data-testid=cert-activate]');
    await waitText(page(), '[data-testid=cert-detail-status]', 'ACTIVE');
    await page().click('[data-testid=cert-revoke]');
    await page().click('[data-testid=cert-revoke-yes]');
    await waitText(page(), '[data-testid=cert-detail-status]', 'REVOKED');
    expect(await page().$('[data-testid=cert-activate]')).toBeNull();
    await page().click('[data-testid=cert-delete]');
    await page().click('[data-testid=cert-delete-yes]');
    await waitText(page(), '[data-testid=cert-error]', 'Things are attached to the certificate: hall-sensor');

    // The thing cannot go while the certificate is attached; detached, it can.
    await go('#/registry/things/hall-sensor');
    await page().waitForSelector('[data-testid=thing-detail][data-thing=hall-sensor] [data-testid=thing-principals]', WAIT);
    await page().click('[data-testid=thing-delete]');
    await page().click('[data-testid=thing-delete-yes]');
    await waitText(page(), '[data-testid=thing-error]', 'Cannot delete. Thing hall-sensor is still attached to one or more principals');
    await page().click('[data-testid=thing-detach]');
    await page().waitForFunction(() => !document.querySelector('[data-testid=thing-principals]'), null, WAIT);
    await page().click('[data-testid=thing-delete]');
    await page().click('[data-testid=thing-delete-yes]');
    await page().waitForFunction(() => location.hash === '#/registry/things' && !document.querySelector('[data-testid=thing-row][data-thing=hall-sensor]'), null, WAIT);

    // Now the certificate goes too, its policy detached with it.
    await go(`#/registry/certificates/${id}`);
    await page().waitForSelector(`[data-testid=cert-detail][data-cert="${id}"]`, WAIT);
    await page().click('[data-testid=cert-delete]');
    await page().check('[data-testid=cert-delete-force]');
    await page().click('[data-testid=cert-delete-yes]');
    await page().waitForFunction((c) => !document.querySelector(`[data-testid=cert-row][data-key="${c}"]`), id, WAIT);
    expect((await bm.engine.api.security.policies()).find((p) => p.name === 'home-device')?.targets).toEqual([sample.certificateArn]);
    expect(bm.pageProblems).toEqual([]);
  });

  it('creates a thing type and a nested group, adds a thing to the group and removes it, with AWS\'s error for an unknown thing', async () => {
    await go('#/registry/types');
    await page().click('[data-testid=type-new]');
    await page().fill('[data-testid=type-new-name]', 'door-sensor');
    await page().fill('[data-testid=type-new-description]', 'Contact sensors on doors');
    await page().fill('[data-testid=type-new-searchable]', 'floor, room');
    await page().click('[data-testid=type-new-create]');
    await page().waitForSelector('[data-testid=type-detail][data-type=door-sensor]', WAIT);
    expect(await text('[data-testid=type-attributes]')).toBe('floor, room');
    expect((await bm.engine.api.registry.thingTypes()).find((t) => t.name === 'door-sensor')).toMatchObject({ description: 'Contact sensors on doors', searchableAttributes: ['floor', 'room'] });

    await go('#/registry/groups/ground-floor');
    await page().waitForSelector('[data-testid=group-detail][data-group=ground-floor]', WAIT);
    await page().click('[data-testid=group-new]');
    // A group opened is offered as the new group's parent.
    expect(await page().inputValue('[data-testid=group-new-parent]')).toBe('ground-floor');
    await page().fill('[data-testid=group-new-name]', 'hallway');
    await page().click('[data-testid=group-new-create]');
    await page().waitForSelector('[data-testid=group-detail][data-group=hallway]', WAIT);
    expect(await text('[data-testid=group-path]')).toContain('ground-floor');
    const groundDepth = Number(await page().getAttribute('[data-testid=group-row][data-group=ground-floor]', 'data-depth'));
    expect(await page().getAttribute('[data-testid=group-row][data-group=hallway]', 'data-depth')).toBe(String(groundDepth + 1));

    await page().fill('[data-testid=group-add-thing-name]', 'no-such-thing');
    await page().click('[data-testid=group-add-thing]');
    expect(await (await page().waitForSelector('[data-testid=group-member-error]', WAIT)).textContent()).toMatch(/no-such-thing/);
    await page().fill('[data-testid=group-add-thing-name]', 'garage-door');
    await page().click('[data-testid=group-add-thing]');
    await waitText(page(), '[data-testid=group-things]', 'garage-door');
    expect(await bm.engine.api.registry.groupThings('hallway')).toEqual(['garage-door']);
    await page().click('[data-testid=group-remove-thing]');
    await page().waitForFunction(() => !document.querySelector('[data-testid=group-things]'), null, WAIT);
    expect(await bm.engine.api.registry.groupThings('hallway')).toEqual([]);

    // From the thing's side: its detail adds it to a group it is not in yet.
    await go('#/registry/things/garage-door');
    await page().waitForSelector('[data-testid=thing-detail][data-thing=garage-door]', WAIT);
    await page().selectOption('[data-testid=thing-join-group]', 'hallway');
    await page().click('[data-testid=thing-join]');
    await page().waitForFunction(() => Array.from(document.querySelectorAll('[data-testid=thing-groups] .chip')).some((c) => c.textContent?.trim() === 'hallway'), null, WAIT);
    expect(await bm.engine.api.registry.groupThings('hallway')).toEqual(['garage-door']);
    expect(await page().$$eval('[data-testid=thing-join-group] option', (os) => os.map((o) => o.getAttribute('value')))).not.toContain('hallway');
  });

  it('lists a policy\'s versions, makes an older one the default, deletes one, and shows AWS\'s limit of 5 versions', async () => {
    const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
    for (const action of ['iot:Connect', 'iot:Publish', 'iot:Subscribe', 'iot:Receive', 'iot:*']) await bm.engine.api.security.putPolicy('versioned', doc(action));
    await go('#/registry/policies/versioned');
    await page().waitForFunction(() => document.querySelectorAll('[data-testid=policy-version]').length === 5, null, WAIT);
    await waitText(page(), '[data-testid=policy-row][data-key=versioned] .badge', 'v5');
    expect(await page().$$eval('[data-testid=policy-version]', (els) => els.map((e) => e.getAttribute('data-version')))).toEqual(['5', '4', '3', '2', '1']);
    expect(await text('[data-testid=policy-version][data-version="5"]')).toBe('v5 default');
    expect(await text('[data-testid=policy-versions-full]')).toBe('full: delete a version to save another');

    // A sixth version is refused with AWS's message.
    await page().waitForSelector('[data-testid=policy-code][data-ready=true]', WAIT);
    await page().click('[data-testid=policy-code] .view-lines');
    await page().keyboard.press('Control+A');
    await page().keyboard.press('Delete');
    await page().keyboard.insertText(doc('iot:Connect'));
    await page().click('[data-testid=policy-save]');
    await waitText(page(), '[data-testid=policy-error]', 'Policy versioned already has 5 versions; delete one first');

    await page().click('[data-testid=policy-version][data-version="2"] [data-testid=policy-version-default]');
    await waitText(page(), '[data-testid=policy-saved]', 'Version 2 is now the default.');
    await waitText(page(), '[data-testid=policy-row][data-key=versioned] .badge', 'v2');
    expect((await bm.engine.api.security.policies()).find((p) => p.name === 'versioned')?.defaultVersion).toBe('2');
    await page().waitForFunction(() => document.querySelector('[data-testid=policy-version][data-version="2"]')?.textContent?.includes('default'), null, WAIT);

    await page().click('[data-testid=policy-version][data-version="5"] [data-testid=policy-version-delete]');
    await waitText(page(), '[data-testid=policy-saved]', 'Version 5 deleted.');
    await page().waitForFunction(() => document.querySelectorAll('[data-testid=policy-version]').length === 4, null, WAIT);
    expect(await page().$('[data-testid=policy-versions-full]')).toBeNull();
    expect((await bm.engine.api.security.policyVersions('versioned')).map((v) => v.versionId)).toEqual(['4', '3', '2', '1']);
    // The default version has no delete button: AWS refuses to delete it.
    expect(await page().$('[data-testid=policy-version][data-version="2"] [data-testid=policy-version-delete]')).toBeNull();
  });

  it('registers a CA certificate with its verification certificate, turns JITR on with a registration config, deactivates and deletes it', async () => {
    await go('#/registry/cas');
    await page().waitForSelector('[data-testid=ca-empty]', WAIT);
    await page().click('[data-testid=ca-new]');
    await page().waitForFunction(() => /^[0-9a-f]{64}$/.test(document.querySelector('[data-testid=ca-registration-code]')?.textContent?.trim() ?? ''), null, WAIT);
    const code = await text('[data-testid=ca-registration-code]');
    expect(code).toBe(await bm.engine.api.security.registrationCode());
    const ca = makeCertificate({ name: 'ca', subject: { CN: 'Workshop CA', O: 'Thingbench' }, ca: true, key: 'ec' });
    const verification = makeCertificate({ name: 'v', subject: { CN: code }, key: 'ec' }, ca);
    await page().fill('[data-testid=ca-new-pem]', ca.certificatePem);
    // Without the verification certificate, AWS's error.
    await page().click('[data-testid=ca-new-register]');
    await waitText(page(), '[data-testid=ca-new-error]', 'verificationCertificate is required in DEFAULT certificate mode');
    await page().fill('[data-testid=ca-new-verification]', verification.certificatePem);
    await page().click('[data-testid=ca-new-register]');
    const detail = await page().waitForSelector('[data-testid=ca-detail]', WAIT);
    const id = (await detail.getAttribute('data-ca'))!;
    expect(await text('[data-testid=ca-detail-status]')).toBe('ACTIVE');
    expect(await text('[data-testid=ca-detail-jitr]')).toBe('auto-registration off');
    expect(await text('[data-testid=tab-cas]')).toBe('CA certificates1');

    await page().click('[data-testid=ca-jitr-on]');
    await waitText(page(), '[data-testid=ca-detail-jitr]', 'auto-registration on');
    await page().fill('[data-testid=ca-template-body]', '{"Parameters":{"AWS::IoT::Certificate::Id":{"Type":"String"}},"Resources":{}}');
    await page().fill('[data-testid=ca-role-arn]', 'arn:aws:iam::123456789012:role/JITPRole');
    await page().click('[data-testid=ca-config-save]');
    await waitText(page(), '[data-testid=ca-saved]', 'Registration config saved.');
    expect((await bm.engine.api.security.caCertificates())[0]).toMatchObject({
      id, autoRegistration: 'ENABLE',
      registrationConfig: { templateBody: '{"Parameters":{"AWS::IoT::Certificate::Id":{"Type":"String"}},"Resources":{}}', roleArn: 'arn:aws:iam::123456789012:role/JITPRole' },
    });

    // AWS refuses to delete an active CA certificate.
    await page().click('[data-testid=ca-delete]');
    await page().click('[data-testid=ca-delete-yes]');
    await waitText(page(), '[data-testid=ca-error]', 'The CA certificate must be deactivated (INACTIVE) before deletion.');
    await page().click('[data-testid=ca-deactivate]');
    await waitText(page(), '[data-testid=ca-detail-status]', 'INACTIVE');
    await page().click('[data-testid=ca-delete]');
    await page().click('[data-testid=ca-delete-yes]');
    await page().waitForSelector('[data-testid=ca-empty]', WAIT);
    expect(await bm.engine.api.security.caCertificates()).toEqual([]);
  });

  it('shows registry changes made elsewhere (the AWS API) as they happen, without reloading', async () => {
    await go('#/registry/things');
    await page().waitForSelector('[data-testid=thing-row][data-thing=garage-door]', WAIT);
    const iot = new IoTClient({ region: 'us-east-1', endpoint: bm.info.endpoints.http, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    try {
      const started = Date.now();
      await iot.send(new CreateThingCommand({ thingName: 'made-elsewhere' }));
      await page().waitForSelector('[data-testid=thing-row][data-thing=made-elsewhere]', { timeout: 5_000 });
      await iot.send(new CreateThingGroupCommand({ thingGroupName: 'made-elsewhere-group' }));
      const groups = (await bm.engine.api.registry.groups()).length;
      await page().waitForFunction((n) => document.querySelector('[data-testid=tab-groups]')?.textContent?.trim() === `Groups${n}`, groups, { timeout: 5_000 });
      // Well within the 10 s the view used to wait between reads.
      expect(Date.now() - started).toBeLessThan(8_000);
    } finally {
      iot.destroy();
    }
    expect(bm.pageProblems).toEqual([]);
  });
});

async function waitText(page: Page, selector: string, want: string): Promise<void> {
  await page.waitForFunction(([sel, w]) => document.querySelector(sel)?.textContent?.trim() === w, [selector, want] as const, WAIT);
}

/** Connects over mutual TLS with a certificate and key; 'connected' or why it was refused. */
function connectTls(bm: BrowserMode, clientId: string, cert: string, key: string): Promise<string> {
  const ca = fs.readFileSync(path.join(bm.info.dataDir, 'security', 'root-ca.pem'));
  return new Promise((resolve) => {
    const c = mqtt.connect(bm.info.endpoints.mqtts, { clientId, ca, cert, key, rejectUnauthorized: false, reconnectPeriod: 0, connectTimeout: 5000 });
    c.once('connect', () => { c.end(true); resolve('connected'); });
    c.once('error', (e) => { c.end(true); resolve(`refused: ${e.message}`); });
    c.once('close', () => resolve('refused: closed'));
  });
}
