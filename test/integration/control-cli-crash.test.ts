/**
 * A one-way command queued for an HTTPS device that asks survives `kill -9` of `thingbench up`: sent with
 * `thingbench control send --one-way` while the device is away, it is handed to the device's first request with
 * `hono-ttd` (curl with its certificate) after the engine restarts on the same data directory.
 */
import path from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { IoTClient } from '@aws-sdk/client-iot';
import { tempDir } from '../helpers/temp-dirs.js';
import { curlWithCert, thingWithCertificate } from '../helpers/device-clients.js';
import { runCli, startCli, type RunningCli } from './helpers/cli-process.js';

const clis: RunningCli[] = [];
afterAll(async () => {
  for (const cli of clis) if (cli.child.exitCode === null) await cli.kill9();
}, 60_000);

it('keeps a queued one-way command across kill -9 and hands it to the device asking after the restart', async () => {
  const dataDir = tempDir('tb-control-crash-');
  const first = await startCli(dataDir);
  clis.push(first);
  const iot = new IoTClient({ endpoint: first.httpUrl, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const creds = await thingWithCertificate(iot, tempDir('tb-control-crash-certs-'), 'kiosk-9');
  const send = runCli(['control', 'send', 'kiosk-9', 'reload', '--one-way', '--payload', 'now', '--timeout', '600', '--data-dir', dataDir]);
  await vi.waitFor(async () => {
    const pending = runCli(['control', 'pending', '--json', '--data-dir', dataDir]);
    await pending.exited;
    expect(pending.stdout()).toContain('"oneWay":true');
  }, { timeout: 30_000, interval: 100 });
  await first.kill9();
  expect((await send.exited).code).toBe(1); // its engine went away before the device had the command

  const second = await startCli(dataDir);
  clis.push(second);
  const https = second.ready.endpoints.https!;
  const asked = await curlWithCert(`${https}/topics/kiosks/kiosk-9/visits`, path.join(dataDir, 'security', 'root-ca.pem'), creds, ['-X', 'POST', '-d', '{}', '-H', 'hono-ttd: 5']);
  expect(asked.status).toBe(200);
  expect(asked.headers['hono-command']).toBe('reload');
  expect(asked.headers['hono-cmd-req-id']).toBeUndefined();
  expect(asked.body).toBe('now');
  // Handed over: gone from the queue, so a second request gets the plain answer.
  const again = await curlWithCert(`${https}/topics/kiosks/kiosk-9/visits`, path.join(dataDir, 'security', 'root-ca.pem'), creds, ['-X', 'POST', '-d', '{}', '-H', 'hono-ttd: 0']);
  expect(JSON.parse(again.body).message).toBe('OK');
}, 120_000);
