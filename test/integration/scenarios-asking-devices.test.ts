/**
 * A scenario's devices that only ask: an HTTPS model with provisioned certificates runs in the run against the local
 * target's HTTPS device endpoint, publishes as its thing and answers the command step by ttd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTarget, type Target } from '../../engine/scenarios/index.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { runFiles } from '../helpers/scenario-run.js';

let target: Target;
beforeAll(async () => {
  target = await openTarget(undefined, { dataDir: tempDir('tb-asking-home-') });
});
afterAll(() => target?.close());

describe('a scenario device over HTTPS', () => {
  it('publishes with its certificate and answers a command by its next request', async () => {
    const { result } = await runFiles(target, {
      'kiosk.yaml': `
name: kiosk
identity: { thingName: "kiosk-{index + 1}", certificate: provision }
protocol: { transport: https, ttd: 2s }
telemetry:
  - { topic: "kiosks/{thingName}/visits", interval: 200ms, fields: { n: { gen: counter } } }
commands:
  - { name: reboot, reply: { rebooting: true } }
`,
      'main.yaml': `
name: kiosk over https
devices: { kiosk: { model: kiosk.yaml } }
steps:
  - start: kiosk
  - expect: { topic: kiosks/kiosk-1/visits, json: { n: 1 }, within: 10s }
  - command: { thing: kiosk-1, name: reboot, timeout: 10s, expect: { status: 200, json: { rebooting: true } } }
  - command: { thing: kiosk-1, name: selfDestruct, timeout: 10s, expect: { status: 404 } }
`,
    });
    expect(result.message).toBeUndefined();
    expect(result.steps.map((s) => [s.step, s.status])).toEqual([['start', 'passed'], ['expect', 'passed'], ['command', 'passed'], ['command', 'passed']]);
  }, 60_000);
});
