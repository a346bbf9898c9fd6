/**
 * The SQL console in headless Chromium: SQLite (sql.js in a worker) loads only when the console opens; with nothing
 * captured it says what to do; messages published over real MQTT are a table whose JSON fields are columns; a query
 * grouping them fills the grid, draws a chart with its points and exports as CSV; a bad query shows SQLite's error at
 * its line and column, underlined; a runaway query is stopped; the editor completes tables and an alias's columns and
 * the side panel puts names in the query; a saved query survives a reload; Refresh data reads new messages; a row
 * opens whole.
 */
import fs from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';
import { screens } from '../helpers/screens.js';

const WAIT = { timeout: 15_000 };
const SHOTS = process.env.THINGBENCH_SCREENS;

describe.skipIf(!fs.existsSync(CHROMIUM))('the SQL console', () => {
  let bm: BrowserMode;
  const devices: mqtt.MqttClient[] = [];
  const requests: string[] = [];
  const page = () => bm.page;
  const text = (selector: string) => page().textContent(selector).then((t) => (t ?? '').replace(/\s+/g, ' ').trim());
  const shot = async (name: string) => { if (SHOTS) await screens(bm, SHOTS, name); };

  /** Replaces the query as a paste would (Monaco's auto-closing quotes and brackets stay out of it). */
  async function setSql(sql: string): Promise<void> {
    await page().waitForSelector('[data-testid=sql-console-editor][data-ready=true]', WAIT);
    await page().click('[data-testid=sql-console-editor] .view-lines');
    await page().keyboard.press('Control+A');
    await page().keyboard.press('Delete');
    await page().keyboard.insertText(sql);
  }
  const editorText = () => page().$$eval('[data-testid=sql-console-editor] .view-line', (ls) => ls.map((l) => l.textContent ?? '').join('\n').replace(/\u00a0/g, ' '));
  const suggestions = () => page().$$eval('.suggest-widget .monaco-list-row', (rows) => rows.map((r) => r.getAttribute('aria-label') ?? r.textContent ?? ''));

  /** Replaces the query, then runs it with Ctrl+Enter in the editor. */
  async function runSql(sql: string): Promise<void> {
    await setSql(sql);
    await page().keyboard.press('Control+Enter');
  }

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-sql-', viewport: { width: 1280, height: 800 } });
    page().on('request', (r) => void requests.push(r.url()));
    await page().waitForSelector('[data-testid=connection-status][data-state="open"]', WAIT);
  }, 120_000); // the renderer is built first, which takes a while on a busy machine

  afterAll(async () => {
    for (const d of devices) await d.endAsync(true);
    await bm?.stop();
  });

  it('loads SQLite only when the console opens, and with nothing captured says what to do', async () => {
    expect(requests.filter((u) => /sql-worker|\.wasm/.test(u))).toEqual([]);
    await page().click('[data-testid=nav-sql]');
    expect(await page().evaluate(() => location.hash)).toBe('#/sql');
    await page().waitForSelector('[data-testid=sql-table][data-table=messages]', WAIT);
    expect(requests.some((u) => /sql-worker.*\.js/.test(u))).toBe(true);
    expect(requests.some((u) => /\.wasm$/.test(u))).toBe(true);
    expect(await page().getAttribute('[data-testid=sql-table][data-table=messages]', 'data-rows')).toBe('0');
    const tables = await page().$$eval('[data-testid=sql-table]', (els) => els.map((e) => e.getAttribute('data-table')));
    expect(tables).toEqual(expect.arrayContaining(['messages', 'queue_messages', 'dynamodb_items', 'things', 'certificates', 'policies', 'rules', 'shadows', 'rule_evaluations']));
    expect(await text('[data-testid=sql-empty]')).toContain('Publish some messages');
    expect(await text('[data-testid=sql-loaded]')).toMatch(/^Loaded at /);
    await shot('sql-empty');
  });

  it('runs a query grouping messages published over MQTT, shows its rows, draws a chart and exports CSV', async () => {
    for (const id of ['sensor-1', 'sensor-2']) devices.push(await mqtt.connectAsync(bm.info.endpoints.mqtt, { clientId: id, reconnectPeriod: 0 }));
    for (let seq = 1; seq <= 3; seq++) {
      await devices[0]!.publishAsync('dt/sensor-1/telemetry', JSON.stringify({ seq, temperature: 20 + seq }), { qos: 1 });
      await devices[1]!.publishAsync('dt/sensor-2/telemetry', JSON.stringify({ seq, temperature: 30 + seq, room: 'lab, north' }), { qos: 1 });
    }
    await vi.waitFor(async () => expect(await bm.engine.api.broker.messages({ filter: 'dt/#' })).toHaveLength(6), WAIT);

    await page().click('[data-testid=sql-refresh]');
    // The six readings, and the presence events of the two connections.
    await page().waitForFunction(() => Number(document.querySelector('[data-testid=sql-table][data-table=messages]')?.getAttribute('data-rows')) >= 6, null, WAIT);
    // The JSON payload's fields are columns of their own.
    await page().click('[data-testid=sql-table][data-table=messages] .twist');
    const columns = await page().$$eval('[data-testid=sql-table][data-table=messages] .column', (els) => els.map((e) => e.textContent));
    expect(columns).toEqual(expect.arrayContaining(['topic', 'client_id', 'payload', 'payload.seq', 'payload.temperature', 'payload.room']));

    await runSql(`SELECT payload ->> '$.seq' AS seq,
       COUNT(*) AS devices,
       SUM("payload.temperature") AS total,
       group_concat(client_id) AS who
FROM messages
WHERE topic LIKE 'dt/%'
GROUP BY seq
ORDER BY seq`);
    await page().waitForSelector('[data-testid=sql-grid][data-rows="3"]', WAIT);
    expect(await text('[data-testid=sql-status]')).toMatch(/^3 rows in [\d.]+ ms$/);
    const rows = await page().$$eval('[data-testid=sql-row]', (els) => els.map((e) => Array.from(e.querySelectorAll('[role=gridcell]'), (c) => c.textContent)));
    expect(rows.map((r) => r.slice(0, 3))).toEqual([['1', '2', '52'], ['2', '2', '54'], ['3', '2', '56']]);
    expect(rows[0]![3]!.split(',').sort()).toEqual(['sensor-1', 'sensor-2']);

    // The chart: x is seq, y is total (one line, three points).
    await page().click('[data-testid=tab-chart]');
    await page().waitForSelector('[data-testid=sql-chart-x]', WAIT);
    expect(await page().$eval('[data-testid=sql-chart-x]', (s: HTMLSelectElement) => s.selectedOptions[0]!.textContent)).toBe('seq');
    expect(await page().$eval('[data-testid=sql-chart-split]', (s: HTMLSelectElement) => s.value)).toBe('-1');
    await page().uncheck('[data-testid=sql-chart-y][data-column=devices]');
    await page().check('[data-testid=sql-chart-y][data-column=total]');
    const chart = await page().waitForSelector('[data-testid=sql-chart][data-lines="1"] [data-testid=sql-chart-canvas][data-points="3"]', WAIT);
    expect(await chart.getAttribute('data-last')).toBe('[56]');
    await page().waitForSelector('[data-testid=sql-chart-canvas] canvas', WAIT);
    expect(await text('[data-testid=sql-chart-canvas] .u-legend')).toContain('total');
    await shot('sql-chart');

    // CSV of the result, as downloaded.
    await page().click('[data-testid=tab-grid]');
    await runSql(`SELECT client_id, "payload.temperature" AS t, "payload.room" AS room FROM messages WHERE topic LIKE 'dt/%' ORDER BY client_id, t`);
    await page().waitForSelector('[data-testid=sql-grid][data-rows="6"][data-columns="3"]', WAIT);
    const [download] = await Promise.all([page().waitForEvent('download', WAIT), page().click('[data-testid=sql-export-csv]')]);
    expect(download.suggestedFilename()).toMatch(/^thingbench-query-[\d-T]+\.csv$/);
    expect(fs.readFileSync((await download.path())!, 'utf8')).toBe([
      'client_id,t,room', 'sensor-1,21,', 'sensor-1,22,', 'sensor-1,23,',
      'sensor-2,31,"lab, north"', 'sensor-2,32,"lab, north"', 'sensor-2,33,"lab, north"', '',
    ].join('\r\n'));
    await shot('sql-grid');
  }, 60_000);

  it('shows a bad query\'s error at its line and column and underlines it in the editor', async () => {
    await runSql('SELECT topic\nFROM messages\nWHERE time >> > 3');
    await page().waitForSelector('[data-testid=sql-error]', WAIT);
    expect(await text('[data-testid=sql-error]')).toBe('Line 3, column 15: near ">": syntax error');
    expect(await page().getAttribute('[data-testid=sql-error]', 'data-line')).toBe('3');
    await page().waitForFunction(() => (document.querySelector('[data-testid=sql-console]') as HTMLElement).dataset.markers !== '[]', null, WAIT);
    const markers = JSON.parse((await page().getAttribute('[data-testid=sql-console]', 'data-markers'))!) as unknown[];
    expect(markers).toEqual([{ line: 3, column: 15, endColumn: 16, message: 'near ">": syntax error' }]);
    await page().waitForSelector('[data-testid=sql-console-editor] .squiggly-error', WAIT);

    await runSql('SELECT nope FROM messages');
    await page().waitForSelector('[data-testid=sql-error][data-column="8"]', WAIT);
    expect(await text('[data-testid=sql-error]')).toBe('Line 1, column 8: no such column: nope');
    await shot('sql-error');
  });

  it('stops a query that runs too long, and the console works on', async () => {
    await runSql('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c');
    await page().click('[data-testid=sql-stop]', WAIT);
    await page().waitForSelector('[data-testid=sql-error]', WAIT);
    expect(await text('[data-testid=sql-error]')).toBe('Stopped: the query ran until it was stopped.');
    // The data is loaded again into a new database.
    await page().waitForSelector('[data-testid=sql-run]:not([disabled])', WAIT);
    await runSql("SELECT COUNT(*) AS n FROM messages WHERE topic LIKE 'dt/%'");
    await page().waitForSelector('[data-testid=sql-grid][data-rows="1"]', WAIT);
    expect(await text('[data-testid=sql-row] [role=gridcell]')).toBe('6');
  });

  it('completes table names and an alias\'s columns, and a click in the side panel puts a name in the query', async () => {
    await setSql('SELECT * FROM messages m WHERE m.');
    await page().keyboard.press('Control+Space');
    await page().waitForSelector('.suggest-widget.visible', WAIT);
    await expect.poll(suggestions, WAIT).toEqual(expect.arrayContaining([expect.stringContaining('payload.temperature'), expect.stringContaining('client_id')]));
    expect((await suggestions()).some((l) => l.includes('sink'))).toBe(false); // only the columns of messages
    await page().keyboard.press('Enter');
    await expect.poll(editorText, WAIT).toMatch(/WHERE m\.\S+$/);
    await setSql('SELECT * FROM queue_m');
    await page().keyboard.press('Control+Space');
    await expect.poll(suggestions, WAIT).toEqual(expect.arrayContaining([expect.stringContaining('queue_messages')]));
    await page().keyboard.press('Escape');

    await setSql('SELECT ');
    await page().click('[data-testid=sql-table][data-table=messages] .column:text-is("payload.temperature")');
    await expect.poll(editorText, WAIT).toBe('SELECT "payload.temperature"');
    await page().click('[data-testid=sql-table][data-table=things] .name');
    await expect.poll(editorText, WAIT).toBe('SELECT "payload.temperature"things');
  });

  it('keeps a saved query across a reload and opens it; Refresh data reads new messages', async () => {
    await runSql('SELECT COUNT(*) AS n FROM messages');
    await page().click('[data-testid=sql-save]');
    await page().fill('[data-testid=sql-save-name]', 'count all');
    await page().click('[data-testid=sql-save-confirm]');
    await page().waitForSelector('[data-testid=sql-saved-query][data-name="count all"]', WAIT);

    await devices[0]!.publishAsync('dt/sensor-1/telemetry', JSON.stringify({ seq: 4, temperature: 24 }), { qos: 1 });
    await page().reload();
    await page().waitForSelector('[data-testid=sql-table][data-table=messages]', WAIT);
    const loaded = Number(await page().getAttribute('[data-testid=sql-table][data-table=messages]', 'data-rows'));
    expect(loaded).toBeGreaterThanOrEqual(7);
    await page().click('[data-testid=sql-saved-query][data-name="count all"]');
    await page().click('[data-testid=sql-run]');
    await page().waitForSelector('[data-testid=sql-grid][data-rows="1"]', WAIT);
    expect(await text('[data-testid=sql-row] [role=gridcell]')).toBe(String(loaded));

    await devices[1]!.publishAsync('dt/sensor-2/telemetry', JSON.stringify({ seq: 4, temperature: 34 }), { qos: 1 });
    await vi.waitFor(async () => expect(await bm.engine.api.broker.messages({ filter: 'dt/#' })).toHaveLength(8), WAIT);
    await page().click('[data-testid=sql-refresh]');
    await page().waitForSelector(`[data-testid=sql-table][data-table=messages][data-rows="${loaded + 1}"]`, WAIT);
    expect(bm.pageProblems).toEqual([]);
  });

  it('adds messages published while it is open to the messages table (live); the query run again counts them', async () => {
    await page().waitForSelector('[data-testid=sql-table][data-table=messages] [data-testid=sql-live]', WAIT);
    expect(await text('[data-testid=sql-loaded]')).toContain('new messages are added live');
    const before = Number(await page().getAttribute('[data-testid=sql-table][data-table=messages]', 'data-rows'));
    // The previous test's grid (one row, one column) stays until this query's result replaces it: poll the cell.
    await runSql('SELECT COUNT(*) AS n FROM messages WHERE "payload.seq" = 77');
    await expect.poll(() => text('[data-testid=sql-row] [role=gridcell]'), WAIT).toBe('0');

    await devices[0]!.publishAsync('dt/sensor-1/telemetry', JSON.stringify({ seq: 77, humidity: 51 }), { qos: 1 });
    await page().waitForSelector(`[data-testid=sql-table][data-table=messages][data-rows="${before + 1}"]`, WAIT);
    await page().click('[data-testid=sql-run]');
    await expect.poll(() => text('[data-testid=sql-row] [role=gridcell]'), WAIT).toBe('1');
    // A payload field never seen before is a column of its own.
    await runSql('SELECT "payload.humidity" FROM messages WHERE "payload.seq" = 77');
    await expect.poll(() => text('[data-testid=sql-row] [role=gridcell]'), WAIT).toBe('51');
    await page().waitForSelector('[data-testid=sql-grid][data-rows="1"][data-columns="1"]', WAIT);
    await page().click('[data-testid=sql-table][data-table=messages] .twist');
    await shot('sql-live');
    await page().click('[data-testid=sql-table][data-table=messages] .twist');
    expect(bm.pageProblems).toEqual([]);
  });

  it('joins a queue\'s messages to the rule that sent them and the MQTT message they came from (a shipped example)', async () => {
    await bm.engine.api.sinks.create('queue', 'readings');
    await bm.engine.api.rules.put('to_queue', {
      sql: "SELECT temperature, topic(2) AS device FROM 'dt/+/telemetry' WHERE temperature > 32",
      actions: [{ sqs: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/readings', roleArn: 'arn:aws:iam::123456789012:role/rules' } }],
    });
    await devices[1]!.publishAsync('dt/sensor-2/telemetry', JSON.stringify({ seq: 9, temperature: 40 }), { qos: 1 });
    await vi.waitFor(async () => expect(await bm.engine.api.sinks.records('queue', 'readings')).toHaveLength(1), WAIT);
    await page().click('[data-testid=sql-refresh]');
    await page().waitForSelector('[data-testid=sql-table][data-table=queue_messages][data-rows="1"]', WAIT);
    await page().click('[data-testid=sql-example][data-name="Queue messages from a rule"]');
    await page().click('[data-testid=sql-run]');
    // The previous test's grid also has one row: wait for this result's five columns, then read its cells.
    await page().waitForSelector('[data-testid=sql-grid][data-rows="1"][data-columns="5"]', WAIT);
    const heads = await page().$$eval('[data-testid=sql-grid] [role=columnheader]', (els) => els.slice(1).map((e) => e.textContent));
    expect(heads).toEqual(['queue', 'rule', 'sent', 'topic', 'body']);
    const readCells = () => page().$$eval('[data-testid=sql-row] [role=gridcell]', (els) => els.map((e) => e.textContent));
    await expect.poll(async () => (await readCells()).filter((_, i) => i !== 2 && i !== 4), WAIT).toEqual(['readings', 'to_queue', 'dt/sensor-2/telemetry']);
    const cells = await readCells();
    expect(JSON.parse(cells[4]!)).toEqual({ temperature: 40, device: 'sensor-2' });

    // A click shows the row whole, its JSON as a tree.
    await page().click('[data-testid=sql-row]');
    await page().waitForSelector('[data-testid=sql-row-detail][data-row="1"]', WAIT);
    expect(await text('[data-testid=sql-row-detail] dd[data-column=rule]')).toBe('to_queue');
    expect(await text('[data-testid=sql-row-detail] dd[data-column=body] [data-testid=sql-row-json]')).toContain('sensor-2');
    await page().click('[data-testid=sql-row-detail-close]');
    expect(await page().$('[data-testid=sql-row-detail]')).toBeNull();
    expect(bm.pageProblems).toEqual([]);
  });
});
