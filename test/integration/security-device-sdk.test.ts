/**
 * The real AWS IoT Device SDK v2 for JavaScript (aws-iot-device-sdk-v2 on its native aws-crt client) over mutual TLS
 * with a certificate the engine issued, using its shadow client, as Lab 1's device program does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { AttachPolicyCommand, AttachThingPrincipalCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, CreateThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { iot, iotshadow, mqtt } from 'aws-iot-device-sdk-v2';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

describe('AWS IoT Device SDK v2 over mutual TLS', () => {
  let te: TestEngine;
  let connection: mqtt.MqttClientConnection | undefined;

  beforeAll(async () => {
    te = await startTestEngine();
  });
  afterAll(async () => {
    await connection?.disconnect().catch(() => {});
    await te?.stop();
  });

  it('connects with an issued certificate and updates a shadow through IotShadowClient', async () => {
    const control = new IoTClient({ endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const cert = await control.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await control.send(new CreateThingCommand({ thingName: 'sdk-lamp' }));
    await control.send(new AttachThingPrincipalCommand({ thingName: 'sdk-lamp', principal: cert.certificateArn }));
    const A = 'arn:aws:iot:us-east-1:000000000000';
    await control.send(new CreatePolicyCommand({ policyName: 'sdk', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${A}:client/\${iot:Connection.Thing.ThingName}` },
      { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: `${A}:topic/$aws/things/\${iot:Connection.Thing.ThingName}/shadow/*` },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${A}:topicfilter/$aws/things/\${iot:Connection.Thing.ThingName}/shadow/*` },
    ] }) }));
    await control.send(new AttachPolicyCommand({ policyName: 'sdk', target: cert.certificateArn }));

    const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(cert.certificatePem!, cert.keyPair!.PrivateKey!)
      .with_certificate_authority(fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), 'utf8'))
      .with_endpoint('localhost')
      .with_port(Number(new URL(te.info.endpoints.mqtts).port))
      .with_client_id('sdk-lamp')
      .with_clean_session(true)
      .build();
    connection = new mqtt.MqttClient().new_connection(config);
    await connection.connect();

    const shadow = new iotshadow.IotShadowClient(connection);
    const accepted = new Promise<iotshadow.model.UpdateShadowResponse>((resolve, reject) => {
      void shadow.subscribeToUpdateShadowAccepted({ thingName: 'sdk-lamp' }, mqtt.QoS.AtLeastOnce, (error, response) => (error ? reject(error) : resolve(response!)))
        .then(() => shadow.publishUpdateShadow({ thingName: 'sdk-lamp', state: { reported: { on: true } } }, mqtt.QoS.AtLeastOnce)).catch(reject);
    });
    const response = await accepted;
    expect(response.state?.reported).toEqual({ on: true });
    expect(response.version).toBe(1);
    await connection.disconnect();
    connection = undefined;
  }, 20_000);
});
