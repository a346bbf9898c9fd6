/**
 * Every lab of the catalogue, as attendees and CI run it, with the real `thingbench lab` CLI, the real AWS CLI
 * (/usr/bin/aws) and the real device clients the guides use. Per lab, one engine whose control socket is open (as
 * `npm start` opens it), and:
 * (a) `lab start`, the guide's blocks run in order with the printed environment, `lab check`: all done;
 * (b) `lab start`, the guide without the step `tests.omit.step`: the check `tests.omit.missing` is missing, with its hint;
 * (c) `lab start` and `lab solve` for an attendee who has done nothing, then `lab check`: all done;
 * (d) `lab start` (its devices in the foreground), `lab solve` and `lab check` with `--target cloud`: a second Thingbench acting as the cloud (bound to 127.0.0.2, so
 *     SigV4 is required on its APIs and devices connect over mutual TLS); checks it cannot answer from outside are
 *     skipped with their reason, and a lab with no such check is all done there too.
 * Both engines run with `--require-roles` (`iam.requireRoles`): Lambda, Firehose and AWS IoT refuse a role that does
 * not exist or does not trust them, as AWS does, so a guide or a solution cannot pass naming a role it never made.
 * After (a), (c) and (d), `lab reset` names what it removed (the lab's roles too) and leaves nothing under the lab's names.
 * Each part uses its own attendee, so their resources never meet, and a lab's parts run two at a time (`LAB_PARTS`: most
 * of their time is spent waiting on deliveries, devices and guide loops); the labs run one after the other. Adding a
 * lab needs no edit here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AttachPolicyCommand, CreateKeysAndCertificateCommand, CreatePolicyCommand, IoTClient } from '@aws-sdk/client-iot';
import { createEngine, type Engine } from '../../engine/engine.js';
import { defaultConfig } from '../../engine/config.js';
import { openEngineControl } from '../../engine/host/index.js';
import { checkKind, labInventory, loadCatalogue, type CheckReport, type Lab } from '../../engine/labs/index.js';
import { openTarget, type Target } from '../../engine/scenarios/index.js';
import { AWS_CLI, awsCliMissing } from '../helpers/aws-cli.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { engineTarget } from '../helpers/engine-target.js';
import { freePort } from '../helpers/net.js';
import { closeBeforeRemovingTempDirs, tempDir } from '../helpers/temp-dirs.js';
import { runCli } from './helpers/cli-process.js';
import { runGuide } from '../labs/guide-runner.js';

/** `LABS=3,8` runs only those labs (while writing one); every lab otherwise. */
const only = process.env.LABS?.split(',').map(Number);
const labs = loadCatalogue().filter((l) => !only || only.includes(l.id));
const mosquittoMissing = spawnSync('mosquitto_pub', ['--help']).error ? 'mosquitto_pub is not installed' : undefined;
const missing = awsCliMissing ?? mosquittoMissing;

/** `thingbench lab …` as a child process: exit code and output. */
async function lab(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = runCli(['lab', ...args]);
  const { code } = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** The `export NAME=value` lines `lab start` prints, as the shell would read them. */
function exports(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    const v = m[2];
    env[m[1]] = v.startsWith("'") ? v.slice(1, -1).replace(/'\\''/g, "'") : v;
  }
  return env;
}

/** The guide's `$AWS` is the attendee's `aws`; the tests use Debian's AWS CLI v2, never whichever comes first on PATH. */
const withTestCli = (env: Record<string, string>) => ({ ...env, AWS: env.AWS.replace(/^aws(?=\s|$)/, AWS_CLI) });

const report = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as CheckReport;
const summary = (r: CheckReport) => r.checks.map((c) => `${c.id}: ${c.status}${c.status === 'done' ? '' : ` (${c.reason})`}`).join('\n');

// The cloud: another Thingbench off loopback's trusted addresses, SigV4 required, devices over mutual TLS.
const cloudKey = { accessKeyId: 'AKIDCLOUD', secretAccessKey: 'cloud-secret' };
let cloud: Engine | undefined;
/** The `cloud` profile opened in this process, to see what `lab reset` left there. */
let cloudTarget: Target | undefined;
let cloudStarting: Promise<void> | undefined;
/** The CLI's own data directory, where the `cloud` target profile lives. */
const home = tempDir('tb-labs-home-');

async function startCloud(): Promise<void> {
  const dataDir = tempDir('tb-labs-cloud-');
  cloud = await createEngine(defaultConfig({ dataDir, host: '127.0.0.2', ports: { mqtt: 0, ws: 0, http: 0 }, security: { accessKeys: [cloudKey] }, iam: { requireRoles: true } }));
  closeBeforeRemovingTempDirs(() => cloud!.stop());
  const endpoints = (await cloud.start()).endpoints;
  const admin = new IoTClient({ endpoint: endpoints.http, region: 'us-east-1', credentials: cloudKey });
  const c = await admin.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await admin.send(new CreatePolicyCommand({ policyName: 'lab-runner', policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }) }));
  await admin.send(new AttachPolicyCommand({ policyName: 'lab-runner', target: c.certificateArn }));
  admin.destroy();
  const file = (name: string, text: string) => {
    const f = path.join(home, name);
    fs.writeFileSync(f, text, { mode: 0o600 });
    return f;
  };
  const add = runCli(['target', 'add', 'cloud', '--data-dir', home, '--kind', 'thingbench', '--mqtt-url', endpoints.mqtts, '--endpoint', endpoints.http,
    '--cert', file('runner.pem', c.certificatePem!), '--key', file('runner.key', c.keyPair!.PrivateKey!),
    '--ca', file('cloud-ca.pem', fs.readFileSync(path.join(dataDir, 'security', 'root-ca.pem'), 'utf8')),
    '--access-key-id', cloudKey.accessKeyId, '--secret-access-key-file', file('cloud-secret', `${cloudKey.secretAccessKey}\n`)]);
  const added = await add.exited;
  if (added.code !== 0) throw new Error(`target add cloud failed: ${add.stderr()}`);
  cloudTarget = await openTarget('cloud', { dataDir: home });
}

afterAll(async () => {
  await cloudTarget?.close();
  await cloud?.stop();
});

/**
 * How many of a lab's parts run at once (`LAB_PARTS`, default 2): a part spends most of its time waiting (Firehose's
 * buffer, a guide's loop for what an omitted step never makes, devices), but each CLI start costs a few seconds of CPU.
 */
const PARTS_AT_ONCE = Math.max(1, Number(process.env.LAB_PARTS ?? 2));
let running = 0;
const queued: Array<() => void> = [];
async function part<T>(run: () => Promise<T>): Promise<T> {
  if (running >= PARTS_AT_ONCE) await new Promise<void>((resolve) => queued.push(resolve));
  running++;
  try {
    return await run();
  } finally {
    running--;
    queued.shift()?.();
  }
}
/** A part's timeout, its wait for a turn included. */
const PART_MS = 600_000;

/** `lab reset` exits 0, names everything the lab had made, and leaves nothing under the lab's names for the attendee. */
async function resetLeavesNothing(l: Lab, target: Target, args: string[], attendee: string): Promise<void> {
  const before = await labInventory(l, target, { attendee });
  const reset = await lab('reset', String(l.id), ...args);
  expect(reset.code, reset.stderr).toBe(0);
  if (!before.length) expect(reset.stdout).toBe('Nothing to remove.\n');
  else expect(reset.stdout).toMatch(new RegExp(`^Removed ${before.length}: `));
  for (const r of before) expect(reset.stdout).toContain(`${r.kind} ${r.name}`);
  expect(await labInventory(l, target, { attendee })).toEqual([]);
}

it('finds the labs', () => {
  expect(labs.length).toBeGreaterThan(0);
});

for (const l of labs) {
  describe.skipIf(missing !== undefined)(`lab ${l.id}: ${l.title}${missing ? ` (${missing})` : ''}`, () => {
    let te: TestEngine;
    let control: { close(): Promise<void> };
    const id = String(l.id);
    const local = (attendee: string) => ['--data-dir', te.dataDir, '--attendee', attendee];

    beforeAll(async () => {
      // --require-roles: a solution (or a guide) naming a role it never made fails, as on AWS.
      te = await startTestEngine({ mode: 'aws', requireRoles: true });
      control = await openEngineControl(te.engine, te.dataDir, te.info.endpoints);
    });
    afterAll(async () => {
      await control?.close();
      await te?.stop();
    });

    async function startAndRunGuide(attendee: string, omitStep?: number): Promise<void> {
      const started = await lab('start', id, '--fresh', ...local(attendee));
      expect(started.code, started.stderr).toBe(0);
      // Lab 4 serves its page on PAGE_PORT (8004 by default): a free one per part, as the parts run at once.
      const env = { ...withTestCli(exports(started.stdout)), PAGE_PORT: String(await freePort()) };
      expect(env.AWS).toBe(`${AWS_CLI} --endpoint-url ${te.httpUrl}`);
      await runGuide({ file: l.guide.file, commands: l.guide.commands, env, dataDir: te.dataDir, omitStep });
    }

    it.concurrent('(a) lab start, the guide, lab check: every check done', () => part(async () => {
      await startAndRunGuide('guide');
      const checked = await lab('check', id, '--json', ...local('guide'));
      expect(summary(report(checked.stdout))).not.toMatch(/: (missing|waiting|skipped)/);
      expect(checked.code, checked.stderr).toBe(0);
      await resetLeavesNothing(l, engineTarget(te), local('guide'), 'guide');
    }), PART_MS);

    for (const omit of l.tests.omit) {
      it.concurrent(`(b) without guide step ${omit.step}, the check ${omit.missing} is the first one missing, with its hint`, () => part(async () => {
        await startAndRunGuide(`omit${omit.step}`, omit.step);
        const checked = await lab('check', id, '--json', ...local(`omit${omit.step}`));
        expect(checked.code).toBe(1);
        const r = report(checked.stdout);
        const c = r.checks.find((x) => x.id === omit.missing);
        expect(c?.status, summary(r)).toBe('missing');
        const first = r.checks.find((x) => x.status !== 'done' && x.status !== 'skipped');
        expect(first?.id, summary(r)).toBe(omit.missing);
        expect(first?.hint, summary(r)).toBeTruthy();
        const text = await lab('check', id, ...local(`omit${omit.step}`));
        expect(text.stdout).toMatch(new RegExp(`✗ ${escape(c!.title)} \\(missing\\): `));
        expect(text.stdout).toContain(`Hint: ${first!.hint}`);
      }), PART_MS);
    }

    it.concurrent('(c) lab start, lab solve, then lab check: every check done', () => part(async () => {
      const started = await lab('start', id, '--fresh', ...local('solver'));
      expect(started.code, started.stderr).toBe(0);
      const solved = await lab('solve', id, ...local('solver'));
      expect(solved.code, solved.stderr).toBe(0);
      const checked = await lab('check', id, '--json', ...local('solver'));
      expect(summary(report(checked.stdout))).not.toMatch(/: (missing|waiting)/);
      expect(checked.code, checked.stderr).toBe(0);
      await resetLeavesNothing(l, engineTarget(te), local('solver'), 'solver');
    }), PART_MS);

    const localOnly = (x: Lab) => x.checks.filter((c) => checkKind(c.kind)?.localOnly).map((c) => c.id);
    // A lab that needs the local engine (CoAP devices, delivery classes) says why; its run against the cloud is skipped.
    it.skipIf(l.tests.localOnly !== undefined).concurrent(`(d) lab start, solve and check against another Thingbench as the cloud${localOnly(l).length ? ` (local-only checks skipped: ${localOnly(l).join(', ')})` : ''}${l.tests.localOnly ? ` (skipped: ${l.tests.localOnly})` : ''}`, () => part(async () => {
      await (cloudStarting ??= startCloud());
      const remote = ['--target', 'cloud', '--data-dir', home, '--attendee', 'cloud'];
      // On a target, lab start keeps the lab's devices running in the foreground until Ctrl-C.
      const starting = runCli(['lab', 'start', id, '--fresh', ...remote]);
      const foreground = await Promise.race([
        starting.exited.then(() => false),
        vi.waitFor(() => expect(starting.stderr()).toContain('run here until Ctrl-C'), { timeout: 60_000, interval: 100 }).then(() => true),
      ]);
      if (!foreground) expect((await starting.exited).code, starting.stderr()).toBe(0);
      let checked: Awaited<ReturnType<typeof lab>>;
      try {
        const solved = await lab('solve', id, ...remote);
        expect(solved.code, solved.stderr).toBe(0);
        checked = await lab('check', id, '--json', ...remote);
      } finally {
        // The devices' process ends with the test, whatever happened.
        if (starting.child.exitCode === null) starting.child.kill('SIGINT');
      }
      if (foreground) expect((await starting.exited).code, starting.stderr()).toBe(0);
      const r = report(checked.stdout);
      expect(summary(r)).not.toMatch(/: (missing|waiting)/);
      // Skipped from outside, each with its reason: what only the local engine knows (its capture, the inbox), and
      // what only the observer connection sees (a one-shot check has none).
      for (const c of r.checks.filter((x) => x.status === 'skipped')) expect(c.reason, c.id).toMatch(/\S/);
      // A lab whose message checks a one-shot check skips there does not count as complete: exit 1, nothing missing.
      expect(checked.code, checked.stderr).toBe(r.complete ? 0 : 1);
      await resetLeavesNothing(l, cloudTarget!, remote, 'cloud');
    }), PART_MS);
  });
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
