/**
 * Thing policy variables over HTTPS, as AWS has them: `${iot:Connection.Thing.ThingName}` (and the thing's type and
 * attributes) resolve only for MQTT and MQTT over WebSocket connections, so a statement built on one denies `curl`'s
 * HTTPS publish with the thing's certificate (403, logged as a denial) while the same certificate publishing over MQTT
 * with its thing name as client id is allowed; a statement that names the topic allows the HTTPS publish.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';

const ARN = 'arn:aws:iot:us-east-1:000000000000';
let te: TestEngine;
let files: { cert: string; key: string; ca: string };
let pem: { cert: string; key: string; ca: string };

function curlPost(topic: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', '--cacert', files.ca, '--cert', files.cert, '--key', files.key, '-X', 'POST', '-d', '{"t":21}',
      `${te.info.endpoints.https}/topics/${topic}?qos=1`], (err, stdout) => {
      if (err) return reject(err);
      const i = stdout.lastIndexOf('\n');
      resolve({ status: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) });
    });
  });
}

beforeAll(async () => {
  te = await startTestEngine();
  const api = te.engine.api;
  const cert = await api.security.createCertificate(true);
  await api.registry.createThing('pump-1');
  await api.registry.attachPrincipal('pump-1', cert.arn);
  await api.security.putPolicy('pump-vars', JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}:client/\${iot:Connection.Thing.ThingName}` },
    { Effect: 'Allow', Action: 'iot:Publish', Resource: [`${ARN}:topic/pumps/\${iot:Connection.Thing.ThingName}/*`, `${ARN}:topic/named/pump-1/*`] },
  ] }));
  await api.security.attachPolicy('pump-vars', cert.arn);
  const dir = tempDir('tb-https-vars-');
  pem = { cert: cert.certificatePem, key: cert.privateKey, ca: fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), 'utf8') };
  files = { cert: path.join(dir, 'pump.pem'), key: path.join(dir, 'pump.key'), ca: path.join(te.dataDir, 'security', 'root-ca.pem') };
  fs.writeFileSync(files.cert, pem.cert);
  fs.writeFileSync(files.key, pem.key);
});

afterAll(async () => {
  await te?.stop();
});

describe('thing policy variables over HTTPS', () => {
  it('leaves ${iot:Connection.Thing.ThingName} unresolved for curl over HTTPS: 403; a named topic is allowed', async () => {
    const refused = await curlPost('pumps/pump-1/temp');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).message).toBe('not authorized to publish to pumps/pump-1/temp');
    const denial = (await te.engine.api.security.denials(50)).find((d) => d.resource === `${ARN}:topic/pumps/pump-1/temp`);
    expect(denial?.clientId).toBe('pump-1');
    const named = await curlPost('named/pump-1/temp');
    expect(named.status).toBe(200);
  });

  it('resolves it for the same certificate over MQTT with the thing name as client id', async () => {
    const client = await mqtt.connectAsync(te.info.endpoints.mqtts, { clientId: 'pump-1', ...pem, reconnectPeriod: 0, protocolVersion: 5 });
    try {
      const ack = await client.publishAsync('pumps/pump-1/temp', '{"t":22}', { qos: 1 });
      expect(ack && 'reasonCode' in ack ? ack.reasonCode : 0).toBe(0);
      const [captured] = await te.engine.api.broker.messages({ filter: 'pumps/pump-1/temp', limit: 1 });
      expect(captured).toMatchObject({ clientId: 'pump-1', payload: Buffer.from('{"t":22}').toString('base64') });
    } finally {
      await client.endAsync();
    }
  });
});
