/**
 * The Targets view in headless Chromium, with a second Thingbench as a target: added through the form, tested for
 * real, selected; the Labs view then names it and checks a lab there, and shows the lab's reference solution; the
 * Devices view's Run names it and runs the scenario there. A plain MQTT broker as the selected target greys out the
 * lab's actions with the reason (scenarios still run there). `TB_SCREENS=<dir>` writes screenshots.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { screens } from '../helpers/screens.js';

const WAIT = { timeout: 15_000 };

describe.skipIf(!fs.existsSync(CHROMIUM))('the targets view', () => {
  let bm: BrowserMode;
  let trainer: TestEngine;

  beforeAll(async () => {
    [bm, trainer] = await Promise.all([startBrowserMode({ tmpPrefix: 'tb-targets-', viewport: { width: 1280, height: 800 } }), startTestEngine()]);
    await bm.page.evaluate(() => { location.hash = '#/targets'; });
    await bm.page.waitForSelector('[data-testid=targets-view]', WAIT);
  }, 240_000); // the first e2e file of a run builds the renderer

  afterAll(async () => {
    await bm?.stop();
    await trainer?.stop();
  });

  it('lists this engine, selected, and says how to add another target', async () => {
    const card = bm.page.locator('[data-testid=target-card][data-target=local]');
    await card.waitFor(WAIT);
    expect(await card.locator('[data-testid=target-selected]').isVisible()).toBe(true);
    await bm.page.waitForSelector('[data-testid=targets-empty]', WAIT);
    await card.locator('[data-testid=target-test]').click();
    await expect.poll(() => card.locator('[data-testid=target-test-result]').textContent(), WAIT).toContain('This engine is running');
  });

  it('adds a second Thingbench, tests it, selects it, and the Labs view runs there', async () => {
    const page = bm.page;
    await page.click('[data-testid=target-add]');
    await page.fill('[data-testid=target-form-name]', 'trainer');
    await page.selectOption('[data-testid=target-form-kind]', 'thingbench');
    // A bad URL first: the engine's message, the form stays.
    await page.fill('[data-testid=target-form-mqttUrl]', 'http://nope');
    await page.fill('[data-testid=target-form-endpoint]', trainer.httpUrl);
    await page.click('[data-testid=target-form-save]');
    await expect.poll(() => page.textContent('[data-testid=target-form-error]'), WAIT).toContain("--mqtt-url must use mqtt://, mqtts://, ws:// or wss://");
    await page.fill('[data-testid=target-form-mqttUrl]', trainer.info.endpoints.mqtt);
    await page.click('[data-testid=target-form-save]');
    const card = page.locator('[data-testid=target-card][data-target=trainer]');
    await card.waitFor(WAIT);
    expect(await page.isVisible('[data-testid=target-form]')).toBe(false);
    expect(await card.textContent()).toContain(`Another Thingbench: MQTT ${trainer.info.endpoints.mqtt}`);

    await card.locator('[data-testid=target-test]').click();
    await expect.poll(() => card.locator('[data-testid=target-test-result]').textContent(), WAIT)
      .toContain('Connected: its MQTT endpoint and its API answered, and its keys were accepted.');

    await card.locator('[data-testid=target-select]').check();
    await card.locator('[data-testid=target-selected]').waitFor(WAIT);
    // What it cannot do is greyed, with the reason.
    const sinks = card.locator('[data-testid=target-cap][data-cap=sinks]');
    expect(await sinks.getAttribute('data-ok')).toBe('false');
    expect(await card.locator('[data-testid=target-cap-reason][data-cap=sinks]').textContent()).toBe("Sinks: Another Thingbench's sinks are read in its own app");
    expect(await card.locator('[data-testid=target-cap][data-cap=labs]').getAttribute('data-ok')).toBe('true');
    if (process.env.TB_SCREENS) await screens(bm, process.env.TB_SCREENS, 'targets');

    await page.evaluate(() => { location.hash = '#/labs/1'; });
    await page.waitForSelector('[data-testid=lab-page]', WAIT);
    await expect.poll(() => page.textContent('[data-testid=lab-target-name]'), WAIT).toBe('trainer');
    await page.click('[data-testid=lab-check-now]');
    await expect.poll(() => page.textContent('[data-testid=lab-status]'), WAIT).toMatch(/^Checked: \d+ of \d+ done\./);

    await page.click('[data-testid=lab-show-solution]');
    const solution = await page.waitForSelector('[data-testid=lab-solution-text]', WAIT);
    expect(await solution.textContent()).toBe(fs.readFileSync(new URL('../../labs/01-getting-set-up/solution.yaml', import.meta.url), 'utf8'));
    expect(await page.textContent('[data-testid=lab-solution]')).toContain('labs/01-getting-set-up/solution.yaml');
    if (process.env.TB_SCREENS) await screens(bm, process.env.TB_SCREENS, 'labs-solution');

    // The Devices view's Run names the selected target, and the run goes there.
    await page.evaluate(() => { location.hash = '#/devices/scenarios'; });
    await page.click('[data-testid=scenario-new]');
    await page.waitForSelector('[data-testid=scenario-code][data-ready=true]', WAIT);
    await expect.poll(() => page.textContent('[data-testid=scenario-run-target]'), WAIT).toBe('on trainer');
    await page.click('[data-testid=scenario-run-button]');
    await expect.poll(async () => (await bm.engine.api.scenarios.runs()).map((r) => r.target), WAIT).toEqual(['trainer']);
    await expect.poll(() => page.textContent('[data-testid=run-target]'), WAIT).toBe('· on trainer');
  });

  it('greys out a lab\'s actions on a target that cannot run labs, with the reason', async () => {
    const page = bm.page;
    await bm.engine.api.targets.put('plain', { kind: 'mqtt', mqttUrl: trainer.info.endpoints.mqtt });
    await page.evaluate(() => { location.hash = '#/targets'; });
    const card = page.locator('[data-testid=target-card][data-target=plain]');
    await page.locator('[data-testid=target-card][data-target=trainer]').waitFor(WAIT);
    await expect.poll(async () => card.count(), WAIT).toBe(1);
    await card.locator('[data-testid=target-select]').check();
    await page.evaluate(() => { location.hash = '#/labs/1'; });
    await expect.poll(() => page.textContent('[data-testid=lab-target-name]'), WAIT).toBe('plain');
    expect(await page.textContent('[data-testid=lab-target-cannot]')).toContain('Labs need Device Shadow and the AWS IoT control plane, which a plain MQTT broker does not have');
    for (const button of ['lab-start', 'lab-check-now', 'lab-solve', 'lab-reset']) expect(await page.isDisabled(`[data-testid=${button}]`)).toBe(true);
    // Scenarios do run on a plain broker (their shadow and control-plane steps are refused there).
    await page.evaluate(() => { location.hash = '#/devices/scenarios'; });
    await expect.poll(() => page.textContent('[data-testid=scenario-run-target]'), WAIT).toBe('on plain');
    // A scenario with its own `target:` runs there, whatever is selected, and the run says where it ran.
    await page.click('[data-testid=scenario-new]');
    await page.waitForSelector('[data-testid=scenario-code][data-ready=true]', WAIT);
    await page.click('[data-testid=scenario-code] .view-lines');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('name: its own target\ntarget: trainer\nsteps:\n  - publish: { topic: own/target, payload: x }\n');
    await expect.poll(() => page.textContent('[data-testid=scenario-run-target]'), WAIT).toBe('on trainer');
    await page.click('[data-testid=scenario-run-button]');
    await expect.poll(async () => (await bm.engine.api.scenarios.runs()).find((r) => r.scenario === 'its own target')?.target, WAIT).toBe('trainer');
    await expect.poll(() => page.textContent('[data-testid=run-target]'), WAIT).toBe('· on trainer');
    await page.evaluate(() => { location.hash = '#/labs/1'; });
    // Back to this engine from the command palette: the lab runs here again.
    await page.keyboard.press('Control+k');
    await page.waitForSelector('[data-testid=command-palette]', WAIT);
    await page.keyboard.type('run labs on this engine');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('[data-testid=lab-target-name]'), WAIT).toBe('this engine');
    await expect.poll(() => page.isDisabled('[data-testid=lab-check-now]'), WAIT).toBe(false);
    expect(await page.isVisible('[data-testid=lab-target-cannot]')).toBe(false);
  });
});
