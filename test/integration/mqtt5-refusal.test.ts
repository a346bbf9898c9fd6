/**
 * MQTT 5 clients (the AWS IoT Device SDK v2's samples, MQTTX, mosquitto -V mqttv5) get a CONNACK they can decode —
 * MQTT 5 reason 0x84 Unsupported Protocol Version — and the engine logs why, on TCP and WebSocket, in both modes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import mqtt from 'mqtt';
import { mqtt5 } from 'aws-iot-device-sdk-v2';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';

/** What an mqtt.js MQTT 5 client is told when it connects. */
function mqtt5Refusal(url: string, clientId: string): Promise<{ code?: number; message: string }> {
  return new Promise((resolve) => {
    const c = mqtt.connect(url, { protocolVersion: 5, clientId, reconnectPeriod: 0, connectTimeout: 10_000 });
    c.once('error', (e: Error & { code?: number }) => {
      c.end(true);
      resolve({ code: e.code, message: e.message });
    });
    c.once('connect', () => {
      c.end(true);
      resolve({ message: 'connected' });
    });
  });
}

const refusalLogged = (t: TestEngine, clientId: string) =>
  expect.poll(() => t.logs.find((l) => l.message.includes(`MQTT 5 connection of client ${clientId}`))?.message).toContain('CONNACK 0x84 (Unsupported Protocol Version)');

describe.each(['aws', 'standard'] as const)('MQTT 5 CONNECT in %s mode', (mode) => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine({ mode });
  });
  afterAll(() => t.stop());

  it('mqtt.js over TCP: reason 0x84, and the log says why', async () => {
    expect(await mqtt5Refusal(`mqtt://127.0.0.1:${t.mqttPort}`, 'v5-tcp')).toEqual({ code: 0x84, message: 'Connection refused: Unsupported Protocol Version' });
    await refusalLogged(t, 'v5-tcp');
  });

  it('mqtt.js over WebSocket: reason 0x84', async () => {
    expect(await mqtt5Refusal(t.wsUrl, 'v5-ws')).toEqual({ code: 0x84, message: 'Connection refused: Unsupported Protocol Version' });
    await refusalLogged(t, 'v5-ws');
  });

  it('an MQTT 3.1.1 client on the same listener still connects', async () => {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.mqttPort}`, { protocolVersion: 4, clientId: 'v311-after', reconnectPeriod: 0 });
    expect(c.connected).toBe(true);
    await c.endAsync();
  });
});

describe('other MQTT 5 clients', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine();
  });
  afterAll(() => t.stop());

  it.skipIf(!fs.existsSync('/usr/bin/mosquitto_pub'))('mosquitto_pub -V mqttv5 reports the unsupported protocol version', async () => {
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      execFile('/usr/bin/mosquitto_pub', ['-h', '127.0.0.1', '-p', String(t.mqttPort), '-V', 'mqttv5', '-i', 'v5-mosquitto', '-t', 'a/b', '-m', 'x'],
        { timeout: 20_000 }, (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? null : 0, output: stdout + stderr }));
    });
    expect(result.code).not.toBe(0);
    expect(result.output.toLowerCase()).toContain('unsupported protocol version');
    await refusalLogged(t, 'v5-mosquitto');
  });

  it('the AWS IoT Device SDK v2 MQTT 5 client fails its connection with reason 0x84 instead of retrying on a decode error', async () => {
    const client = new mqtt5.Mqtt5Client({
      hostName: '127.0.0.1',
      port: t.mqttPort,
      connectProperties: { clientId: 'v5-sdk', keepAliveIntervalSeconds: 30 },
      retryJitterMode: mqtt5.RetryJitterType.None,
      minReconnectDelayMs: 60_000,
    });
    const failure = new Promise<mqtt5.ConnectionFailureEvent>((resolve) => client.once('connectionFailure', resolve));
    client.start();
    const event = await failure;
    client.stop();
    client.close();
    expect(event.connack?.reasonCode).toBe(mqtt5.ConnectReasonCode.UnsupportedProtocolVersion);
    await refusalLogged(t, 'v5-sdk');
  });
});

/** Every byte the broker sends after a CONNECT at `level` (client id "lvl<level>"), until it closes the connection. */
function answerToLevel(port: number, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const id = Buffer.from(`lvl${level}`);
    const body = Buffer.concat([Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, level, 0x02, 0, 60, 0, id.length]), id]);
    const socket = net.connect({ port, host: '127.0.0.1' }, () => socket.write(Buffer.concat([Buffer.from([0x10, body.length]), body])));
    const received: Buffer[] = [];
    socket.on('data', (d) => received.push(d));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(received)));
  });
}

describe('CONNECT at a protocol level the broker does not speak [MQTT-3.1.2-2]', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine();
  });
  afterAll(() => t.stop());

  it.each([
    [2, '20020001'], // MQTT 3.1.1 CONNACK 0x01 unacceptable protocol level
    [6, '2003008400'], // MQTT 5 CONNACK 0x84 Unsupported Protocol Version
  ])('level %i gets CONNACK %s, then the connection closes, and the log says why', async (level, connack) => {
    expect((await answerToLevel(t.mqttPort, level)).toString('hex')).toBe(connack);
    await expect.poll(() => t.logs.some((l) => l.message.includes(`MQTT protocol level ${level} is not one this broker speaks`))).toBe(true);
  });
});
