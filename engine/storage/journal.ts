import fs from 'node:fs';
import { crc32 } from 'node:zlib';

/**
 * Append-only journal file of JSON records.
 * Frame: u32 length · u32 crc32(body) · body (UTF-8 JSON). A frame that is cut short or fails its
 * checksum marks a torn tail (the process died mid-write): reading stops there and the file is
 * truncated to the last whole frame, so later appends never follow garbage.
 */
const HEADER = 8;

export interface JournalReadResult<T> {
  records: T[];
  /** Bytes of torn tail that were cut off (0 when the file ended cleanly). */
  tornBytes: number;
}

export function readJournal<T>(file: string): JournalReadResult<T> {
  if (!fs.existsSync(file)) return { records: [], tornBytes: 0 };
  const buf = fs.readFileSync(file);
  const records: T[] = [];
  let offset = 0;
  while (offset + HEADER <= buf.length) {
    const length = buf.readUInt32LE(offset);
    const sum = buf.readUInt32LE(offset + 4);
    const end = offset + HEADER + length;
    if (end > buf.length) break;
    const body = buf.subarray(offset + HEADER, end);
    if (crc32(body) !== sum) break;
    try {
      records.push(JSON.parse(body.toString('utf8')) as T);
    } catch {
      break;
    }
    offset = end;
  }
  const tornBytes = buf.length - offset;
  if (tornBytes > 0) {
    // A crash tears only the end of the file. A whole record after the bad one means the middle is damaged: cutting
    // there would silently drop acknowledged records, so the file is left as it is and the caller is told.
    const later = nextWholeFrame(buf, offset + 1);
    if (later >= 0) throw new JournalDamaged(offset, later);
    fs.truncateSync(file, offset);
  }
  return { records, tornBytes };
}

/** Bytes at `at` do not read back, yet a whole record starts at `next`: damage, not a torn tail. */
export class JournalDamaged extends Error {
  constructor(readonly at: number, readonly next: number) {
    super(`the record at byte ${at} does not read back, but a later one at byte ${next} does`);
  }
}

/** Where the next frame that reads back whole (length, checksum, a JSON record) starts at or after `from`; -1 if none. */
function nextWholeFrame(buf: Buffer, from: number): number {
  const start = Buffer.from('{"seq":');
  for (let at = buf.indexOf(start, from + HEADER); at >= 0; at = buf.indexOf(start, at + 1)) {
    const offset = at - HEADER;
    const length = buf.readUInt32LE(offset);
    const end = at + length;
    if (end > buf.length) continue;
    const body = buf.subarray(at, end);
    if (crc32(body) !== buf.readUInt32LE(offset + 4)) continue;
    try {
      JSON.parse(body.toString('utf8'));
      return offset;
    } catch {
      continue;
    }
  }
  return -1;
}

export function encodeFrame(record: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(record), 'utf8');
  const frame = Buffer.allocUnsafe(HEADER + body.length);
  frame.writeUInt32LE(body.length, 0);
  frame.writeUInt32LE(crc32(body), 4);
  body.copy(frame, HEADER);
  return frame;
}

/**
 * Appends frames with group commit: callers that arrive while a write+fsync is in flight are
 * batched into the next one, so one fsync covers many records and durability does not cap throughput.
 */
export class JournalWriter {
  private fd: number;
  private pending: Buffer[] = [];
  private waiters: Array<{ resolve(): void; reject(e: Error): void }> = [];
  private flushing: Promise<void> | null = null;
  private bytes: number;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a');
    this.bytes = fs.fstatSync(this.fd).size;
  }

  get size(): number {
    return this.bytes;
  }

  /** Queues a frame; resolves once it is on disk. */
  append(frame: Buffer): Promise<void> {
    this.pending.push(frame);
    this.bytes += frame.length;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.flushing) this.flushing = this.flushLoop();
    return done;
  }

  /** Resolves when everything appended so far is durable. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length) {
        const batch = Buffer.concat(this.pending);
        const waiters = this.waiters;
        this.pending = [];
        this.waiters = [];
        try {
          await writeAll(this.fd, batch);
          await new Promise<void>((resolve, reject) => fs.fdatasync(this.fd, (e) => (e ? reject(e) : resolve())));
          waiters.forEach((w) => w.resolve());
        } catch (e) {
          waiters.forEach((w) => w.reject(e as Error));
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  async close(): Promise<void> {
    await this.drain();
    fs.closeSync(this.fd);
  }
}

function writeAll(fd: number, buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (offset: number) =>
      fs.write(fd, buf, offset, buf.length - offset, null, (err, written) => {
        if (err) return reject(err);
        if (offset + written < buf.length) step(offset + written);
        else resolve();
      });
    step(0);
  });
}
