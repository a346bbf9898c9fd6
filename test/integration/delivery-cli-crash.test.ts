/**
 * `thingbench delivery …` against a running `thingbench up`, and events acknowledged to their publisher surviving
 * `kill -9`: a QoS 1 event PUBACKed while its consumer was away reaches that consumer after the engine restarts.
 */
import { afterAll, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { connect } from '../helpers/engine.js';
import { closeAll, open } from '../helpers/broker-clients.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { runCli, startCli, type RunningCli } from './helpers/cli-process.js';

const clis: RunningCli[] = [];
const clients: MqttClient[] = [];
afterAll(async () => {
  await closeAll(clients);
  for (const cli of clis) if (cli.child.exitCode === null) await cli.kill9();
}, 120_000);

async function delivery(dataDir: string, ...args: string[]) {
  const run = runCli(['delivery', ...args, '--data-dir', dataDir]);
  const { code } = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

it('sets mappings from the CLI, and keeps acknowledged events for an absent consumer across kill -9', async () => {
  const dataDir = tempDir('tb-delivery-cli-');
  const first = await startCli(dataDir, ['--broker-mode', 'standard']);
  clis.push(first);
  const put = await delivery(dataDir, 'put', '--filter', 'alarms/#', '--class', 'event', '--ttl', '600', '--json');
  expect(put.code).toBe(0);
  const mapping = JSON.parse(put.stdout) as { id: string };
  expect(mapping).toMatchObject({ filter: 'alarms/#', class: 'event', ttlSeconds: 600 });
  expect(await delivery(dataDir, 'put', '--filter', 'alarms/#', '--class', 'telemetry')).toMatchObject({ code: 2, stderr: expect.stringContaining('already maps filter alarms/#') });
  expect(await delivery(dataDir, 'put', '--filter', 'x')).toMatchObject({ code: 2, stderr: expect.stringContaining('--class') });

  // The consumer subscribes and leaves; a watcher sees the broker notice.
  const watcher = await connect(first.mqttUrl, { clientId: 'watcher' });
  clients.push(watcher);
  await watcher.subscribeAsync('$aws/events/presence/disconnected/app', { qos: 1 });
  const gone = new Promise((resolve) => watcher.once('message', resolve));
  const app = await connect(first.mqttUrl, { clientId: 'app' });
  await app.subscribeAsync('alarms/#', { qos: 1 });
  await app.endAsync();
  await gone;
  const dev = await connect(first.mqttUrl, { clientId: 'sensor-1' });
  clients.push(dev);
  for (const p of ['fire', 'smoke', 'flood']) await dev.publishAsync('alarms/kitchen', p, { qos: 1 }); // each PUBACKed
  const stored = await delivery(dataDir, 'stored', '--consumer', 'app');
  expect(stored.stdout.trim().split('\n')).toHaveLength(3);
  await first.kill9();
  await closeAll(clients);

  const second = await startCli(dataDir, ['--broker-mode', 'standard']);
  clis.push(second);
  expect(JSON.parse((await delivery(dataDir, 'list', '--json')).stdout)).toMatchObject({ id: mapping.id, filter: 'alarms/#' });
  const back = await open(second.mqttUrl, { clientId: 'app' });
  clients.push(back.client);
  await back.client.subscribeAsync('alarms/#', { qos: 1 });
  const pub = await connect(second.mqttUrl, { clientId: 'sensor-2' });
  clients.push(pub);
  await pub.publishAsync('alarms/kitchen', 'marker', { qos: 1 });
  await new Promise<void>((resolve) => {
    const check = () => (back.messages.some((m) => m.payload.toString() === 'marker') ? resolve() : back.client.once('message', check));
    check();
  });
  expect(back.messages.map((m) => m.payload.toString())).toEqual(['fire', 'smoke', 'flood', 'marker']);
  expect((await delivery(dataDir, 'stored')).stdout).toBe('');
  expect((await delivery(dataDir, 'delete', mapping.id)).code).toBe(0);
  expect(await delivery(dataDir, 'delete', mapping.id)).toMatchObject({ code: 2 });
}, 120_000);
