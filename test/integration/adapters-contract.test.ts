/**
 * The contract's `adapters.stats` over browser mode's `/rpc`: the CoAP listener's and the HTTPS device endpoint's
 * counters move with real requests from libcoap's `coap-client-notls` and `curl` (one answered, one refused of each).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AttachPolicyCommand, AttachThingPrincipalCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, CreateThingCommand, IoTClient,
} from '@aws-sdk/client-iot';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { openContract, type OpenContract } from '../helpers/ui-transport.js';

const A = 'arn:aws:iot:us-east-1:000000000000';

let te: TestEngine;
let contract: OpenContract;
let files: { cert: string; key: string };
let token: string;

/** Runs a client to its end; resolves with its stdout (both clients print the answer there). */
function run(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: 30_000 }, (e, out, err) => (e && e.killed ? reject(new Error(`${bin} timed out: ${err}`)) : resolve(out)));
  });
}
const coap = (query: string) => run('/usr/bin/coap-client-notls', ['-v', '6', '-B', '10', '-m', 'post', '-e', '{"t":1}',
  `${te.info.endpoints.coap}/topics/dt/sensor-1/temp?${query}`]);
const curl = (topic: string) => run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', path.join(te.dataDir, 'security', 'root-ca.pem'),
  '--cert', files.cert, '--key', files.key, '-X', 'POST', '-d', '{"t":1}', `${te.info.endpoints.https}/topics/${topic}?qos=1`]);

beforeAll(async () => {
  te = await startTestEngine();
  contract = await openContract(te);
  const iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  const policyDocument = JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 'iot:Publish', Resource: `${A}:topic/dt/sensor-1/*` }, { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' },
  ] });
  await iot.send(new CreatePolicyCommand({ policyName: 'sensor', policyDocument }));
  await iot.send(new AttachPolicyCommand({ policyName: 'sensor', target: c.certificateArn }));
  await iot.send(new CreateThingCommand({ thingName: 'sensor-1' }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'sensor-1', principal: c.certificateArn }));
  const dir = tempDir('tb-adapters-');
  files = { cert: path.join(dir, 'sensor.pem'), key: path.join(dir, 'sensor.key') };
  fs.writeFileSync(files.cert, c.certificatePem!);
  fs.writeFileSync(files.key, c.keyPair!.PrivateKey!);
  token = (await contract.api.registry.setDeviceToken({ thing: 'sensor-1' })).token;
});
afterAll(async () => {
  await contract?.close();
  await te?.stop();
});

describe('adapters.stats', () => {
  it('names both endpoints and counts what each answered and refused, by response code', async () => {
    const before = await contract.api.adapters.stats();
    expect(before).toEqual({
      coap: { endpoint: te.info.endpoints.coap, requests: 0, refused: {}, malformed: 0, observers: 0, blockTransfers: 0 },
      https: { endpoint: te.info.endpoints.https, requests: 0, refused: {} },
    });

    expect(await coap(`thing=sensor-1&token=${token}&qos=1`)).toMatch(/c:2\.04/);
    expect(await coap('thing=sensor-1&token=not-the-token-0000')).toMatch(/c:4\.01/);
    expect(await curl('dt/sensor-1/temp')).toBe('200');
    expect(await curl('dt/sensor-2/temp')).toBe('403');

    const after = await contract.api.adapters.stats();
    expect(after.coap).toEqual({ ...before.coap, requests: 2, refused: { '4.01': 1 } });
    expect(after.https).toEqual({ ...before.https, requests: 2, refused: { '403': 1 } });
  });
});
