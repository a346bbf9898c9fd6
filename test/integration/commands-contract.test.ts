/**
 * The contract's `commands` area (`commands.list`, `commands.executions`) over the browser-mode `/rpc` WebSocket on a
 * real engine, checked against what SDK v3 made and a device reported over mutual TLS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateCommandCommand } from '@aws-sdk/client-iot';
import { StartCommandExecutionCommand } from '@aws-sdk/client-iot-jobs-data-plane';
import { RpcError } from '../../engine/contract/index.js';
import { openContract, type OpenContract } from '../helpers/ui-transport.js';
import { commandArn, connectDevice, replyTo, startLab, thingArn, type Device, type Lab } from './helpers/commands-lab.js';

let lab: Lab;
let contract: OpenContract;
let device: Device;

beforeAll(async () => {
  lab = await startLab();
  contract = await openContract(lab.te);
  device = await connectDevice(lab);
});
afterAll(async () => {
  await device?.client.endAsync(true);
  await contract?.close();
  await lab?.te.stop();
});

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e instanceof RpcError ? { code: e.code, message: e.message } : e));

describe('contract commands area', () => {
  it('lists commands and the executions of a command or a thing as the SDK made them and the device moved them', async () => {
    await lab.iot.send(new CreateCommandCommand({ commandId: 'ui-ping', displayName: 'Ping', payload: { content: Buffer.from('{}'), contentType: 'application/json' } }));
    await lab.iot.send(new CreateCommandCommand({
      commandId: 'ui-dim', payloadTemplate: '{"level":"${aws:iot:commandexecution::parameter:level}"}', preprocessor: { awsJsonSubstitution: { outputFormat: 'CBOR' } },
      mandatoryParameters: [{ name: 'level', type: 'INTEGER' }],
    }));
    const commands = await contract.api.commands.list();
    expect(commands.find((c) => c.commandId === 'ui-ping')).toMatchObject({ commandArn: commandArn('ui-ping'), displayName: 'Ping', kind: 'static', contentType: 'application/json', parameters: [], deprecated: false });
    expect(commands.find((c) => c.commandId === 'ui-dim')).toMatchObject({ kind: 'dynamic', contentType: 'application/cbor', parameters: ['level'] });

    const { executionId } = await lab.data.send(new StartCommandExecutionCommand({ targetArn: thingArn(device.thing), commandArn: commandArn('ui-ping') }));
    expect((await replyTo(device, executionId!, { status: 'SUCCEEDED', result: { pong: { s: 'yes' } } })).kind).toBe('accepted');
    const { executionId: dim } = await lab.data.send(new StartCommandExecutionCommand({ targetArn: thingArn(device.thing), commandArn: commandArn('ui-dim'), parameters: { level: { I: 3 } } }));

    const byCommand = await contract.api.commands.executions({ commandId: 'ui-ping' });
    expect(byCommand).toEqual([expect.objectContaining({ executionId, commandId: 'ui-ping', targetArn: thingArn(device.thing), status: 'SUCCEEDED', result: { pong: { S: 'yes' } }, executionTimeoutSeconds: 10 })]);
    const byThing = await contract.api.commands.executions({ thing: device.thing });
    expect(byThing.map((e) => e.executionId)).toEqual([dim, executionId]);
    expect(await contract.api.commands.executions({ thing: device.thing, commandId: 'ui-dim' })).toEqual([expect.objectContaining({ executionId: dim, status: 'CREATED' })]);
  });

  it('refuses queries that name nothing, two targets, or an unknown command', async () => {
    expect(await failure(contract.api.commands.executions({}))).toMatchObject({ code: 'InvalidInput' });
    expect(await failure(contract.api.commands.executions({ thing: 'a', clientId: 'b' }))).toMatchObject({ code: 'InvalidInput' });
    expect(await failure(contract.api.commands.executions({ commandId: 'nope' }))).toMatchObject({ code: 'NotFound' });
    expect(await failure(contract.api.commands.executions({ thing: 5 } as never))).toMatchObject({ code: 'InvalidInput' });
  });
});
