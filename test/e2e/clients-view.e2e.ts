/**
 * The Devices view's Clients tab in headless Chromium against a real engine: an MQTT.js client and a CoAP device
 * (libcoap's `coap-client-notls` with the thing's device token) appear with their protocol, address, keep-alive and
 * subscriptions, live as they come and go (the broker's connection events, no polling).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';
import { screens } from '../helpers/screens.js';

const WAIT = { timeout: 15_000 };
const COAP_CLIENT = '/usr/bin/coap-client-notls';
const A = 'arn:aws:iot:us-east-1:000000000000';
const SHOTS = '/tmp/shots-uidev';

describe.skipIf(!fs.existsSync(CHROMIUM))('connected clients in the UI', { timeout: 90_000 }, () => {
  let bm: BrowserMode;
  const page = () => bm.page;
  const text = (selector: string) => page().textContent(selector).then((t) => (t ?? '').replace(/\s+/g, ' ').trim());
  const row = (client: string) => `[data-testid=client-row][data-client="${client}"]`;

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-clients-', viewport: { width: 1280, height: 800 } });
    await bm.page.waitForSelector('[data-testid=connection-status][data-state="open"]', WAIT);
  }, 240_000); // builds the renderer first

  afterAll(async () => {
    await bm?.stop();
  });

  it('says how to connect one when no client is connected', async () => {
    await page().evaluate(() => { location.hash = '#/devices/clients'; });
    await page().waitForSelector('[data-testid=client-empty]', WAIT);
    expect(await text('[data-testid=client-empty]')).toContain(`mosquitto_sub -L '${bm.info.endpoints.mqtt}/#'`);
    expect(await text('[data-testid=tab-clients]')).toBe('Clients0');
    await screens(bm, SHOTS, 'clients-empty');
  });

  it.skipIf(!fs.existsSync(COAP_CLIENT))('lists an MQTT client and a CoAP device with their protocols, live', async () => {
    const api = bm.engine.api;
    const dash = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'dash', keepalive: 30, reconnectPeriod: 0 });
    await dash.subscribeAsync(['sensors/#', 'alarms/#'], { qos: 1 });
    await page().waitForSelector(`${row('dash')} [data-testid=client-subs]:text-is("2")`, WAIT);
    expect(await text(`${row('dash')} [data-testid=client-transport]`)).toBe('tcp');
    expect(await text(`${row('dash')} [data-testid=client-keepalive]`)).toBe('30 s');
    expect(await text(row('dash'))).toMatch(/^dash tcp (::ffff:)?127\.0\.0\.1 \d+ s ago 30 s 2$/);

    // A CoAP device: its thing, a policy through its certificate, and a device token.
    await api.registry.createThing('meter-9');
    const cert = await api.security.createCertificate(true);
    await api.security.putPolicy('meters', JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `${A}:topic/sensors/\${iot:ClientId}/*` }],
    }));
    await api.security.attachPolicy('meters', cert.arn);
    await api.registry.attachPrincipal('meter-9', cert.arn);
    const { token } = await api.registry.setDeviceToken({ thing: 'meter-9' });
    const got = new Promise<string>((resolve) => dash.once('message', (topic) => resolve(topic)));
    const url = `${bm.info.endpoints.coap}/topics/sensors/meter-9/temp?thing=meter-9&token=${token}`;
    await promisify(execFile)(COAP_CLIENT, ['-B', '10', '-m', 'post', '-e', '{"temp":21}', url], { timeout: 30_000 });
    expect(await got).toBe('sensors/meter-9/temp');

    await page().waitForSelector(row('meter-9'), WAIT);
    expect(await text(`${row('meter-9')} [data-testid=client-transport]`)).toBe('coap');
    expect(await text(`${row('meter-9')} [data-testid=client-keepalive]`)).toBe('session');
    expect(await text(`${row('meter-9')} [data-testid=client-subs]`)).toBe('0');
    expect(await page().$$eval('[data-testid=client-summary] .badge', (b) => b.map((e) => e.textContent))).toEqual(['coap 1', 'tcp 1']);
    expect(await text('[data-testid=tab-clients]')).toBe('Clients2');
    await screens(bm, SHOTS, 'clients');

    // The adapters' counters: the CoAP publish answered, a wrong token refused 4.01; HTTPS (curl with the thing's
    // certificate) one publish answered and one to another thing's topic refused 403.
    await promisify(execFile)(COAP_CLIENT, ['-B', '10', '-m', 'post', '-e', '{"temp":22}', url.replace(token, 'not-the-token-0000')], { timeout: 30_000 });
    const keys = { cert: path.join(bm.tmp, 'meter.pem'), key: path.join(bm.tmp, 'meter.key') };
    fs.writeFileSync(keys.cert, cert.certificatePem);
    fs.writeFileSync(keys.key, cert.privateKey);
    const curl = (topic: string) => promisify(execFile)('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', path.join(bm.tmp, 'data', 'security', 'root-ca.pem'),
      '--cert', keys.cert, '--key', keys.key, '-X', 'POST', '-d', '{"t":1}', `${bm.info.endpoints.https}/topics/${topic}?qos=1`], { timeout: 30_000 }).then((r) => r.stdout);
    expect(await curl('sensors/meter-9/temp')).toBe('200');
    expect(await curl('sensors/meter-8/temp')).toBe('403');
    const card = (which: string) => `[data-testid=adapter-${which}][data-state=on]`;
    await page().waitForSelector(`${card('coap')} [data-testid=adapter-requests]:text-is("2")`, WAIT);
    await page().waitForSelector(`${card('https')} [data-testid=adapter-requests]:text-is("2")`, WAIT);
    expect(await text(`${card('coap')} [data-testid=adapter-refused]`)).toBe('refused 4.01 ×1');
    expect(await text(`${card('https')} [data-testid=adapter-refused]`)).toBe('refused 403 ×1');
    expect(await text(card('coap'))).toMatch(new RegExp(`^CoAP ${bm.info.endpoints.coap} 2 requests refused 4\\.01 ×1 0 malformed 0 observing 0 block transfers$`));
    expect(await text(card('https'))).toContain(bm.info.endpoints.https);
    await screens(bm, SHOTS, 'clients-adapters');

    // The filter takes a protocol; the MQTT client leaving is seen without a reload.
    await page().fill('[data-testid=client-search]', 'coap');
    await page().waitForFunction(() => document.querySelectorAll('[data-testid=client-row]').length === 1, null, WAIT);
    await page().fill('[data-testid=client-search]', '');
    await dash.endAsync();
    await page().waitForFunction(() => !document.querySelector('[data-testid=client-row][data-client=dash]'), null, WAIT);
    // meter-9 is there twice: its CoAP and its HTTPS device sessions.
    const rows = await page().$$eval('[data-testid=client-row]', (r) => r.map((e) => `${e.getAttribute('data-client')} ${e.getAttribute('data-transport')}`));
    expect(rows.sort()).toEqual(['meter-9 coap', 'meter-9 https']);
    expect(bm.pageProblems).toEqual([]);
  });
});
