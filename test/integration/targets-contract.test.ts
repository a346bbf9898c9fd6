/**
 * `targets.*` over the real contract client on browser mode's WebSocket `/rpc`: the engine itself is listed first with
 * every capability; a second Thingbench added as a profile is listed with what it can and cannot do (and why), tested
 * for real (a target that does not answer fails with the reason, never an error), its access key id never sent back
 * whole, bad profiles refused with the CLI's messages, and removed again. The profile file is the CLI's.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcError, type ThingbenchClient } from '../../engine/contract/index.js';
import { loadProfiles } from '../../engine/scenarios/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { freePort } from '../helpers/net.js';
import { openContract, type OpenContract } from '../helpers/ui-transport.js';

let te: TestEngine;
let trainer: TestEngine;
let contract: OpenContract;
let api: ThingbenchClient;

beforeAll(async () => {
  [te, trainer] = await Promise.all([startTestEngine(), startTestEngine()]);
  contract = await openContract(te);
  api = contract.api;
});

afterAll(async () => {
  await contract?.close();
  await Promise.all([te?.stop(), trainer?.stop()]);
});

const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as RpcError;
  }
  throw new Error('expected a failure');
};

describe('targets', () => {
  it('lists the engine itself first, able to do everything', async () => {
    const [engine, ...rest] = await api.targets.list();
    expect(rest).toEqual([]);
    expect(engine).toMatchObject({ name: 'local', kind: 'local', engine: true, settings: {} });
    expect(Object.values(engine.capabilities).every((c) => c.ok)).toBe(true);
    expect(await api.targets.test('local')).toMatchObject({ name: 'local', ok: true });
  });

  it('adds another Thingbench, says what it can do from here, and tests it for real', async () => {
    process.env.TB_TEST_TRAINER_SECRET = 'trainer-secret';
    const t = await api.targets.put('trainer', {
      kind: 'thingbench', mqttUrl: trainer.info.endpoints.mqtt, endpoint: trainer.httpUrl,
      accessKeyId: 'AKIDTRAINER12345', secretAccessKeyEnv: 'TB_TEST_TRAINER_SECRET',
    });
    expect(t).toMatchObject({ name: 'trainer', kind: 'thingbench', engine: false, settings: { mqttUrl: trainer.info.endpoints.mqtt, endpoint: trainer.httpUrl, accessKeyId: 'AKID…2345', secretAccessKeyEnv: 'TB_TEST_TRAINER_SECRET' } });
    expect(t.capabilities.labs).toEqual({ ok: true });
    expect(t.capabilities.shadows.ok).toBe(true);
    expect(t.capabilities.sinks).toEqual({ ok: false, reason: "Another Thingbench's sinks are read in its own app" });
    expect(t.capabilities.scenarios).toEqual({ ok: true });
    expect(t.capabilities.fleets.ok).toBe(false);
    expect(t.capabilities.fleets.reason).toContain('thingbench devices start --target NAME');
    // The file is the CLI's, with the whole key id; the app never sees it whole, and sending the short form back keeps it.
    expect(loadProfiles(te.dataDir).get('trainer')?.accessKeyId).toBe('AKIDTRAINER12345');
    await api.targets.put('trainer', { ...t.settings, kind: 'thingbench' });
    expect(loadProfiles(te.dataDir).get('trainer')?.accessKeyId).toBe('AKIDTRAINER12345');
    expect(JSON.stringify(await api.targets.list())).not.toContain('AKIDTRAINER12345');

    const ok = await api.targets.test('trainer');
    expect(ok).toMatchObject({ name: 'trainer', ok: true, message: 'Connected: its MQTT endpoint and its API answered, and its keys were accepted.' });
    expect((await api.targets.list()).map((x) => x.name)).toEqual(['local', 'trainer']);
  });

  it('says why a target does not answer, without failing the call', async () => {
    const port = await freePort();
    await api.targets.put('gone', { kind: 'mqtt', mqttUrl: `mqtt://127.0.0.1:${port}` });
    const r = await api.targets.test('gone');
    expect(r.ok).toBe(false);
    expect(r.message).toContain(`127.0.0.1:${port}`);
    const plain = (await api.targets.list()).find((x) => x.name === 'gone')!;
    expect(plain.capabilities.scenarios).toEqual({ ok: true, reason: 'Steps that need Device Shadow or the AWS IoT control plane are refused on a plain MQTT broker' });
    expect(plain.capabilities.labs).toEqual({ ok: false, reason: 'Labs need Device Shadow and the AWS IoT control plane, which a plain MQTT broker does not have' });
  });

  it('refuses bad profiles with the CLI\'s messages, and removes one', async () => {
    expect((await failure(api.targets.put('bad', { kind: 'thingbench', mqttUrl: 'mqtt://h:1883' }))).message)
      .toBe("target 'bad': a thingbench target needs --endpoint (its HTTP API, e.g. http://trainer.local:8080)");
    expect((await failure(api.targets.put('bad', { kind: 'mqtt', mqttUrl: 'mqtts://h:8883', cert: 'dev.pem', key: 'dev.key' }))).message)
      .toBe("target 'bad': --cert must be an absolute path, not 'dev.pem'");
    const e = await failure(api.targets.put('no such name!', { kind: 'local' }));
    expect(e.code).toBe('InvalidInput');
    expect((await failure(api.targets.delete('local'))).message).toBe('the engine itself (local) cannot be removed');
    await api.targets.delete('gone');
    expect((await api.targets.list()).map((x) => x.name)).toEqual(['local', 'trainer']);
    expect((await failure(api.targets.delete('gone'))).code).toBe('NotFound');
  });

  it('gives a lab\'s reference solution as written, and runs labs against a selected target', async () => {
    const s = await api.labs.solution('1');
    expect(s).toMatchObject({ lab: 1, file: 'labs/01-getting-set-up/solution.yaml' });
    expect(s.text).toBe(fs.readFileSync(new URL('../../labs/01-getting-set-up/solution.yaml', import.meta.url), 'utf8'));
    expect((await failure(api.labs.solution('99'))).code).toBe('NotFound');
    const report = await api.labs.check('1', { target: 'trainer' });
    expect(report).toMatchObject({ lab: 1, target: 'trainer' });
    expect(report.total).toBeGreaterThan(0);
  });
});
