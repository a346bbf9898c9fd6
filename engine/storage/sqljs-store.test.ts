import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { SqlJsStore, writeFileDurably } from './sqljs-store.js';
import type { LogEntry } from '../core/index.js';

const dirs: string[] = [];
function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-store-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const put = (topic: string, packet = '{}') => ({ sql: 'INSERT OR REPLACE INTO broker_retained (topic, packet, modified) VALUES (?, ?, ?)', params: [topic, packet, 1] });
const topics = (store: SqlJsStore) => store.all<{ topic: string }>('SELECT topic FROM broker_retained ORDER BY topic').map((r) => r.topic);

describe('SqlJsStore', () => {
  it('reads its own writes at once and keeps them across a reopen (journal replay)', async () => {
    const dir = tmpDir();
    const store = await SqlJsStore.open(dir);
    await store.write([put('a'), put('b')]);
    await store.write([{ sql: 'DELETE FROM broker_retained WHERE topic = ?', params: ['a'] }]);
    expect(topics(store)).toEqual(['b']);
    // Simulate a crash: no close(), only release the lock as a dead process would leave it.
    fs.rmSync(path.join(dir, 'LOCK'));
    const reopened = await SqlJsStore.open(dir);
    expect(topics(reopened)).toEqual(['b']);
    await reopened.close();
  });

  it('round-trips BLOB parameters through the journal', async () => {
    const dir = tmpDir();
    const store = await SqlJsStore.open(dir);
    await store.write([{ sql: "INSERT INTO _meta (key, value) VALUES ('blob', ?)", params: [new Uint8Array([0, 255, 7])] }]);
    fs.rmSync(path.join(dir, 'LOCK'));
    const reopened = await SqlJsStore.open(dir);
    const row = reopened.get<{ value: Uint8Array }>("SELECT value FROM _meta WHERE key = 'blob'");
    expect(Array.from(row!.value)).toEqual([0, 255, 7]);
    await reopened.close();
  });

  it('compacts into a snapshot and drops covered journals, with writes during compaction kept', async () => {
    const dir = tmpDir();
    const store = await SqlJsStore.open(dir, { compactBytes: 1 << 30 });
    for (let i = 0; i < 50; i++) await store.write([put(`t/${i}`)]);
    const compaction = store.compact();
    const during = store.write([put('during')]);
    await Promise.all([compaction, during]);
    const journals = fs.readdirSync(dir).filter((f) => f.startsWith('journal-'));
    expect(journals).toEqual(['journal-2.log']);
    fs.rmSync(path.join(dir, 'LOCK'));
    const reopened = await SqlJsStore.open(dir);
    expect(topics(reopened)).toHaveLength(51);
    expect(topics(reopened)).toContain('during');
    await reopened.close();
  });

  it('skips a torn tail with a warning, keeps every whole record, and appends cleanly after it', async () => {
    const dir = tmpDir();
    const store = await SqlJsStore.open(dir);
    await store.write([put('whole')]);
    fs.rmSync(path.join(dir, 'LOCK'));
    const journal = path.join(dir, 'journal-1.log');
    fs.appendFileSync(journal, Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 123, 34])); // half a frame
    const warnings: LogEntry[] = [];
    const reopened = await SqlJsStore.open(dir, { logger: { log: (level, source, message) => warnings.push({ level, source, message, time: 0 }) } });
    expect(topics(reopened)).toEqual(['whole']);
    expect(warnings.some((w) => w.level === 'warn' && /torn tail of 10 bytes/.test(w.message))).toBe(true);
    await reopened.write([put('after')]);
    fs.rmSync(path.join(dir, 'LOCK'));
    const again = await SqlJsStore.open(dir);
    expect(topics(again)).toEqual(['after', 'whole']);
    await again.close();
  });

  it('refuses a journal damaged in the middle (whole records after a bad one), naming it and leaving it as found', async () => {
    const dir = tmpDir();
    const store = await SqlJsStore.open(dir);
    for (const t of ['one', 'two', 'three']) await store.write([put(t)]);
    fs.rmSync(path.join(dir, 'LOCK'));
    const journal = path.join(dir, 'journal-1.log');
    const bytes = fs.readFileSync(journal);
    bytes[12] ^= 0xff; // inside the first record's body: its checksum fails, the two after it are whole
    fs.writeFileSync(journal, bytes);
    await expect(SqlJsStore.open(dir)).rejects.toThrow(`The database file ${journal} is damaged (the record at byte 0 does not read back, but a later one at byte `);
    expect(fs.readFileSync(journal).equals(bytes)).toBe(true);
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
  });

  it('rejects a second engine on the same data directory', async () => {
    const dir = tmpDir();
    const store = await SqlJsStore.open(dir);
    await expect(SqlJsStore.open(dir)).rejects.toThrow(/in use by another Thingbench \(process/);
    await store.close();
  });

  it('keeps every acknowledged write through kill -9', async () => {
    const dir = tmpDir();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'fixtures/ack-writer.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked: number[] = [];
    const lines = createInterface({ input: child.stdout! });
    await new Promise<void>((resolve) => {
      lines.on('line', (line) => {
        acked.push(Number(line));
        if (acked.length === 300) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((r) => child.once('exit', r));
    const store = await SqlJsStore.open(dir);
    const stored = new Set(store.all<{ topic: string }>('SELECT topic FROM broker_retained').map((r) => Number(r.topic)));
    for (const n of acked) expect(stored.has(n)).toBe(true);
    await store.close();
  });
});

describe('writeFileDurably', () => {
  it('takes writes to one file at once one after the other: each succeeds, the last one asked for stays', async () => {
    const file = path.join(tmpDir(), 'state.json');
    // Before, they shared `state.json.tmp`: all but one rename found it gone (ENOENT), and a longer text could be left
    // with a shorter one's bytes over its start.
    const texts = Array.from({ length: 20 }, (_, i) => JSON.stringify({ n: i, pad: 'x'.repeat((20 - i) * 100) }));
    await Promise.all(texts.map((t) => writeFileDurably(file, Buffer.from(t))));
    expect(fs.readFileSync(file, 'utf8')).toBe(texts.at(-1));
    expect(fs.existsSync(`${file}.tmp`)).toBe(false);
  });

  it('goes on with the next write to a file after one that failed', async () => {
    const file = path.join(tmpDir(), 'state.json');
    fs.mkdirSync(`${file}.tmp`); // the temporary file cannot be opened for writing
    const failed = writeFileDurably(file, Buffer.from('lost'));
    const next = failed.catch(() => undefined).then(() => {
      fs.rmdirSync(`${file}.tmp`);
      return writeFileDurably(file, Buffer.from('kept'));
    });
    await expect(failed).rejects.toMatchObject({ code: 'EISDIR' });
    await next;
    expect(fs.readFileSync(file, 'utf8')).toBe('kept');
  });
});
