/**
 * What the commands tests share: an engine on an offset clock, the SDK v3 clients of the IoT control plane and the
 * Jobs data plane, and a device (a registered thing with its own certificate) connected over mutual TLS with mqtt.js
 * that records every PUBLISH it receives.
 */
import fs from 'node:fs';
import path from 'node:path';
import { vi, expect } from 'vitest';
import type { IPublishPacket, MqttClient } from 'mqtt';
import {
  AttachPolicyCommand, AttachThingPrincipalCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, CreateThingCommand, IoTClient,
} from '@aws-sdk/client-iot';
import { IoTJobsDataPlaneClient } from '@aws-sdk/client-iot-jobs-data-plane';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { tlsConnect } from './tls-client.js';

export const ACCOUNT = 'arn:aws:iot:us-east-1:000000000000';
export const thingArn = (name: string) => `${ACCOUNT}:thing/${name}`;
export const commandArn = (id: string) => `${ACCOUNT}:command/${id}`;

/** The engine's clock: real time plus an offset the test moves forward. */
export function fakeClock() {
  const clock = { offset: 0, now: () => Date.now() + clock.offset, advance: (ms: number) => void (clock.offset += ms) };
  return clock;
}

export interface Lab {
  te: TestEngine;
  clock: ReturnType<typeof fakeClock>;
  iot: IoTClient;
  data: IoTJobsDataPlaneClient;
}

export async function startLab(): Promise<Lab> {
  const clock = fakeClock();
  const te = await startTestEngine({ clock });
  const config = { endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } };
  return { te, clock, iot: new IoTClient(config), data: new IoTJobsDataPlaneClient(config) };
}

export interface Received {
  topic: string;
  payload: Buffer;
  properties?: IPublishPacket['properties'];
}

export interface Device {
  thing: string;
  client: MqttClient;
  messages: Received[];
  /** Publishes a document on the execution's response topic. */
  respond(executionId: string, doc: unknown, format?: 'json' | 'cbor', raw?: Buffer): Promise<void>;
  /** Waits for the next message on a topic (after those already seen). */
  next(topic: string | RegExp, from?: number): Promise<Received>;
}

let devices = 0;

/** A registered thing with a certificate allowed everything, connected over mutual TLS (MQTT 5) and subscribed to its commands. */
export async function connectDevice(lab: Lab, thing = `dev-${process.pid}-${++devices}`): Promise<Device> {
  const { iot, te } = lab;
  const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new CreateThingCommand({ thingName: thing }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: thing, principal: cert.certificateArn }));
  await iot.send(new CreatePolicyCommand({ policyName: `${thing}-policy`, policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }) }));
  await iot.send(new AttachPolicyCommand({ policyName: `${thing}-policy`, target: cert.certificateArn }));
  const ca = fs.readFileSync(path.join(te.dataDir, 'security', 'root-ca.pem'), 'utf8');
  const r = await tlsConnect(te.info.endpoints.mqtts, { key: cert.keyPair!.PrivateKey!, cert: cert.certificatePem!, ca }, { clientId: thing, protocolVersion: 5 });
  expect(r.error).toBeUndefined();
  const client = r.client!;
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload, properties: packet.properties }));
  await client.subscribeAsync([`$aws/commands/things/${thing}/executions/+/request/#`, `$aws/commands/things/${thing}/executions/+/request`, `$aws/commands/things/${thing}/executions/+/response/+/+`], { qos: 1 });
  return {
    thing, client, messages,
    respond: async (executionId, doc, format = 'json', raw) => {
      const { encodeCbor } = await import('../../../engine/core/index.js');
      const payload = raw ?? (format === 'cbor' ? encodeCbor(doc) : Buffer.from(JSON.stringify(doc)));
      await client.publishAsync(`$aws/commands/things/${thing}/executions/${executionId}/response/${format}`, payload, { qos: 1 });
    },
    next: (topic, from = messages.length) => waitMessage(messages, topic, from),
  };
}

export async function waitMessage(messages: Received[], topic: string | RegExp, from = 0): Promise<Received> {
  const match = (m: Received) => (typeof topic === 'string' ? m.topic === topic : topic.test(m.topic));
  return vi.waitFor(() => {
    const m = messages.slice(from).find(match);
    expect(m, `a message on ${String(topic)}`).toBeDefined();
    return m!;
  }, { timeout: 5000, interval: 10 });
}

/** The device's reply to an update: its accepted or rejected document. */
export async function replyTo(device: Device, executionId: string, doc: unknown, format: 'json' | 'cbor' = 'json', raw?: Buffer): Promise<{ kind: 'accepted' | 'rejected'; body: Record<string, unknown> }> {
  const from = device.messages.length;
  await device.respond(executionId, doc, format, raw);
  const m = await device.next(new RegExp(`^\\$aws/commands/things/${device.thing}/executions/${executionId}/response/(accepted|rejected)/${format}$`), from);
  const { decodeCbor } = await import('../../../engine/core/index.js');
  const body = (format === 'cbor' ? decodeCbor(m.payload) : JSON.parse(m.payload.toString())) as Record<string, unknown>;
  return { kind: m.topic.includes('/accepted/') ? 'accepted' : 'rejected', body };
}
