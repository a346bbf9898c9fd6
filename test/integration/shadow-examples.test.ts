/**
 * AWS's documented Device Shadow worked examples, one by one, on a real engine (aws mode) with real clients:
 * mqtt.js devices on the reserved topics and @aws-sdk/client-iot-data-plane as the app [DG:using-device-shadows,
 * device-shadow-data-flow, device-shadow-document]. Timestamps are checked to be epoch seconds, then compared as 0.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { DeleteThingShadowCommand, GetThingShadowCommand, UpdateThingShadowCommand, type IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { quietPeriod } from '../helpers/broker-clients.js';
import { decode, sdkClient, sdkError, watchShadow, withoutTimes, type ShadowWatcher } from './helpers/shadow-client.js';

let te: TestEngine;
let sdk: IoTDataPlaneClient;
const watchers: ShadowWatcher[] = [];
const started = Math.floor(Date.now() / 1000);
const T = (doc: unknown) => withoutTimes(doc, started);
const rgb0 = [{ timestamp: 0 }, { timestamp: 0 }, { timestamp: 0 }];

beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  sdk = sdkClient(te.httpUrl);
});

afterAll(async () => {
  await Promise.all(watchers.map((w) => w.end()));
  sdk?.destroy();
  await te?.stop();
  expect(te.logs.filter((l) => l.level === 'error')).toEqual([]);
});

async function watch(thing: string, name?: string): Promise<ShadowWatcher> {
  const w = await watchShadow(te.mqttPort, thing, name);
  watchers.push(w);
  return w;
}

/** Brings a fresh shadow to `version` with reported-only updates. */
async function bumpTo(w: ShadowWatcher, version: number, state: object): Promise<void> {
  for (let v = 1; v <= version; v++) {
    const r = await w.request('update', { state: v === version ? state : { reported: { warmup: v } } });
    expect(r).toMatchObject({ kind: 'accepted', doc: { version: v } });
  }
}

describe('Example 1: a named shadow from creation to an in-sync device [DG:using-device-shadows]', () => {
  it('get before creation, device report, app desired change over HTTP, delta, device report, documents, get', async () => {
    const device = await watch('mySimulatedThing', 'simShadow1');

    // 1. get on a shadow that does not exist
    const missing = await device.request('get');
    expect(missing.kind).toBe('rejected');
    expect(T(missing.doc)).toEqual({ code: 404, message: "No shadow exists with name: 'simShadow1'", timestamp: 0 });

    // 2. the device reports its initial state
    const created = await device.request('update', { state: { reported: { ID: 'SmartLamp21', ColorRGB: [128, 128, 128] } }, clientToken: '426bfd96-e720-46d3-95cd-014e3ef12bb6' });
    expect(created.kind).toBe('accepted');
    expect(T(created.doc)).toEqual({
      state: { reported: { ID: 'SmartLamp21', ColorRGB: [128, 128, 128] } },
      metadata: { reported: { ID: { timestamp: 0 }, ColorRGB: rgb0 } },
      version: 1, timestamp: 0, clientToken: '426bfd96-e720-46d3-95cd-014e3ef12bb6',
    });

    // 3. the app sets the desired color over HTTP (aws iot-data update-thing-shadow)
    const out = await sdk.send(new UpdateThingShadowCommand({
      thingName: 'mySimulatedThing', shadowName: 'simShadow1',
      payload: Buffer.from('{"state":{"desired":{"ColorRGB":[255,255,0]}},"clientToken":"21b21b21-bfd2-4279-8c65-e2f697ff4fab"}'),
    }));
    expect(T(decode(out.payload))).toEqual({
      state: { desired: { ColorRGB: [255, 255, 0] } }, metadata: { desired: { ColorRGB: rgb0 } },
      version: 2, timestamp: 0, clientToken: '21b21b21-bfd2-4279-8c65-e2f697ff4fab',
    });
    const [delta] = await device.waitFor('/update/delta');
    expect(T(delta)).toEqual({ version: 2, timestamp: 0, state: { ColorRGB: [255, 255, 0] }, metadata: { ColorRGB: rgb0 }, clientToken: '21b21b21-bfd2-4279-8c65-e2f697ff4fab' });

    // 4. the device applies the change and reports it
    const report = await device.request('update', { state: { reported: { ColorRGB: [255, 255, 0] } }, clientToken: 'a4dc2227-9213-4c6a-a6a5-053304f60258' });
    expect(T(report.doc)).toEqual({
      state: { reported: { ColorRGB: [255, 255, 0] } }, metadata: { reported: { ColorRGB: rgb0 } },
      version: 3, timestamp: 0, clientToken: 'a4dc2227-9213-4c6a-a6a5-053304f60258',
    });
    const documents = await device.waitFor('/update/documents', 3);
    expect(T(documents[2])).toEqual({
      previous: {
        state: { desired: { ColorRGB: [255, 255, 0] }, reported: { ID: 'SmartLamp21', ColorRGB: [128, 128, 128] } },
        metadata: { desired: { ColorRGB: rgb0 }, reported: { ID: { timestamp: 0 }, ColorRGB: rgb0 } }, version: 2,
      },
      current: {
        state: { desired: { ColorRGB: [255, 255, 0] }, reported: { ID: 'SmartLamp21', ColorRGB: [255, 255, 0] } },
        metadata: { desired: { ColorRGB: rgb0 }, reported: { ID: { timestamp: 0 }, ColorRGB: rgb0 } }, version: 3,
      },
      timestamp: 0, clientToken: 'a4dc2227-9213-4c6a-a6a5-053304f60258',
    });
    // ID keeps the timestamp of step 2; ColorRGB got a new one.
    expect(documents[2].current.metadata.reported.ID.timestamp).toBe(created.doc.metadata.reported.ID.timestamp);
    expect(device.on('/update/delta')).toHaveLength(1); // desired == reported: no delta for the report

    // 5. the app reads the shadow: in sync, so no delta
    const got = decode((await sdk.send(new GetThingShadowCommand({ thingName: 'mySimulatedThing', shadowName: 'simShadow1' }))).payload);
    expect(T(got)).toEqual({ state: documents[2].current.state, metadata: T(documents[2].current.metadata), version: 3, timestamp: 0 });
  });
});

describe('Example 2: optimistic locking [DG:device-shadow-data-flow#optimistic-locking]', () => {
  it('an update with an old version is rejected with 409; with the current version it applies and replaces the array', async () => {
    const w = await watch('lockThing');
    await bumpTo(w, 10, { desired: { colors: ['RED', 'GREEN', 'BLUE'] } });

    const stale = await w.request('update', { state: { desired: { colors: ['BLUE'] } }, version: 9, clientToken: '426bfd96-e720-46d3-95cd-014e3ef12bb6' });
    expect(stale.kind).toBe('rejected');
    expect(T(stale.doc)).toEqual({ code: 409, message: 'Version conflict', clientToken: '426bfd96-e720-46d3-95cd-014e3ef12bb6', timestamp: 0 });
    const http = await sdkError(sdk.send(new UpdateThingShadowCommand({ thingName: 'lockThing', payload: Buffer.from('{"state":{"desired":{"colors":["BLUE"]}},"version":9}') })));
    expect(http).toEqual({ name: 'ConflictException', status: 409, message: 'Version conflict' });

    const ok = await w.request('update', { state: { desired: { colors: ['BLUE'] } }, version: 10 });
    expect(ok).toMatchObject({ kind: 'accepted', doc: { version: 11 } });
    const got = decode((await sdk.send(new GetThingShadowCommand({ thingName: 'lockThing' }))).payload);
    expect(got.state.desired).toEqual({ colors: ['BLUE'] });
    expect(got.version).toBe(11);
  });
});

describe('Example 3: delta with missing, extra and nested keys [DG:device-shadow-document#delta-state]', () => {
  it('includes desired-only and differing keys, not reported-only ones; nested objects leaf by leaf', async () => {
    const w = await watch('deltaThing');
    await w.request('update', { state: { reported: { color: 'GREEN', engine: 'ON', lights: { color: { r: 255, g: 0, b: 255 } } } } });
    await w.request('update', { state: { desired: { color: 'RED', state: 'STOP', lights: { color: { r: 255, g: 255, b: 255 } } } } });
    const [delta] = await w.waitFor('/update/delta');
    expect(delta.state).toEqual({ color: 'RED', state: 'STOP', lights: { color: { g: 255 } } });
    expect(T(delta.metadata)).toEqual({ color: { timestamp: 0 }, state: { timestamp: 0 }, lights: { color: { g: { timestamp: 0 } } } });
    const got = await w.request('get');
    expect(got.doc.state.delta).toEqual(delta.state);

    // A report that resolves every difference publishes no delta, and get then has none.
    await w.request('update', { state: { reported: { color: 'RED', state: 'STOP', lights: { color: { g: 255 } } } } });
    await w.waitFor('/update/documents', 3);
    expect(w.on('/update/delta')).toHaveLength(1);
    expect((await w.request('get')).doc.state.delta).toBeUndefined();
  });
});

describe('Example 4: deleting a property, a section, the shadow [DG:device-shadow-data-flow, device-shadow-document]', () => {
  it('null removes a key; "desired": null removes the section; delete keeps the version for re-creation', async () => {
    const w = await watch('deleteThing');
    await w.request('update', { state: { desired: { engine: 'ON', color: 'RED' }, reported: { color: 'GREEN' } } });
    const nulled = await w.request('update', { state: { desired: { engine: null } } });
    expect(nulled.doc.version).toBe(2);
    expect((await w.request('get')).doc.state.desired).toEqual({ color: 'RED' });

    await w.request('update', { state: { reported: { color: 'red' }, desired: null } });
    const afterSection = await w.request('get');
    expect(afterSection.doc.state).toEqual({ reported: { color: 'red' } });
    expect(afterSection.doc.metadata.desired).toBeUndefined();

    const deleted = await w.request('delete');
    expect(T(deleted.doc)).toEqual({ version: 3, timestamp: 0 });
    const gone = await w.request('get');
    expect(gone).toMatchObject({ kind: 'rejected', doc: { code: 404, message: "No shadow exists with name: 'deleteThing'" } });
    expect(await sdkError(sdk.send(new GetThingShadowCommand({ thingName: 'deleteThing' }))))
      .toEqual({ name: 'ResourceNotFoundException', status: 404, message: "No shadow exists with name: 'deleteThing'" });
    expect((await w.request('delete')).doc).toMatchObject({ code: 404 });

    // Re-created: the version continues, the old content and metadata are gone.
    const recreated = await w.request('update', { state: { reported: { fresh: true } } });
    expect(recreated.doc.version).toBe(4);
    const doc = (await w.request('get')).doc;
    expect(T(doc)).toEqual({ state: { reported: { fresh: true } }, metadata: { reported: { fresh: { timestamp: 0 } } }, version: 4, timestamp: 0 });
    const viaHttp = decode((await sdk.send(new DeleteThingShadowCommand({ thingName: 'deleteThing' }))).payload);
    expect(T(viaHttp)).toEqual({ version: 4, timestamp: 0 });
  });
});

describe('Example 5: a delta carries the version of the document after the update [DG:iot-device-shadows#message-ordering]', () => {
  it('two desired changes give two deltas with increasing versions', async () => {
    const w = await watch('orderThing');
    await w.request('update', { state: { reported: { color: 'blue' } } });
    await w.request('update', { state: { desired: { color: 'RED' } } });
    await w.request('update', { state: { desired: { color: 'GREEN' } } });
    const deltas = await w.waitFor('/update/delta', 2);
    expect(deltas.map((d) => [d.state, d.version])).toEqual([[{ color: 'RED' }, 2], [{ color: 'GREEN' }, 3]]);
    await quietPeriod(100);
    expect(w.on('/update/delta')).toHaveLength(2);
  });
});
