/**
 * The topic explorer's message side in headless Chromium against a real engine: publish from the UI and see the
 * message in the tree, the list and the chart; the diff of two messages and the timeline through a topic's history;
 * MQTT 5 properties; deleting a retained message and a retained subtree; exporting the selection as a recording that
 * `thingbench replay` plays back; connections and subscriptions on the events timeline.
 */
import fs from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseRecording, replay } from '../../engine/scenarios/index.js';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';

const WAIT = { timeout: 10_000 };

describe.skipIf(!fs.existsSync(CHROMIUM))('the explorer: detail, diff, chart, publish, retained, export, events', () => {
  let bm: BrowserMode;
  let device: MqttClient;

  const tab = async (id: string) => {
    await bm.page.click(`[data-testid=tab-${id}]`);
    await bm.page.waitForSelector(`[data-testid=explorer-panel-${id}]`, WAIT);
  };
  const attr = (selector: string, name: string) => bm.page.getAttribute(selector, name);

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-detail-', viewport: { width: 1280, height: 860 } });
    await bm.page.waitForSelector('[data-testid=connection-status][data-state="open"]', WAIT);
    device = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'detail-sensor', protocolVersion: 5, reconnectPeriod: 0 });
  }, 240_000); // the first e2e file of a run builds the renderer

  afterAll(async () => {
    await device?.endAsync();
    await bm?.stop();
  });

  it('publishes from the panel: the message appears in the tree, the list and the chart', async () => {
    const { page } = bm;
    await device.publishAsync('lab/boiler/telemetry', JSON.stringify({ temp: 40, pressure: { bar: 1.5 } }), { qos: 1 });
    await page.waitForSelector('[data-testid=topic-node][data-topic="lab/boiler/telemetry"]', WAIT);

    // A line for temp, from the topic's history.
    await tab('chart');
    await page.selectOption('[data-testid=chart-topic]', 'lab/boiler/telemetry');
    await page.waitForSelector('[data-testid=chart-field] option[value="pressure.bar"]', { state: 'attached', ...WAIT });
    expect(await page.$$eval('[data-testid=chart-field] option', (os) => os.map((o) => o.getAttribute('value')))).toEqual(['pressure.bar', 'temp']);
    await page.selectOption('[data-testid=chart-field]', 'temp');
    await page.click('[data-testid=chart-add]');
    await page.waitForSelector('[data-testid=chart][data-last="[40]"]', WAIT);
    expect(await page.$('[data-testid=chart] canvas')).not.toBeNull();

    // Publish from the UI: a broken document is refused with its line and column, a fixed one goes out.
    await tab('publish');
    await page.fill('[data-testid=publish-topic]', 'lab/boiler/telemetry');
    await page.fill('[data-testid=publish-payload]', '{\n  "temp": 41.5,\n  "pressure": {"bar" 1.6}\n}');
    await page.waitForSelector('[data-testid=publish-problem] .error-text', WAIT);
    expect(await page.textContent('[data-testid=publish-problem]')).toMatch(/^\s*Line 3, column 22: /);
    expect(await page.isDisabled('[data-testid=publish-send]')).toBe(true);
    await page.fill('[data-testid=publish-payload]', '{\n  "temp": 41.5,\n  "pressure": {"bar": 1.6}\n}');
    await page.selectOption('[data-testid=publish-qos]', '1');
    await page.click('[data-testid=publish-properties] summary');
    await page.fill('[data-testid=publish-content-type]', 'application/json');
    await page.fill('[data-testid=publish-user-properties]', 'site north');
    await page.waitForSelector('[data-testid=publish-problem] >> text=User property line 1: write it as name: value', WAIT);
    expect(await page.isDisabled('[data-testid=publish-send]')).toBe(true);
    await page.fill('[data-testid=publish-user-properties]', 'site: north\nsite=south');
    await page.click('[data-testid=publish-send]');
    await page.waitForSelector('[data-testid=publish-result][data-ok=true]', WAIT);
    await page.waitForSelector('[data-testid=publish-history]', WAIT);

    // The engine published it, as the UI said.
    const [latest] = await bm.engine.api.broker.messages({ filter: 'lab/boiler/telemetry', limit: 1 });
    expect(Buffer.from(latest.payload, 'base64').toString()).toBe('{\n  "temp": 41.5,\n  "pressure": {"bar": 1.6}\n}');
    expect(latest).toMatchObject({ qos: 1, retain: false, clientId: null });
    expect(latest.properties).toMatchObject({ contentType: 'application/json', userProperties: [['site', 'north'], ['site', 'south']] });

    await tab('chart');
    await page.waitForSelector('[data-testid=chart][data-last="[41.5]"]', WAIT);
    expect(await attr('[data-testid=chart]', 'data-points')).toBe('2');

    await tab('messages');
    await page.waitForSelector('[data-testid=message-row][data-topic="lab/boiler/telemetry"] >> text=41.5', WAIT);
    expect(await page.textContent('[data-testid=topic-node][data-topic="lab/boiler/telemetry"] [data-testid=topic-count]')).toBe('2');
    expect(bm.pageProblems).toEqual([]);
  });

  it('keeps publish templates across a reload and fills the form from one', async () => {
    const { page } = bm;
    await tab('publish');
    await page.fill('[data-testid=publish-topic]', 'lab/boiler/cmd');
    await page.fill('[data-testid=publish-payload]', '{"action":"purge"}');
    await page.click('[data-testid=template-new]');
    await page.fill('[data-testid=template-name]', 'purge');
    await page.click('[data-testid=template-save]');
    await page.reload();
    await page.waitForSelector('[data-testid=explorer-panel-publish]', WAIT);
    // The chart's line came back with the page, with its history.
    await tab('chart');
    await page.waitForSelector('[data-testid=chart-line][data-topic="lab/boiler/telemetry"][data-path=temp]', WAIT);
    await page.waitForSelector('[data-testid=chart][data-last="[41.5]"]', WAIT);
    await tab('publish');
    await page.fill('[data-testid=publish-topic]', '');
    await page.click('[data-testid=template] >> text=purge');
    expect(await page.inputValue('[data-testid=publish-topic]')).toBe('lab/boiler/cmd');
    expect(await page.inputValue('[data-testid=publish-payload]')).toBe('{"action":"purge"}');
  });

  it('extends the chart as points arrive and shows the window picked, from 1 minute to all it holds', async () => {
    const { page } = bm;
    await tab('chart');
    await page.waitForSelector('[data-testid=chart][data-last="[41.5]"]', WAIT);
    for (const temp of [42, 43, 44]) await device.publishAsync('lab/boiler/telemetry', JSON.stringify({ temp }), { qos: 1 });
    await page.waitForSelector('[data-testid=chart][data-last="[44]"][data-points="5"]', WAIT);
    const span = async () => {
      const range = await attr('[data-testid=chart]', 'data-range');
      if (range === null) return null;
      const [min, max] = range.split(' ').map(Number);
      expect(Math.abs(max! - Date.now() / 1000)).toBeLessThan(5); // the window ends now
      return Math.round(max! - min!);
    };
    expect(await span()).toBe(300); // 5 minutes, the default
    await page.click('[data-testid=chart-window-1m]');
    await page.waitForSelector('[data-testid=chart][data-points="5"]', WAIT);
    expect(await span()).toBe(60);
    await page.click('[data-testid=chart-window-1h]');
    expect(await span()).toBe(3600);
    await page.click('[data-testid=chart-window-all]');
    await page.waitForSelector('[data-testid=chart]:not([data-range])', WAIT);
    expect(await attr('[data-testid=chart]', 'data-points')).toBe('5');
    await device.publishAsync('lab/boiler/telemetry', JSON.stringify({ temp: 45 }), { qos: 1 });
    await page.waitForSelector('[data-testid=chart][data-last="[45]"][data-points="6"]', WAIT);
    await page.click('[data-testid=chart-window-5m]');
  });

  it('diffs two messages of a topic field by field, and scrubs through its history on the timeline', async () => {
    const { page } = bm;
    const docs = [
      { mode: 'idle', temp: 20, fan: 1 },
      { mode: 'heat', temp: 20, fan: 1 },
      { mode: 'heat', temp: 23, fan: 1, alarm: true },
    ];
    for (const doc of docs) await device.publishAsync('lab/room/state', JSON.stringify(doc), { qos: 1 });
    await tab('messages');
    await page.click('[data-testid=topic-node][data-topic="lab/room"]');
    const rows = '[data-testid=message-row][data-topic="lab/room/state"]';
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 3, rows, WAIT);
    await page.click(`${rows} >> text=alarm`);
    await page.waitForSelector('[data-testid=timeline-position] >> text="3 / 3"', WAIT);
    expect(JSON.parse((await page.textContent('[data-testid=detail-payload]'))!)).toEqual(docs[2]);

    // Against the previous message: temp changed, alarm added; what did not change is not listed.
    await page.click('[data-testid=tab-diff]');
    await page.waitForSelector('[data-testid=diff-field]', WAIT);
    const fields = () => page.$$eval('[data-testid=diff-field]', (rs) => rs.map((r) => [r.getAttribute('data-path'), r.getAttribute('data-kind'), r.querySelector('.before')!.textContent, r.querySelector('.after')!.textContent]));
    expect(await fields()).toEqual([['temp', 'changed', '20', '23'], ['alarm', 'added', '', 'true']]);

    // Against the first one: mode changed too.
    const first = await page.$eval('[data-testid=diff-compare] option:last-child', (o) => (o as HTMLOptionElement).value);
    await page.selectOption('[data-testid=diff-compare]', first);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=diff-field]').length === 3, undefined, WAIT);
    expect(await fields()).toEqual([['mode', 'changed', '"idle"', '"heat"'], ['temp', 'changed', '20', '23'], ['alarm', 'added', '', 'true']]);

    // The timeline: back to the first message (Home on the slider), which has nothing before it.
    await page.focus('[data-testid=timeline-slider]');
    await page.keyboard.press('Home');
    await page.waitForSelector('[data-testid=timeline-position] >> text="1 / 3"', WAIT);
    await page.waitForSelector('[data-testid=diff-empty]', WAIT);
    await page.click('[data-testid=tab-payload]');
    expect(JSON.parse((await page.textContent('[data-testid=detail-payload]'))!)).toEqual(docs[0]);
    // ] steps forward; a live message extends the timeline without moving it.
    await page.keyboard.press(']');
    await page.waitForSelector('[data-testid=timeline-position] >> text="2 / 3"', WAIT);
    await device.publishAsync('lab/room/state', JSON.stringify({ mode: 'off' }), { qos: 1 });
    await page.waitForSelector('[data-testid=timeline-position] >> text="2 / 4"', WAIT);
    expect(JSON.parse((await page.textContent('[data-testid=detail-payload]'))!)).toEqual(docs[1]);
    await page.click('[data-testid=timeline-latest]');
    await page.waitForSelector('[data-testid=timeline-position] >> text="4 / 4"', WAIT);
  });

  it('shows a message\'s MQTT 5 properties, user properties in order, and folds large JSON', async () => {
    const { page } = bm;
    const big = { readings: Array.from({ length: 400 }, (_, i) => ({ i, v: i * 2 })), site: 'north' };
    await device.publishAsync('lab/props/doc', JSON.stringify(big), {
      qos: 1, properties: { contentType: 'application/json', responseTopic: 'lab/props/reply', correlationData: Buffer.from('req-7'), userProperties: { b: '2', a: '1' } },
    });
    await page.click('[data-testid=topic-node][data-topic="lab/props"]');
    await page.click('[data-testid=message-row][data-topic="lab/props/doc"]');
    await page.waitForSelector('[data-testid=detail-payload][data-format=json]', WAIT);
    // The 400 readings start folded and say how many they hide; unfolding shows them.
    const summary = await page.waitForSelector('[data-testid=detail-payload] .summary', WAIT);
    expect(await summary.textContent()).toBe('400 items');
    await summary.click();
    await page.waitForSelector('[data-testid=detail-payload] [data-path="readings[399]"]', WAIT);

    await page.click('[data-testid=tab-properties]');
    const props = await page.waitForSelector('[data-testid=message-properties]', WAIT);
    const text = (await props.textContent())!;
    expect(text).toContain('application/json');
    expect(text).toContain('lab/props/reply');
    expect(text).toContain('req-7');
    expect(await page.$$eval('[data-testid=user-property]', (rs) => rs.map((r) => Array.from(r.children, (c) => c.textContent!.trim())))).toEqual([['user b', '2'], ['user a', '1']]);
    await page.click('[data-testid=tab-payload]');
  });

  it('deletes a retained message, then every retained message under a topic, after confirming', async () => {
    const { page } = bm;
    await device.publishAsync('lab/door/state', 'open', { qos: 1, retain: true });
    await device.publishAsync('lab/site/a', 'A', { qos: 1, retain: true });
    await device.publishAsync('lab/site/b/c', 'C', { qos: 1, retain: true });
    await vi.waitFor(async () => expect((await bm.engine.api.broker.retained('lab/')).map((r) => r.topic).sort()).toEqual(['lab/door/state', 'lab/site/a', 'lab/site/b/c']));

    await page.click('[data-testid=topic-node][data-topic="lab/door"]');
    await page.click('[data-testid=message-row][data-topic="lab/door/state"]');
    await page.click('[data-testid=delete-retained]');
    await page.waitForSelector('[data-testid=confirm-delete-retained-topic]', WAIT);
    expect(await bm.engine.api.broker.retained('lab/door')).toHaveLength(1); // nothing happens before confirming
    await page.click('[data-testid=confirm-delete-topic]');
    await page.waitForSelector('[data-testid=messages-note] >> text=Deleted the retained message of lab/door/state.', WAIT);
    await page.waitForSelector('[data-testid=delete-retained]', { state: 'detached', ...WAIT });
    expect(await bm.engine.api.broker.retained('lab/door')).toEqual([]);

    // A new subscriber gets no retained message: the marker published after the subscription arrives alone.
    const probe = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'retained-probe', reconnectPeriod: 0 });
    const got: string[] = [];
    probe.on('message', (topic) => got.push(topic));
    await probe.subscribeAsync('lab/door/#', { qos: 1 });
    await device.publishAsync('lab/door/marker', 'm', { qos: 1 });
    await vi.waitFor(() => expect(got).toEqual(['lab/door/marker']), WAIT);
    await probe.endAsync();

    // The marker's row is in the tree before clicking, so no row moves under the pointer.
    await page.waitForSelector('[data-testid=topic-node][data-topic="lab/door/marker"]', WAIT);
    await page.click('[data-testid=topic-node][data-topic="lab/site"]');
    await page.waitForSelector('[data-testid=message-filter] >> text=lab/site/#', WAIT);
    await page.waitForSelector('[data-testid=delete-retained-subtree] >> text=Delete retained (2)', WAIT);
    await page.click('[data-testid=delete-retained-subtree]');
    await page.click('[data-testid=confirm-delete-retained] [data-testid=confirm-delete]');
    await page.waitForSelector('[data-testid=messages-note] >> text=Deleted 2 retained messages.', WAIT);
    expect(await bm.engine.api.broker.retained('lab/')).toEqual([]);
    await page.waitForSelector('[data-testid=delete-retained-subtree]', { state: 'detached', ...WAIT });
  });

  it('exports the selection as a recording that thingbench replay reads and plays back', async () => {
    const { page } = bm;
    await device.publishAsync('lab/rec/1', JSON.stringify({ n: 1 }), { qos: 1, properties: { userProperties: { k: 'v' } } });
    await device.publishAsync('lab/rec/2', Buffer.from([0, 1, 2, 255]), { qos: 0 });
    await device.publishAsync('lab/rec/1', 'plain text', { qos: 1, retain: true });
    await page.click('[data-testid=topic-node][data-topic="lab/rec"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=message-row][data-topic^="lab/rec/"]').length === 3, undefined, WAIT);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-selection]')]);
    expect(download.suggestedFilename()).toMatch(/^thingbench-lab-rec-\d{8}-\d{6}\.jsonl$/);
    const text = fs.readFileSync((await download.path())!, 'utf8');
    await page.waitForSelector('[data-testid=messages-note] >> text=3 messages', WAIT);

    const { messages, errors } = parseRecording(text, 'export.jsonl');
    expect(errors).toEqual([]);
    expect(messages.map((m) => [m.topic, m.payload.toString('hex'), m.qos, m.retain, m.clientId, m.properties?.userProperties])).toEqual([
      ['lab/rec/1', Buffer.from('{"n":1}').toString('hex'), 1, false, 'detail-sensor', [['k', 'v']]],
      ['lab/rec/2', '000102ff', 0, false, 'detail-sensor', undefined],
      ['lab/rec/1', Buffer.from('plain text').toString('hex'), 1, true, 'detail-sensor', undefined],
    ]);
    expect(messages[0].t).toBe(0);

    // Played back as other clients, the same messages arrive again.
    const summary = await replay(messages, { mqttUrl: bm.info.endpoints.mqtt, speed: Infinity, clientIdPrefix: 'replay-' });
    expect(summary).toMatchObject({ messages: 3, failed: 0 });
    const replayed = (await bm.engine.api.broker.messages({ filter: 'lab/rec/#' })).filter((m) => m.clientId === 'replay-detail-sensor');
    const sent = (list: string[][]) => list.sort((a, b) => a.join().localeCompare(b.join()));
    expect(sent(replayed.map((m) => [m.topic, Buffer.from(m.payload, 'base64').toString('hex')]))).toEqual(sent(messages.map((m) => [m.topic, m.payload.toString('hex')])));
  });

  it('shows connections, subscriptions and disconnects with their reason on the events timeline', async () => {
    const { page } = bm;
    await tab('events');
    const flaky = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'flaky-gateway', reconnectPeriod: 0 });
    await flaky.subscribeAsync('lab/gw/#', { qos: 1 });
    flaky.stream.destroy(); // the connection is lost, not closed
    await page.waitForSelector('[data-testid=event-row][data-client=flaky-gateway][data-kind=disconnected]', WAIT);
    const rows = await page.$$eval('[data-testid=event-row][data-client=flaky-gateway]', (rs) => rs.map((r) => [r.getAttribute('data-kind'), r.querySelector('.detail')!.textContent]));
    expect(rows).toEqual([['disconnected', 'CONNECTION_LOST'], ['subscribed', 'lab/gw/# (QoS 1)'], ['connected', expect.stringMatching(/^127\.0\.0\.1 · tcp$/)]]);
    await page.waitForSelector('[data-testid=events-lane][data-client=flaky-gateway] .session.abnormal', WAIT);
    await page.waitForSelector('[data-testid=events-lane][data-client=detail-sensor] .session.open', WAIT);
    expect(bm.pageProblems).toEqual([]);
  });
});

