import type { IoTClient } from '@aws-sdk/client-iot';
import { afterAll, beforeAll } from 'vitest';
import { RpcError, type ThingbenchClient } from '../../engine/contract/index.js';
import { iotClient, type JobsDevice } from '../integration/helpers/jobs-device.js';
import { startTestEngine, type TestEngine } from './engine.js';
import { openContract, type OpenContract } from './ui-transport.js';

/** What the Jobs view's contract tests work with; `dev` is the Jobs device a test opened, closed after the file. */
export interface JobsContract {
  te: TestEngine;
  contract: OpenContract;
  api: ThingbenchClient;
  iot: IoTClient;
  dev?: JobsDevice;
}

/**
 * A real engine in aws mode for the file, the contract over the browser-mode `/rpc` WebSocket, and an AWS SDK IoT
 * client; everything is closed after the file's tests. Fields are set once `beforeAll` ran.
 */
export function useJobsContract(): JobsContract {
  const f = {} as JobsContract;
  beforeAll(async () => {
    f.te = await startTestEngine({ mode: 'aws' });
    f.contract = await openContract(f.te);
    f.api = f.contract.api;
    f.iot = iotClient(f.te);
  });
  afterAll(async () => {
    await f.dev?.close();
    await f.contract?.close();
    f.iot?.destroy();
    await f.te?.stop();
  });
  return f;
}

/** A contract call's refusal as `{code, message}` (undefined when it succeeded). */
export const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e instanceof RpcError ? { code: e.code, message: e.message } : e));
