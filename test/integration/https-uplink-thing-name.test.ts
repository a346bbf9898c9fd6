/**
 * Virtual HTTPS devices whose things share one certificate: each request names its thing in `x-amzn-iot-thingname`,
 * so the engine's HTTPS device endpoint acts for that thing (its client id, what an MQTT subscriber and the capture
 * see) although the certificate is attached to both; a request that names no thing acts as the certificate.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDevice, deviceSpecFromModel, HttpsUplink, loadDeviceModel, type FleetDevice } from '../../engine/devices/index.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { closeAll, open, type Recorded } from '../helpers/broker-clients.js';

const KIOSK = `
name: shared-kiosk
identity:
  thingName: "kiosk-{index + 1}"
  certificate: provision
protocol: { transport: https }
telemetry:
  - { topic: "kiosks/{thingName}/visits", interval: 100ms, qos: 1, fields: { n: { gen: counter, start: 1 } } }
`;

let te: TestEngine;
let sub: Recorded;
let tls: { cert: string; key: string; ca: string };
let certificateId: string;
const devices: FleetDevice[] = [];

beforeAll(async () => {
  te = await startTestEngine({ mode: 'standard' });
  sub = await open(te.mqttPort);
  await sub.client.subscribeAsync('kiosks/#', { qos: 1 });
  const api = te.engine.api;
  const cert = await api.security.createCertificate(true);
  certificateId = cert.id;
  await api.security.putPolicy('kiosks', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: 'arn:aws:iot:us-east-1:000000000000:topic/kiosks/*' }] }));
  await api.security.attachPolicy('kiosks', cert.arn);
  for (const thing of ['kiosk-1', 'kiosk-2']) {
    await api.registry.createThing(thing);
    await api.registry.attachPrincipal(thing, cert.arn);
  }
  tls = { cert: cert.certificatePem, key: cert.privateKey, ca: fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), 'utf8') };
});

afterAll(async () => {
  await Promise.all(devices.map((d) => d.stop()));
  await closeAll([sub?.client]);
  await te?.stop();
});

describe('the HTTPS uplink names its thing', () => {
  it('publishes as each of two things that share one certificate', async () => {
    const model = loadDeviceModel(KIOSK, 'shared-kiosk.yaml');
    for (const index of [0, 1]) {
      const d = createDevice(deviceSpecFromModel(model, { index, seed: 1, url: te.info.endpoints.https, tls, replay: new Map() }));
      devices.push(d);
      d.start();
    }
    const from = (thing: string) => sub.messages.filter((m) => m.topic === `kiosks/${thing}/visits`);
    await vi.waitFor(() => {
      expect(from('kiosk-1').length).toBeGreaterThanOrEqual(2);
      expect(from('kiosk-2').length).toBeGreaterThanOrEqual(2);
    }, { timeout: 20_000 });
    for (const thing of ['kiosk-1', 'kiosk-2']) {
      const [captured] = await te.engine.api.broker.messages({ filter: `kiosks/${thing}/visits`, limit: 1 });
      expect(captured.clientId).toBe(thing);
    }
  });

  it('without the header, a certificate attached to two things acts as itself (its id), as no thing is named', async () => {
    const uplink = new HttpsUplink({ url: te.info.endpoints.https, tls });
    try {
      expect(await uplink.publish({ topic: 'kiosks/anonymous/visits', payload: Buffer.from('{}'), qos: 1, retain: false })).toMatchObject({ ok: true });
      const [captured] = await te.engine.api.broker.messages({ filter: 'kiosks/anonymous/visits', limit: 1 });
      expect(captured.clientId).toBe(certificateId);
    } finally {
      uplink.close();
    }
  });
});
