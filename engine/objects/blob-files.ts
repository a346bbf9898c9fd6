/**
 * Object bodies on disk: one file per object (or uploaded part) under `<dir>`, named by a random id and written
 * atomically and durably (streamed into a temporary file, fsync, rename, fsync of the folder) before the row that
 * names it is written. A crash in between leaves a file no row names; `sweep()` removes those when the store opens.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface WrittenBlob { name: string; size: number; md5: Buffer }

/** A body to store: bytes in memory, or a stream of them (an upload read as it arrives). */
export type BodySource = Uint8Array | AsyncIterable<Uint8Array>;

export class BlobFiles {
  constructor(readonly dir: string) {}

  /**
   * Writes a body to a new blob, durably: streamed into a temporary file (its MD5 computed on the way), fsynced,
   * renamed, the folder fsynced. Memory stays bounded whatever the size. A source that fails (a client gone, a
   * checksum that does not match) leaves no file behind.
   */
  async write(source: BodySource): Promise<WrittenBlob> {
    return this.writeChunks(source instanceof Uint8Array ? [source] : source);
  }

  /** Concatenates blobs into a new one (multipart completion, copies), durably. */
  async concat(names: string[]): Promise<WrittenBlob> {
    const paths = names.map((n) => this.file(n));
    return this.writeChunks((async function* () {
      for (const p of paths) yield* fs.createReadStream(p, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>;
    })());
  }

  private async writeChunks(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<WrittenBlob> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    const name = crypto.randomUUID();
    const tmp = `${this.file(name)}.tmp`;
    const hash = crypto.createHash('md5');
    let size = 0;
    const out = await fs.promises.open(tmp, 'w');
    try {
      for await (const chunk of chunks) {
        hash.update(chunk);
        size += chunk.length;
        let at = 0;
        while (at < chunk.length) at += (await out.write(chunk, at, chunk.length - at)).bytesWritten;
      }
      await out.sync();
    } catch (e) {
      await out.close().catch(() => {});
      await fs.promises.rm(tmp, { force: true });
      throw e;
    }
    await out.close();
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
