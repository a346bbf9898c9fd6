// A device's first boot, as the AWS IoT Device SDK v2's fleet provisioning sample does it: connect over mutual TLS
// with the claim certificate the factory put on every device, ask AWS IoT for a key pair and a certificate of its own
// (CreateKeysAndCertificate), then register with the provisioning template, passing its serial number
// (RegisterThing). The new certificate and key are written next to the claim; the thing's name is printed.
//
//   node provision.mjs <template name> <serial number>
// Environment: MQTT_HOST, MQTT_TLS_PORT and CA_FILE (the broker's CA); the claim in claim.pem.crt and
// claim.private.key; writes device.pem.crt and device.private.key.
import fs from 'node:fs';
import { iot, iotidentity, mqtt } from 'aws-iot-device-sdk-v2';

const [templateName, serial] = process.argv.slice(2);
if (!templateName || !serial) {
  console.error('usage: node provision.mjs <template name> <serial number>');
  process.exit(2);
}

const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path('claim.pem.crt', 'claim.private.key')
  .with_certificate_authority_from_path(undefined, process.env.CA_FILE)
  .with_endpoint(process.env.MQTT_HOST)
  .with_port(Number(process.env.MQTT_TLS_PORT ?? 8883))
  .with_client_id(`${templateName}-${serial}`)
  .with_clean_session(true)
  .build();
const connection = new mqtt.MqttClient().new_connection(config);
await connection.connect();
const identity = new iotidentity.IotIdentityClient(connection);

/** Subscribes to the accepted and rejected replies, then publishes the request: the reply, or the rejection thrown. */
function ask(subscribeAccepted, subscribeRejected, publish) {
  return new Promise((resolve, reject) => {
    (async () => {
      await subscribeAccepted((e, r) => (e ? reject(e) : resolve(r)));
      await subscribeRejected((e, r) => reject(e ?? new Error(`rejected: ${JSON.stringify(r)}`)));
      await publish();
    })().catch(reject);
  });
}

try {
  const keys = await ask(
    (cb) => identity.subscribeToCreateKeysAndCertificateAccepted({}, mqtt.QoS.AtLeastOnce, cb),
    (cb) => identity.subscribeToCreateKeysAndCertificateRejected({}, mqtt.QoS.AtLeastOnce, cb),
    () => identity.publishCreateKeysAndCertificate({}, mqtt.QoS.AtLeastOnce),
  );
  fs.writeFileSync('device.pem.crt', keys.certificatePem);
  fs.writeFileSync('device.private.key', keys.privateKey, { mode: 0o600 });
  console.log(`certificate ${keys.certificateId} (PENDING_ACTIVATION until the template runs)`);

  const registered = await ask(
    (cb) => identity.subscribeToRegisterThingAccepted({ templateName }, mqtt.QoS.AtLeastOnce, cb),
    (cb) => identity.subscribeToRegisterThingRejected({ templateName }, mqtt.QoS.AtLeastOnce, cb),
    () => identity.publishRegisterThing({ templateName, certificateOwnershipToken: keys.certificateOwnershipToken, parameters: { SerialNumber: serial } }, mqtt.QoS.AtLeastOnce),
  );
  console.log(`thing ${registered.thingName}`);
} finally {
  await connection.disconnect();
}
