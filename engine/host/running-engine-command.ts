import path from 'node:path';
import { defaultDataDir } from '../config.js';
import { RpcError, type ThingbenchClient } from '../contract/index.js';
import { connectEngine, runningEngine } from './engine-control.js';

/**
 * Runs `fn` against the Thingbench running on the data directory (its control socket), for a CLI command named
 * `command`. Exit 0 done, 1 no engine or a failure, 2 the engine refused the input (InvalidInput, NotFound, AlreadyExists).
 */
export async function withRunningEngine(command: string, dataDir: string | undefined, fn: (client: ThingbenchClient) => Promise<void>): Promise<number> {
  const dir = path.resolve(dataDir ?? defaultDataDir());
  const running = runningEngine(dir);
  if (!running) {
    process.stderr.write(`thingbench ${command}: no Thingbench is running on ${dir} (start one with thingbench up)\n`);
    return 1;
  }
  let client: (ThingbenchClient & { closed: Promise<void> }) | undefined;
  try {
    client = await connectEngine(running);
    await fn(client);
    return 0;
  } catch (e) {
    process.stderr.write(`thingbench ${command}: ${(e as Error).message}\n`);
    return e instanceof RpcError && ['InvalidInput', 'NotFound', 'AlreadyExists'].includes(e.code) ? 2 : 1;
  } finally {
    client?.dispose();
  }
}
