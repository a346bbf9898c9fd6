/**
 * The abstract test suite that ships with aedes-persistence, run against DurablePersistence on a real SqlJsStore.
 * It is a node:test suite, so node's own runner executes this file; `aedes-persistence.test.ts` runs it from vitest.
 *
 * Retained messages use `retainedMatch: 'mqtt'`: the suite checks standard MQTT wildcard matching, while AWS mode's
 * exact-topic matching is a deliberate deviation.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { test, after } from 'node:test';
import { SqlJsStore } from '../../engine/storage/index.js';
import { DurablePersistence } from '../../engine/broker/durable-persistence.js';

const require = createRequire(import.meta.url);
const abs = require('aedes-persistence/abstract.js') as (opts: { test: typeof test; persistence: () => Promise<unknown>; testAsync: boolean }) => void;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-aedes-persistence-'));
const stores: SqlJsStore[] = [];

after(async () => {
  for (const store of stores) await store.close().catch(() => {});
  fs.rmSync(root, { recursive: true, force: true });
});

abs({
  test,
  testAsync: true,
  persistence: async () => {
    // One data directory per test: a store owns its directory (lock file).
    const store = await SqlJsStore.open(fs.mkdtempSync(path.join(root, 'store-')));
    stores.push(store);
    return new DurablePersistence(store, { retainedMatch: 'mqtt', backlogRate: 0, now: Date.now });
  },
});
