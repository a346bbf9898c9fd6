/**
 * The progress file under concurrent writers: two processes updating `labs/progress.json` at once lose nothing (each
 * update re-reads the file under an O_EXCL lock file and renames a new one in); a lock left by a process that is gone,
 * or too old, is taken over; a live one is waited for and then named; a file that does not parse is set aside.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-dirs.js';
import { ProgressStore } from './progress.js';
import { withFileLock } from './progress-lock.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const writer = path.join(root, 'test/labs/progress-writer.ts');
const ROUNDS = 25;

function runWriter(dataDir: string, attendee: string, startAt: number): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dataDir, attendee, String(ROUNDS), String(startAt)], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

const lab = { id: 3, slug: 'streaming-warehouse' };

describe('lab progress with several writers', () => {
  it('two processes writing at once lose no update', async () => {
    const dataDir = tempDir('tb-progress-');
    // Both writers load tsx first, then start within the same millisecond.
    const startAt = Date.now() + 3_000;
    const [a, b] = await Promise.all([runWriter(dataDir, 'ann', startAt), runWriter(dataDir, 'bob', startAt)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const all = new ProgressStore(dataDir).all();
    expect(all).toHaveLength(2 * ROUNDS);
    for (const p of all) {
      expect(p, `${p.attendee}/${p.lab}`).toMatchObject({ statuses: { it: 'done' }, done: { it: expect.any(Number) } });
      expect(p.startedAt, `${p.attendee}/${p.lab}`).toBeGreaterThanOrEqual(startAt);
      expect(p.finishedAt, `${p.attendee}/${p.lab}`).toBeGreaterThanOrEqual(p.startedAt!);
      expect(p.solvedAt, `${p.attendee}/${p.lab}`).toBeGreaterThanOrEqual(p.finishedAt!);
    }
    expect(fs.readdirSync(path.join(dataDir, 'labs')).sort()).toEqual(['progress.json']);
  }, 60_000);

  it('takes over a lock whose process is gone, and one older than the stale age', () => {
    const dataDir = tempDir('tb-progress-');
    const store = new ProgressStore(dataDir);
    fs.mkdirSync(path.join(dataDir, 'labs'));
    const lock = `${store.file}.lock`;
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    fs.writeFileSync(lock, `${gone.stdout} 0123456789abcdef\n`);
    store.started(lab, 'local', 'cy', 1000);
    expect(store.get('local', 'cy', 3)?.startedAt).toBe(1000);
    expect(fs.existsSync(lock)).toBe(false);

    // A live process's lock, but an hour old: its holder crashed mid-write long ago or hangs.
    fs.writeFileSync(lock, `${process.ppid} fedcba9876543210\n`);
    const hourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(lock, hourAgo, hourAgo);
    store.solved(lab, 'local', 'cy', 2000);
    expect(store.get('local', 'cy', 3)?.solvedAt).toBe(2000);
    expect(fs.readdirSync(path.join(dataDir, 'labs')).sort()).toEqual(['progress.json']);
  });

  it("waits for a live process's fresh lock, then names that process; the file is left as it was", () => {
    const dataDir = tempDir('tb-progress-');
    const file = path.join(dataDir, 'progress.json');
    fs.writeFileSync(file, '{"version":1,"labs":{}}\n');
    fs.writeFileSync(`${file}.lock`, `${process.ppid} 00112233aabbccdd\n`);
    const t0 = Date.now();
    expect(() => withFileLock(file, () => fs.writeFileSync(file, 'changed'), { waitMs: 300 })).toThrow(
      `${file} is locked by process ${process.ppid} (${file}.lock); remove the lock file if that process is gone`,
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"version":1,"labs":{}}\n');
    expect(fs.readFileSync(`${file}.lock`, 'utf8')).toBe(`${process.ppid} 00112233aabbccdd\n`);
  });

  it('sets a file that does not parse aside as progress.json.bad and starts afresh', () => {
    const dataDir = tempDir('tb-progress-');
    const store = new ProgressStore(dataDir);
    fs.mkdirSync(path.join(dataDir, 'labs'));
    fs.writeFileSync(store.file, '{"version":1,"labs":{');
    expect(store.all()).toEqual([]);
    store.started(lab, 'local', 'dee', 5);
    expect(fs.readFileSync(`${store.file}.bad`, 'utf8')).toBe('{"version":1,"labs":{');
    expect(store.all()).toMatchObject([{ lab: 3, attendee: 'dee', startedAt: 5 }]);
  });

  it('keeps the latest round\'s statuses and the earliest first done when rounds arrive out of order', () => {
    const store = new ProgressStore(tempDir('tb-progress-'));
    const round = (checkedAt: number, status: 'done' | 'missing') => ({
      lab: 3, slug: lab.slug, target: 'local', attendee: 'eve', checkedAt, complete: status === 'done', done: status === 'done' ? 1 : 0, total: 1,
      checks: [{ id: 'rule', title: 'rule', kind: 'rule', status, reason: status }],
    });
    store.started(lab, 'local', 'eve', 100);
    expect(store.checked(lab, round(300, 'done'))).toBe(true);
    expect(store.checked(lab, round(200, 'missing'))).toBe(false);
    expect(store.get('local', 'eve', 3)).toMatchObject({ checkedAt: 300, statuses: { rule: 'done' }, done: { rule: 300 }, finishedAt: 300 });
    store.checked(lab, round(250, 'done'));
    expect(store.get('local', 'eve', 3)).toMatchObject({ checkedAt: 300, done: { rule: 250 }, finishedAt: 250 });
  });
});
