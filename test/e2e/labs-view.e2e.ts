/**
 * The Labs view in headless Chromium, with lab 1 as an attendee does it: the catalogue shows every lab with its
 * progress; the lab's guide renders as text (code blocks with copy buttons, the mermaid source as a block) beside its
 * checks and the hint of the first missing one; Start sets the lab up from the UI; the attendee creates the thing with
 * the AWS SDK (named by the `export` lines the guide shows) and its check ticks live; "Solve it for me" shows the
 * solution's steps and ends with every check done; Reset asks first, then the checks are missing again. The guide's
 * pipeline diagram is drawn from its mermaid source with the attendee's names, and its nodes light up as their
 * checks pass.
 */
import fs from 'node:fs';
import { CreateThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startBrowserMode, type BrowserMode } from '../helpers/browser-mode.js';
import { screens } from '../helpers/screens.js';

const WAIT = { timeout: 15_000 };
const SHOTS = process.env.THINGBENCH_SCREENS; // set to a directory to keep screenshots of each step

describe.skipIf(!fs.existsSync(CHROMIUM))('the Labs view', () => {
  let bm: BrowserMode;
  const text = (selector: string) => bm.page.textContent(selector).then((t) => (t ?? '').replace(/\s+/g, ' ').trim());
  const check = (id: string) => `[data-testid=lab-check][data-check="${id}"]`;
  const shot = async (name: string) => { if (SHOTS) await screens(bm, SHOTS, name); };

  beforeAll(async () => {
    bm = await startBrowserMode({ tmpPrefix: 'tb-labsview-', viewport: { width: 1280, height: 800 } });
    await bm.page.waitForSelector('[data-testid=connection-status][data-state="open"]', WAIT);
  }, 120_000); // builds the renderer first

  afterAll(async () => {
    await bm?.stop();
  });

  it('lists the catalogue with progress and says what to do when no lab is open', async () => {
    await bm.page.click('[data-testid=nav-labs]');
    await bm.page.waitForSelector('[data-testid=labs-empty]', WAIT);
    expect(await text('[data-testid=labs-empty]')).toContain('Pick a lab to begin');
    const labs = await bm.engine.api.labs.list();
    await bm.page.waitForSelector(`[data-testid=lab-row] >> nth=${labs.length - 1}`, WAIT);
    expect(await bm.page.locator('[data-testid=lab-row]').count()).toBe(labs.length);
    const first = '[data-testid=lab-row][data-lab="1"]';
    expect(await text(`${first} .title`)).toBe('Getting set up');
    expect(await text(`${first} [data-testid=lab-progress]`)).toBe(`0/${labs[0].checks} not started`);
    await shot('labs-catalogue');
  });

  it('opens lab 1: the guide as text with copyable code, beside its checks and the first hint', async () => {
    await bm.page.click('[data-testid=lab-row][data-lab="1"]');
    await bm.page.waitForSelector('[data-testid=lab-check][data-status=missing]', WAIT);
    expect(bm.page.url()).toContain('#/labs/1');
    expect(await text('[data-testid=lab-title]')).toBe('Lab 1 Getting set up');
    expect(await text('[data-testid=lab-target]')).toContain('Runs against this engine');
    // Markdown as text: the mermaid source (with its `<br/>`) is a code block, no markup from the guide.
    expect(await bm.page.locator('[data-testid=guide-pipeline] [data-testid=guide-code][data-lang=mermaid]').count()).toBe(1);
    expect(await text('[data-testid=guide-pipeline] pre')).toContain('device $THING<br/>(mosquitto_pub)');
    expect(await bm.page.locator('[data-testid=lab-guide] br').count()).toBe(0);
    expect(await bm.page.locator('[data-testid=guide-step]').count()).toBe(6);
    expect(await text('[data-testid=guide-step][data-step="1"] pre')).toBe('$AWS iot create-thing --thing-name "$THING"');
    expect(await bm.page.locator('[data-testid=guide-step][data-step="1"] [data-testid=guide-code-copy]').count()).toBe(1);
    expect(await text('[data-testid=guide-goal] strong >> nth=0')).toBe('thing');
    // The checks before anything is done: all missing, the first one's hint shown.
    expect(await bm.page.getAttribute(check('thing'), 'data-status')).toBe('missing');
    expect(await text('[data-testid=lab-hint] .hint-title')).toMatch(/^Next: The thing l01-.+-ratchet exists$/);
    expect(await text('[data-testid=lab-hint] .hint-text')).toMatch(/^Create it: \$AWS iot create-thing --thing-name l01-.+-ratchet$/);
    expect(await bm.page.locator('[data-testid=lab-hint-copy]').count()).toBe(1);
    expect(await text('[data-testid=lab-checks-count]')).toMatch(/^0 of 7 done$/);
    // The pipeline diagram, drawn from the mermaid source: every node and edge, with the attendee's names.
    const node = (id: string) => `[data-testid=lab-diagram-node][data-node=${id}]`;
    expect(await bm.page.locator('[data-testid=lab-diagram-node]').count()).toBe(7);
    expect(await bm.page.locator('[data-testid=lab-diagram-edge]').count()).toBe(5);
    expect(await text(node('thing'))).toMatch(/^thing l01-.+-ratchet/);
    expect(await bm.page.getAttribute(node('thing'), 'data-state')).toBe('todo');
    expect((await bm.page.getAttribute(node('thing'), 'data-checks'))!.split(' ')).toContain('thing');
    expect(await bm.page.getAttribute(node('topic'), 'data-state')).toBe('none');
  });

  it('starts the lab from the UI; the thing the attendee creates with the AWS SDK ticks its check live', async () => {
    await bm.page.click('[data-testid=lab-start]');
    await bm.page.waitForSelector('[data-testid=lab-status]:has-text("Started")', WAIT);
    await bm.page.waitForSelector('[data-testid=lab-start]:has-text("Start again")', WAIT);
    // The names come from the `export` lines the guide shows, as an attendee would copy them.
    const env = await bm.page.textContent('[data-testid=guide-env] pre') ?? '';
    const thing = /^export THING=(\S+)$/m.exec(env)?.[1];
    expect(thing).toMatch(/^l01-.+-ratchet$/);

    const iot = new IoTClient({ region: 'us-east-1', endpoint: bm.info.endpoints.http, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    try {
      await iot.send(new CreateThingCommand({ thingName: thing }));
    } finally {
      iot.destroy();
    }
    // No click: the started lab is re-checked on the engine's events and the check ticks.
    await bm.page.waitForSelector(`${check('thing')}[data-status=done]`, WAIT);
    expect(await text('[data-testid=lab-checks-count]')).toBe('1 of 7 done');
    // Its node in the diagram lights up partly: the thing exists, its certificate and policy do not yet.
    await bm.page.waitForSelector('[data-testid=lab-diagram-node][data-node=thing][data-state=partial]', WAIT);
    expect(await bm.page.getAttribute('[data-testid=lab-diagram-node][data-node=policy]', 'data-state')).toBe('todo');
    expect(await text('[data-testid=lab-hint] .hint-title')).toMatch(/^Next: An active certificate is attached to l01-.+-ratchet$/);
    // The catalogue follows the check event at once (not the list's periodic read).
    await bm.page.waitForSelector('[data-testid=lab-row][data-lab="1"][data-done="1"]', { timeout: 5_000 });
    await shot('labs-started');
  });

  it('"Solve it for me" shows the solution\'s steps and finishes the lab over what the attendee made: every check is done', async () => {
    await bm.page.click('[data-testid=lab-solve]');
    // The attendee's thing is already there: the solution reuses it instead of stopping.
    await bm.page.waitForSelector('[data-testid=lab-solve-progress][data-state=passed]', { timeout: 30_000 });
    expect(await bm.page.locator('[data-testid=lab-solve-fresh]').count()).toBe(0);
    expect(await bm.page.locator('[data-testid=lab-solve-step][data-status=passed]').count()).toBe(2);
    await bm.page.waitForSelector('[data-testid=lab-checks][data-complete=true]', WAIT);
    expect(await text('[data-testid=lab-checks-count]')).toBe('7 of 7 done');
    expect(await bm.page.locator('[data-testid=lab-check][data-status=done]').count()).toBe(7);
    expect(await bm.page.locator('[data-testid=lab-hint]').count()).toBe(0);
    expect(await text('[data-testid=lab-status]')).toBe('Solved: 7 of 7 checks done.');
    // Every node with checks is lit.
    for (const id of ['device', 'thing', 'policy']) expect(await bm.page.getAttribute(`[data-testid=lab-diagram-node][data-node=${id}]`, 'data-state')).toBe('done');
    await bm.page.waitForSelector('[data-testid=lab-row][data-lab="1"][data-done="7"]', WAIT);
    await shot('labs-solved');
  }, 60_000);

  it('Reset asks first, then removes the lab\'s resources and the checks are missing again', async () => {
    await bm.page.click('[data-testid=lab-reset]');
    expect(await text('[data-testid=lab-reset-confirm-text]')).toContain('Remove everything');
    await bm.page.click('[data-testid=lab-reset-cancel]');
    expect(await bm.page.getAttribute(check('thing'), 'data-status')).toBe('done');

    await bm.page.click('[data-testid=lab-reset]');
    await bm.page.click('[data-testid=lab-reset-confirm]');
    await bm.page.waitForSelector('[data-testid=lab-status]:has-text("Reset: removed")', WAIT);
    expect(await text('[data-testid=lab-status]')).toContain('thing l01-');
    await bm.page.waitForSelector(`${check('thing')}[data-status=missing]`, WAIT);
    const done = await bm.page.getAttribute('[data-testid=lab-checks]', 'data-done');
    expect(Number(done)).toBeLessThan(7);
    await bm.page.waitForSelector(`[data-testid=lab-row][data-lab="1"][data-done="${done}"]`, WAIT);
    expect(await text('[data-testid=lab-row][data-lab="1"] [data-testid=lab-progress]')).toBe(`${done}/7 not started`);
    expect(bm.pageProblems).toEqual([]);
  });
});
