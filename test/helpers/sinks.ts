import fs from 'node:fs';
import { afterEach } from 'vitest';
import { SqlJsStore } from '../../engine/storage/index.js';
import { SinkService, type SinkServiceOptions } from '../../engine/sinks/index.js';
import { ObjectService } from '../../engine/objects/index.js';
import { tempDir } from './temp-dirs.js';

export interface SinkHarness {
  sinks: SinkService;
  /** The local S3 that Firehose delivers into. */
  objects: ObjectService;
  store: SqlJsStore;
  dataDir: string;
  clock: { now(): number; t: number };
  /** Stops the service and closes the store (the data directory stays until the end of the test file). */
  close(): Promise<void>;
  /** Closes, then opens a new store and service on the same data directory. */
  reopen(): Promise<SinkHarness>;
}

/** A started SinkService on a real SqlJsStore in a fresh (or given) data directory, with a settable clock. */
export async function openSinks(opts: Partial<SinkServiceOptions> & { dataDir?: string; clock?: { now(): number; t: number } } = {}): Promise<SinkHarness> {
  const dataDir = opts.dataDir ?? tempDir('tb-sinks-');
  const clock = opts.clock ?? { t: Date.UTC(2026, 0, 2, 3, 4, 5), now() { return this.t; } };
  const store = await SqlJsStore.open(dataDir);
  const objects = new ObjectService(store, clock, { dataDir });
  await objects.start();
  const sinks = new SinkService(store, clock, { objects, ...opts, dataDir });
  await sinks.start();
  const close = async () => {
    await sinks.stop();
    await store.close();
  };
  return {
    sinks, objects, store, dataDir, clock, close,
    reopen: async () => {
      await close();
      return openSinks({ ...opts, dataDir, clock });
    },
  };
}

/**
 * The harnesses a test file opens (push each one), closed and their data directories removed after each test.
 * Call once at the top of a test file.
 */
export function sinksClosedAfterEach(): SinkHarness[] {
  const open: SinkHarness[] = [];
  afterEach(async () => {
    for (const h of open.splice(0)) {
      await h.close().catch(() => {});
      fs.rmSync(h.dataDir, { recursive: true, force: true });
    }
  });
  return open;
}
