/**
 * The Shadows view in headless Chromium: a device's shadow appears in the list live; desired changed in the editor
 * shows a delta, which the device (over MQTT) clears by reporting; a request that breaks AWS's rules is underlined
 * before it is sent; an update sent at an old version shows AWS's 409; the history diffs two versions; delete asks
 * first and then shows AWS's 404.
 */
import fs from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AWS_CLI, runAwsCli } from '../helpers/aws-cli.js';
import { open } from '../helpers/broker-clients.js';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';
import { screens } from '../helpers/screens.js';

const WAIT = { timeout: 10_000 };
const SHOTS = process.env.THINGBENCH_SCREENS; // set to a directory to keep screenshots of each step
const PREFIX = '$aws/things/lamp/shadow';

describe.skipIf(!fs.existsSync(CHROMIUM))('the Shadows view', () => {
  let bm: BrowserMode;
  let device: MqttClient;
  const deltas: object[] = [];
  const reportDelta = () => device.publishAsync(`${PREFIX}/update`, JSON.stringify({ state: { reported: deltas.at(-1) } }), { qos: 1 });

  const text = (testid: string) => bm.page.textContent(`[data-testid=${testid}]`).then((t) => (t ?? '').replace(/\s+/g, ' ').trim());
  const row = (section: string, path: string) => `[data-testid=${section}] [data-testid=state-row][data-path="${path}"]`;
  /** The editor's text as shown, without whitespace (Monaco draws each line apart). */
  const editorText = async () => ((await bm.page.textContent('[data-testid=shadow-editor] .view-lines')) ?? '').replace(/\s+/g, '');
  const shot = async (name: string) => { if (SHOTS) await screens(bm, SHOTS, name); };

  /** Replaces the editor's text as a person would: select all, delete, type (closing quotes and brackets type over). */
  async function typeRequest(body: string): Promise<void> {
    await bm.page.click('[data-testid=shadow-editor] .view-lines');
    await bm.page.keyboard.press('Control+a');
    await bm.page.keyboard.press('Delete');
    await bm.page.keyboard.type(body);
    await vi.waitFor(async () => expect(await editorText()).toBe(body.replace(/\s+/g, '')), WAIT);
  }

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-shadows-', viewport: { width: 1280, height: 800 } });
    await bm.page.waitForSelector('[data-testid=connection-status][data-state="open"]', WAIT);
    // The device: records the deltas it is sent; `reportDelta` answers the last one as a real device would.
    device = (await open(bm.info.endpoints.mqtt, { clientId: 'lamp' })).client;
    await device.subscribeAsync(`${PREFIX}/update/delta`, { qos: 1 });
    device.on('message', (topic, payload) => {
      if (topic === `${PREFIX}/update/delta`) deltas.push((JSON.parse(payload.toString()) as { state: object }).state);
    });
  }, 240_000); // the first e2e file of a run builds the renderer

  afterAll(async () => {
    await device?.endAsync(true);
    await bm?.stop();
  });

  it('says how to make a shadow when there is none, then lists the device\'s shadow as it appears', async () => {
    await bm.page.click('[data-testid=nav-shadows]');
    await bm.page.waitForSelector('[data-testid=shadow-empty]', WAIT);
    expect(await text('shadow-empty')).toContain('No shadows yet');
    expect(await text('shadow-empty')).toContain('$aws/things/NAME/shadow/update');

    await device.publishAsync(`${PREFIX}/update`, JSON.stringify({ state: { reported: { on: false, color: 'white' } } }), { qos: 1 });
    await bm.page.waitForSelector('[data-testid=shadow-row][data-thing=lamp][data-name=""]', WAIT);
    expect(await text('shadow-count')).toBe('1');
    await bm.page.click('[data-testid=shadow-row][data-thing=lamp]');
    await bm.page.waitForSelector(row('shadow-reported', 'color'), WAIT);
    expect(await text('shadow-version')).toBe('version 1');
    expect(bm.page.url()).toContain('#/shadows/lamp');
    expect(await bm.page.textContent(`${row('shadow-reported', 'on')} [data-testid=state-value]`)).toBe('false');
    expect(await text('shadow-delta-empty')).toContain('None');
  });

  it('changes desired from the editor: the delta appears, and clears live when the device reports', async () => {
    await bm.page.waitForSelector('[data-testid=shadow-editor][data-ready=true]', WAIT);
    await typeRequest('{"state": {"desired": {"on": true, "color": "amber"}}, "version": 1}');
    await bm.page.waitForSelector('[data-testid=shadow-send]:not([disabled])', WAIT);
    await bm.page.click('[data-testid=shadow-send]');
    await bm.page.waitForSelector(row('shadow-delta', 'color'), WAIT);
    expect(await bm.page.textContent(`${row('shadow-delta', 'on')} [data-testid=state-value]`)).toBe('true');
    expect(await text('shadow-send-result')).toBe('Accepted: the shadow is at version 2.');
    // The device got the delta over MQTT and reports it; the view follows live.
    await vi.waitFor(() => expect(deltas).toContainEqual({ on: true, color: 'amber' }), WAIT);
    await reportDelta();
    await bm.page.waitForSelector('[data-testid=shadow-delta-empty]', WAIT);
    expect(await bm.page.textContent(`${row('shadow-reported', 'color')} [data-testid=state-value]`)).toBe('"amber"');
    expect(await text('shadow-version')).toBe('version 3');
    await shot('shadows-state');
  });

  it('underlines a request that breaks AWS\'s rules, with AWS\'s message and where, and does not send it', async () => {
    const invalid = '{"state": {"desired": {"on": true}, "wanted": {"on": true}}}';
    await typeRequest(invalid);
    await bm.page.waitForSelector('[data-testid=shadow-problem]', WAIT);
    const column = invalid.indexOf('"wanted"') + 1;
    expect(await text('shadow-problem')).toBe(`400 State contains an invalid node: "wanted" is not allowed in state: only "desired" and "reported" (line 1, column ${column})`);
    expect(await bm.page.isDisabled('[data-testid=shadow-send]')).toBe(true);
    await bm.page.waitForSelector('[data-testid=shadow-editor] .squiggly-error', WAIT);

    const nulls = '{"state": {"desired": {"colors": ["RED", null]}}}';
    await typeRequest(nulls);
    await vi.waitFor(async () => expect(await text('shadow-problem')).toBe(`400 Invalid JSON: arrays cannot contain null values (line 1, column ${nulls.indexOf('null') + 1})`), WAIT);
    await shot('shadows-invalid');
  });

  it('shows AWS\'s 409 when the shadow moved on since the update was written', async () => {
    await bm.page.click('[data-testid=shadow-reset]');
    await vi.waitFor(async () => expect(await editorText()).toContain('"version":3'), WAIT);
    // The device changes the shadow meanwhile (version 4); the editor still expects version 3.
    await device.publishAsync(`${PREFIX}/update`, JSON.stringify({ state: { reported: { brightness: 80 } } }), { qos: 1 });
    await vi.waitFor(async () => expect(await text('shadow-version')).toBe('version 4'), WAIT);
    await bm.page.waitForSelector('[data-testid=shadow-stale]', WAIT);
    await bm.page.click('[data-testid=shadow-send]');
    await bm.page.waitForSelector('[data-testid=shadow-send-result][data-status="409"]', WAIT);
    expect(await text('shadow-send-result')).toMatch(/^409 Version conflict/);
    expect(await text('shadow-version')).toBe('version 4'); // nothing was applied
    await shot('shadows-conflict');
  });

  it('diffs any two versions in the history, field by field', async () => {
    await bm.page.click('[data-testid=shadow-tab-history]');
    await bm.page.waitForSelector('[data-testid=history-version][data-version="4"]', WAIT);
    // Newest shown, compared with the one before: only the device's brightness report.
    expect(await bm.page.getAttribute('[data-testid=diff-row]', 'data-path')).toBe('reported.brightness');
    expect(await text('history-diff')).toContain('+ reported.brightness 80');
    // Version 2 (desired from the UI) against version 1 (the device's first report).
    await bm.page.click('[data-testid=history-version][data-version="2"]');
    await bm.page.selectOption('[data-testid=history-from]', { label: (await bm.page.textContent('[data-testid=history-from] option:nth-child(2)'))! });
    await vi.waitFor(async () => expect(await text('history-shown')).toMatch(/^v2 update/), WAIT);
    const diff = await bm.page.$$eval('[data-testid=diff-row]', (rows) => rows.map((r) => [r.getAttribute('data-path'), r.getAttribute('data-kind'), r.textContent!.replace(/\s+/g, ' ').trim()]));
    expect(diff).toEqual([
      ['desired', 'added', '+ desired {"on":true,"color":"amber"}'],
    ]);
    // Version 3 (the device's report) against version 1: reported changed field by field.
    await bm.page.click('[data-testid=history-version][data-version="3"]');
    await bm.page.selectOption('[data-testid=history-from]', { index: 1 });
    await vi.waitFor(async () => expect(await text('history-shown')).toMatch(/^v3 update/), WAIT);
    const diff3 = await bm.page.$$eval('[data-testid=diff-row]', (rows) => rows.map((r) => r.textContent!.replace(/\s+/g, ' ').trim()));
    expect(diff3).toEqual(['+ desired {"on":true,"color":"amber"}', '~ reported.on false → true', '~ reported.color "white" → "amber"']);
    expect(await bm.page.textContent(`[data-testid=history-reported] [data-testid=state-row][data-path="color"] [data-testid=state-value]`)).toBe('"amber"');
    // The same two versions as JSON side by side, the changed lines marked by Monaco's diff editor.
    await bm.page.click('[data-testid=history-mode-json]');
    await bm.page.waitForSelector('[data-testid=history-json-diff][data-ready=true]', WAIT);
    await bm.page.waitForSelector('[data-testid=history-json-diff] .editor.modified .line-insert', WAIT);
    const sides = await bm.page.$$eval('[data-testid=history-json-diff] .view-lines', (els) => els.map((e) => e.textContent!.replace(/\s+/g, '')));
    expect(sides).toEqual(expect.arrayContaining([expect.stringContaining('"color":"white"'), expect.stringContaining('"color":"amber"')]));
    await shot('shadows-history-json');
    await bm.page.click('[data-testid=history-mode-fields]');
    await shot('shadows-history');
  });

  it('deletes a shadow after asking, and then shows AWS\'s 404', async () => {
    await bm.page.click('[data-testid=shadow-tab-state]');
    await bm.page.click('[data-testid=shadow-delete]');
    await bm.page.waitForSelector('[data-testid=shadow-delete-confirm]', WAIT);
    await bm.page.click('[data-testid=shadow-delete-yes]');
    await bm.page.waitForSelector('[data-testid=shadow-missing]', WAIT);
    expect(await text('shadow-missing')).toBe("404 No shadow exists with name: 'lamp'");
    expect(await text('shadow-delete-result')).toBe('Deleted at version 4. Writing it again continues from version 5.');
    await bm.page.waitForSelector('[data-testid=shadow-list-empty]', WAIT);
    expect(bm.pageProblems).toEqual([]);
  });
  it('writes a new named shadow from the + form (desired, then reported), lists the AWS CLI\'s named shadow live, and filters the list', async () => {
    await bm.page.click('[data-testid=shadow-new]');
    await bm.page.fill('[data-testid=shadow-new-thing]', 'fan');
    await bm.page.fill('[data-testid=shadow-new-name]', 'bad name');
    expect(await bm.page.isDisabled('[data-testid=shadow-new-form] button[type=submit]')).toBe(true);
    await bm.page.fill('[data-testid=shadow-new-name]', 'config');
    await bm.page.click('[data-testid=shadow-new-form] button[type=submit]');
    await bm.page.waitForSelector('[data-testid=shadow-detail][data-thing=fan][data-name=config] [data-testid=shadow-missing]', WAIT);
    expect(await text('shadow-missing')).toBe("404 No shadow exists with name: 'config'");
    await bm.page.waitForSelector('[data-testid=shadow-editor][data-ready=true]', WAIT);
    await typeRequest('{"state": {"desired": {"speed": 2}}}');
    await bm.page.click('[data-testid=shadow-send]');
    await bm.page.waitForSelector(row('shadow-delta', 'speed'), WAIT);
    expect(await text('shadow-version')).toBe('version 1');
    expect(bm.page.url()).toContain('#/shadows/fan/config');
    // Reported can be written from the UI too (to play the device): the editor starts from the reported section.
    await bm.page.click('[data-testid=shadow-edit-reported]');
    await vi.waitFor(async () => expect(await editorText()).toBe('{"state":{"reported":{}},"version":1}'), WAIT);
    await typeRequest('{"state": {"reported": {"speed": 2}}, "version": 1}');
    await bm.page.click('[data-testid=shadow-send]');
    await bm.page.waitForSelector('[data-testid=shadow-delta-empty]', WAIT);
    expect(await text('shadow-version')).toBe('version 2');

    if (fs.existsSync(AWS_CLI)) {
      const cli = await runAwsCli(['iot-data', 'update-thing-shadow', '--thing-name', 'fan', '--shadow-name', 'schedule',
        '--cli-binary-format', 'raw-in-base64-out', '--payload', '{"state":{"reported":{"at":"07:00"}}}', '/dev/null'], { endpoint: bm.info.endpoints.http });
      expect(cli.code, cli.stderr).toBe(0);
      await bm.page.waitForSelector('[data-testid=shadow-row][data-thing=fan][data-name=schedule]', WAIT);
    }
    await bm.page.fill('[data-testid=shadow-search]', 'conf');
    await vi.waitFor(async () => expect(await bm.page.$$eval('[data-testid=shadow-row]', (rows) => rows.map((r) => `${r.getAttribute('data-thing')}/${r.getAttribute('data-name')}`))).toEqual(['fan/config']), WAIT);
    await bm.page.fill('[data-testid=shadow-search]', 'nothing-like-this');
    await bm.page.waitForSelector('[data-testid=shadow-list-empty]', WAIT);
    expect(await text('shadow-list-empty')).toBe('No shadow matches “nothing-like-this”.');
    await bm.page.fill('[data-testid=shadow-search]', '');
    expect(bm.pageProblems).toEqual([]);
  });
  it('keeps only the rows in view in the DOM for a fleet of shadows, and scrolls to the last', async () => {
    const things = Array.from({ length: 1500 }, (_, i) => `sensor-${String(i).padStart(4, '0')}`);
    const before = Number(await text('shadow-count'));
    await Promise.all(things.map((thing) => bm.engine.api.shadow.update(thing, { state: { reported: { ok: true } } })));
    await vi.waitFor(async () => expect(await text('shadow-count')).toBe(String(before + things.length)), WAIT);
    const rendered = await bm.page.$$eval('[data-testid=shadow-list] [data-testid=shadow-row], [data-testid=shadow-list] [data-testid=shadow-thing]', (els) => els.length);
    expect(rendered).toBeLessThan(80);
    await bm.page.$eval('[data-testid=shadow-list]', (el) => { el.scrollTop = el.scrollHeight; });
    await bm.page.waitForSelector('[data-testid=shadow-row][data-thing=sensor-1499]', WAIT);
    expect(await bm.page.isVisible('[data-testid=shadow-row][data-thing=sensor-1499]')).toBe(true);
  });
});
