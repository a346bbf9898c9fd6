/**
 * Delivery classes for a device that only asks: an HTTPS device (`curl` with its certificate) publishes events that
 * wait for an absent MQTT consumer, and a device mapping of its thing name makes what it publishes telemetry.
 */
import { afterAll, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { IoTClient } from '@aws-sdk/client-iot';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { closeAll, open, type Recorded } from '../helpers/broker-clients.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { thingWithCertificate } from '../helpers/device-clients.js';

let te: TestEngine | undefined;
const recorded: Recorded[] = [];
afterAll(async () => {
  await closeAll(recorded.map((r) => r.client));
  await te?.stop();
});

function post(engine: TestEngine, creds: { cert: string; key: string }, topic: string, body: string): Promise<string> {
  const url = `${engine.info.endpoints.https}/topics/${topic}?qos=1`;
  const args = ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', path.join(engine.dataDir, 'security', 'root-ca.pem'), '--cert', creds.cert, '--key', creds.key, '-d', body, url];
  return new Promise((resolve) => execFile('curl', args, (_e, stdout) => resolve(stdout)));
}

it('keeps an HTTPS device\'s events for an absent consumer, and its device mapping makes another device\'s messages telemetry', async () => {
  te = await startTestEngine();
  const iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const dir = tempDir('tb-delivery-https-');
  const valve = await thingWithCertificate(iot, dir, 'valve-1');
  const meter = await thingWithCertificate(iot, dir, 'meter-1');
  await te.engine.api.delivery.put({ filter: 'plant/#', class: 'event', ttlSeconds: 600 });
  await te.engine.api.delivery.put({ device: 'meter-1', class: 'telemetry' });

  const app = await open(te.mqttPort, { clientId: 'plant-app' });
  await app.client.subscribeAsync('plant/#', { qos: 1 });
  await app.client.endAsync();
  await vi.waitFor(async () => expect((await te!.engine.api.broker.clients()).map((c) => c.clientId)).not.toContain('plant-app'), { timeout: 5000 });

  expect(await post(te, valve, 'plant/valve-1/alarm', 'stuck')).toBe('200');
  expect(await post(te, meter, 'plant/meter-1/reading', '42')).toBe('200');
  expect((await te.engine.api.delivery.stored({ consumer: 'plant-app' })).map((e) => e.topic)).toEqual(['plant/valve-1/alarm']);

  const back = await open(te.mqttPort, { clientId: 'plant-app' });
  recorded.push(back);
  await back.client.subscribeAsync('plant/#', { qos: 1 });
  expect(await post(te, valve, 'plant/valve-1/alarm', 'marker')).toBe('200');
  await vi.waitFor(() => expect(back.messages.map((m) => m.payload.toString())).toContain('marker'), { timeout: 5000 });
  expect(back.messages.map((m) => m.payload.toString())).toEqual(['stuck', 'marker']);
});
