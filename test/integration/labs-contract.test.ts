/**
 * Labs through the engine contract (`labs.*`) against the engine itself: the catalogue with progress, start (checks
 * missing, a `labs.checked` event), a check ticking to done on its own as the attendee works (the watch), solve, the
 * progress kept across a restart, and reset. Bad arguments are refused at the rpc edge.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CreateThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LabCheckReport } from '../../engine/contract/index.js';
import { checkArgs } from '../../engine/host/rpc-args.js';
import { connect, startTestEngine, type TestEngine } from '../helpers/engine.js';

let tb: TestEngine | undefined;
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
});

describe('labs.* on the engine', () => {
  it('starts, watches, solves, keeps progress across a restart and resets a lab', async () => {
    tb = await startTestEngine();
    const api = tb.engine.api;
    const attendee = 'erin';
    const [lab1] = await api.labs.list({ attendee });
    expect(lab1).toMatchObject({ id: 1, slug: 'getting-set-up', title: 'Getting set up', checks: 7 });
    expect(lab1.progress).toBeUndefined();
    const detail = await api.labs.get('getting-set-up', { attendee });
    expect(detail.names.THING).toBe('l01-erin-ratchet');
    expect(detail.checkList[0]).toEqual({ id: 'thing', title: 'The thing l01-erin-ratchet exists', kind: 'thing', localOnly: false });
    expect(detail.guide.steps.map((s) => s.n)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(detail.guide.pipeline).toContain('flowchart LR');
    expect(detail.env.AWS).toBe(`aws --endpoint-url ${tb.httpUrl}`);

    const seen: LabCheckReport[] = [];
    tb.engine.events.on('labs.checked', (r) => seen.push(r));
    const started = await api.labs.start('1', { attendee });
    expect(started.report.checks.map((c) => c.status)).toEqual(Array(7).fill('missing'));
    expect(started.report.checks[0].hint).toBe('Create it: $AWS iot create-thing --thing-name l01-erin-ratchet');
    expect(seen.at(-1)?.done).toBe(0);
    await expect(api.labs.start('1', { attendee })).rejects.toMatchObject({ code: 'Conflict' });

    // The attendee creates the thing with the CLI's API: the watch sees it without being asked.
    const iot = new IoTClient({ region: 'us-east-1', endpoint: tb.httpUrl, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    await iot.send(new CreateThingCommand({ thingName: 'l01-erin-ratchet' }));
    iot.destroy();
    await vi.waitFor(() => expect(seen.at(-1)?.checks[0].status).toBe('done'), { timeout: 10_000, interval: 100 });
    expect(seen.at(-1)?.checks[1]).toMatchObject({ id: 'certificate', status: 'missing', reason: 'the thing l01-erin-ratchet has no attached certificate' });
    expect(seen.at(-1)?.checks[1].hint).toContain('$AWS iot create-keys-and-certificate --set-as-active');

    // The solution finds the thing already there: it reuses it (a half-done lab is solved, not refused), saying so.
    const notes: string[] = [];
    const noting = tb.engine.events.on('scenarios.step', (e) => {
      if (e.kind === 'step.finished' && e.data.note) notes.push(e.data.note);
    });
    const converged = await api.labs.solve('1', { attendee });
    noting.dispose();
    expect(converged.run.status).toBe('passed');
    expect(converged.report).toMatchObject({ done: 7, complete: true });
    expect(notes.join('\n')).toContain('thing l01-erin-ratchet: reused');
    // Reset and start fresh, then solve again.
    const fresh = await api.labs.start('1', { attendee, fresh: true });
    // What the solution made (the policy, a certificate) goes too.
    expect(fresh.removed.filter((r) => !r.startsWith('certificate ')).sort()).toEqual(['policy l01-erin-device', 'thing l01-erin-other', 'thing l01-erin-ratchet']);
    const steps: string[] = [];
    const sub = tb.engine.events.on('scenarios.step', (e) => {
      if (e.kind === 'step.finished') steps.push(`${e.runId.replace(/-\d+$/, '')} ${e.data.step} ${e.data.status}`);
    });
    const solved = await api.labs.solve('1', { attendee });
    sub.dispose();
    expect(solved.run.status).toBe('passed');
    // The solution's steps arrive as scenario step events of their own run.
    expect(steps).toEqual(['lab-1-solve provision passed', 'lab-1-solve publish passed']);
    expect(solved.report).toMatchObject({ done: 7, complete: true });
    const [after] = await api.labs.list({ attendee });
    expect(after.progress).toMatchObject({ target: 'local', attendee, startedAt: fresh.startedAt });
    expect(Object.keys(after.progress!.done).sort()).toEqual(detail.checkList.map((c) => c.id).sort());
    expect(after.progress!.solvedAt).toBeGreaterThanOrEqual(fresh.startedAt);
    expect(after.progress!.finishedAt).toBeGreaterThanOrEqual(fresh.startedAt);

    // Progress survives a restart.
    await tb.stop();
    tb = await tb.restart();
    const [restarted] = await tb.engine.api.labs.list({ attendee });
    // (The watch may have checked once more before the stop: checkedAt may be later.)
    const { checkedAt: _a, ...kept } = after.progress!;
    const { checkedAt: _b, ...back } = restarted.progress!;
    expect(back).toEqual(kept);

    const reset = await tb.engine.api.labs.reset('1', { attendee });
    expect(reset.errors).toEqual([]);
    expect(reset.removed.filter((r) => !r.startsWith('certificate ')).sort()).toEqual(['policy l01-erin-device', 'thing l01-erin-other', 'thing l01-erin-ratchet']);
    expect((await tb.engine.api.labs.list({ attendee }))[0].progress).toBeUndefined();
    await expect(tb.engine.api.labs.check('nope')).rejects.toThrow("no lab 'nope'; the labs are 1 (getting-set-up)");
  }, 90_000);

  it("keeps a lab's devices running after labs.start and stops them on labs.reset (lab 5's motor)", async () => {
    tb = await startTestEngine();
    const api = tb.engine.api;
    const watcher = await connect(tb.mqttPort);
    await watcher.subscribeAsync(['data/vibration', '$aws/events/presence/disconnected/l05-finn-motor'], { qos: 1 });
    const seen: Array<{ topic: string; body: Record<string, unknown> }> = [];
    watcher.on('message', (topic, p) => seen.push({ topic, body: JSON.parse(p.toString()) }));
    const started = await api.labs.start('thing-shadows', { attendee: 'finn' });
    expect(started.names.MOTOR).toBe('l05-finn-motor');
    await api.shadow.update('l05-finn-motor', { state: { desired: { MOTOR: 'ON' } } });
    await vi.waitFor(async () => {
      const report = await api.labs.check('5', { attendee: 'finn' });
      expect(report.checks.map((c) => `${c.id} ${c.status}`)).toEqual(['desired done', 'converged done', 'documents done', 'vibration done']);
    }, { timeout: 15_000, interval: 500 });
    expect(seen.filter((m) => m.topic === 'data/vibration').every((m) => m.body.thing === 'l05-finn-motor')).toBe(true);

    await api.labs.reset('5', { attendee: 'finn' });
    await vi.waitFor(() => expect(seen.find((m) => m.topic.startsWith('$aws/events/presence/disconnected/'))?.body).toMatchObject({ disconnectReason: 'CLIENT_INITIATED_DISCONNECT' }));
    await watcher.endAsync();
  });

  it('watches a started lab again after a restart, and a broken progress file is set aside, not fatal', async () => {
    tb = await startTestEngine();
    await tb.engine.api.labs.start('1', { attendee: 'kim' });
    await tb.stop();
    tb = await tb.restart();
    const seen: LabCheckReport[] = [];
    tb.engine.events.on('labs.checked', (r) => seen.push(r));
    const iot = new IoTClient({ region: 'us-east-1', endpoint: tb.httpUrl, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    await iot.send(new CreateThingCommand({ thingName: 'l01-kim-ratchet' }));
    iot.destroy();
    await vi.waitFor(() => expect(seen.at(-1)?.checks[0]).toMatchObject({ id: 'thing', status: 'done' }), { timeout: 10_000, interval: 100 });
    await tb.stop();
    fs.writeFileSync(path.join(tb.dataDir, 'labs', 'progress.json'), '{ not json');
    tb = await tb.restart();
    expect((await tb.engine.api.labs.list({ attendee: 'kim' }))[0].progress).toBeUndefined();
    expect(fs.readFileSync(path.join(tb.dataDir, 'labs', 'progress.json.bad'), 'utf8')).toBe('{ not json');
  }, 60_000);

  it('refuses bad arguments at the rpc edge', () => {
    expect(checkArgs('labs.start', [1])).toBe('argument 1 must be a lab id or slug');
    expect(checkArgs('labs.check', ['1', { attendee: 'a', target: 'local' }])).toBeNull();
    expect(checkArgs('labs.start', ['1', { fresh: 'yes' }])).toBe('argument 2 field "fresh" must be a boolean');
    expect(checkArgs('labs.list', [{ who: 'a' }])).toBe('argument 1 has an unknown field "who"');
  });
});
