/**
 * The Rules view in headless Chromium on a real engine: the SQL editor underlines the engine's syntax error at its
 * line and column, completes payload fields seen on the rule's topic and the SQL functions, a rule is tested against a
 * captured message (its output) and a typed one (why there is none), a rule made from the form with a republish
 * action republishes a device's message (seen in the Topics tree) and shows its counters and evaluations live, the
 * form shows the engine's validation error at the field it names, and a rule is disabled, enabled and deleted.
 */
import fs from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';

const WAIT = { timeout: 15_000 };

describe.skipIf(!fs.existsSync(CHROMIUM))('the Rules view', { timeout: 60_000 }, () => {
  let bm: BrowserMode;
  let device: MqttClient;

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-rules-view-', viewport: { width: 1280, height: 900 } });
    await bm.page.waitForSelector('[data-testid=connection-status][data-state="open"]', WAIT);
    device = await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: 'rules-view-sensor', reconnectPeriod: 0 });
  }, 120_000); // builds the renderer first

  afterAll(async () => {
    await device?.endAsync();
    await bm?.stop();
  });

  const page = () => bm.page;
  /** Opens an address of the view afresh (through the bare view, so a new rule starts from a blank form). */
  const go = async (hash: string) => {
    await page().evaluate((h) => { location.hash = '#/rules'; setTimeout(() => { location.hash = h; }, 0); }, hash);
    await page().waitForFunction((h) => location.hash === h, hash, WAIT);
    await page().waitForSelector('[data-testid=view-rules]', WAIT);
  };

  /** Replaces the SQL in the editor as a paste would (Monaco's auto-closing quotes and brackets stay out of it). */
  async function setSql(sql: string): Promise<void> {
    await page().waitForSelector('[data-testid=sql-code][data-ready=true]', WAIT);
    await page().click('[data-testid=sql-code] .view-lines');
    await page().keyboard.press('Control+A');
    await page().keyboard.press('Delete');
    await page().keyboard.insertText(sql);
    await page().waitForFunction((want) => {
      const lines = Array.from(document.querySelectorAll('[data-testid=sql-code] .view-line')).map((l) => l.textContent ?? '');
      return lines.join('\n').replace(/\u00a0/g, ' ').includes(want.split('\n')[0]);
    }, sql, WAIT);
  }

  it('underlines a syntax error at its line and column as you type, and lists it', async () => {
    await go('#/rules/+new');
    await setSql("SELECT temperature,\n  upper(name AS n\nFROM 'sensors/+/data'");
    // Monaco's own markers: the engine's diagnostic at line 2, column 14 (`AS`, where `,` or `)` was expected).
    // Waits for this text's diagnostic: a check of the text half typed (after Ctrl+A, Delete) may answer first.
    await page().waitForSelector('[data-testid=sql-diagnostic][data-line="2"][data-column="14"]', WAIT);
    const markers = JSON.parse((await page().getAttribute('[data-testid=sql-editor]', 'data-markers'))!) as Array<{ line: number; column: number; endColumn: number; message: string }>;
    expect(markers).toEqual([expect.objectContaining({ line: 2, column: 14, endColumn: 16, message: "Expected ',' or ')' but found 'AS'" })]);
    expect(await page().getAttribute('[data-testid=sql-diagnostic]', 'data-line')).toBe('2');
    expect(await page().getAttribute('[data-testid=sql-diagnostic]', 'data-column')).toBe('14');

    // The squiggle is drawn on the second line, starting under the 14th character.
    const squiggle = await page().waitForSelector('[data-testid=sql-code] .squiggly-error', WAIT);
    const at = await squiggle.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const lines = Array.from(document.querySelectorAll<HTMLElement>('[data-testid=sql-code] .view-line'))
        .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
      const line = lines.findIndex((l) => Math.abs(l.getBoundingClientRect().top - box.top) < 2) + 1;
      const text = lines[line - 1];
      const span = text.querySelector('span')!.getBoundingClientRect();
      const charWidth = span.width / (text.textContent ?? '').length;
      return { line, column: Math.round((box.left - span.left) / charWidth) + 1 };
    });
    expect(at).toEqual({ line: 2, column: 14 });

    // Fixing the SQL clears the underline.
    await setSql("SELECT temperature,\n  upper(name) AS n\nFROM 'sensors/+/data'");
    await page().waitForFunction(() => (document.querySelector('[data-testid=sql-editor]') as HTMLElement).dataset.markers === '[]', null, WAIT);
    expect(await page().$('[data-testid=sql-diagnostic]')).toBeNull();
  });

  it('completes the payload fields seen on the rule’s topic filter and the SQL functions', async () => {
    await device.publishAsync('greenhouse/g1/air', JSON.stringify({ co2: 612, climate: { humidity: 41 } }), { qos: 1 });
    await go('#/rules/+new');
    await setSql("SELECT  FROM 'greenhouse/+/air'");
    await page().waitForSelector('[data-testid=sql-code][data-ready=true]', WAIT);
    // Caret after `SELECT `, then ask for completion.
    await page().keyboard.press('Control+Home');
    for (let i = 0; i < 7; i++) await page().keyboard.press('ArrowRight');
    await page().waitForFunction(() => document.querySelector('[data-testid=field-count]') !== null, null, WAIT);
    await page().keyboard.press('Control+Space');
    await page().waitForSelector('.suggest-widget.visible', WAIT);
    const labels = async () => page().$$eval('.suggest-widget .monaco-list-row', (rows) => rows.map((r) => r.getAttribute('aria-label') ?? r.textContent ?? ''));
    await expect.poll(labels, WAIT).toEqual(expect.arrayContaining([expect.stringContaining('co2'), expect.stringContaining('climate.humidity')]));
    await page().keyboard.press('Escape');
    await page().keyboard.insertText('get_or');
    await page().keyboard.press('Control+Space');
    await expect.poll(labels, WAIT).toEqual(expect.arrayContaining([expect.stringContaining('get_or_default')]));
    await page().keyboard.press('Escape');
  });

  it('tests a rule against a captured message (its output) and a typed one (why there is none)', async () => {
    await device.publishAsync('sensors/s1/data', JSON.stringify({ temperature: 30, humidity: 50 }), { qos: 1 });
    await go('#/rules/+new');
    await setSql("SELECT temperature, topic(2) AS sensor FROM 'sensors/+/data' WHERE temperature > 25");
    await page().click('[data-testid=tab-test]');
    // The captured message on the rule's filter is offered; picking it fills topic and payload.
    await page().waitForFunction(() => Array.from(document.querySelectorAll('[data-testid=test-pick] option')).some((o) => o.textContent?.includes('sensors/s1/data')), null, WAIT);
    const value = await page().$eval('[data-testid=test-pick]', (s) => Array.from((s as HTMLSelectElement).options).find((o) => o.text.includes('sensors/s1/data'))!.value);
    await page().selectOption('[data-testid=test-pick]', value);
    expect(await page().inputValue('[data-testid=test-topic]')).toBe('sensors/s1/data');
    await page().click('[data-testid=test-run]');
    await page().waitForSelector('[data-testid=test-result][data-outcome=matched]', WAIT);
    expect(JSON.parse((await page().textContent('[data-testid=test-output]'))!)).toEqual({ temperature: 30, sensor: 's1' });

    // A typed message the WHERE clause refuses: no output, and why.
    await page().fill('[data-testid=test-payload]', '{"temperature": 12}');
    await page().click('[data-testid=test-run]');
    await page().waitForSelector('[data-testid=test-result][data-outcome=where-false]', WAIT);
    expect(await page().textContent('[data-testid=test-reason]')).toContain('WHERE is false');
    // A topic outside FROM's filter.
    await page().fill('[data-testid=test-topic]', 'other/topic');
    await page().fill('[data-testid=test-payload]', '{"temperature": 40}');
    await page().click('[data-testid=test-run]');
    await page().waitForSelector('[data-testid=test-result][data-outcome=topic]', WAIT);
  });

  it('creates a rule with a republish action from the form; a device message is republished and counted', async () => {
    await go('#/rules/+new');
    await page().fill('[data-testid=rule-name]', 'ui_republish');
    await setSql("SELECT temperature, topic(2) AS sensor FROM 'plant/+/temp' WHERE temperature > 25");
    await page().click('[data-testid=action-add]');
    expect(await page().inputValue('[data-testid=action-0] [data-testid=action-kind]')).toBe('republish');

    // Saving without the republish topic: the engine refuses as AWS does, and the form shows it at the field.
    await page().click('[data-testid=rule-save]');
    await page().waitForSelector('[data-testid=action-0] [data-testid=field-error]', WAIT);
    expect(await page().textContent('[data-testid=action-0] [data-testid=field-error]')).toContain('republish.topic is required');
    expect(await page().getAttribute('[data-testid=action-0] input[data-field=topic]', 'aria-invalid')).toBe('true');

    await page().fill('[data-testid=action-0] input[data-field=topic]', 'alerts/${topic(2)}');
    await page().selectOption('[data-testid=action-0] select[data-field=qos]', '1');
    await page().click('[data-testid=rule-save]');
    await page().waitForSelector('[data-testid=rule-editor][data-rule=ui_republish]', WAIT);
    expect(page().url()).toContain('#/rules/ui_republish');
    expect((await bm.engine.api.rules.get('ui_republish')).actions).toEqual([{ republish: { topic: 'alerts/${topic(2)}', qos: 1 } }]);
    // An edit shows as unsaved until Ctrl+S saves it.
    expect(await page().getAttribute('[data-testid=rule-editor]', 'data-dirty')).toBe('false');
    await page().fill('[data-testid=rule-description]', 'Hot plants');
    await page().waitForSelector('[data-testid=rule-unsaved]', WAIT);
    await page().keyboard.press('Control+s');
    await page().waitForSelector('[data-testid=rule-editor][data-dirty=false] [data-testid=rule-saved]', WAIT);
    expect((await bm.engine.api.rules.get('ui_republish')).description).toBe('Hot plants');

    // A device publishes; the republished message appears in the Topics tree, the counters and evaluations follow.
    const row = '[data-testid=rule-row][data-rule=ui_republish]';
    await device.publishAsync('plant/p7/temp', JSON.stringify({ temperature: 31 }), { qos: 1 });
    await device.publishAsync('plant/p7/temp', JSON.stringify({ temperature: 20 }), { qos: 1 });
    await page().waitForFunction((r) => document.querySelector(`${r} [data-testid=metric-evaluated]`)?.textContent === '2'
      && document.querySelector(`${r} [data-testid=metric-matched]`)?.textContent === '1'
      && document.querySelector(`${r} [data-testid=metric-succeeded]`)?.textContent === '1', row, WAIT);
    await page().click('[data-testid=tab-trace]');
    await page().waitForSelector('[data-testid=trace-row][data-outcome=matched] [data-testid=trace-action][data-ok=true]', WAIT);
    await page().waitForSelector('[data-testid=trace-row][data-outcome=where-false]', WAIT);
    // An evaluation leads to the message's path on the pipeline.
    const [matched] = await bm.engine.api.rules.trace({ rule: 'ui_republish', limit: 2 }).then((t) => t.filter((e) => e.matched));
    await page().click('[data-testid=trace-row][data-outcome=matched] [data-testid=trace-open-pipeline]');
    await page().waitForSelector('[data-testid=view-pipeline]', WAIT);
    expect(page().url()).toContain(`#/pipeline/${matched.messageId}`);

    await page().click('[data-testid=nav-topics]');
    await page().waitForSelector('[data-testid=topic-node][data-topic="alerts/p7"]', WAIT);
    await page().click('[data-testid=topic-node][data-topic="alerts/p7"]');
    await page().waitForSelector('[data-testid=message-row][data-topic="alerts/p7"]', WAIT);
    expect(JSON.parse((await page().textContent('[data-testid=message-row][data-topic="alerts/p7"] [data-testid=message-payload]'))!))
      .toEqual({ temperature: 31, sensor: 'p7' });
  });

  it('disables, enables and deletes a rule (after confirming)', async () => {
    await bm.engine.api.rules.put('ui_short_lived', { sql: "SELECT * FROM 'short/lived'", actions: [] });
    await go('#/rules');
    await page().click('[data-testid=rule-list-refresh]');
    const row = '[data-testid=rule-row][data-rule=ui_short_lived]';
    await page().waitForSelector(row, WAIT);
    await page().click(`${row} [data-testid=rule-toggle]`);
    await page().waitForSelector(`${row} [data-testid=rule-disabled]`, WAIT);
    expect((await bm.engine.api.rules.get('ui_short_lived')).disabled).toBe(true);
    await page().click(`${row} [data-testid=rule-toggle]`);
    await page().waitForSelector(`${row} [data-testid=rule-disabled]`, { state: 'detached', ...WAIT });
    expect((await bm.engine.api.rules.get('ui_short_lived')).disabled).toBe(false);

    await page().click(`${row} [data-testid=rule-delete]`);
    expect(await bm.engine.api.rules.get('ui_short_lived')).toBeTruthy(); // nothing happens before confirming
    await page().click(`${row} [data-testid=rule-delete-confirm]`);
    await page().waitForSelector(row, { state: 'detached', ...WAIT });
    await expect(bm.engine.api.rules.get('ui_short_lived')).rejects.toMatchObject({ code: 'NotFound' });
    expect(bm.pageProblems).toEqual([]);
  });
});
