/**
 * Requests on reserved topics of AWS IoT services Thingbench does not have yet (fleet provisioning) are answered
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
    const p = '$aws/certificates/create';
    async function tlsDevice(name: string, receive: string[]): Promise<MqttClient> {
      const c = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
      await iot.send(new CreatePolicyCommand({ policyName: name, policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: `${arn}:client/${name}` },
        { Effect: 'Allow', Action: 'iot:Publish', Resource: [`${arn}:topic/${p}/json`, `${arn}:topic/marker/${name}`] },
        { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [`${arn}:topicfilter/${p}/json/rejected`, `${arn}:topicfilter/marker/${name}`] },
        { Effect: 'Allow', Action: 'iot:Receive', Resource: receive.map((t) => `${arn}:topic/${t}`) },
      ] }) }));
      await iot.send(new AttachPolicyCommand({ policyName: name, target: c.certificateArn }));
      const r = await tlsConnect(te.info.endpoints.mqtts!, { key: c.keyPair!.PrivateKey!, cert: c.certificatePem!, ca }, { clientId: name });
      expect(r.error).toBeUndefined();
      clients.push(r.client!);
      await r.client!.subscribeAsync([`${p}/json/rejected`, `marker/${name}`], { qos: 1 });
      return r.client!;
    }
    const denied = await tlsDevice('no-receive', ['marker/no-receive']);
    const allowed = await tlsDevice('may-receive', [`${p}/json/rejected`, 'marker/may-receive']);

    const deniedSees = nextMessages(denied, 1);
    const allowedSees = nextMessages(allowed, 1);
    await denied.publishAsync(`${p}/json`, JSON.stringify({ clientToken: 'from-denied' }), { qos: 1 });
    await denied.publishAsync('marker/no-receive', 'marker', { qos: 1 });
    // The first thing the requester receives is its marker: the rejection was withheld (iot:Receive), not lost later.
    expect((await deniedSees).map((m) => m.topic)).toEqual(['marker/no-receive']);
    const [reply] = await allowedSees;
    expect(reply.topic).toBe(`${p}/json/rejected`);
    expect(json(reply.payload)).toMatchObject({ statusCode: 400, errorCode: 'InvalidRequest' });
  });
});
