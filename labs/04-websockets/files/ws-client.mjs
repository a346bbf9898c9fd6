// The lab's web client as a Node script: the same signed URL (sigv4-url.mjs), MQTT.js over it.
//   node ws-client.mjs <app name> [client id]
// Settings from the environment the lab exports: IOT_ENDPOINT, WS_PORT (443 on AWS), REGION, AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and, with temporary credentials, AWS_SESSION_TOKEN.
// It subscribes to device/+/status, says hello on app/<app>/hello, and publishes each status it receives on
// app/<app>/seen. Ctrl-C ends it.
import mqtt from 'mqtt';
import { presignMqttUrl } from './sigv4-url.mjs';

const [app, clientId = app] = process.argv.slice(2);
if (!app) {
  console.error('usage: node ws-client.mjs <app name> [client id]');
  process.exit(2);
}
const env = (name) => {
  if (!process.env[name]) { console.error(`${name} is not set: run the export lines of thingbench lab env 4`); process.exit(2); }
  return process.env[name];
};
const url = await presignMqttUrl({
  host: env('IOT_ENDPOINT'), port: Number(process.env.WS_PORT ?? 443), region: env('REGION'),
  accessKeyId: env('AWS_ACCESS_KEY_ID'), secretAccessKey: env('AWS_SECRET_ACCESS_KEY'), sessionToken: process.env.AWS_SESSION_TOKEN,
});
console.log(`connecting to ${url.split('?')[0]} with a presigned URL (X-Amz-Credential=${env('AWS_ACCESS_KEY_ID')}/…)`);
const client = mqtt.connect(url, { clientId, protocolVersion: 4, reconnectPeriod: 0 });
client.on('error', (e) => { console.error(`refused: ${e.message}`); process.exit(1); });
let connected = false;
client.on('close', () => {
  // A signature, date or key the endpoint does not accept ends the WebSocket upgrade with HTTP 403, before MQTT.
  if (!connected) { console.error('refused: the endpoint closed the WebSocket before MQTT\'s CONNACK (a bad signature, key or clock gets HTTP 403 on the upgrade)'); process.exit(1); }
  console.log('closed');
});
client.on('connect', async () => {
  connected = true;
  await client.subscribeAsync('device/+/status');
  console.log(`connected as ${clientId}, subscribed to device/+/status`);
  await client.publishAsync(`app/${app}/hello`, JSON.stringify({ client: app, by: 'node' }));
  console.log(`published on app/${app}/hello`);
});
client.on('message', (topic, payload) => {
  const text = payload.toString();
  console.log(`received ${topic} ${text}`);
  let value = text;
  try { value = JSON.parse(text); } catch { /* not JSON: echo it as text */ }
  client.publish(`app/${app}/seen`, JSON.stringify({ topic, payload: value, by: 'node' }));
});
process.on('SIGINT', () => client.end(false, () => process.exit(0)));
process.on('SIGTERM', () => client.end(false, () => process.exit(0)));
