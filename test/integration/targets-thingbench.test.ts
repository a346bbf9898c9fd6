/**
 * Another Thingbench as a target (a trainer's machine): a second engine bound to 127.0.0.2, which is not a trusted
 * address, so its HTTP API requires SigV4 with its --access-key and its plain MQTT listener refuses CONNECTs;
 * devices reach it over mutual TLS with a certificate it issued. Profiles are managed through the CLI; a fleet,
 * a recording and a replay run against it with --target; refused keys, an untrusted server and a closed port are
 * one sentence each.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { AttachPolicyCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, CreateThingCommand, IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import { createEngine, type Engine } from '../../engine/engine.js';
import { defaultConfig } from '../../engine/config.js';
import { EngineError } from '../../engine/core/index.js';
import { openTarget, parseRecording } from '../../engine/scenarios/index.js';
import { nextMessages } from '../helpers/engine.js';
import { closeBeforeRemovingTempDirs, tempDir } from '../helpers/temp-dirs.js';
import { runCli } from './helpers/cli-process.js';
import { cli, waitForLine } from './helpers/target-cli.js';
import { tlsConnect } from './helpers/tls-client.js';

const key = { accessKeyId: 'AKIDTRAINER', secretAccessKey: 'trainer-secret' };
const home = tempDir('tb-targets-home-');
const files = tempDir('tb-targets-files-');
const clients: MqttClient[] = [];
let remote: Engine;
let endpoints: Record<string, string>;
let creds: { cert: string; key: string; ca: string };

const file = (name: string, text: string) => {
  const f = path.join(files, name);
  fs.writeFileSync(f, text, { mode: 0o600 });
  return f;
};

async function subscriber(clientId: string, filter: string): Promise<MqttClient> {
  const r = await tlsConnect(endpoints.mqtts, creds, { clientId });
  if (!r.client) throw new Error(`subscriber did not connect: ${r.error}`);
  clients.push(r.client);
  await r.client.subscribeAsync(filter, { qos: 1 });
  return r.client;
}

beforeAll(async () => {
  const dataDir = tempDir('tb-targets-remote-');
  remote = await createEngine(defaultConfig({ dataDir, host: '127.0.0.2', ports: { mqtt: 0, ws: 0, http: 0 }, security: { accessKeys: [key] } }));
  closeBeforeRemovingTempDirs(() => remote.stop());
  endpoints = (await remote.start()).endpoints;
  const admin = new IoTClient({ endpoint: endpoints.http, region: 'us-east-1', credentials: key });
  const c = await admin.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await admin.send(new CreatePolicyCommand({ policyName: 'room', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }) }));
  await admin.send(new AttachPolicyCommand({ policyName: 'room', target: c.certificateArn }));
  creds = { cert: c.certificatePem!, key: c.keyPair!.PrivateKey!, ca: fs.readFileSync(path.join(dataDir, 'security', 'root-ca.pem'), 'utf8') };
  file('device.pem', creds.cert);
  file('device.key', creds.key);
  file('ca.pem', creds.ca);
  file('secret', `${key.secretAccessKey}\n`);
  file('wrong-secret', 'not-the-secret\n');
  // A second device certificate whose policy lets only client ids allowed-* connect.
  const narrow = await admin.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await admin.send(new CreatePolicyCommand({ policyName: 'narrow', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:us-east-1:000000000000:client/allowed-*' },
  ] }) }));
  await admin.send(new AttachPolicyCommand({ policyName: 'narrow', target: narrow.certificateArn }));
  file('narrow.pem', narrow.certificatePem!);
  file('narrow.key', narrow.keyPair!.PrivateKey!);
});

afterAll(async () => {
  for (const c of clients) c.end(true);
  await remote?.stop();
});

const add = (name: string, ...args: string[]) => cli(['target', 'add', name, '--data-dir', home, ...args]);
const trainerArgs = () => [
  '--kind', 'thingbench', '--mqtt-url', endpoints.mqtts, '--endpoint', endpoints.http, '--cert', path.join(files, 'device.pem'),
  '--key', path.join(files, 'device.key'), '--ca', path.join(files, 'ca.pem'), '--access-key-id', key.accessKeyId,
  '--secret-access-key-file', path.join(files, 'secret'),
];

/** The 'trainer' profile, whichever test runs first (the first one adds it through the CLI). */
async function ensureTrainer(): Promise<void> {
  if (!fs.existsSync(path.join(home, 'targets.json')) || !fs.readFileSync(path.join(home, 'targets.json'), 'utf8').includes('"trainer"')) {
    expect((await add('trainer', ...trainerArgs())).code).toBe(0);
  }
}

describe('target profiles through the CLI', { timeout: 90_000 }, () => {
  it('add, list (text and --json), remove; the file is owner-only and holds paths, never PEM or secrets', async () => {
    const added = await add('trainer', ...trainerArgs());
    expect(added.stderr).toBe(`target 'trainer' (thingbench) saved in ${path.join(home, 'targets.json')}\n`);
    expect(added.code).toBe(0);
    expect((await add('broker', '--kind', 'mqtt', '--mqtt-url', 'mqtt://127.0.0.1:1')).code).toBe(0);
    expect(fs.statSync(path.join(home, 'targets.json')).mode & 0o777).toBe(0o600);
    const saved = fs.readFileSync(path.join(home, 'targets.json'), 'utf8');
    expect(saved).not.toContain('BEGIN');
    expect(saved).not.toContain(key.secretAccessKey);
    expect(saved).toContain(path.join(files, 'secret'));

    const list = await cli(['target', 'list', '--json', '--data-dir', home]);
    expect(list.code).toBe(0);
    const rows = list.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.name, r.kind, r.builtIn])).toEqual([['local', 'local', true], ['broker', 'mqtt', false], ['trainer', 'thingbench', false]]);
    expect(rows[2]).toMatchObject({ mqttUrl: endpoints.mqtts, endpoint: endpoints.http, accessKeyId: key.accessKeyId, cert: path.join(files, 'device.pem') });
    const text = await cli(['target', 'list', '--data-dir', home]);
    expect(text.stdout.split('\n')[2]).toMatch(new RegExp(`^trainer +thingbench +${endpoints.mqtts} · API ${endpoints.http} · cert .*device\\.pem · key AKIDTRAINER$`));

    expect(await add('broker', '--kind', 'mqtt', '--mqtt-url', 'mqtt://127.0.0.1:2')).toMatchObject({ code: 2, stderr: "thingbench target: a target named 'broker' already exists (remove it first, or add with --replace)\n" });
    expect((await add('broker', '--kind', 'mqtt', '--mqtt-url', 'mqtt://127.0.0.1:2', '--replace')).code).toBe(0);
    expect(await cli(['target', 'remove', 'broker', '--data-dir', home])).toMatchObject({ code: 0, stderr: "target 'broker' removed\n" });
    expect(await cli(['target', 'remove', 'broker', '--data-dir', home])).toMatchObject({ code: 2, stderr: "thingbench target: no target named 'broker' (targets: trainer)\n" });
  });

  it('bad input is one sentence and exit 2: a missing file, a flag of another kind, no kind', async () => {
    expect(await add('x', '--kind', 'mqtt', '--mqtt-url', 'mqtts://h:8883', '--cert', path.join(files, 'nope.pem'), '--key', path.join(files, 'device.key')))
      .toMatchObject({ code: 2, stderr: `thingbench target: --cert ${path.join(files, 'nope.pem')}: no such file\n` });
    expect(await add('x', '--kind', 'mqtt', '--mqtt-url', 'mqtt://h', '--aws-profile', 'p')).toMatchObject({ code: 2, stderr: "thingbench target: target 'x': --aws-profile does not apply to a mqtt target\n" });
    const noKind = await add('x');
    expect(noKind.code).toBe(2);
    expect(noKind.stderr.split('\n')[0]).toBe('thingbench target: target add needs --kind (local, thingbench, aws, mqtt)');
  });
});

describe('another Thingbench as the target', { timeout: 90_000 }, () => {
  it('opens with SigV4 keys and mutual TLS: the control plane answers, capabilities say what it has', async () => {
    await ensureTrainer();
    const t = await openTarget('trainer', { dataDir: home });
    try {
      expect(t.kind).toBe('thingbench');
      expect(t.capabilities).toEqual({ shadows: true, controlPlane: true, sinks: false, engineRestart: false });
      expect(t.api).toBeUndefined();
      expect(t.mqtt()).toMatchObject({ url: endpoints.mqtts, tls: { cert: creds.cert, key: creds.key, ca: creds.ca } });
      expect(() => t.mqtt('ws')).toThrow(`the target 'trainer' is reached at ${endpoints.mqtts}, not over ws`);
      const iot = new IoTClient({ endpoint: t.aws!.endpoint, region: t.aws!.region, credentials: t.aws!.credentials });
      await iot.send(new CreateThingCommand({ thingName: 'from-target' }));
      expect((await iot.send(new ListThingsCommand({}))).things?.map((x) => x.thingName)).toContain('from-target');
    } finally {
      await t.close();
    }
    expect(await cli(['target', 'check', 'trainer', '--data-dir', home])).toMatchObject({
      code: 0, stdout: `target 'trainer' (thingbench) is reachable: MQTT ${endpoints.mqtts}, API ${endpoints.http}; it has shadows, controlPlane\n`,
    });
  });

  it('refused keys, an untrusted server and a closed port are one sentence each (exit 1); an unknown target exits 2', async () => {
    await ensureTrainer();
    const args = trainerArgs();
    args[args.indexOf('--secret-access-key-file') + 1] = path.join(files, 'wrong-secret');
    await add('wrong-key', ...args);
    const wrong = await cli(['target', 'check', 'wrong-key', '--data-dir', home]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^thingbench target: the target 'wrong-key' refused its access key AKIDTRAINER: The request signature we calculated does not match .* \(InvalidSignatureException\)\n$/);
    const err = await openTarget('wrong-key', { dataDir: home }).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('Unauthorized');

    const noCa = trainerArgs().filter((a, i, all) => a !== '--ca' && all[i - 1] !== '--ca');
    await add('no-ca', ...noCa);
    const untrusted = await cli(['target', 'check', 'no-ca', '--data-dir', home]);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(new RegExp(`^thingbench target: target 'no-ca': the server at ${endpoints.mqtts} \\(MQTT\\) presented a certificate that its CA file does not vouch for \\(.+\\); give the server's CA with --ca\\n$`));

    const closedPort = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.2', () => {
        const { port } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    await add('closed', '--kind', 'mqtt', '--mqtt-url', `mqtt://127.0.0.2:${closedPort}`);
    const closed = await cli(['target', 'check', 'closed', '--data-dir', home]);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(/^thingbench target: target 'closed': nothing listens at mqtt:\/\/127\.0\.0\.2:\d+ \(MQTT: connection refused\); is it running, and is the address right\?\n$/);

    const unknown = await cli(['devices', 'start', 'generic-sensor', '--target', 'nope', '--data-dir', home]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe(`thingbench devices: unknown target 'nope': the targets are local, closed, no-ca, trainer, wrong-key (thingbench target add NAME --kind … makes one)`);
  });

  it('a policy that denies the client id is one sentence, from target check --client-id and before a fleet starts', async () => {
    const args = trainerArgs();
    args[args.indexOf('--cert') + 1] = path.join(files, 'narrow.pem');
    args[args.indexOf('--key') + 1] = path.join(files, 'narrow.key');
    expect((await add('narrow', ...args)).code).toBe(0);
    const ok = await cli(['target', 'check', 'narrow', '--client-id', 'allowed-1', '--data-dir', home]);
    expect(ok).toMatchObject({ code: 0, stdout: `target 'narrow' (thingbench) is reachable: MQTT ${endpoints.mqtts}, API ${endpoints.http}; it has shadows, controlPlane; client id 'allowed-1' may connect\n` });
    const denied = await cli(['target', 'check', 'narrow', '--client-id', 'someone', '--data-dir', home]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(new RegExp(`^thingbench target: target 'narrow': ${endpoints.mqtts} refused client id 'someone' \\(.+\\): no policy of the device certificate allows iot:Connect on client/someone\n$`));
    const fleet = await cli(['devices', 'start', 'generic-sensor', '--target', 'narrow', '--data-dir', home]);
    expect(fleet.code).toBe(1);
    expect(fleet.stderr).toMatch(new RegExp(`^thingbench devices: target 'narrow': ${endpoints.mqtts} refused client id 'device-1' \\(.+\\): no policy of the device certificate allows iot:Connect on client/device-1\n$`));
  });

  it('thingbench run --target: a scenario with publish, expect and the shadow passes on the remote', async () => {
    await ensureTrainer();
    const file = path.join(files, 'remote.yaml');
    fs.writeFileSync(file, [
      'name: remote round trip',
      'steps:',
      '  - publish: { topic: lab/ping, payload: { n: 1 }, qos: 1 }',
      '  - expect: { topic: "lab/#", json: { n: 1 }, within: 5s }',
      '  - shadow.update: { thing: remote-lamp, desired: { on: true } }',
      '',
    ].join('\n'));
    const r = await cli(['run', file, '--target', 'trainer', '--data-dir', home]);
    expect(r.stdout + r.stderr).toMatch(/PASSED remote round trip: 3 passed, 0 failed/);
    expect(r.code).toBe(0);
    expect((await remote.api.shadow.get('remote-lamp')).state).toMatchObject({ desired: { on: true } });
  });

  it("thingbench run --target: a plain-MQTT model's device connects over the target's mutual TLS, with its certificate", async () => {
    await ensureTrainer();
    const file = path.join(files, 'remote-motor.yaml');
    fs.writeFileSync(file, [
      'name: remote motor',
      'devices: { motor: { model: vibration-motor, thingName: remote-motor } }',
      'steps:',
      '  - start: motor',
      '  - shadow.update: { thing: remote-motor, desired: { MOTOR: "ON" } }',
      '  - shadow.expect: { thing: remote-motor, reported: { MOTOR: "ON" }, within: 10s }',
      '  - expect: { topic: data/vibration, json: { thing: remote-motor }, within: 10s }',
      '',
    ].join('\n'));
    const r = await cli(['run', file, '--target', 'trainer', '--data-dir', home]);
    expect(r.stdout + r.stderr).toMatch(/PASSED remote motor: 4 passed, 0 failed/);
    expect(r.code).toBe(0);
  });

  it('runs a fleet with --target over mutual TLS: every device connects and publishes to the remote', async () => {
    await ensureTrainer();
    const sub = await subscriber('fleet-watcher', 'device/+/sensor/+/v1');
    const seen = new Set<string>();
    const both = new Promise<void>((resolve) => sub.on('message', (topic) => {
      seen.add(topic.split('/')[1]);
      if (seen.size === 2) resolve();
    }));
    const fleet = runCli(['devices', 'start', 'generic-sensor', '--count', '2', '--seed', '7', '--target', 'trainer', '--data-dir', home, '--json']);
    try {
      const started = await waitForLine(fleet, (l) => l.event === 'started');
      expect(started).toMatchObject({ model: 'generic-sensor', count: 2, target: 'trainer', url: `${endpoints.mqtts} (target trainer)` });
      await both;
      expect([...seen].sort()).toEqual(['1', '2']);
      const clientsNow = await remote.api.broker.clients();
      expect(clientsNow.map((c) => c.clientId)).toEqual(expect.arrayContaining(['device-1', 'device-2']));
    } finally {
      fleet.child.kill('SIGINT');
    }
    expect((await fleet.exited).code).toBe(0);
    await waitForLine(fleet, (l) => l.event === 'stopped');
  });

  it('records with --target and replays the recording into it as the original publishers', async () => {
    await ensureTrainer();
    const out = path.join(files, 'lab.jsonl');
    const rec = runCli(['record', '--target', 'trainer', '--data-dir', home, '--filter', 'lab/#', '--out', out, '--duration', '3', '--json']);
    await waitForLine(rec, (l) => l.event === 'recording');
    const pub = await tlsConnect(endpoints.mqtts, creds, { clientId: 'lab-publisher' });
    clients.push(pub.client!);
    for (const n of [1, 2, 3]) await pub.client!.publishAsync(`lab/${n}`, `reading ${n}`, { qos: 1 });
    expect((await rec.exited).code).toBe(0);
    const recorded = parseRecording(fs.readFileSync(out, 'utf8'), out);
    expect(recorded.errors).toEqual([]);
    expect(recorded.messages.map((m) => [m.topic, m.payload.toString()])).toEqual([
      ['lab/1', 'reading 1'], ['lab/2', 'reading 2'], ['lab/3', 'reading 3'],
    ]);

    const sub = await subscriber('replay-watcher', 'lab/#');
    const got = nextMessages(sub, 3, 15_000);
    const replayed = await cli(['replay', out, '--target', 'trainer', '--data-dir', home, '--speed', '100', '--json']);
    expect(replayed.code).toBe(0);
    expect(JSON.parse(replayed.stdout.trim().split('\n').at(-1)!)).toMatchObject({ event: 'replayed', messages: 3, failed: 0 });
    expect((await got).map((m) => [m.topic, m.payload.toString()])).toEqual([['lab/1', 'reading 1'], ['lab/2', 'reading 2'], ['lab/3', 'reading 3']]);
  });
});
