/**
 * `thingbench lab fault` (the contract's `labs.fault`) on lab 15's CoAP meter, run by the engine behind its control
 * socket: refused before the lab runs and on bad command lines; a partition the attendee causes cuts the meter's
 * uplink (no reading gets through meanwhile) and its alarms, kept, arrive after it in order with none missing, as an
 * MQTT subscriber sees them; a fault the meter cannot take (a drop: no connection) is applied to none. `lab reset`
 * removes the delivery-class mappings the lab made and names them, and leaves another mapping alone.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openEngineControl } from '../../engine/host/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { closeAll, open, type Recorded } from '../helpers/broker-clients.js';
import { runCli } from './helpers/cli-process.js';

let te: TestEngine;
let control: { close(): Promise<void> };
let sub: Recorded;
const ATTENDEE = 'faulty';

async function lab(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = runCli(['lab', ...args, '--data-dir', te.dataDir, '--attendee', ATTENDEE]);
  const { code } = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

beforeAll(async () => {
  te = await startTestEngine({ mode: 'standard' });
  control = await openEngineControl(te.engine, te.dataDir, te.info.endpoints);
  sub = await open(te.mqttPort);
  await sub.client.subscribeAsync('meters/#', { qos: 1 });
});

afterAll(async () => {
  await closeAll([sub?.client]);
  await control?.close();
  await te?.stop();
});

describe('lab fault and lab reset on lab 15', () => {
  it('refuses a fault before the lab runs, and command lines that do not name a fault', async () => {
    const early = await lab('fault', '15', 'partition', '--for', '60s');
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(`lab 15's devices are not running for ${ATTENDEE} on 'local': start the lab (thingbench lab start 15) first`);
    const bad = [
      [['fault', '15'], /lab fault needs a kind: drop, disconnect, partition/],
      [['fault', '15', 'partition'], /partition needs --for DURATION/],
      [['fault', '15', 'partition', '--for', 'soon'], /--for: 'soon' is not a duration/],
      [['fault', '15', 'drop', '--for', '5s'], /--for is not an option of drop/],
      [['fault', '15', 'melt'], /unknown fault 'melt'/],
      [['check', '15', '--for', '5s'], /--for belongs to lab fault, not lab check/],
    ] as const;
    const runs = await Promise.all(bad.map(([args]) => lab(...args)));
    runs.forEach((r, i) => {
      expect(r.code, bad[i][0].join(' ')).toBe(2);
      expect(r.stderr).toMatch(bad[i][1]);
    });
    await expect(te.engine.api.labs.fault('15', { kind: 'partition', durationMs: 0 }, undefined, { attendee: ATTENDEE })).rejects.toMatchObject({ code: 'InvalidInput' });
  }, 90_000);

  it('cuts the meter’s uplink when the attendee says: no reading meanwhile, every kept alarm after it, in order', async () => {
    const { names } = await te.engine.api.labs.get('15', { attendee: ATTENDEE });
    const meter = names.METER;
    expect((await lab('start', '15', '--fresh')).code).toBe(0);
    // The solution gives the meter its policy (its group's) and maps its topics; then its alarms flow.
    const solved = await lab('solve', '15');
    expect(solved.code, solved.stderr).toBe(0);
    const alarms = () => sub.messages.filter((m) => m.topic === `meters/${meter}/alarm`).map((m) => JSON.parse(m.payload.toString()).n as number);
    await vi.waitFor(() => expect(alarms().length).toBeGreaterThanOrEqual(2), { timeout: 20_000 });

    const readings = () => sub.messages.filter((m) => m.topic === `meters/${meter}/telemetry`).map((m) => m.at);
    const faultAt = Date.now();
    const cut = await lab('fault', '15', 'partition', '--for', '3s', '--json');
    // The partition began before the command answered, so it has ended 3 s after this.
    const cutAt = Date.now();
    expect(cut.code, cut.stderr).toBe(0);
    expect(JSON.parse(cut.stdout)).toEqual({ kind: 'partition', targeted: 1, applied: 1 });
    const before = alarms().length;
    // Three alarms' worth (one every 2 s) past the partition: what was kept came first. The meter waits out its
    // back-off (up to 5 s) after the partition, so the alarms it kept can be four or more and arrive together, before
    // any reading: the readings are waited for too, up to one past the partition.
    await vi.waitFor(() => {
      expect(alarms().length).toBeGreaterThanOrEqual(before + 4);
      expect(readings().at(-1)).toBeGreaterThan(cutAt + 3000);
    }, { timeout: 30_000 });
    const n = alarms();
    expect(n[0]).toBe(1);
    expect(n).toEqual(n.map((_, i) => i + 1));
    // The readings (one a second) stopped for the partition's 3 s: fire and forget, none kept. From the last reading
    // before the command (the partition cannot have begun earlier) to the first one past the partition.
    const all = readings();
    const last = all.filter((t) => t < faultAt).at(-1) ?? faultAt;
    const around = all.filter((t) => t >= last);
    const gaps = around.slice(1).map((t, i) => t - around[i]);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(2500);

    const drop = await lab('fault', '15', 'drop', '--json');
    expect(drop.code).toBe(1);
    expect(JSON.parse(drop.stdout)).toEqual({ kind: 'drop', targeted: 1, applied: 0 });
    const nobody = await lab('fault', '15', 'clear', '--devices', `${meter},nobody`);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain("no device 'nobody' in 'meter'");
    const mine = await lab('fault', '15', 'clear', '--devices', meter);
    expect(mine.stdout).toBe('clear: applied to 1 of 1 device of lab 15\n');
  }, 90_000);

  it('lab reset removes the delivery mappings the lab made and names them; another mapping stays', async () => {
    const { names } = await te.engine.api.labs.get('15', { attendee: ATTENDEE });
    const other = await te.engine.api.delivery.put({ filter: 'meters/someone-else/alarm', class: 'event' });
    const mapped = (await te.engine.api.delivery.list()).filter((m) => m.filter?.includes(names.METER)).map((m) => m.filter).sort();
    expect(mapped).toEqual([`meters/${names.METER}/alarm`, `meters/${names.METER}/telemetry`]);
    const reset = await lab('reset', '15');
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain(`deliveryMapping meters/${names.METER}/alarm`);
    expect(reset.stdout).toContain(`deliveryMapping meters/${names.METER}/telemetry`);
    expect((await te.engine.api.delivery.list()).map((m) => m.id)).toEqual([other.id]);
    const after = await lab('fault', '15', 'partition', '--for', '1s');
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('start the lab');
  }, 90_000);
});
