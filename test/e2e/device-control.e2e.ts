/**
 * Issue #18 in the UI, in headless Chromium on a real engine: a command sent from a thing's detail to an MQTT device
 * (MQTT.js answering on the command topics) comes back with the device's answer, its status, latency and protocol;
 * a thing that does not answer shows the timeout; a bad command name is refused before it is sent.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';
import { screens } from '../helpers/screens.js';

const WAIT = { timeout: 15_000 };
const COAP_CLIENT = '/usr/bin/coap-client-notls';
const A = 'arn:aws:iot:us-east-1:000000000000';
const SHOTS = '/tmp/shots-uidev';

describe.skipIf(!fs.existsSync(CHROMIUM))('device control in the UI', { timeout: 90_000 }, () => {
  let bm: BrowserMode;
  let device: MqttClient | undefined;

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-device-control-', viewport: { width: 1280, height: 800 } });
    await bm.page.waitForSelector('[data-testid=connection-status][data-state="open"]', WAIT);
  }, 240_000); // builds the renderer first

  afterAll(async () => {
    await device?.endAsync();
    await bm?.stop();
  });

  const page = () => bm.page;
  const text = (selector: string) => page().textContent(selector).then((t) => (t ?? '').replace(/\s+/g, ' ').trim());
  const openThing = async (thing: string) => {
    await page().evaluate((h) => { location.hash = h; }, `#/registry/things/${thing}`);
    await page().waitForSelector(`[data-testid=thing-detail][data-thing="${thing}"] [data-testid=send-command]`, WAIT);
    // The token card reads the tokens again for each thing: wait until it shows this thing's state.
    await page().waitForSelector(`[data-testid=thing-detail][data-thing="${thing}"] :is([data-testid=device-token-create], [data-testid=device-token-id])`, WAIT);
  };
  /** Opens a connected MQTT thing's detail: its connectivity reads connected before a command is sent. */
  const openConnectedThing = async (thing: string) => {
    await openThing(thing);
    await page().waitForFunction(() => document.querySelector('[data-testid=thing-connectivity]')?.textContent === 'connected', null, WAIT);
  };
  /** Fills the Send-a-command card as a person would and presses Send. */
  const sendCommand = async (c: { name: string; payload?: string; timeout?: string; oneWay?: boolean }) => {
    await page().fill('[data-testid=command-name]', c.name);
    if (c.payload !== undefined) await page().fill('[data-testid=command-payload]', c.payload);
    if (c.timeout !== undefined) await page().fill('[data-testid=command-timeout]', c.timeout);
    if (c.oneWay) await page().check('[data-testid=command-one-way]');
    await page().click('[data-testid=command-send]');
  };

  it('sends a command to an MQTT device and shows its correlated answer', async () => {
    await bm.engine.api.registry.createThing('valve-1');
    device = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'valve-1', reconnectPeriod: 0 });
    const requests: { topic: string; payload: string }[] = [];
    device.on('message', (topic, payload) => {
      requests.push({ topic, payload: payload.toString() });
      const [, thing, , reqId, name] = topic.split('/');
      const body = JSON.stringify({ did: name, got: JSON.parse(payload.toString()) as unknown });
      device!.publish(`command/${thing}/res/${reqId}/200`, body, { qos: 1 }, () => {});
    });
    await device.subscribeAsync('command/valve-1/req/#', { qos: 1 });

    await openConnectedThing('valve-1');
    await sendCommand({ name: 'open', payload: '{"pct":40}' });
    await page().waitForSelector('[data-testid=command-outcome][data-kind=answer]', WAIT);

    expect(requests).toEqual([{ topic: expect.stringMatching(/^command\/valve-1\/req\/[^/]+\/open$/), payload: '{"pct":40}' }]);
    expect(await text('[data-testid=command-status]')).toBe('200');
    expect(await text('[data-testid=command-via]')).toBe('mqtt');
    expect(await text('[data-testid=command-latency]')).toMatch(/^\d+(\.\d)? ms$/);
    expect(JSON.parse(await text('[data-testid=command-answer]'))).toEqual({ did: 'open', got: { pct: 40 } });
    await screens(bm, SHOTS, 'thing-command');
  });

  it('sends a one-way command: done once the device has it, on Hono\'s one-way topic', async () => {
    await bm.engine.api.registry.createThing('valve-3');
    const valve = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'valve-3', reconnectPeriod: 0 });
    const got = new Promise<{ topic: string; payload: string }>((resolve) => valve.on('message', (topic, payload) => resolve({ topic, payload: payload.toString() })));
    await valve.subscribeAsync('command/valve-3/req/#', { qos: 1 });
    await openConnectedThing('valve-3');
    await sendCommand({ name: 'blink', payload: '{"times":3}', oneWay: true });
    await page().waitForSelector('[data-testid=command-outcome][data-kind=handed]', WAIT);
    expect(await got).toEqual({ topic: 'command/valve-3/req//blink', payload: '{"times":3}' });
    expect(await text('[data-testid=command-outcome]')).toMatch(/^blink handed over mqtt \d+(\.\d)? ms one-way: no answer expected$/);
    expect(await bm.engine.api.control.pending()).toEqual([]);
    await page().locator('[data-testid=send-command]').scrollIntoViewIfNeeded();
    await screens(bm, SHOTS, 'thing-command-one-way');
    await valve.endAsync();
  });

  it('shows the timeout when nobody answers, and refuses a bad name before sending', async () => {
    await bm.engine.api.registry.createThing('valve-2');
    await openThing('valve-2');
    await page().fill('[data-testid=command-name]', 'bad name');
    expect(await page().isDisabled('[data-testid=command-send]')).toBe(true);
    await sendCommand({ name: 'close', timeout: '3' }); // long enough to read the waiting label on a loaded machine
    expect(await text('[data-testid=command-send]')).toBe('Waiting for the answer…');
    await page().waitForSelector('[data-testid=command-outcome][data-kind=timeout]', WAIT);
    expect(await text('[data-testid=command-outcome]')).toMatch(/close\s*no answer within 3 s \(request \S+\)/);
    expect(await bm.engine.api.control.pending()).toEqual([]);
  });

  it('creates a thing\'s device token, shows its secret once, rotates and deletes it', async () => {
    await bm.engine.api.registry.createThing('meter-1');
    await bm.engine.api.registry.createThing('meter-2');
    await openThing('meter-1');
    await page().click('[data-testid=device-token-create]');
    await page().waitForSelector('[data-testid=device-token-secret]', WAIT);
    const secret = await text('[data-testid=device-token-value]');
    const [listed] = await bm.engine.api.registry.deviceTokens();
    expect(listed).toMatchObject({ thing: 'meter-1', tokenId: await text('[data-testid=device-token-id]') });
    expect(secret.length).toBeGreaterThan(16);
    expect(await text('[data-testid=device-token-secret]')).toContain(`coap-client-notls -m post -e '{"temp":21}'`);
    expect(await text('[data-testid=device-token-secret]')).toContain(`?thing=meter-1&token=${secret}`);
    await screens(bm, SHOTS, 'thing-token');

    // Shown once: another thing and back, and the secret is gone; the token stays.
    await openThing('meter-2');
    await page().waitForSelector('[data-testid=device-token-create]', WAIT);
    await openThing('meter-1');
    await page().waitForSelector('[data-testid=device-token-id]', WAIT);
    expect(await page().$('[data-testid=device-token-secret]')).toBeNull();

    await page().click('[data-testid=device-token-rotate]');
    await page().click('[data-testid=device-token-confirm]');
    await page().waitForSelector('[data-testid=device-token-secret]', WAIT);
    expect(await text('[data-testid=device-token-value]')).not.toBe(secret);
    await page().waitForFunction((old) => document.querySelector('[data-testid=device-token-id]')?.textContent !== old, listed.tokenId, WAIT);
    expect((await bm.engine.api.registry.deviceTokens())[0].tokenId).not.toBe(listed.tokenId);

    await page().click('[data-testid=device-token-delete]');
    await page().click('[data-testid=device-token-confirm]');
    await page().waitForSelector('[data-testid=device-token-create]', WAIT);
    expect(await bm.engine.api.registry.deviceTokens()).toEqual([]);
  });

  it('keeps what each card of the thing detail holds across registry changes (the thing read again)', async () => {
    const api = bm.engine.api;
    await api.registry.createThing('pump-1');
    await api.registry.setDeviceToken({ thing: 'pump-1' });
    await openThing('pump-1');
    await page().waitForSelector('[data-testid=device-token-id]', WAIT);
    // What a person has started in each card: a rotation waiting for its confirmation, a command being written.
    await page().click('[data-testid=device-token-rotate]');
    await page().fill('[data-testid=command-name]', 'drain');
    await page().evaluate(() => { document.querySelectorAll('[data-testid=thing-detail] section').forEach((card) => card.setAttribute('data-kept', '')); });

    // Two registry changes: each one makes the detail read the thing again (a new object with the same name).
    const cert = await api.security.createCertificate(true);
    await api.registry.attachPrincipal('pump-1', cert.arn);
    await page().waitForSelector('[data-testid=thing-principals] li', WAIT);
    await api.registry.createThingType('pumps');
    await page().waitForFunction(() => document.querySelector('[data-testid=tab-types]')?.textContent?.includes('1'), null, WAIT);

    expect(await page().$$eval('[data-testid=thing-detail] section:not([data-kept])', (cards) => cards.length)).toBe(0);
    expect(await page().isVisible('[data-testid=device-token-confirm]')).toBe(true);
    expect(await page().inputValue('[data-testid=command-name]')).toBe('drain');
    const before = (await api.registry.deviceTokens()).find((t) => t.thing === 'pump-1')!.tokenId;
    await page().click('[data-testid=device-token-confirm]');
    await page().waitForFunction((old) => { const id = document.querySelector('[data-testid=device-token-id]')?.textContent; return !!id && id !== old; }, before, WAIT);
    await page().waitForSelector('[data-testid=device-token-secret]', WAIT);
  });

  it.skipIf(!fs.existsSync(COAP_CLIENT))('a token created in the UI lets a real CoAP client publish as the thing', async () => {
    // The thing's certificate carries its policy (CoAP devices act with their thing's principals' policies).
    const api = bm.engine.api;
    await api.registry.createThing('meter-3');
    const cert = await api.security.createCertificate(true);
    await api.security.putPolicy('meters', JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `${A}:topic/sensors/\${iot:ClientId}/*` }],
    }));
    await api.security.attachPolicy('meters', cert.arn);
    await api.registry.attachPrincipal('meter-3', cert.arn);
    const sub = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'meter-watch', reconnectPeriod: 0 });
    const got = new Promise<{ topic: string; payload: string }>((resolve) => sub.on('message', (topic, payload) => resolve({ topic, payload: payload.toString() })));
    await sub.subscribeAsync('sensors/#', { qos: 1 });

    await openThing('meter-3');
    await page().click('[data-testid=device-token-create]');
    await page().waitForSelector('[data-testid=device-token-secret]', WAIT);
    // The command the UI offers, as a person would paste it (its URL between the quotes).
    const example = await text('[data-testid=device-token-secret] pre');
    const url = /'(coap:\/\/[^']+)'/.exec(example)![1];
    expect(url).toBe(`${bm.info.endpoints.coap}/topics/sensors/meter-3/temp?thing=meter-3&token=${await text('[data-testid=device-token-value]')}`);
    await promisify(execFile)(COAP_CLIENT, ['-B', '10', '-m', 'post', '-e', '{"temp":21}', url], { timeout: 30_000 });
    expect(await got).toEqual({ topic: 'sensors/meter-3/temp', payload: '{"temp":21}' });
    await sub.endAsync();

    // A rotated token: the old secret is refused (4.01), and nothing is published.
    const firstId = (await api.registry.deviceTokens()).find((t) => t.thing === 'meter-3')!.tokenId; // before the rotation
    await page().click('[data-testid=device-token-rotate]');
    await page().click('[data-testid=device-token-confirm]');
    await page().waitForFunction((old) => document.querySelector('[data-testid=device-token-id]')?.textContent !== old, firstId, WAIT);
    await page().waitForFunction((old) => { const pre = document.querySelector('[data-testid=device-token-secret] pre'); return !!pre && !pre.textContent!.includes(old); }, url, WAIT);
    const { stdout } = await promisify(execFile)(COAP_CLIENT, ['-v', '6', '-B', '10', '-m', 'post', '-e', '{"temp":22}', url], { timeout: 30_000 });
    expect(stdout.match(/^v:1 t:(?:ACK|CON|NON) c:(\d\.\d\d)/gm)).toEqual([expect.stringMatching(/c:4\.01$/)]);
  });

  it.skipIf(!fs.existsSync(COAP_CLIENT))('shows a CoAP device\'s pending commands, waiting then handed over, and the answers as they arrive', async () => {
    const api = bm.engine.api;
    await api.registry.createThing('meter-5');
    const cert = await api.security.createCertificate(true);
    await api.security.putPolicy('meter-5', JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `${A}:topic/sensors/meter-5/*` }],
    }));
    await api.security.attachPolicy('meter-5', cert.arn);
    await api.registry.attachPrincipal('meter-5', cert.arn);
    const { token } = await api.registry.setDeviceToken({ thing: 'meter-5' });
    const auth = `thing=meter-5&token=${token}`;
    const coap = (args: string[]) => promisify(execFile)(COAP_CLIENT, ['-B', '10', ...args], { timeout: 30_000 });
    /** The device asks (a reading with `hono-ttd`), then answers the command it got. */
    const deviceAnswers = async (requestId: string, body: string) => {
      await coap(['-m', 'post', '-e', '{"t":1}', `${bm.info.endpoints.coap}/topics/sensors/meter-5/t?${auth}&hono-ttd=5`]);
      await coap(['-m', 'post', '-e', body, `${bm.info.endpoints.coap}/command_response/${requestId}?${auth}&hono-cmd-status=200`]);
    };

    await openThing('meter-5');
    expect(await page().$('[data-testid=command-pending]')).toBeNull();
    await sendCommand({ name: 'reboot', timeout: '60' });
    await page().waitForSelector('[data-testid=command-pending][data-state=waiting]', WAIT);
    expect(await text('[data-testid=command-pending]')).toMatch(/^reboot waiting for the device sent \d+ s ago times out in (60|59|58|57|56|55) s \S+$/);
    const [pending] = await api.control.pending();
    expect(await page().getAttribute('[data-testid=command-pending]', 'data-request')).toBe(pending.requestId);
    await page().locator('[data-testid=send-command]').scrollIntoViewIfNeeded();
    await screens(bm, SHOTS, 'thing-command-pending');

    // The device asks and gets it: "handed over"; then it answers, and the answer replaces the pending line.
    await coap(['-m', 'post', '-e', '{"t":1}', `${bm.info.endpoints.coap}/topics/sensors/meter-5/t?${auth}&hono-ttd=5`]);
    await page().waitForSelector('[data-testid=command-pending][data-state=handed]', WAIT);
    expect(await text('[data-testid=command-pending] .badge')).toBe('handed over · coap');
    await coap(['-m', 'post', '-e', '{"rebooted":true}', `${bm.info.endpoints.coap}/command_response/${pending.requestId}?${auth}&hono-cmd-status=200`]);
    await page().waitForSelector('[data-testid=command-outcome][data-kind=answer]', WAIT);
    expect(await text('[data-testid=command-via]')).toBe('coap');
    expect(JSON.parse(await text('[data-testid=command-answer]'))).toEqual({ rebooted: true });
    await page().waitForFunction(() => !document.querySelector('[data-testid=command-pending]'), null, WAIT);

    // A command sent elsewhere (the contract, as the CLI or the HTTP API would): pending here too, and its answer listed.
    const sent = api.control.send({ thing: 'meter-5', name: 'calibrate', timeoutMs: 30_000 });
    await page().waitForSelector('[data-testid=command-pending][data-state=waiting]', WAIT);
    const other = (await api.control.pending())[0].requestId;
    await deviceAnswers(other, '{"ok":1}');
    expect((await sent).status).toBe(200);
    await page().waitForSelector(`[data-testid=command-answered][data-request="${other}"]`, WAIT);
    expect(await text('[data-testid=command-answered]')).toMatch(new RegExp(`^calibrate 200 coap \\d+(\\.\\d)? ms \\d+ s ago ${other}$`));
    expect(await page().$$('[data-testid=command-answered]')).toHaveLength(1); // the card's own answer is shown once, with its payload
    await page().locator('[data-testid=send-command]').scrollIntoViewIfNeeded();
    await screens(bm, SHOTS, 'thing-command-answers');
  });

  it('maps a topic filter to events, shows the events waiting for an absent consumer, and deletes the mapping', async () => {
    await page().evaluate(() => { location.hash = '#/jobs/delivery'; });
    await page().waitForSelector('[data-testid=delivery-empty]', WAIT);
    expect(await text('[data-testid=delivery-waiting-empty]')).toContain('No event is waiting');
    await page().fill('[data-testid=delivery-match]', 'alarms/#');
    await page().fill('[data-testid=delivery-ttl]', '600');
    await page().click('[data-testid=delivery-add]');
    await page().waitForSelector('[data-testid=delivery-mapping][data-class=event]', WAIT);
    expect(await text('[data-testid=delivery-mapping]')).toMatch(/^topic alarms\/#\s*event\s*600 s/);
    expect(await bm.engine.api.delivery.list()).toEqual([expect.objectContaining({ filter: 'alarms/#', class: 'event', ttlSeconds: 600 })]);

    // The same filter again is refused with the engine's message.
    await page().fill('[data-testid=delivery-match]', 'alarms/#');
    await page().click('[data-testid=delivery-add]');
    await page().waitForSelector('[data-testid=delivery-error]', WAIT);

    // A dashboard subscribes, goes away, and two alarms wait for it.
    const dash = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'dash', reconnectPeriod: 0 });
    await dash.subscribeAsync('alarms/#', { qos: 1 });
    await dash.endAsync();
    const pub = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'boiler', reconnectPeriod: 0 });
    await pub.publishAsync('alarms/boiler', '{"hot":true}', { qos: 1 });
    await pub.publishAsync('alarms/boiler', '{"hot":false}', { qos: 1 });
    await pub.endAsync();
    await page().waitForFunction(() => document.querySelector('[data-testid=delivery-consumer][data-consumer=dash] [data-testid=delivery-consumer-count]')?.textContent === '2', null, WAIT);
    await page().click('[data-testid=delivery-consumer][data-consumer=dash] button');
    await page().waitForFunction(() => document.querySelectorAll('[data-testid=delivery-event]').length === 2, null, WAIT);
    expect(await text('[data-testid=delivery-event]')).toContain('alarms/boiler');
    await screens(bm, SHOTS, 'delivery');

    await page().click('[data-testid=delivery-delete]');
    await page().waitForSelector('[data-testid=delivery-empty]', WAIT);
    expect(await bm.engine.api.delivery.list()).toEqual([]);
    expect(bm.pageProblems).toEqual([]);
  });
});
