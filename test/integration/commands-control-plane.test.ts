/**
 * AWS IoT Commands' control plane and StartCommandExecution's checks through SDK v3: dynamic commands (payload
 * templates filled with typed parameters, JSON or CBOR), list filters, sorting and paging, idempotent client tokens,
 * deprecation and deletion (on the engine's offset clock), and AWS's errors for bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateCommandCommand, DeleteCommandCommand, DeleteCommandExecutionCommand, GetCommandCommand, GetCommandExecutionCommand, ListCommandExecutionsCommand,
  ListCommandsCommand, UpdateCommandCommand, type CreateCommandCommandInput,
} from '@aws-sdk/client-iot';
import { StartCommandExecutionCommand, type StartCommandExecutionCommandInput } from '@aws-sdk/client-iot-jobs-data-plane';
import { decodeCbor } from '../../engine/core/index.js';
import { commandArn, connectDevice, replyTo, startLab, thingArn, type Device, type Lab } from './helpers/commands-lab.js';

let lab: Lab;
let device: Device;

beforeAll(async () => {
  lab = await startLab();
  device = await connectDevice(lab);
});
afterAll(async () => {
  await device?.client.endAsync(true);
  await lab?.te.stop();
});

const json = (doc: unknown) => ({ content: Buffer.from(JSON.stringify(doc)), contentType: 'application/json' });
const create = (input: CreateCommandCommandInput) => lab.iot.send(new CreateCommandCommand(input));
const start = (commandId: string, extra: Partial<StartCommandExecutionCommandInput> = {}) =>
  lab.data.send(new StartCommandExecutionCommand({ targetArn: thingArn(device.thing), commandArn: commandArn(commandId), ...extra }));
/** The AWS error a call fails with: its name, HTTP status and message. */
async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  const e = await p.then(() => { throw new Error('the call succeeded'); }, (err: { name: string; message: string; $metadata?: { httpStatusCode?: number } }) => err);
  return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
}

describe('dynamic commands', () => {
  beforeAll(async () => {
    await create({
      commandId: 'set-temp', payloadTemplate: JSON.stringify({ op: 'set', celsius: '${aws:iot:commandexecution::parameter:celsius}', note: 'for ${aws:iot:commandexecution::parameter:room}', within: '${aws:iot:commandexecution::executionTimeoutSec}' }),
      preprocessor: { awsJsonSubstitution: { outputFormat: 'JSON' } },
      mandatoryParameters: [
        { name: 'celsius', type: 'DOUBLE', valueConditions: [{ comparisonOperator: 'IN_RANGE', operand: { numberRange: { min: '5', max: '30' } } }] },
        { name: 'room', type: 'STRING', defaultValue: { S: 'hall' }, valueConditions: [{ comparisonOperator: 'IN_SET', operand: { strings: ['hall', 'kitchen'] } }] },
      ],
    });
  });

  it('fills the template with the parameters (typed where a placeholder is the whole value) and keeps them on the execution', async () => {
    const from = device.messages.length;
    const { executionId } = await start('set-temp', { parameters: { celsius: { D: 21.5 } }, executionTimeoutSeconds: 30 });
    const request = await device.next(`$aws/commands/things/${device.thing}/executions/${executionId}/request/json`, from);
    expect(JSON.parse(request.payload.toString())).toEqual({ op: 'set', celsius: 21.5, note: 'for hall', within: 30 });
    expect(request.properties?.contentType).toBe('application/json');
    const e = await lab.iot.send(new GetCommandExecutionCommand({ executionId, targetArn: thingArn(device.thing) }));
    expect(e.parameters).toEqual({ celsius: { D: 21.5 }, room: { S: 'hall' } });
  });

  it('sends CBOR on …/request/cbor when the preprocessor says so', async () => {
    await create({
      commandId: 'blink-cbor', payloadTemplate: JSON.stringify({ times: '${aws:iot:commandexecution::parameter:times}', on: true }),
      preprocessor: { awsJsonSubstitution: { outputFormat: 'CBOR' } }, mandatoryParameters: [{ name: 'times', type: 'INTEGER' }],
    });
    const from = device.messages.length;
    const { executionId } = await start('blink-cbor', { parameters: { times: { I: 3 } } });
    const request = await device.next(`$aws/commands/things/${device.thing}/executions/${executionId}/request/cbor`, from);
    expect(decodeCbor(request.payload)).toEqual({ times: 3, on: true });
    expect(request.properties?.contentType).toBe('application/cbor');
  });

  it('refuses bad parameters with ValidationException and starts nothing', async () => {
    const cases: Array<[StartCommandExecutionCommandInput['parameters'], RegExp]> = [
      [{}, /celsius/],
      [{ celsius: { S: 'warm' } }, /type DOUBLE/],
      [{ celsius: { D: 45 } }, /condition IN_RANGE/],
      [{ celsius: { D: 20 }, room: { S: 'attic' } }, /condition IN_SET/],
      [{ celsius: { D: 20 }, fan: { B: true } }, /fan is not a parameter/],
    ];
    for (const [parameters, message] of cases) {
      const f = await failure(start('set-temp', { parameters }));
      expect(f).toMatchObject({ name: 'ValidationException', status: 400 });
      expect(f.message).toMatch(message);
    }
    const listed = await lab.iot.send(new ListCommandExecutionsCommand({ commandArn: commandArn('set-temp') }));
    expect(listed.commandExecutions).toHaveLength(1);
  });

  it('refuses templates that are not JSON or use undeclared parameters, and commands with both a payload and a template', async () => {
    expect(await failure(create({ commandId: 'bad-1', payloadTemplate: '{oops', preprocessor: { awsJsonSubstitution: { outputFormat: 'JSON' } } }))).toMatchObject({ name: 'ValidationException' });
    expect(await failure(create({ commandId: 'bad-2', payloadTemplate: '{"a":"${aws:iot:commandexecution::parameter:x}"}', preprocessor: { awsJsonSubstitution: { outputFormat: 'JSON' } } }))).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('parameter x') });
    expect(await failure(create({ commandId: 'bad-3', payload: json({}), payloadTemplate: '{}', preprocessor: { awsJsonSubstitution: { outputFormat: 'JSON' } } }))).toMatchObject({ name: 'ValidationException' });
    expect(await failure(create({ commandId: 'bad-4' }))).toMatchObject({ name: 'ValidationException' });
    expect(await failure(create({ commandId: 'bad id!', payload: json({}) }))).toMatchObject({ name: 'ValidationException' });
    expect(await failure(create({ commandId: 'bad-5', namespace: 'AWS-IoT-FleetWise', payload: json({}), roleArn: 'arn:aws:iam::000000000000:role/x' }))).toMatchObject({ name: 'ValidationException' });
    expect(await failure(lab.iot.send(new GetCommandCommand({ commandId: 'bad-1' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });
});

describe('listing commands and executions', () => {
  beforeAll(async () => {
    for (const id of ['list-a', 'list-b', 'list-c']) {
      await create({ commandId: id, displayName: id.toUpperCase(), payload: { content: Buffer.from(id), contentType: 'text/plain' } });
      lab.clock.advance(1000);
    }
  });

  it('ListCommands: newest first by default, ASCENDING on request, paged by maxResults and nextToken, filtered by parameter name', async () => {
    const all = await lab.iot.send(new ListCommandsCommand({}));
    const ids = all.commands!.map((c) => c.commandId);
    expect(ids.indexOf('list-c')).toBeLessThan(ids.indexOf('list-a'));
    expect(all.commands!.find((c) => c.commandId === 'list-b')).toMatchObject({ displayName: 'LIST-B', deprecated: false, pendingDeletion: false, commandArn: commandArn('list-b') });
    const asc = await lab.iot.send(new ListCommandsCommand({ sortOrder: 'ASCENDING' }));
    expect(asc.commands!.map((c) => c.commandId)).toEqual([...ids].reverse());
    const first = await lab.iot.send(new ListCommandsCommand({ maxResults: 2 }));
    expect(first.commands).toHaveLength(2);
    const rest = await lab.iot.send(new ListCommandsCommand({ maxResults: 100, nextToken: first.nextToken }));
    expect([...first.commands!, ...rest.commands!].map((c) => c.commandId)).toEqual(ids);
    expect(rest.nextToken).toBeUndefined();
    const withRoom = await lab.iot.send(new ListCommandsCommand({ commandParameterName: 'room' }));
    expect(withRoom.commands!.map((c) => c.commandId)).toEqual(['set-temp']);
    expect(await failure(lab.iot.send(new ListCommandsCommand({ maxResults: 101 })))).toMatchObject({ name: 'ValidationException' });
  });

  it('ListCommandExecutions: by command or by target, by status, in a time window, in either order', async () => {
    // An hour to answer: the minute the clock moves must not let the timeout sweep end e1 (it is listed as CREATED).
    const { executionId: e1 } = await start('list-a', { executionTimeoutSeconds: 3600 });
    lab.clock.advance(60_000);
    const { executionId: e2 } = await start('list-a', { executionTimeoutSeconds: 3600 });
    expect((await replyTo(device, e2!, { status: 'SUCCEEDED' })).kind).toBe('accepted');
    const byCommand = await lab.iot.send(new ListCommandExecutionsCommand({ commandArn: commandArn('list-a') }));
    expect(byCommand.commandExecutions!.map((e) => e.executionId)).toEqual([e2, e1]);
    expect(byCommand.commandExecutions![0]).toMatchObject({ status: 'SUCCEEDED', targetArn: thingArn(device.thing), commandArn: commandArn('list-a') });
    expect(byCommand.commandExecutions![0].completedAt).toBeInstanceOf(Date);
    const asc = await lab.iot.send(new ListCommandExecutionsCommand({ commandArn: commandArn('list-a'), sortOrder: 'ASCENDING' }));
    expect(asc.commandExecutions!.map((e) => e.executionId)).toEqual([e1, e2]);
    const created = await lab.iot.send(new ListCommandExecutionsCommand({ commandArn: commandArn('list-a'), status: 'CREATED' }));
    expect(created.commandExecutions!.map((e) => e.executionId)).toEqual([e1]);
    const byTarget = await lab.iot.send(new ListCommandExecutionsCommand({ targetArn: thingArn(device.thing), maxResults: 100 }));
    expect(byTarget.commandExecutions!.map((e) => e.executionId)).toEqual(expect.arrayContaining([e1, e2]));

    const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16);
    const e2Started = (await lab.iot.send(new GetCommandExecutionCommand({ executionId: e2, targetArn: thingArn(device.thing) }))).startedAt!.getTime();
    const recent = await lab.iot.send(new ListCommandExecutionsCommand({ commandArn: commandArn('list-a'), startedTimeFilter: { after: minute(e2Started) } }));
    expect(recent.commandExecutions!.map((e) => e.executionId)).toEqual([e2]);
    const completed = await lab.iot.send(new ListCommandExecutionsCommand({ commandArn: commandArn('list-a'), completedTimeFilter: { before: minute(e2Started + 120_000) } }));
    expect(completed.commandExecutions!.map((e) => e.executionId)).toEqual([e2]);

    for (const input of [
      { commandArn: commandArn('list-a'), targetArn: thingArn(device.thing) },
      {},
      { commandArn: commandArn('list-a'), startedTimeFilter: { after: '2026-01-01T00:00' }, completedTimeFilter: { after: '2026-01-01T00:00' } },
      { commandArn: commandArn('list-a'), startedTimeFilter: { after: 'yesterday' } },
    ]) {
      expect(await failure(lab.iot.send(new ListCommandExecutionsCommand(input)))).toMatchObject({ name: 'ValidationException', status: 400 });
    }
  });
});

describe('StartCommandExecution', () => {
  beforeAll(async () => {
    await create({ commandId: 'ping', payload: json({ ping: true }) });
  });

  it('is idempotent by clientToken: the same request gives the same execution and one request to the device; other parameters conflict', async () => {
    const from = device.messages.length;
    const first = await start('ping', { clientToken: 'token-1', executionTimeoutSeconds: 20 });
    const again = await start('ping', { clientToken: 'token-1', executionTimeoutSeconds: 20 });
    expect(again.executionId).toBe(first.executionId);
    expect(await failure(start('ping', { clientToken: 'token-1', executionTimeoutSeconds: 30 }))).toMatchObject({ name: 'ConflictException', status: 409 });
    // A marker execution sent afterwards on the same connection: one request for token-1 came before it.
    const marker = await start('ping');
    await device.next(new RegExp(`/executions/${marker.executionId}/request/json$`), from);
    expect(device.messages.slice(from).filter((m) => m.topic.includes(`/executions/${first.executionId}/request`))).toHaveLength(1);
  });

  it('answers AWS errors for unknown commands and things, bad ARNs and timeouts, and deprecated commands', async () => {
    expect(await failure(start('nope'))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(await failure(lab.data.send(new StartCommandExecutionCommand({ targetArn: thingArn('no-such-thing'), commandArn: commandArn('ping') })))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(await failure(lab.data.send(new StartCommandExecutionCommand({ targetArn: 'arn:aws:iot:us-east-1:000000000000:thinggroup/g', commandArn: commandArn('ping') })))).toMatchObject({ name: 'ValidationException' });
    expect(await failure(lab.data.send(new StartCommandExecutionCommand({ targetArn: thingArn(device.thing), commandArn: 'arn:aws:iot:us-east-1:000000000000:job/x' })))).toMatchObject({ name: 'ValidationException' });
    expect(await failure(start('ping', { executionTimeoutSeconds: 43_201 }))).toMatchObject({ name: 'ValidationException' });
    expect(await failure(start('ping', { executionTimeoutSeconds: 0 }))).toMatchObject({ name: 'ValidationException' });

    const updated = await lab.iot.send(new UpdateCommandCommand({ commandId: 'ping', deprecated: true, displayName: 'Ping' }));
    expect(updated).toMatchObject({ commandId: 'ping', deprecated: true, displayName: 'Ping' });
    expect(await failure(start('ping'))).toMatchObject({ name: 'ConflictException', status: 409 });
    await lab.iot.send(new UpdateCommandCommand({ commandId: 'ping', deprecated: false }));
    expect((await start('ping')).executionId).toBeTruthy();
    expect(await failure(lab.iot.send(new UpdateCommandCommand({ commandId: 'ping' })))).toMatchObject({ name: 'ValidationException' });
    expect(await failure(lab.iot.send(new UpdateCommandCommand({ commandId: 'nope', description: 'x' })))).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await failure(create({ commandId: 'ping', payload: json({}) }))).toMatchObject({ name: 'ConflictException', status: 409 });
  });
});

describe('deleting', () => {
  it('DeleteCommandExecution deletes a finished execution only', async () => {
    await create({ commandId: 'del-exec', payload: json({}) });
    const { executionId } = await start('del-exec');
    const target = thingArn(device.thing);
    expect(await failure(lab.iot.send(new DeleteCommandExecutionCommand({ executionId, targetArn: target })))).toMatchObject({ name: 'ConflictException' });
    expect((await replyTo(device, executionId!, { status: 'SUCCEEDED' })).kind).toBe('accepted');
    await lab.iot.send(new DeleteCommandExecutionCommand({ executionId, targetArn: target }));
    expect(await failure(lab.iot.send(new GetCommandExecutionCommand({ executionId, targetArn: target })))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });

  it('DeleteCommand schedules the deletion (202, pendingDeletion) unless deprecated for over 12 hours (204)', async () => {
    await create({ commandId: 'del-later', payload: json({}) });
    expect((await lab.iot.send(new DeleteCommandCommand({ commandId: 'del-later' }))).statusCode).toBe(202);
    expect(await lab.iot.send(new GetCommandCommand({ commandId: 'del-later' }))).toMatchObject({ pendingDeletion: true });
    expect(await failure(start('del-later'))).toMatchObject({ name: 'ConflictException' });
    expect(await failure(lab.iot.send(new UpdateCommandCommand({ commandId: 'del-later', description: 'x' })))).toMatchObject({ name: 'ConflictException' });

    await create({ commandId: 'del-now', payload: json({}) });
    await lab.iot.send(new UpdateCommandCommand({ commandId: 'del-now', deprecated: true }));
    lab.clock.advance(12 * 3600_000 + 1000);
    expect((await lab.iot.send(new DeleteCommandCommand({ commandId: 'del-now' }))).statusCode).toBe(204);
    expect(await failure(lab.iot.send(new GetCommandCommand({ commandId: 'del-now' })))).toMatchObject({ name: 'ResourceNotFoundException' });
    // 12 hours after it was scheduled, the sweep deletes del-later.
    await expect.poll(async () => (await failure(lab.iot.send(new GetCommandCommand({ commandId: 'del-later' })))).name, { timeout: 5000 }).toBe('ResourceNotFoundException');
  });
});

describe('a restart', () => {
  it('keeps commands and executions, and the execution timer goes on', async () => {
    await create({ commandId: 'kept', displayName: 'Kept', payload: json({ keep: true }) });
    const { executionId } = await start('kept', { executionTimeoutSeconds: 60 });
    await lab.te.stop();
    const te = await lab.te.restart();
    try {
      const config = { endpoint: te.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } };
      const { IoTClient } = await import('@aws-sdk/client-iot');
      const iot = new IoTClient(config);
      expect(await iot.send(new GetCommandCommand({ commandId: 'kept' }))).toMatchObject({ displayName: 'Kept', deprecated: false });
      const target = thingArn(device.thing);
      expect(await iot.send(new GetCommandExecutionCommand({ executionId, targetArn: target }))).toMatchObject({ status: 'CREATED', executionTimeoutSeconds: 60 });
      lab.clock.advance(60_000);
      await expect.poll(async () => (await iot.send(new GetCommandExecutionCommand({ executionId, targetArn: target }))).status, { timeout: 5000 }).toBe('TIMED_OUT');
    } finally {
      await te.stop();
    }
  });
});
