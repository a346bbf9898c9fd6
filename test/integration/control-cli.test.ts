/** `thingbench control send|pending` on a running `thingbench up`, to an MQTT.js device. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { connect } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { runCli, startCli, type RunningCli } from './helpers/cli-process.js';

let dataDir: string;
let cli: RunningCli;
let device: MqttClient;
const seen: string[] = [];

beforeAll(async () => {
  dataDir = tempDir('tb-control-cli-');
  cli = await startCli(dataDir);
  device = await connect(cli.mqttUrl, { clientId: 'valve-1' });
  device.on('message', (topic, payload) => {
    seen.push(topic);
    const [, thing, , requestId, name] = topic.split('/');
    if (!requestId) return; // a one-way command: nothing to answer
    if (name !== 'hang') device.publish(`command/${thing}/res/${requestId}/202`, `${name} ${payload.toString()}`, { qos: 1 }, () => {});
  });
  await device.subscribeAsync('command/valve-1/req/#', { qos: 1 });
});
afterAll(async () => {
  await device?.endAsync(true);
  if (cli && cli.child.exitCode === null) {
    cli.child.kill('SIGINT');
    await cli.exited;
  }
});

const run = async (...args: string[]) => {
  const p = runCli(['control', ...args, '--data-dir', dataDir]);
  const { code } = await p.exited;
  return { code, out: p.stdout(), err: p.stderr() };
};

describe('thingbench control', () => {
  it('sends a command and prints the answer; a timeout exits 1, bad input 2', async () => {
    const human = await run('send', 'valve-1', 'open', '--payload', 'half');
    expect(human).toMatchObject({ code: 0, out: 'open half', err: expect.stringMatching(/^status 202 from valve-1 over mqtt in \d+ ms/) });
    const json = await run('send', 'valve-1', 'close', '--json', '--timeout', '5');
    expect(JSON.parse(json.out)).toMatchObject({ status: 202, text: 'close ', via: 'mqtt' });
    expect(await run('send', 'valve-1', 'hang', '--timeout', '0.1')).toMatchObject({ code: 1, err: expect.stringContaining('did not answer command hang') });
    expect(await run('send', 'nobody', 'open')).toMatchObject({ code: 2, err: expect.stringContaining('does not exist') });
    expect(await run('send', 'valve-1')).toMatchObject({ code: 2, err: expect.stringContaining('needs a thing and a command name') });
    expect(await run('pending')).toMatchObject({ code: 0, out: '' });
  });

  it('--one-way returns once the device has the command, which carries no request id', async () => {
    const human = await run('send', 'valve-1', 'flush', '--one-way');
    expect(human).toMatchObject({ code: 0, out: '', err: expect.stringMatching(/^one-way command flush handed to valve-1 over mqtt in \d+ ms/) });
    const json = await run('send', 'valve-1', 'purge', '--one-way', '--json');
    expect(JSON.parse(json.out)).toMatchObject({ via: 'mqtt', oneWay: true, requestId: expect.any(String) });
    expect(seen).toEqual(expect.arrayContaining(['command/valve-1/req//flush', 'command/valve-1/req//purge']));
  });
});
