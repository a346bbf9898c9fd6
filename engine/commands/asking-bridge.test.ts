import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dirs.js';
import { systemClock } from '../core/index.js';
import { SqlJsStore } from '../storage/index.js';
import { ControlService } from '../control/index.js';
import type { OutgoingMessage, Publisher } from '../broker/index.js';
import { CommandsService } from './commands-service.js';
import { updateOfAnswer } from './asking-bridge.js';
import type { CommandExecution } from './command-types.js';

describe('updateOfAnswer', () => {
  it.each([
    [200, '{"ok":true}', { status: 'SUCCEEDED', statusReason: { reasonCode: 'STATUS_200' }, result: { payload: { S: '{"ok":true}' } } }],
    [204, '', { status: 'SUCCEEDED', statusReason: { reasonCode: 'STATUS_204' } }],
    [404, 'nope', { status: 'REJECTED', statusReason: { reasonCode: 'STATUS_404' }, result: { payload: { S: 'nope' } } }],
    [500, 'broke', { status: 'FAILED', statusReason: { reasonCode: 'STATUS_500' }, result: { payload: { S: 'broke' } } }],
  ])('%d %j', (status, text, update) => {
    const u = updateOfAnswer(status, Buffer.from(text));
    expect(u).toMatchObject(update);
    if (!text) expect(u.result).toBeUndefined();
  });
  it('keeps a binary answer as BIN', () => expect(updateOfAnswer(200, Buffer.from([0xff, 0x00])).result).toEqual({ payload: { BIN: '/wA=' } }));
});

describe('StartCommandExecution to a thing that only asks', () => {
  const stores: SqlJsStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  it('hands the request to the next asking request and completes the execution with the answer', async () => {
    const store = await SqlJsStore.open(tempDir('tb-asking-'));
    stores.push(store);
    const published: OutgoingMessage[] = [];
    const pub: Publisher = { publish: async (m) => void published.push(m), tap: () => ({ dispose: () => {} }) };
    const control = new ControlService(pub, systemClock, { connection: () => undefined });
    const commands = new CommandsService(store, pub, systemClock, {
      thingExists: () => true, sweepMs: 60_000, askingDevices: (thing, cmd) => control.send({ thing, ...cmd }),
    });
    await control.start();
    await commands.start();
    const changes: CommandExecution[] = [];
    commands.events.on('execution', (e) => changes.push(e));
    await commands.commands.create({ commandId: 'reboot', payload: { content: Buffer.from('{"now":true}').toString('base64'), contentType: 'application/json' } });
    const start = (thing: string) => commands.startExecution({ targetArn: `arn:aws:iot:us-east-1:000000000000:thing/${thing}`, commandArn: 'arn:aws:iot:us-east-1:000000000000:command/reboot', executionTimeoutSeconds: 30 });

    const { executionId } = await start('meter-1');
    // The request still goes on the AWS topic, for whoever subscribes.
    expect(published.map((m) => m.topic)).toContain(`$aws/commands/things/meter-1/executions/${executionId}/request/json`);
    const cmd = await control.next('meter-1', 0, undefined, 'coap');
    expect(cmd).toMatchObject({ name: 'reboot', contentType: 'application/json' });
    expect(cmd?.payload.toString()).toBe('{"now":true}');
    control.respond('meter-1', cmd!.requestId, 200, Buffer.from('rebooting'));
    await expect.poll(() => changes.map((c) => c.status), { timeout: 5000 }).toEqual(['CREATED', 'SUCCEEDED']); // after a durable write
    expect(commands.getExecution(executionId, `arn:aws:iot:us-east-1:000000000000:thing/meter-1`)).toMatchObject({
      statusReason: { reasonCode: 'STATUS_200' }, result: { payload: { S: 'rebooting' } }, completedAt: expect.any(Number),
    });

    const { executionId: failing } = await start('meter-2');
    const next = await control.next('meter-2', 0);
    control.respond('meter-2', next!.requestId, 503, Buffer.alloc(0));
    await expect.poll(() => commands.getExecution(failing, `arn:aws:iot:us-east-1:000000000000:thing/meter-2`).status, { timeout: 5000 }).toBe('FAILED');
    await commands.stop();
    await control.stop();
  });
});
