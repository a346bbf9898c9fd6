/**
 * Virtual devices answering AWS IoT Commands: the built-in light-bulb model (and variants of it) as a real MQTT client
 * on a virtual clock, started through the Jobs data plane client and followed with GetCommandExecution.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CreateCommandCommand, CreateThingCommand, GetCommandExecutionCommand } from '@aws-sdk/client-iot';
import { StartCommandExecutionCommand } from '@aws-sdk/client-iot-jobs-data-plane';
import { VirtualClock, VirtualDevice, deviceSpecFromModel, loadBuiltInModels, loadDeviceModel, type DeviceModel } from '../../engine/devices/index.js';
import { commandArn, startLab, thingArn, type Lab } from './helpers/commands-lab.js';

let lab: Lab;
const devices: VirtualDevice[] = [];

beforeAll(async () => {
  lab = await startLab();
  const json = (doc: unknown) => ({ content: Buffer.from(JSON.stringify(doc)), contentType: 'application/json' });
  await lab.iot.send(new CreateCommandCommand({ commandId: 'blink', payload: json({ operation: 'blink', times: 3 }) }));
  await lab.iot.send(new CreateCommandCommand({ commandId: 'format', payload: json({ operation: 'format-disk' }) }));
  await lab.iot.send(new CreateCommandCommand({
    commandId: 'set-color', payloadTemplate: JSON.stringify({ operation: 'set-color', color: '${aws:iot:commandexecution::parameter:color}' }),
    preprocessor: { awsJsonSubstitution: { outputFormat: 'CBOR' } }, mandatoryParameters: [{ name: 'color', type: 'STRING' }],
  }));
});
afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.stop()));
});
afterAll(async () => {
  await lab?.te.stop();
});

/** Device `index` of a model, connected (its thing registered first). */
async function run(model: DeviceModel, index: number, clock: VirtualClock): Promise<VirtualDevice> {
  const spec = deviceSpecFromModel(model, { index, seed: 7, url: `mqtt://127.0.0.1:${lab.te.mqttPort}` });
  await lab.iot.send(new CreateThingCommand({ thingName: spec.thingName }));
  const d = new VirtualDevice({ ...spec, telemetry: [], shadow: undefined }, { clock, seed: 7 });
  devices.push(d);
  const connected = new Promise<void>((resolve) => { const s = d.events.on('connected', () => { s.dispose(); resolve(); }); });
  d.start();
  await connected;
  return d;
}

const execution = (executionId: string, thing: string) => lab.iot.send(new GetCommandExecutionCommand({ executionId, targetArn: thingArn(thing) }));
const statusOf = async (executionId: string, thing: string, status: string) =>
  vi.waitFor(async () => {
    const e = await execution(executionId, thing);
    expect(e.status).toBe(status);
    return e;
  }, { timeout: 5000 });

describe('the light-bulb model answers AWS IoT Commands', () => {
  it('reports IN_PROGRESS at once and SUCCEEDED with its result after the model delay on the device clock', async () => {
    const clock = new VirtualClock(Date.now());
    const bulb = await run(loadBuiltInModels().get('light-bulb')!, 0, clock);
    const thing = bulb.spec.thingName;
    const { executionId } = await lab.data.send(new StartCommandExecutionCommand({ targetArn: thingArn(thing), commandArn: commandArn('blink') }));
    await statusOf(executionId!, thing, 'IN_PROGRESS');
    clock.advance(1000);
    const done = await statusOf(executionId!, thing, 'SUCCEEDED');
    expect(done.result).toEqual({ operation: { S: 'blink' }, bulb: { S: thing } });
  });

  it('rejects an operation the model does not run, and reads CBOR requests', async () => {
    const clock = new VirtualClock(Date.now());
    const bulb = await run(loadBuiltInModels().get('light-bulb')!, 1, clock);
    const thing = bulb.spec.thingName;
    const { executionId: refused } = await lab.data.send(new StartCommandExecutionCommand({ targetArn: thingArn(thing), commandArn: commandArn('format') }));
    const rejected = await statusOf(refused!, thing, 'REJECTED');
    expect(rejected.statusReason).toMatchObject({ reasonCode: 'UNSUPPORTED_OPERATION' });

    const { executionId } = await lab.data.send(new StartCommandExecutionCommand({ targetArn: thingArn(thing), commandArn: commandArn('set-color'), parameters: { color: { S: 'red' } } }));
    await statusOf(executionId!, thing, 'IN_PROGRESS');
    clock.advance(1000);
    expect((await statusOf(executionId!, thing, 'SUCCEEDED')).result?.operation).toEqual({ S: 'set-color' });
  });

  it('fails or rejects by the seeded probabilities of a model', async () => {
    const model = (options: string) => loadDeviceModel(`name: flaky\nidentity: { thingName: "flaky-{index}-${process.pid}" }\nawsCommands: { ${options} }\n`, 'flaky.yaml');
    const clock = new VirtualClock(Date.now());
    const failing = await run(model('failureProbability: 1, delay: 2s'), 0, clock);
    const { executionId } = await lab.data.send(new StartCommandExecutionCommand({ targetArn: thingArn(failing.spec.thingName), commandArn: commandArn('blink') }));
    await statusOf(executionId!, failing.spec.thingName, 'IN_PROGRESS');
    clock.advance(2000);
    expect((await statusOf(executionId!, failing.spec.thingName, 'FAILED')).statusReason).toMatchObject({ reasonCode: 'EXECUTION_FAILED' });

    const busy = await run(model('rejectProbability: 1'), 1, clock);
    const { executionId: second } = await lab.data.send(new StartCommandExecutionCommand({ targetArn: thingArn(busy.spec.thingName), commandArn: commandArn('blink') }));
    expect((await statusOf(second!, busy.spec.thingName, 'REJECTED')).statusReason).toMatchObject({ reasonCode: 'DEVICE_BUSY' });
  });
});
