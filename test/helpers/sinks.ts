import { SqlJsStore } from '../../engine/storage/index.js';
import { SinkService, type SinkServiceOptions } from '../../engine/sinks/index.js';
import { tempDir } from './temp-dirs.js';

export interface SinkHarness {
  sinks: SinkService;
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
  const sinks = new SinkService(store, clock, { ...opts, dataDir });
  await sinks.start();
  const close = async () => {
    await sinks.stop();
    await store.close();
  };
  return {
    sinks, store, dataDir, clock, close,
    reopen: async () => {
      await close();
      return openSinks({ ...opts, dataDir, clock });
    },
  };
}
