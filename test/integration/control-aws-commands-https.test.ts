/**
 * AWS IoT Commands to a device that only asks: StartCommandExecution (AWS SDK v3) to a thing with no MQTT connection
 * reaches it in the answer to its next HTTPS request with `hono-ttd` (Node's https client with the thing's
 * certificate), and its answer on `/command/res/{reqId}` completes the execution.
 */
import https from 'node:https';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommandExecutionCommand, IoTClient, CreateCommandCommand, CreateKeysAndCertificateCommand, AttachThingPrincipalCommand, CreateThingCommand, CreatePolicyCommand, AttachPolicyCommand } from '@aws-sdk/client-iot';
import { IoTJobsDataPlaneClient, StartCommandExecutionCommand } from '@aws-sdk/client-iot-jobs-data-plane';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

const ARN = 'arn:aws:iot:us-east-1:000000000000';
let te: TestEngine;
let iot: IoTClient;
let data: IoTJobsDataPlaneClient;
let agent: https.Agent;

/** One POST over mutual TLS as the meter; resolves with the status, the Hono headers and the body. */
function post(pathAndQuery: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; command?: string; requestId?: string; body: string }> {
  const url = new URL(pathAndQuery, te.info.endpoints.https);
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c)).on('error', reject).on('end', () => resolve({
        status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'),
        ...(typeof res.headers['hono-command'] === 'string' ? { command: res.headers['hono-command'] } : {}),
        ...(typeof res.headers['hono-cmd-req-id'] === 'string' ? { requestId: res.headers['hono-cmd-req-id'] } : {}),
      }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  te = await startTestEngine();
  const config = { endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
  iot = new IoTClient(config);
  data = new IoTJobsDataPlaneClient(config);
  const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new CreateThingCommand({ thingName: 'meter-7' }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: 'meter-7', principal: cert.certificateArn }));
  await iot.send(new CreatePolicyCommand({ policyName: 'meter-7-any', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }) }));
  await iot.send(new AttachPolicyCommand({ policyName: 'meter-7-any', target: cert.certificateArn }));
  const ca = fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), 'utf8');
  agent = new https.Agent({ keepAlive: true, cert: cert.certificatePem, key: cert.keyPair!.PrivateKey, ca });
  await iot.send(new CreateCommandCommand({ commandId: 'read-now', payload: { content: Buffer.from('{"register":4}'), contentType: 'application/json' } }));
});
afterAll(async () => {
  agent?.destroy();
  await te?.stop();
});

describe('AWS IoT Commands by hono-ttd', () => {
  it('delivers an execution to the next asking request and completes it with the answer (SUCCEEDED, REJECTED, FAILED)', async () => {
    const target = `${ARN}:thing/meter-7`;
    const execution = async (executionId: string) => iot.send(new GetCommandExecutionCommand({ executionId, targetArn: target }));
    for (const [status, answer, expected] of [[200, '{"kwh":12.5}', 'SUCCEEDED'], [422, 'no such meter', 'REJECTED'], [503, 'busy', 'FAILED']] as const) {
      const { executionId } = await data.send(new StartCommandExecutionCommand({ targetArn: target, commandArn: `${ARN}:command/read-now`, executionTimeoutSeconds: 30 }));
      const asked = await post('/topics/meters/meter-7/reading?qos=1', '{"kwh":12.4}', { 'hono-ttd': '5' });
      expect(asked).toMatchObject({ status: 200, command: 'read-now', requestId: expect.any(String), body: '{"register":4}' });
      const answered = await post(`/command/res/${asked.requestId}`, answer, { 'hono-cmd-status': String(status), 'content-type': 'text/plain' });
      expect(answered.status).toBeLessThan(300);
      await expect.poll(async () => (await execution(executionId!)).status).toBe(expected);
      expect(await execution(executionId!)).toMatchObject({ statusReason: { reasonCode: `STATUS_${status}` }, result: { payload: { S: answer } } });
    }
  });
});
