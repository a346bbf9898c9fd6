/**
 * Requests on reserved topics of AWS IoT services Thingbench does not have yet (Jobs, fleet provisioning) are answered
 * on their `…/rejected` topic with that service's documented error document (JSON, or CBOR on `…/cbor` topics),
 * saying Thingbench does not support the service yet, and are logged once per client and topic. Real MQTT clients.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { MqttClient } from 'mqtt';
import fs from 'node:fs';
import path from 'node:path';
import { cbor } from '@smithy/core/cbor';
import { AttachPolicyCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, IoTClient } from '@aws-sdk/client-iot';
import { connect, nextMessages, startTestEngine, type TestEngine } from '../helpers/engine.js';
import { tlsConnect } from './helpers/tls-client.js';

let te: TestEngine;
const clients: MqttClient[] = [];
beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await te?.stop();
});

async function device(clientId: string): Promise<MqttClient> {
  const c = await connect(te.mqttPort, { clientId });
  clients.push(c);
  return c;
}

const json = (p: Buffer) => JSON.parse(p.toString('utf8')) as Record<string, unknown>;

describe('reserved topics nobody answers yet', () => {
  it('Jobs: get, start-next, {jobId}/get and {jobId}/update are rejected with the Jobs error document; logged once per client and topic', async () => {
    const dev = await device('jobs-dev-1');
    await dev.subscribeAsync('$aws/things/t1/jobs/#', { qos: 1 });
    const replies = nextMessages(dev, 8); // the 4 requests echo back to this subscriber of `#`, plus 4 rejections
    const before = Math.floor(Date.now() / 1000);
    await dev.publishAsync('$aws/things/t1/jobs/get', JSON.stringify({ clientToken: 'tok-get' }), { qos: 1 });
    await dev.publishAsync('$aws/things/t1/jobs/start-next', JSON.stringify({ clientToken: 'tok-next' }), { qos: 1 });
    await dev.publishAsync('$aws/things/t1/jobs/job-7/get', '{}', { qos: 1 });
    await dev.publishAsync('$aws/things/t1/jobs/job-7/update', JSON.stringify({ status: 'SUCCEEDED', clientToken: 'tok-up' }), { qos: 1 });
    const rejected = (await replies).filter((m) => m.topic.endsWith('/rejected'));
    expect(rejected.map((m) => m.topic)).toEqual([
      '$aws/things/t1/jobs/get/rejected', '$aws/things/t1/jobs/start-next/rejected',
      '$aws/things/t1/jobs/job-7/get/rejected', '$aws/things/t1/jobs/job-7/update/rejected',
    ]);
    const first = json(rejected[0].payload);
    expect(first).toEqual({
      code: 'InvalidRequest', message: 'Thingbench does not support AWS IoT Jobs yet: nothing answers $aws/things/t1/jobs/get', clientToken: 'tok-get', timestamp: expect.any(Number),
    });
    expect(first.timestamp as number).toBeGreaterThanOrEqual(before);
    expect(first.timestamp as number).toBeLessThan(before + 60); // seconds, as AWS's Jobs timestamps
    expect(json(rejected[2].payload)).not.toHaveProperty('clientToken');
    expect(json(rejected[3].payload)).toMatchObject({ code: 'InvalidRequest', clientToken: 'tok-up' });

    // The same request again is answered again but not logged again; and the rejections above started no further
    // replies (the next two messages on this connection are exactly the request and its rejection).
    const again = nextMessages(dev, 2);
    await dev.publishAsync('$aws/things/t1/jobs/get', '{}', { qos: 1 });
    expect((await again).map((m) => m.topic)).toEqual(['$aws/things/t1/jobs/get', '$aws/things/t1/jobs/get/rejected']);
    const logged = te.logs.filter((l) => l.source === 'reserved-topics' && l.message.startsWith('Client jobs-dev-1 published to $aws/things/t1/jobs/get.'));
    expect(logged.map((l) => [l.level, l.message])).toEqual([[
      'warn', 'Client jobs-dev-1 published to $aws/things/t1/jobs/get. Thingbench does not support AWS IoT Jobs yet: nothing answers $aws/things/t1/jobs/get; it was answered on $aws/things/t1/jobs/get/rejected',
    ]]);
  });

  it('fleet provisioning: JSON and CBOR requests are rejected with {statusCode, errorCode, errorMessage} in their format', async () => {
    const dev = await device('fleet-dev-1');
    await dev.subscribeAsync(['$aws/certificates/create/json/rejected', '$aws/provisioning-templates/fleet/provision/cbor/rejected', '$aws/certificates/create-from-csr/json/rejected'], { qos: 1 });
    const replies = nextMessages(dev, 3);
    await dev.publishAsync('$aws/certificates/create/json', '{}', { qos: 1 });
    await dev.publishAsync('$aws/provisioning-templates/fleet/provision/cbor', Buffer.from([0xa0]), { qos: 1 });
    await dev.publishAsync('$aws/certificates/create-from-csr/json', JSON.stringify({ certificateSigningRequest: 'x' }), { qos: 1 });
    const [create, provision, csr] = await replies;
    expect(create.topic).toBe('$aws/certificates/create/json/rejected');
    expect(json(create.payload)).toEqual({ statusCode: 400, errorCode: 'InvalidRequest', errorMessage: 'Thingbench does not support fleet provisioning yet: nothing answers $aws/certificates/create/json' });
    expect(provision.topic).toBe('$aws/provisioning-templates/fleet/provision/cbor/rejected');
    expect(cbor.deserialize(new Uint8Array(provision.payload))).toEqual({
      statusCode: 400, errorCode: 'InvalidRequest', errorMessage: 'Thingbench does not support fleet provisioning yet: nothing answers $aws/provisioning-templates/fleet/provision/cbor',
    });
    expect(csr.topic).toBe('$aws/certificates/create-from-csr/json/rejected');
  });

  it('the rejection reaches only clients whose policy lets them receive it (iot:Receive), over mutual TLS', async () => {
    const iot = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const ca = fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), 'utf8');
    const arn = 'arn:aws:iot:us-east-1:000000000000';
    const p = '$aws/things/t9/jobs';
    async function tlsDevice(name: string, receive: string[]): Promise<MqttClient> {
      const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
      await iot.send(new CreatePolicyCommand({ policyName: name, policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: `${arn}:client/${name}` },
        { Effect: 'Allow', Action: 'iot:Publish', Resource: [`${arn}:topic/${p}/get`, `${arn}:topic/marker/${name}`] },
        { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [`${arn}:topicfilter/${p}/get/rejected`, `${arn}:topicfilter/marker/${name}`] },
        { Effect: 'Allow', Action: 'iot:Receive', Resource: receive.map((t) => `${arn}:topic/${t}`) },
      ] }) }));
      await iot.send(new AttachPolicyCommand({ policyName: name, target: c.certificateArn }));
      const r = await tlsConnect(te.info.endpoints.mqtts!, { key: c.keyPair!.PrivateKey!, cert: c.certificatePem!, ca }, { clientId: name });
      expect(r.error).toBeUndefined();
      clients.push(r.client!);
      await r.client!.subscribeAsync([`${p}/get/rejected`, `marker/${name}`], { qos: 1 });
      return r.client!;
    }
    const denied = await tlsDevice('no-receive', ['marker/no-receive']);
    const allowed = await tlsDevice('may-receive', [`${p}/get/rejected`, 'marker/may-receive']);

    const deniedSees = nextMessages(denied, 1);
    const allowedSees = nextMessages(allowed, 1);
    await denied.publishAsync(`${p}/get`, JSON.stringify({ clientToken: 'from-denied' }), { qos: 1 });
    await denied.publishAsync('marker/no-receive', 'marker', { qos: 1 });
    // The first thing the requester receives is its marker: the rejection was withheld (iot:Receive), not lost later.
    expect((await deniedSees).map((m) => m.topic)).toEqual(['marker/no-receive']);
    const [reply] = await allowedSees;
    expect(reply.topic).toBe(`${p}/get/rejected`);
    expect(json(reply.payload)).toMatchObject({ code: 'InvalidRequest', clientToken: 'from-denied' });
  });
});
