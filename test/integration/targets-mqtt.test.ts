/**
 * Any MQTT broker as a target: Mosquitto on a free port with a password file. Devices publish to it with
 * `devices start --target`, `record --target` captures and `replay --target` plays back, all with the profile's
 * login (its password from an environment variable, never in the profile); a model that needs Device Shadow is refused
 * in one sentence before anything connects; a wrong password is one sentence at open.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { EngineError } from '../../engine/core/index.js';
import { openTarget, parseRecording } from '../../engine/scenarios/index.js';
import { connect, nextMessages } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { repoRoot, runCli } from './helpers/cli-process.js';
import { cli, waitForLine } from './helpers/target-cli.js';
import { freePort } from '../helpers/net.js';

const home = tempDir('tb-targets-home-');
const dir = tempDir('tb-targets-mosquitto-');
const clients: MqttClient[] = [];
const login = { username: 'lab', password: 'mosquitto:secret@1' }; // a ':' and an '@', which a URL's login would mangle
let mosquitto: ChildProcess;
let url: string;

const canConnect = (port: number) => new Promise<boolean>((resolve) => {
  const s = net.connect({ host: '127.0.0.1', port }, () => {
    s.destroy();
    resolve(true);
  });
  s.once('error', () => resolve(false));
});

async function subscriber(filter: string): Promise<MqttClient> {
  const c = await connect(url, { clientId: `watch-${clients.length}`, ...login });
  clients.push(c);
  await c.subscribeAsync(filter, { qos: 1 });
  return c;
}

beforeAll(async () => {
  const port = await freePort();
  const passwd = path.join(dir, 'passwd');
  execFileSync('/usr/bin/mosquitto_passwd', ['-c', '-b', passwd, login.username, login.password], { stdio: 'ignore' });
  fs.writeFileSync(path.join(dir, 'mosquitto.conf'), [
    // Started as root, mosquitto would switch to its own user, which cannot read this owner-only directory.
    `listener ${port} 127.0.0.1`, ...(process.getuid?.() === 0 ? ['user root'] : []), 'allow_anonymous false', `password_file ${passwd}`, 'persistence false', 'log_dest stderr', 'log_type error', '',
  ].join('\n'));
  mosquitto = spawn('/usr/sbin/mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  await vi.waitFor(async () => expect(await canConnect(port)).toBe(true), { timeout: 15_000, interval: 50 });
  url = `mqtt://127.0.0.1:${port}`;
  process.env.TB_TEST_MQTT_PASSWORD = login.password; // the CLI children inherit it
  fs.writeFileSync(path.join(dir, 'wrong-password'), 'not-it\n');
  const added = await cli(['target', 'add', 'plain', '--data-dir', home, '--kind', 'mqtt', '--mqtt-url', url, '--username', login.username, '--password-env', 'TB_TEST_MQTT_PASSWORD']);
  expect(added.code).toBe(0);
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.end(true);
  if (mosquitto && mosquitto.exitCode === null) {
    const gone = new Promise((r) => mosquitto.once('exit', r));
    mosquitto.kill('SIGTERM');
    await gone;
  }
  delete process.env.TB_TEST_MQTT_PASSWORD;
});

describe('a plain MQTT broker (Mosquitto) as the target', { timeout: 90_000 }, () => {
  it('opens with its login: publish and subscribe only; the profile holds the variable name, not the password', async () => {
    expect(fs.readFileSync(path.join(home, 'targets.json'), 'utf8')).not.toContain(login.password);
    const t = await openTarget('plain', { dataDir: home });
    try {
      expect(t.capabilities).toEqual({ shadows: false, controlPlane: false, sinks: false, engineRestart: false });
      expect(t.aws).toBeUndefined();
      expect(t.mqtt()).toEqual({ url, ...login });
    } finally {
      await t.close();
    }
    expect(await cli(['target', 'check', 'plain', '--data-dir', home])).toMatchObject({ code: 0, stdout: `target 'plain' (mqtt) is reachable: MQTT ${url}; publish and subscribe only\n` });
  });

  it('a wrong password is one sentence (exit 1)', async () => {
    expect((await cli(['target', 'add', 'bad-login', '--data-dir', home, '--kind', 'mqtt', '--mqtt-url', url, '--username', 'lab', '--password-file', path.join(dir, 'wrong-password')])).code).toBe(0);
    const err = await openTarget('bad-login', { dataDir: home }).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('Unauthorized');
    const r = await cli(['target', 'check', 'bad-login', '--data-dir', home]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^thingbench target: target 'bad-login': the broker at ${url} refused the login of user 'lab' \\(.+\\)\\n$`));
  });

  it('devices start --target: every device publishes to the broker with the login', async () => {
    const sub = await subscriber('device/+/sensor/+/v1');
    const seen = new Set<string>();
    const both = new Promise<void>((resolve) => sub.on('message', (topic) => {
      seen.add(topic.split('/')[1]);
      if (seen.size === 2) resolve();
    }));
    const fleet = runCli(['devices', 'start', 'generic-sensor', '--count', '2', '--target', 'plain', '--data-dir', home, '--json']);
    try {
      expect(await waitForLine(fleet, (l) => l.event === 'started')).toMatchObject({ target: 'plain', url: `${url} (target plain)` });
      await both;
      expect([...seen].sort()).toEqual(['1', '2']);
    } finally {
      fleet.child.kill('SIGINT');
    }
    expect((await fleet.exited).code).toBe(0);
    expect(fleet.stdout() + fleet.stderr()).not.toContain(login.password);
  });

  it('a model that needs Device Shadow is refused in one sentence before anything connects (exit 2)', async () => {
    const r = await cli(['devices', 'start', 'sprinkler', '--target', 'plain', '--data-dir', home]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("thingbench devices: the model sprinkler (shadow behaviour) needs Device Shadow, which the target 'plain' (a plain MQTT broker) does not have");
  });

  it('record --target captures the broker, replay --target plays it back in order', async () => {
    const out = path.join(dir, 'plain.jsonl');
    const rec = runCli(['record', '--target', 'plain', '--data-dir', home, '--filter', 'site/#', '--out', out, '--duration', '3', '--json']);
    await waitForLine(rec, (l) => l.event === 'recording');
    const pub = await connect(url, { clientId: 'site-publisher', ...login });
    clients.push(pub);
    for (const n of [1, 2, 3]) await pub.publishAsync(`site/${n}`, `value ${n}`, { qos: 1 });
    expect((await rec.exited).code).toBe(0);
    const recorded = parseRecording(fs.readFileSync(out, 'utf8'), out);
    expect(recorded.messages.map((m) => [m.topic, m.payload.toString()])).toEqual([['site/1', 'value 1'], ['site/2', 'value 2'], ['site/3', 'value 3']]);

    const sub = await subscriber('site/#');
    const got = nextMessages(sub, 3, 15_000);
    const replayed = await cli(['replay', out, '--target', 'plain', '--data-dir', home, '--speed', '100', '--json']);
    expect(replayed.code).toBe(0);
    expect((await got).map((m) => [m.topic, m.payload.toString()])).toEqual([['site/1', 'value 1'], ['site/2', 'value 2'], ['site/3', 'value 3']]);
  });

  it('thingbench run --target: a publish-and-expect scenario passes on the broker; one that needs more is refused before it starts', async () => {
    const file = path.join(dir, 'round-trip.yaml');
    fs.writeFileSync(file, [
      'name: round trip',
      'steps:',
      '  - publish: { topic: lab/ping, payload: { n: 1 }, qos: 1 }',
      '  - expect: { topic: "lab/#", json: { n: 1 }, within: 5s }',
      '',
    ].join('\n'));
    const passed = await cli(['run', file, '--target', 'plain', '--data-dir', home]);
    expect(passed.code).toBe(0);
    expect(passed.stdout + passed.stderr).toMatch(/on plain.*\n[\s\S]*PASSED round trip: 2 passed, 0 failed/);
    const refused = await cli(['run', path.join(repoRoot, 'scenarios', 'threshold-alert.yaml'), '--target', 'plain', '--data-dir', home]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("needs readable sinks (notifications, queues, streams, tables, logs), which the target 'plain' (a plain MQTT broker) does not have");
  });

  it('--clients-only is refused for a broker recorded by a subscriber (exit 2)', async () => {
    const r = await cli(['record', '--target', 'plain', '--data-dir', home, '--filter', 'x', '--out', path.join(dir, 'x.jsonl'), '--clients-only']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe("thingbench: --clients-only is for a local engine; the target 'plain' is recorded by an MQTT subscriber");
  });
});
