/**
 * Object bodies on disk: one file per object (or uploaded part) under `<dir>`, named by a random id and written
 * atomically and durably (temporary file, fsync, rename, fsync of the folder) before the row that names it is
 * written. A crash in between leaves a file no row names; `sweep()` removes those when the store opens.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileDurably } from '../storage/index.js';

export interface WrittenBlob { name: string; size: number; md5: Buffer }

export class BlobFiles {
  constructor(readonly dir: string) {}

  async write(data: Uint8Array): Promise<WrittenBlob> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    const name = crypto.randomUUID();
    await writeFileDurably(this.file(name), data);
    return { name, size: data.length, md5: crypto.createHash('md5').update(data).digest() };
  }

  /** Concatenates blobs into a new one (multipart completion, copies), durably. */
  async concat(names: string[]): Promise<WrittenBlob> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    const name = crypto.randomUUID();
    const tmp = `${this.file(name)}.tmp`;
    const hash = crypto.createHash('md5');
    let size = 0;
    const out = await fs.promises.open(tmp, 'w');
    try {
      for (const n of names) {
        for await (const chunk of fs.createReadStream(this.file(n), { highWaterMark: 1024 * 1024 })) {
          const buf = chunk as Buffer;
          hash.update(buf);
          size += buf.length;
          await out.write(buf);
        }
      }
      await out.sync();
    } finally {
      await out.close();
    }
    await fs.promises.rename(tmp, this.file(name));
    await syncDir(this.dir);
    return { name, size, md5: hash.digest() };
  }

  /** Opens a blob for reading now, so a later removal does not cut the read short. */
  open(name: string): number {
    return fs.openSync(this.file(name), 'r');
  }

  remove(names: Iterable<string>): void {
    for (const n of names) fs.rmSync(this.file(n), { force: true });
  }

  /** Removes files that `keep` does not name (left by a crash before their row was written). */
  sweep(keep: Set<string>): number {
    let removed = 0;
    let entries: string[];
    try {
      entries = fs.readdirSync(this.dir);
    } catch {
      return 0;
    }
    for (const e of entries) {
      if (keep.has(e)) continue;
      fs.rmSync(this.file(e), { force: true });
      removed++;
    }
    return removed;
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }
}

async function syncDir(dir: string): Promise<void> {
  const h = await fs.promises.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}
