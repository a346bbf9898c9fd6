/**
 * The Devices view in headless Chromium against a real engine: a fleet of 100 wind turbines started from the form
 * connects (counters live), its devices are listed, one is dropped from the fault buttons and its last will (published
 * by the broker) shows beside its log; the fleet stops. A shipped example scenario opens in the editor, runs, and each
 * step passes live in the run timeline; a bad step is underlined where the engine says, and the editor completes step
 * kinds from the scenario schema. Live traffic is recorded between Record and Stop and replayed into the engine.
 */
import fs from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';
import { screens } from '../helpers/screens.js';

const WAIT = { timeout: 20_000 };
const SHOTS = process.env.THINGBENCH_SCREENS; // set to a directory to keep screenshots of each step

describe.skipIf(!fs.existsSync(CHROMIUM))('the Devices view', () => {
  let bm: BrowserMode;
  const page = () => bm.page;
  const text = (selector: string) => bm.page.textContent(selector).then((t) => (t ?? '').replace(/\s+/g, ' ').trim());
  const shot = async (name: string) => { if (SHOTS) await screens(bm, SHOTS, name); };

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-devices-', viewport: { width: 1280, height: 800 } });
    await bm.page.waitForSelector('[data-testid=connection-status][data-state="open"]', WAIT);
  }, 240_000); // the first e2e file of a run builds the renderer

  afterAll(async () => {
    await bm?.stop();
  });

  it('says to start a fleet from a model when there is none', async () => {
    await page().click('[data-testid=nav-devices]');
    await page().waitForSelector('[data-testid=fleet-empty]', WAIT);
    expect(await text('[data-testid=fleet-empty]')).toContain('Start a fleet from a model');
    expect(await text('[data-testid=fleet-list-empty]')).toContain('start one from a model');
    await page().waitForSelector('[data-testid=fleet-model] option[value=wind-turbine]', { ...WAIT, state: 'attached' });
    await shot('devices-empty');
  });

  it('starts 100 devices, sees them connected, drops one and sees its last will', async () => {
    await page().selectOption('[data-testid=fleet-model]', 'wind-turbine');
    expect(await text('[data-testid=fleet-model-about]')).toContain('wind turbine');
    await page().fill('[data-testid=fleet-count]', '100');
    await page().fill('[data-testid=fleet-rate]', '200');
    await page().click('[data-testid=fleet-start]');
    await page().waitForSelector('[data-testid=fleet-detail][data-state=running]', WAIT);
    const fleetId = await page().getAttribute('[data-testid=fleet-detail]', 'data-id');
    expect(await page().evaluate(() => location.hash)).toBe(`#/devices/fleets/${fleetId}`);
    // The counters follow the devices.status events until every device is connected.
    await page().waitForFunction(() => document.querySelector('[data-testid=fleet-connected]')?.textContent === '100', null, WAIT);
    const engineSide = (await bm.engine.api.devices.list()).find((f) => f.id === fleetId);
    expect(engineSide?.counters?.connected).toBe(100);
    expect(await text(`[data-testid=fleet-row][data-id=${fleetId}] [data-testid=fleet-row-connected]`)).toBe('100/100 online');
    // The member list pages through the fleet's devices.
    await page().waitForFunction(() => document.querySelector('[data-testid=member-total]')?.textContent === '100', null, WAIT);
    await page().waitForSelector('[data-testid=member-row][data-thing=turbine-002][data-state=online]', WAIT);
    await page().click('[data-testid=member-row][data-thing=turbine-002]');
    await page().waitForSelector('[data-testid=device-detail][data-thing=turbine-002]', WAIT);
    await page().waitForSelector('[data-testid=device-log-entry][data-kind=connected]', WAIT);
    expect(await text('[data-testid=device-will]')).toContain('turbines/ev-gen/002/status');
    expect(await page().getAttribute('[data-testid=device-will]', 'data-present')).toBe('false');

    // Drop the selected device (no DISCONNECT): the broker publishes its will.
    await page().click('[data-testid=fault-kind][data-kind=drop]');
    await page().selectOption('[data-testid=fault-target]', 'device');
    await page().click('[data-testid=fault-apply]');
    await page().waitForSelector('[data-testid=fault-result]', WAIT);
    expect(await text('[data-testid=fault-result]')).toBe('drop on turbine-002: applied to 1 of 1 targeted');
    await page().waitForSelector('[data-testid=device-will][data-present=true]', WAIT);
    const will = JSON.parse(await text('[data-testid=device-will-payload]')) as unknown;
    expect(will).toEqual({ id: '002', status: 'offline' });
    // The engine's history has that will from the broker, and the device's log says why it went.
    const [stored] = await bm.engine.api.broker.messages({ filter: 'turbines/ev-gen/002/status', limit: 1 });
    expect(Buffer.from(stored.payload, 'base64').toString()).toBe('{"id":"002","status":"offline"}');
    await page().waitForSelector('[data-testid=device-log-entry][data-kind=disconnected]', WAIT);
    expect(await text('[data-testid=device-log-entry][data-kind=disconnected]')).toContain('the broker publishes the will');
    await shot('devices-fleet');

    // Ticked devices take a fault of their own: a clock skew on two turbines.
    await page().click('[data-testid=member-row][data-thing=turbine-003] [data-testid=member-mark]');
    await page().click('[data-testid=member-row][data-thing=turbine-004] [data-testid=member-mark]');
    await page().click('[data-testid=fault-kind][data-kind=clock-skew]');
    await page().selectOption('[data-testid=fault-target]', 'marked');
    await page().click('[data-testid=fault-apply]');
    await page().waitForFunction(() => document.querySelector('[data-testid=fault-result]')?.textContent?.includes('clock-skew'), null, WAIT);
    expect(await text('[data-testid=fault-result]')).toBe('clock-skew on 2 devices: applied to 2 of 2 targeted');

    // Stop: the fleet stops cleanly and says its devices are gone.
    await page().click('[data-testid=fleet-stop]');
    await page().waitForSelector('[data-testid=fleet-detail][data-state=stopped]', WAIT);
    expect(await text('[data-testid=fleet-stopped-note]')).toContain('its devices are gone');
    expect((await bm.engine.api.devices.list()).find((f) => f.id === fleetId)?.state).toBe('stopped');
  }, 60_000);

  it('opens a shipped example scenario, runs it, and sees each step pass live', async () => {
    await page().click('[data-testid=tab-scenarios]');
    await page().waitForSelector('[data-testid=scenario-empty]', WAIT);
    expect(await text('[data-testid=scenario-empty]')).toContain('Open a shipped example');
    await page().click('[data-testid=scenario-file][data-path="examples/lwt-reconnect-storm.yaml"]');
    await page().waitForSelector('[data-testid=scenario-code][data-ready=true]', WAIT);
    await page().waitForSelector('[data-testid=scenario-problems][data-count="0"]', WAIT);
    await page().click('[data-testid=scenario-run-button]');
    // Live: the run is still running while its first steps have passed.
    await page().waitForSelector('[data-testid=run-timeline][data-status=running] [data-testid=run-step][data-status=passed]', WAIT);
    const runId = await page().getAttribute('[data-testid=run-timeline]', 'data-run');
    expect(await page().evaluate(() => location.hash)).toBe(`#/devices/scenarios/${runId}`);
    await page().waitForSelector('[data-testid=run-timeline][data-status=passed]', { timeout: 60_000 });
    const steps = await page().$$eval('[data-testid=run-step]', (rows) => rows.map((r) => [(r as HTMLElement).dataset.step, (r as HTMLElement).dataset.status]));
    const run = (await bm.engine.api.scenarios.runs()).find((r) => r.id === runId)!;
    expect(run.state).toBe('passed');
    expect(steps).toEqual(run.result!.steps.map((s) => [s.step, 'passed']));
    // The expectations show the messages they matched: the dropped turbine's will.
    expect(await text('[data-testid=run-step][data-id="4"] [data-testid=run-step-message-involved]')).toContain('turbines/ev-gen/002/status');
    expect(await text(`[data-testid=scenario-run][data-id=${runId}]`)).toContain('passed');
    await shot('devices-scenario');
  }, 90_000);

  it('underlines a bad step where the engine says, and completes step kinds from the schema', async () => {
    await page().evaluate(() => { location.hash = '#/devices/scenarios'; });
    await page().click('[data-testid=scenario-new]');
    await page().waitForSelector('[data-testid=scenario-code][data-ready=true]', WAIT);
    await page().click('[data-testid=scenario-code] .view-lines');
    await page().keyboard.press('Control+A');
    await page().keyboard.press('Delete');
    // Typed as a person would (the editor indents new lines itself): the bad step is on line 3.
    await page().keyboard.insertText('name: typo\nsteps:\n- publsh: { topic: a/b }');
    await page().waitForSelector('[data-testid=scenario-problem]', WAIT);
    const [problem] = await bm.engine.api.scenarios.validate('name: typo\nsteps:\n  - publsh: { topic: a/b }\n');
    expect(problem.message).toContain('publsh');
    expect(await page().getAttribute('[data-testid=scenario-problem]', 'data-line')).toBe('3');
    expect(await text('[data-testid=scenario-problem]')).toContain(problem.message);
    await page().waitForFunction(() => JSON.parse((document.querySelector('[data-testid=scenario-editor]') as HTMLElement).dataset.markers ?? '[]').some((m: { line: number }) => m.line === 3), null, WAIT);
    expect(await page().isDisabled('[data-testid=scenario-run-button]')).toBe(true);

    // A new step: completion offers the step kinds with their summaries.
    await page().keyboard.press('End');
    await page().keyboard.press('Enter');
    await page().keyboard.insertText('- ');
    await page().keyboard.press('Control+Space');
    await page().waitForSelector('.suggest-widget.visible', WAIT);
    const labels = async () => page().$$eval('.suggest-widget .monaco-list-row', (rows) => rows.map((r) => r.getAttribute('aria-label') ?? r.textContent ?? ''));
    await expect.poll(labels, WAIT).toEqual(expect.arrayContaining([expect.stringContaining('expect'), expect.stringContaining('fault')]));
    await page().keyboard.press('Escape');
    expect(bm.pageProblems, bm.pageProblems.join('\n')).toEqual([]);
  }, 60_000);

  it('records live traffic between Record and Stop, and replays it into the engine as its publisher', async () => {
    await page().click('[data-testid=tab-record]');
    await page().waitForSelector('[data-testid=recording-none]', WAIT);
    expect(await page().evaluate(() => location.hash)).toBe('#/devices/record');
    await page().fill('[data-testid=record-filter]', 'lab/#');
    await page().click('[data-testid=record-start]');
    await page().waitForSelector('[data-testid=record-elapsed]', WAIT);
    const sensor = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'lab-sensor', reconnectPeriod: 0 });
    for (let i = 1; i <= 3; i++) await sensor.publishAsync('lab/sensor/temp', JSON.stringify({ i }), { qos: 1 });
    await sensor.publishAsync('other/topic', 'not recorded', { qos: 1 });
    await sensor.endAsync();
    await page().click('[data-testid=record-stop]');
    await page().waitForSelector('[data-testid=recording]', WAIT);
    expect(await text('[data-testid=recording-count]')).toBe('3');
    await page().selectOption('[data-testid=replay-speed]', '100');
    await page().click('[data-testid=replay-start]');
    await page().waitForSelector('[data-testid=replay-result]', WAIT);
    expect(await text('[data-testid=replay-result]')).toMatch(/^Replayed 3 messages from 1 client in /);
    // The engine received them again from the recorded publisher, under the replay- prefix.
    const again = await bm.engine.api.broker.messages({ filter: 'lab/sensor/temp', limit: 3 });
    expect(again.map((m) => [m.clientId, Buffer.from(m.payload, 'base64').toString()])).toEqual([
      ['replay-lab-sensor', '{"i":3}'], ['replay-lab-sensor', '{"i":2}'], ['replay-lab-sensor', '{"i":1}'],
    ]);
    await shot('devices-record');
    expect(bm.pageProblems, bm.pageProblems.join('\n')).toEqual([]);
  });
});
