import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { LogEntry } from '../core/index.js';
import { SqlJsStore } from '../storage/index.js';
import { PendingCommands } from './pending-commands.js';
import { QueuedOneWay } from './queued-one-way.js';
import { restoreQueuedOneWay } from './restore-queued-one-way.js';

const dirs: string[] = [];
const stores: SqlJsStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

it('puts back the kept one-way commands still in time, and forgets those past their deadline or over the limit', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-restore-'));
  dirs.push(dir);
  const store = await SqlJsStore.open(dir);
  stores.push(store);
  const logs: Array<Omit<LogEntry, 'time'>> = [];
  const queued = new QueuedOneWay(store, { log: (level, source, message) => logs.push({ level, source, message }) });
  const row = (requestId: string, thing: string, deadline: number, sentAt = 1) =>
    ({ requestId, thing, name: 'reload', payload: Buffer.from(requestId), sentAt, deadline });
  await queued.keep(row('late', 'kiosk-1', 1000));
  await queued.keep({ ...row('first', 'kiosk-1', 5000, 2), contentType: 'text/plain' });
  await queued.keep(row('over', 'kiosk-1', 5000, 3));
  await queued.keep(row('other', 'kiosk-2', 3000, 4));

  const pending = new PendingCommands(1);
  const armed: Array<[string, number]> = [];
  restoreQueuedOneWay(queued, pending, 1000, { log: (level, source, message) => logs.push({ level, source, message }) },
    (requestId, ms) => armed.push([requestId, ms]));

  expect(pending.list().map((e) => [e.requestId, e.oneWay, e.via, e.contentType])).toEqual([
    ['first', true, undefined, 'text/plain'], ['other', true, undefined, undefined],
  ]);
  expect(armed).toEqual([['first', 4000], ['other', 2000]]);
  expect(queued.load().map((r) => r.requestId)).toEqual(['first', 'other']);
  expect(logs).toEqual([{ level: 'warn', source: 'control', message: expect.stringMatching(/^a one-way command for kiosk-1 kept across the restart was dropped: .*at most 1/) }]);
});
