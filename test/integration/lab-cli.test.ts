/**
 * `thingbench lab` as a child process: usage and bad input exit 2 in one sentence; with no Thingbench running,
 * `list` and `env` read the data directory, `check` opens it in-process, `start` says to start Thingbench first; with
 * `thingbench up` running, the commands drive it through its control socket: `start`, a `check --watch` that ticks
 * while `solve` runs in another terminal and exits 0 once all is done, `list` with progress, and `reset`.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../helpers/temp-dirs.js';
import { runCli, startCli, type RunningCli } from './helpers/cli-process.js';

async function lab(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = runCli(['lab', ...args]);
  const { code } = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}
const jsonLines = (text: string) => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);

describe('thingbench lab: bad input', () => {
  const dir = tempDir('tb-lab-cli-bad-');
  it('exits 2 with one sentence, and prints its usage with --help', async () => {
    const help = await lab('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('thingbench lab check N [--watch] [--json]');
    const runs: Array<Promise<void>> = [];
    for (const [args, text] of [
      [[], 'lab needs a command'],
      [['check'], 'lab check needs a lab'],
      [['check', '99', '--data-dir', dir], "no lab '99'; the labs are 1 (getting-set-up)"],
      [['list', '--watch'], '--watch does not belong to lab list'],
      [['frobnicate'], "unknown lab command 'frobnicate'"],
      [['env', '1', '--attendee', 'a b'], '--attendee must be'],
      [['check', '1', '--target', 'nowhere', '--data-dir', dir], "unknown target 'nowhere'"],
    ] as Array<[string[], string]>) runs.push(lab(...args).then((r) => {
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(text);
    }));
    await Promise.all(runs);
  }, 120_000);
});

describe('thingbench lab with no Thingbench running', () => {
  const dir = tempDir('tb-lab-cli-offline-');
  it('lists the labs, prints the environment with the default ports, checks in-process, and refuses start', async () => {
    const list = await lab('list', '--json', '--data-dir', dir);
    expect(list.code).toBe(0);
    expect(jsonLines(list.stdout)[0]).toMatchObject({ id: 1, slug: 'getting-set-up' });
    expect(jsonLines(list.stdout)[0].progress).toBeUndefined();
    const env = await lab('env', '1', '--attendee', 'alice', '--data-dir', dir);
    expect(env.code).toBe(0);
    expect(env.stdout).toContain('export THING=l01-alice-ratchet\n');
    expect(env.stdout).toContain("export AWS='aws --endpoint-url http://127.0.0.1:8080'\n");
    expect(env.stdout).toContain(`export CA_FILE=${dir}/security/root-ca.pem\n`);
    const check = await lab('check', '1', '--attendee', 'alice', '--data-dir', dir);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('✗ The thing l01-alice-ratchet exists (missing): ');
    expect(check.stdout).toContain('Hint: Create it: $AWS iot create-thing --thing-name l01-alice-ratchet');
    const start = await lab('start', '1', '--data-dir', dir);
    expect(start.code).toBe(1);
    expect(start.stderr).toBe(`thingbench lab: no Thingbench is running on ${dir}: start it first (npm start, or thingbench up in another terminal), then run this again\n`);
  }, 120_000);
});

describe('thingbench lab driving a running Thingbench', () => {
  let up: RunningCli;
  const dir = tempDir('tb-lab-cli-up-');
  const me = ['--data-dir', dir, '--attendee', 'watcher'];
  beforeAll(async () => {
    up = await startCli(dir);
  });
  afterAll(async () => {
    if (up.child.exitCode === null) {
      up.child.kill('SIGINT');
      await up.exited;
    }
  });

  it('start, check --watch while solve runs elsewhere (exit 0 when all done), list with progress, reset', async () => {
    const started = await lab('start', '1', ...me);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stderr).toContain(`Lab 1 started on the Thingbench running on ${dir} (pid ${up.child.pid})`);
    expect(started.stdout).toContain(`export AWS='aws --endpoint-url ${up.ready.endpoints.http}'`);

    const watch = runCli(['lab', 'check', '1', '--watch', '--json', ...me]);
    await vi.waitFor(() => expect(jsonLines(watch.stdout()).length).toBeGreaterThan(0), { timeout: 30_000, interval: 100 });
    expect(jsonLines(watch.stdout())[0]).toMatchObject({ lab: 1, attendee: 'watcher', complete: false });
    const solved = await lab('solve', '1', ...me);
    expect(solved.code, solved.stderr).toBe(0);
    expect((await watch.exited).code, watch.stderr()).toBe(0);
    const reports = jsonLines(watch.stdout());
    expect(reports.at(-1)).toMatchObject({ complete: true, done: 7, total: 7 });
    expect(reports.length).toBeGreaterThan(1);

    const list = await lab('list', '--json', ...me);
    expect(jsonLines(list.stdout)[0].progress).toMatchObject({ done: 7, total: 7, finishedAt: expect.any(Number) });
    const pretty = await lab('list', ...me);
    expect(pretty.stdout).toMatch(/ 1 {2}getting-set-up +20 min +done \(solved\)/);

    const reset = await lab('reset', '1', ...me);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/^Removed \d+: .*thing l01-watcher-ratchet/);
    expect(jsonLines((await lab('list', '--json', ...me)).stdout)[0].progress).toBeUndefined();
  }, 180_000);
});
