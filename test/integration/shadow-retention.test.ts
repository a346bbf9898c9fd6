/**
 * Time- and size-bounded shadow state, with an injected clock: a deleted shadow's version is remembered for 48 hours
 * [DG:device-shadow-data-flow], the per-shadow history keeps the configured number of versions, both across a restart.
 */
import { it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine, type Engine } from '../../engine/engine.js';
import { defaultConfig } from '../../engine/config.js';

const engines: Engine[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.stop();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function engine(dataDir: string, clock: { now(): number }): Promise<Engine> {
  const config = defaultConfig({ dataDir, ports: { mqtt: 0, ws: 0, http: 0 }, shadow: { historySize: 3 } });
  const e = await createEngine(config, { clock });
  engines.push(e);
  await e.start();
  return e;
}

it('continues the version of a shadow deleted less than 48 hours ago, restarts from 1 after that; history keeps 3 versions', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-shadow-time-'));
  dirs.push(dataDir);
  const clock = { t: Date.UTC(2026, 0, 1), now() { return this.t; } };
  let e = await engine(dataDir, clock);
  for (let i = 0; i < 5; i++) await e.api.shadow.update('clocked', { state: { reported: { i } } });
  expect((await e.api.shadow.history('clocked')).map((h) => h.version)).toEqual([5, 4, 3]);
  const first = await e.api.shadow.get('clocked');
  expect(first.timestamp).toBe(Date.UTC(2026, 0, 1) / 1000);

  await e.api.shadow.delete('clocked');
  clock.t += 47 * 3600 * 1000;
  expect((await e.api.shadow.update('clocked', { state: { reported: { back: true } } })).version).toBe(6);
  await e.api.shadow.delete('clocked');

  await e.stop();
  engines.pop();
  clock.t += 49 * 3600 * 1000;
  e = await engine(dataDir, clock);
  expect((await e.api.shadow.history('clocked')).map((h) => [h.version, h.operation])).toEqual([[6, 'delete'], [6, 'update'], [5, 'delete']]);
  expect((await e.api.shadow.update('clocked', { state: { reported: { anew: true } } })).version).toBe(1);
  expect((await e.api.shadow.get('clocked')).metadata).toEqual({ reported: { anew: { timestamp: clock.t / 1000 } } });
});
