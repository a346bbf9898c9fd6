/**
 * Requests on reserved topics of AWS IoT services Thingbench does not have yet (Device Defender's device-side
 * metrics) are answered on their `…/rejected` topic with that service's documented error document (JSON, or CBOR on
 * the `cbor` topic), saying Thingbench does not support the service yet. Real MQTT clients.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { MqttClient } from 'mqtt';
import { cbor } from '@smithy/core/cbor';
import { connect, nextMessages, startTestEngine, type TestEngine } from '../helpers/engine.js';

let te: TestEngine;
let dev: MqttClient;
beforeAll(async () => {
  te = await startTestEngine({ mode: 'aws' });
  dev = await connect(te.mqttPort, { clientId: 'defender-agent' });
});
afterAll(async () => {
  await dev?.endAsync(true);
  await te?.stop();
});

describe('reserved topics nobody answers yet', () => {
  it('Device Defender metrics: JSON and CBOR reports are rejected in their format, with the report id and the reason', async () => {
    const base = '$aws/things/pump-1/defender/metrics';
    await dev.subscribeAsync([`${base}/json/rejected`, `${base}/cbor/rejected`], { qos: 1 });
    const replies = nextMessages(dev, 2);
    await dev.publishAsync(`${base}/json`, JSON.stringify({ header: { report_id: 1530304554, version: '1.0' }, metrics: {} }), { qos: 1 });
    await dev.publishAsync(`${base}/cbor`, Buffer.from(cbor.serialize({ hed: { rid: 7, v: '1.0' }, met: {} })), { qos: 1 });
    const [json, binary] = await replies;
    const message = (format: string) => `Thingbench does not support AWS IoT Device Defender yet: nothing answers ${base}/${format}`;
    expect(json.topic).toBe(`${base}/json/rejected`);
    expect(JSON.parse(json.payload.toString('utf8'))).toEqual({
      thingName: 'pump-1', reportId: 1530304554, status: 'REJECTED', statusDetails: { ErrorCode: 'InvalidPayload', ErrorMessage: message('json') }, timestamp: expect.any(Number),
    });
    expect(binary.topic).toBe(`${base}/cbor/rejected`);
    expect(cbor.deserialize(new Uint8Array(binary.payload))).toMatchObject({ thingName: 'pump-1', reportId: 7, status: 'REJECTED', statusDetails: { ErrorCode: 'InvalidPayload', ErrorMessage: message('cbor') } });
  });

  it('a report that is not JSON is still answered, without a report id', async () => {
    const topic = '$aws/things/pump-2/defender/metrics/json';
    await dev.subscribeAsync(`${topic}/rejected`, { qos: 1 });
    const reply = nextMessages(dev, 1);
    await dev.publishAsync(topic, 'not json', { qos: 1 });
    const body = JSON.parse((await reply)[0].payload.toString('utf8')) as Record<string, unknown>;
    expect(body).not.toHaveProperty('reportId');
    expect(body).toMatchObject({ thingName: 'pump-2', status: 'REJECTED' });
  });
});
