/**
 * A shadow get shows only versions that are on disk and whose `/update/accepted` has been sent: a get issued right
 * after an update, from another connection or through the UI's contract, never returns a version ahead of its acceptance, so a
 * crash cannot take back a version a client has already seen. Real engine, real MQTT clients. (The HTTP GetThingShadow reads through the same `ShadowService.get`.)
 */
import { describe, it, expect, afterEach } from 'vitest';
import type { MqttClient } from 'mqtt';
import { connect, startTestEngine, until, type TestEngine } from '../helpers/engine.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function engine(): Promise<TestEngine> {
  // The per-thing rate and per-connection in-flight limits are lifted: the test fires bursts on one thing.
  const te = await startTestEngine({ mode: 'aws', shadowLimits: { requestsPerSecondPerThing: 0, inFlightPerConnection: 0 } });
  cleanup.push(() => te.stop());
  return te;
}

async function client(te: TestEngine, clientId: string): Promise<MqttClient> {
  const c = await connect(te.mqttPort, { clientId });
  cleanup.push(() => c.endAsync(true));
  return c;
}

describe('shadow get ordering', () => {
  it('on one observing connection, every version a get shows arrives after that version\'s /update/accepted', async () => {
    const te = await engine();
    const p = '$aws/things/ordered/shadow';
    const observer = await client(te, 'observer');
    const seen: Array<{ kind: 'update' | 'get'; version: number }> = [];
    observer.on('message', (topic, payload) => {
      const kind = topic === `${p}/update/accepted` ? 'update' : topic === `${p}/get/accepted` ? 'get' : undefined;
      if (kind) seen.push({ kind, version: (JSON.parse(payload.toString()) as { version: number }).version });
    });
    await observer.subscribeAsync([`${p}/update/accepted`, `${p}/get/accepted`, `${p}/get/rejected`], { qos: 1 });
    const writer = await client(te, 'writer');
    const reader = await client(te, 'reader');
    await writer.publishAsync(`${p}/update`, JSON.stringify({ state: { reported: { n: 0 } } }), { qos: 1 });
    await until(() => seen.length === 1, 5000, 'the first version');

    // Bursts: each update is followed at once by a get from the other connection, while earlier updates wait for
    // their fsync; a get answered in that window would show a version whose /accepted is not out yet.
    const rounds = 60;
    for (let i = 1; i <= rounds; i++) {
      writer.publish(`${p}/update`, JSON.stringify({ state: { reported: { n: i } } }), { qos: 0 });
      reader.publish(`${p}/get`, '{}', { qos: 0 });
    }
    await until(() => seen.filter((s) => s.kind === 'update').length === rounds + 1 && seen.filter((s) => s.kind === 'get').length === rounds, 15_000, 'every answer');

    const acceptedSoFar = new Set<number>();
    for (const s of seen) {
      if (s.kind === 'update') acceptedSoFar.add(s.version);
      else expect(acceptedSoFar.has(s.version), `get showed version ${s.version} before its /update/accepted`).toBe(true);
    }
    const gets = seen.filter((s) => s.kind === 'get').map((s) => s.version);
    expect(gets).toEqual([...gets].sort((a, b) => a - b)); // and never goes back
  });

  it('the UI\'s shadow.get while an update waits for the disk shows the previous version, and the new one once accepted', async () => {
    const te = await engine();
    const api = te.engine.api.shadow;
    await api.update('ui-thing', { state: { reported: { n: 1 } } });
    const pending = api.update('ui-thing', { state: { reported: { n: 2 } } }); // now waiting for its fsync
    const during = await api.get('ui-thing');
    expect(during).toMatchObject({ version: 1, state: { reported: { n: 1 } } });
    const done = await pending;
    expect(done).toMatchObject({ version: 2 });
    expect(await api.get('ui-thing')).toMatchObject({ version: 2, state: { reported: { n: 2 } } });

    // A delete is the same: until it is durable and accepted, the shadow is still there.
    const deleting = api.delete('ui-thing');
    expect(await api.get('ui-thing')).toMatchObject({ version: 2 });
    await deleting;
    await expect(api.get('ui-thing')).rejects.toThrow("No shadow exists with name: 'ui-thing'");

    // The lists too: a named shadow appears once its first version is accepted (shadow.list; ListNamedShadowsForThing reads the same rows).
    await api.update('ui-thing', { state: { reported: { on: true } } }, 'lamp');
    const creating = api.update('ui-thing', { state: { reported: { on: true } } }, 'fan');
    expect((await api.list('ui-thing')).map((s) => s.name)).toEqual(['lamp']);
    await creating;
    expect((await api.list('ui-thing')).map((s) => [s.name, s.version])).toEqual([['fan', 1], ['lamp', 1]]);
  });
});
