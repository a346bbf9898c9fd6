/**
 * The `sns` action's local notification topic with every subscriber kind, end to end: a device publishes over MQTT,
 * a rule's sns action publishes to the topic, and the message reaches the UI inbox (`sinks.records`), the desktop
 * (`sinks.notified` pushed over the browser-mode WebSocket `/rpc`), an HTTP webhook and an MQTT topic.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { MqttClient } from 'mqtt';
import { createClient, type SinkNotified, type ThingbenchClient } from '../../engine/contract/index.js';
import { silentLogger } from '../../engine/core/index.js';
import { startUiServer, type UiServer } from '../../engine/host/index.js';
import { connect, nextMessages, startTestEngine, until, type TestEngine } from '../helpers/engine.js';
import { nodeTransport } from '../helpers/ui-transport.js';

describe('notification topic subscribers: inbox, desktop, webhook, MQTT', () => {
  let te: TestEngine;
  let ui: UiServer;
  let staticDir: string;
  let socket: WebSocket;
  let client: ThingbenchClient;
  let device: MqttClient;
  let hookServer: http.Server;
  const hooked: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    te = await startTestEngine({ mode: 'aws' });
    staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-notify-ui-'));
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>tb</title>');
    ui = await startUiServer(te.engine, { host: '127.0.0.1', port: 0, staticDir, logger: silentLogger });
    socket = new WebSocket(`ws://127.0.0.1:${ui.port}/rpc?token=${ui.token}`, { origin: `http://127.0.0.1:${ui.port}` });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    client = createClient(nodeTransport(socket));
    device = await connect(te.mqttPort, { clientId: 'notify-device' });
    hookServer = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hooked.push(JSON.parse(body) as Record<string, unknown>);
        res.end();
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  });

  afterAll(async () => {
    client?.dispose();
    socket?.terminate();
    await device?.endAsync();
    hookServer?.close();
    await ui?.close();
    await te?.stop();
    fs.rmSync(staticDir, { recursive: true, force: true });
  });

  it('a rule-fed message reaches every subscriber kind; desktop arrives as a contract event', async () => {
    const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`;
    const info = await client.sinks.create('notify', 'ops', { subscriptions: [
      { protocol: 'desktop' }, { protocol: 'mqtt', endpoint: 'ops/alerts' }, { protocol: 'http', endpoint: hookUrl },
    ] });
    expect(info.options).toEqual({ subscriptions: [{ protocol: 'desktop' }, { protocol: 'mqtt', endpoint: 'ops/alerts' }, { protocol: 'http', endpoint: hookUrl }] });
    await client.rules.put('overheat', {
      sql: "SELECT temp, topic(2) AS device FROM 'sensors/+/temp' WHERE temp > 50", awsIotSqlVersion: '2016-03-23',
      actions: [{ sns: { targetArn: info.arn, roleArn: 'arn:aws:iam::123456789012:role/sns' } }],
    });
    const reader = await connect(te.mqttPort, { clientId: 'notify-reader' });
    try {
      await reader.subscribeAsync('ops/alerts');
      const onMqtt = nextMessages(reader, 1);
      const onDesktop = new Promise<SinkNotified>((resolve) => {
        const sub = client.on('sinks.notified', (n) => {
          sub.dispose();
          resolve(n);
        });
      });
      await device.publishAsync('sensors/boiler/temp', '{"temp":93}');

      const message = '{"temp":93,"device":"boiler"}';
      const desktop = await onDesktop;
      expect(desktop).toEqual({
        topic: 'ops', topicArn: 'arn:aws:sns:us-east-1:000000000000:ops', messageId: expect.any(String), subject: null, message,
        time: expect.any(Number), traceId: expect.any(String),
      });
      expect((await onMqtt)[0].payload.toString()).toBe(message);
      await until(() => hooked.length === 1, 5000, 'the webhook');
      expect(hooked[0]).toMatchObject({ Type: 'Notification', MessageId: desktop.messageId, TopicArn: desktop.topicArn, Message: message });
      const inbox = await client.sinks.records('notify', 'ops');
      expect(inbox).toEqual([expect.objectContaining({ traceId: desktop.traceId, data: expect.objectContaining({ messageId: desktop.messageId, message }) })]);
    } finally {
      await reader.endAsync();
    }
  });

  it('refuses unknown protocols and still requires endpoints for the others', async () => {
    await expect(client.sinks.create('notify', 'bad1', { subscriptions: [{ protocol: 'email', endpoint: 'a@b.c' }] }))
      .rejects.toMatchObject({ code: 'InvalidInput', message: expect.stringContaining('"mqtt", "http", "https" or "desktop"') });
    await expect(client.sinks.create('notify', 'bad2', { subscriptions: [{ protocol: 'mqtt' }] })).rejects.toMatchObject({ code: 'InvalidInput' });
  });
});
