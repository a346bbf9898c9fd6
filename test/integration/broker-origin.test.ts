/**
 * The origin of a publish travels with the message to the in-engine taps: what the engine's publisher said
 * (`origin`, and the `lineage` of the rules whose republishes produced it) reaches `TappedMessage`, keyed on the
 * publish itself, never on its bytes, so a device's or another engine publish of the same topic and the very same
 * payload never inherits it. Real broker, real store, real MQTT over TCP; both of aedes' paths (a plain publish, and
 * a retained one that stores before it dispatches).
 */
import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { BrokerService, defaultLimits, type TappedMessage } from '../../engine/broker/index.js';
import { SqlJsStore } from '../../engine/storage/index.js';
import { silentLogger } from '../../engine/core/index.js';
import { connect } from '../helpers/engine.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function startBroker(): Promise<BrokerService> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-origin-'));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const store = await SqlJsStore.open(dir);
  const b = new BrokerService(store, { mode: 'aws', limits: defaultLimits('aws'), host: '127.0.0.1', ports: { mqtt: 0, ws: 0 }, historySize: 100 }, silentLogger, () => Date.now());
  await b.start();
  cleanup.push(async () => {
    await b.stop();
    await store.close();
  });
  return b;
}

async function client(port: number, clientId: string): Promise<MqttClient> {
  const c = await connect(port, { clientId });
  cleanup.push(() => c.endAsync(true));
  return c;
}

/** What a tap saw of a message, in the fields the origin decides. */
const seen = (m: TappedMessage) => ({ payload: m.payload.toString(), clientId: m.clientId, origin: m.origin, lineage: m.lineage });

describe('the origin of a publish reaches the taps', () => {
  it('a lineage travels with its publish only: the same topic and payload buffer published again, or by a device, has none', async () => {
    const b = await startBroker();
    const tapped: TappedMessage[] = [];
    b.tap('origin/#', (m) => tapped.push(m));
    const payload = Buffer.from('{"n":1}');

    await b.publish({ topic: 'origin/a', payload, qos: 0, retain: false }, { origin: 'client', lineage: ['first', 'second'] });
    // The very same Buffer object, at once: the lineage belongs to the first publish, not to these bytes.
    await b.publish({ topic: 'origin/a', payload, qos: 0, retain: false }, { origin: 'client' });
    await b.publish({ topic: 'origin/a', payload, qos: 1, retain: false });
    const device = await client(b.ports.mqtt, 'origin-device');
    await device.publishAsync('origin/a', payload, { qos: 1 }); // resolves on PUBACK: the taps have run

    expect(tapped.map(seen)).toEqual([
      { payload: '{"n":1}', clientId: null, origin: 'client', lineage: ['first', 'second'] },
      { payload: '{"n":1}', clientId: null, origin: 'client', lineage: undefined },
      { payload: '{"n":1}', clientId: null, origin: 'engine', lineage: undefined },
      { payload: '{"n":1}', clientId: 'origin-device', origin: 'client', lineage: undefined },
    ]);
  });

  it('a retained publish (stored before it is dispatched) carries its lineage too, and an engine publish may carry one', async () => {
    const b = await startBroker();
    const tapped: TappedMessage[] = [];
    b.tap('origin/#', (m) => tapped.push(m));

    await b.publish({ topic: 'origin/kept', payload: Buffer.from('kept'), qos: 1, retain: true }, { origin: 'client', lineage: ['keeper'] });
    await b.publish({ topic: 'origin/engine', payload: Buffer.from('own'), qos: 0, retain: false }, { lineage: ['system'] });
    await b.publish({ topic: 'origin/kept', payload: Buffer.from('kept'), qos: 1, retain: true }, { origin: 'client' });

    expect(tapped.map(seen)).toEqual([
      { payload: 'kept', clientId: null, origin: 'client', lineage: ['keeper'] },
      { payload: 'own', clientId: null, origin: 'engine', lineage: ['system'] },
      { payload: 'kept', clientId: null, origin: 'client', lineage: undefined },
    ]);
    expect(b.getRetained('origin/kept')?.payload.toString()).toBe('kept');
  });

  it('a publish the engine makes for a billed caller (`meteredAs`) is metered under that name and its topic; the UI\'s own publishes are not', async () => {
    const b = await startBroker();
    await b.publish({ topic: 'origin/billed', payload: Buffer.alloc(6 * 1024), qos: 0, retain: false }, { origin: 'client', meteredAs: '(caller)' });
    await b.publish({ topic: 'origin/unbilled', payload: Buffer.from('ui'), qos: 0, retain: false }, { origin: 'client' });
    const usage = b.usage();
    expect(usage.clients).toEqual([expect.objectContaining({ clientId: '(caller)', messagesIn: 1, billedMessages: 2, bytesIn: 6 * 1024, connectionMinutes: 0 })]);
    expect(usage.topics).toEqual([{ topic: 'origin/billed', messagesIn: 1, messagesOut: 0, billedMessages: 2 }]);
  });
});

