/**
 * AWS IoT Commands end to end: CreateCommand with the IoT control plane client, StartCommandExecution with the Jobs
 * data plane client, the request on the device's reserved topic (mqtt.js over mutual TLS, MQTT 5), the device's
 * status reports with their accepted/rejected replies, GetCommandExecution, the execution events, and the execution
 * timer on the engine's (offset) clock.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import mqtt from 'mqtt';
import { CreateCommandCommand, GetCommandCommand, GetCommandExecutionCommand } from '@aws-sdk/client-iot';
import { StartCommandExecutionCommand } from '@aws-sdk/client-iot-jobs-data-plane';
import { commandArn, connectDevice, replyTo, startLab, thingArn, waitMessage, type Device, type Lab, type Received } from './helpers/commands-lab.js';

let lab: Lab;
let device: Device;
let watcher: mqtt.MqttClient;
const events: Received[] = [];

beforeAll(async () => {
  lab = await startLab();
  device = await connectDevice(lab);
  watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${lab.te.mqttPort}`, { clientId: 'events-watcher', reconnectPeriod: 0 });
  watcher.on('message', (topic, payload) => events.push({ topic, payload }));
  await watcher.subscribeAsync('$aws/events/commandExecution/+/#', { qos: 1 });
  await lab.iot.send(new CreateCommandCommand({
    commandId: 'reboot', displayName: 'Reboot', description: 'Restarts the device',
    payload: { content: Buffer.from(JSON.stringify({ action: 'reboot' })), contentType: 'application/json' },
  }));
});
afterAll(async () => {
  await device?.client.endAsync(true);
  await watcher?.endAsync(true);
  await lab?.te.stop();
});

const start = (thing: string, extra: { executionTimeoutSeconds?: number } = {}) => lab.data.send(new StartCommandExecutionCommand({ targetArn: thingArn(thing), commandArn: commandArn('reboot'), ...extra }));
const get = (executionId: string, thing = device.thing) => lab.iot.send(new GetCommandExecutionCommand({ executionId, targetArn: thingArn(thing), includeResult: true }));

describe('a command run on a device', () => {
  it('delivers the payload with its content type and expiry, then follows the device to SUCCEEDED with a result', async () => {
    const command = await lab.iot.send(new GetCommandCommand({ commandId: 'reboot' }));
    expect(command).toMatchObject({ commandId: 'reboot', commandArn: commandArn('reboot'), namespace: 'AWS-IoT', displayName: 'Reboot', deprecated: false, pendingDeletion: false });
    expect(Buffer.from(command.payload!.content!).toString()).toBe('{"action":"reboot"}');

    const from = device.messages.length;
    const { executionId } = await start(device.thing, { executionTimeoutSeconds: 60 });
    expect(executionId).toMatch(/^[0-9a-f-]{36}$/);
    const request = await device.next(`$aws/commands/things/${device.thing}/executions/${executionId}/request/json`, from);
    expect(JSON.parse(request.payload.toString())).toEqual({ action: 'reboot' });
    // The message expiry is the execution timeout, counted down by the broker while the message waits (MQTT 5 §3.3.2.3.3).
    expect(request.properties?.contentType).toBe('application/json');
    expect(request.properties?.messageExpiryInterval).toBeGreaterThanOrEqual(59);
    expect(request.properties?.messageExpiryInterval).toBeLessThanOrEqual(60);
    expect(await get(executionId!)).toMatchObject({ executionId, status: 'CREATED', commandArn: commandArn('reboot'), targetArn: thingArn(device.thing), executionTimeoutSeconds: 60 });

    expect(await replyTo(device, executionId!, { status: 'IN_PROGRESS', statusReason: { reasonCode: 'REBOOTING', reasonDescription: 'going down' } })).toEqual({ kind: 'accepted', body: { executionId } });
    expect(await get(executionId!)).toMatchObject({ status: 'IN_PROGRESS', statusReason: { reasonCode: 'REBOOTING', reasonDescription: 'going down' } });

    const done = await replyTo(device, executionId!, { status: 'SUCCEEDED', result: { uptime: { s: '0 s' }, clean: { b: true }, log: { bin: Buffer.from('boot ok').toString('base64') } } });
    expect(done.kind).toBe('accepted');
    const finished = await get(executionId!);
    expect(finished.status).toBe('SUCCEEDED');
    expect(finished.statusReason).toBeUndefined();
    expect(finished.completedAt).toBeInstanceOf(Date);
    expect(finished.result?.uptime).toEqual({ S: '0 s' });
    expect(finished.result?.clean).toEqual({ B: true });
    expect(Buffer.from(finished.result!.log.BIN!).toString()).toBe('boot ok');
    const withoutResult = await lab.iot.send(new GetCommandExecutionCommand({ executionId, targetArn: thingArn(device.thing), includeResult: false }));
    expect(withoutResult.result).toBeUndefined();

    // The events: one per status, on $aws/events/commandExecution/{commandId}/{status}.
    const seen = await vi.waitFor(() => {
      const mine = events.map((e) => ({ topic: e.topic, body: JSON.parse(e.payload.toString()) as Record<string, unknown> })).filter((e) => e.body.executionId === executionId);
      expect(mine).toHaveLength(3);
      return mine;
    }, { timeout: 5000 });
    expect(seen.map((e) => e.topic)).toEqual(['CREATED', 'IN_PROGRESS', 'SUCCEEDED'].map((s) => `$aws/events/commandExecution/reboot/${s}`));
    expect(seen[1].body).toMatchObject({ status: 'IN_PROGRESS', eventType: 'COMMAND_EXECUTION', commandArn: commandArn('reboot'), targetArn: thingArn(device.thing), statusReason: { reasonCode: 'REBOOTING' } });
    expect(typeof seen[2].body.timestamp).toBe('number');
  });

  it('keeps a terminal status: a later report is rejected (TerminalStateReached, InvalidStateTransition)', async () => {
    const { executionId } = await start(device.thing);
    expect((await replyTo(device, executionId!, { status: 'FAILED', statusReason: { reasonCode: 'LOW_BATTERY' } })).kind).toBe('accepted');
    expect(await replyTo(device, executionId!, { status: 'SUCCEEDED' })).toMatchObject({ kind: 'rejected', body: { error: 'TerminalStateReached', executionId } });
    expect(await replyTo(device, executionId!, { status: 'IN_PROGRESS' })).toMatchObject({ kind: 'rejected', body: { error: 'InvalidStateTransition', executionId } });
    expect(await get(executionId!)).toMatchObject({ status: 'FAILED', statusReason: { reasonCode: 'LOW_BATTERY' } });
  });

  it('goes straight from CREATED to REJECTED, and answers CBOR reports in CBOR', async () => {
    const { executionId } = await start(device.thing);
    const r = await replyTo(device, executionId!, { status: 'REJECTED', statusReason: { reasonCode: 'BUSY', reasonDescription: 'updating' }, result: { raw: { bin: Buffer.from([1, 2, 3]) } } }, 'cbor');
    expect(r).toEqual({ kind: 'accepted', body: { executionId } });
    const e = await get(executionId!);
    expect(e).toMatchObject({ status: 'REJECTED', statusReason: { reasonCode: 'BUSY', reasonDescription: 'updating' } });
    expect([...e.result!.raw.BIN!]).toEqual([1, 2, 3]);
  });

  it('rejects reports that are not valid documents, name no execution, or use an unknown status', async () => {
    const { executionId } = await start(device.thing);
    expect(await replyTo(device, executionId!, undefined, 'json', Buffer.from('{nope'))).toMatchObject({ kind: 'rejected', body: { error: 'InvalidJson', executionId } });
    expect(await replyTo(device, executionId!, { status: 'CREATED' })).toMatchObject({ kind: 'rejected', body: { error: 'InvalidRequest' } });
    expect(await replyTo(device, executionId!, { status: 'SUCCEEDED', statusReason: { reasonCode: 'lower case' } })).toMatchObject({ kind: 'rejected', body: { error: 'InvalidRequest' } });
    expect(await replyTo(device, executionId!, { status: 'SUCCEEDED', result: { x: { s: 'a', b: true } } })).toMatchObject({ kind: 'rejected', body: { error: 'InvalidRequest' } });
    expect(await replyTo(device, '00000000-0000-0000-0000-000000000000', { status: 'SUCCEEDED' })).toMatchObject({ kind: 'rejected', body: { error: 'ResourceNotFound' } });
    expect((await get(executionId!)).status).toBe('CREATED');
  });

  it('times out on the engine clock; the device may still finish it, but not resume it', async () => {
    const { executionId } = await start(device.thing, { executionTimeoutSeconds: 5 });
    const { executionId: other } = await start(device.thing, { executionTimeoutSeconds: 5 });
    const { executionId: later } = await start(device.thing, { executionTimeoutSeconds: 600 });
    lab.clock.advance(5_000);
    const timedOut = await vi.waitFor(async () => {
      const e = await get(executionId!);
      expect(e.status).toBe('TIMED_OUT');
      return e;
    }, { timeout: 5000 });
    expect(timedOut.statusReason).toEqual({ reasonCode: '$NO_RESPONSE_FROM_DEVICE', reasonDescription: 'The device did not report a terminal status within 5 seconds' });
    expect((await get(later!)).status).toBe('CREATED');
    await vi.waitFor(() => expect(events.some((e) => e.topic === '$aws/events/commandExecution/reboot/TIMED_OUT' && JSON.parse(e.payload.toString()).executionId === executionId)).toBe(true), { timeout: 5000 });

    expect(await replyTo(device, executionId!, { status: 'IN_PROGRESS' })).toMatchObject({ kind: 'rejected', body: { error: 'InvalidStateTransition' } });
    expect((await replyTo(device, executionId!, { status: 'SUCCEEDED' })).kind).toBe('accepted');
    expect(await get(executionId!)).toMatchObject({ status: 'SUCCEEDED' });

    // The device's own TIMED_OUT is final.
    await vi.waitFor(async () => expect((await get(other!)).status).toBe('TIMED_OUT'), { timeout: 5000 });
    expect((await replyTo(device, other!, { status: 'TIMED_OUT', statusReason: { reasonCode: 'WATCHDOG' } })).kind).toBe('accepted');
    expect(await replyTo(device, other!, { status: 'SUCCEEDED' })).toMatchObject({ kind: 'rejected', body: { error: 'TerminalStateReached' } });
  });

  it('runs on an MQTT client by its client id (…:client/{clientId}), registered or not', async () => {
    const clientId = `bare-${process.pid}`;
    const bare = await mqtt.connectAsync(`mqtt://127.0.0.1:${lab.te.mqttPort}`, { clientId, reconnectPeriod: 0, protocolVersion: 5 });
    try {
      const got: Received[] = [];
      bare.on('message', (topic, payload) => got.push({ topic, payload }));
      await bare.subscribeAsync(`$aws/commands/clients/${clientId}/executions/+/request/#`, { qos: 1 });
      await bare.subscribeAsync(`$aws/commands/clients/${clientId}/executions/+/response/+/json`, { qos: 1 });
      const target = `arn:aws:iot:us-east-1:000000000000:client/${clientId}`;
      const { executionId } = await lab.data.send(new StartCommandExecutionCommand({ targetArn: target, commandArn: commandArn('reboot') }));
      const request = await waitMessage(got, `$aws/commands/clients/${clientId}/executions/${executionId}/request/json`);
      expect(JSON.parse(request.payload.toString())).toEqual({ action: 'reboot' });
      await bare.publishAsync(`$aws/commands/clients/${clientId}/executions/${executionId}/response/json`, JSON.stringify({ status: 'SUCCEEDED' }), { qos: 1 });
      await waitMessage(got, `$aws/commands/clients/${clientId}/executions/${executionId}/response/accepted/json`);
      expect(await lab.iot.send(new GetCommandExecutionCommand({ executionId, targetArn: target }))).toMatchObject({ status: 'SUCCEEDED', targetArn: target });
    } finally {
      await bare.endAsync(true);
    }
  });
});
