// The app's command API: POST /things/<thing>/commands with a JSON body such as {"action":"blink","times":3}.
// It gives the command a correlation id, publishes it on cmd/<thing>/req through the AWS IoT data plane, and answers
// 202 with the id; the device answers on cmd/<thing>/resp with the same correlationId.
import { randomUUID } from 'node:crypto';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';

// On AWS, set IOT_DATA_ENDPOINT to https://<your endpoint> (aws iot describe-endpoint --endpoint-type iot:Data-ATS).
const iot = new IoTDataPlaneClient(process.env.IOT_DATA_ENDPOINT ? { endpoint: process.env.IOT_DATA_ENDPOINT } : {});

const reply = (statusCode, body) => ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export const handler = async (event) => {
  const match = /^\/things\/([a-zA-Z0-9:_-]+)\/commands$/.exec(event.rawPath ?? '');
  if (!match || event.requestContext?.http?.method !== 'POST') return reply(404, { message: 'POST /things/<thing>/commands' });
  let command;
  try {
    command = JSON.parse(event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString() : event.body ?? '');
  } catch {
    return reply(400, { message: 'the body must be a JSON command, such as {"action":"blink"}' });
  }
  if (typeof command?.action !== 'string') return reply(400, { message: 'the command needs an action' });
  const thing = match[1];
  const correlationId = randomUUID();
  const topic = `cmd/${thing}/req`;
  await iot.send(new PublishCommand({ topic, qos: 1, payload: JSON.stringify({ correlationId, ...command }) }));
  console.log(`sent ${command.action} to ${thing} as ${correlationId}`);
  return reply(202, { correlationId, topic });
};
