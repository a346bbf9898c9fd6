/**
 * The local S3: buckets and objects kept under the data directory. A body is written to its own file durably
 * before the row that makes it visible, so an acknowledged PutObject (or CompleteMultipartUpload) survives `kill -9`;
 * metadata (size, ETag = MD5, content type and the other stored headers, user metadata, last modified) is in the
 * store. Replaced and deleted bodies are removed after their row is gone; files left by a crash are swept at start.
 *
 * Bodies are streamed to and from their files (uploads as they arrive, reads from an open descriptor), so memory
 * stays bounded whatever the object size.
 *
 * LIMITATIONS: one owner, one region (us-east-1); no versioning, ACLs, bucket policies, lifecycle, tagging,
 * encryption, object lock, storage classes or checksums kept beside the ETag; listing of multipart uploads and
 * of a bucket's parts is not offered.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { TypedEmitter, silentLogger, type Clock, type Logger, type Service } from '../core/index.js';
import type { Statement, Store } from '../storage/index.js';
import { BlobFiles, type BodySource, type WrittenBlob } from './blob-files.js';
import { bucketNameProblem } from './bucket-name.js';
import { s3Error } from './object-errors.js';
import { listObjects, type ListQuery, type ListResult } from './object-listing.js';
import { objectInfo, type BucketInfo, type ObjectAttributes, type ObjectInfo, type ObjectRow, type PartInfo, type UploadInfo } from './object-types.js';

export interface ObjectEvents {
  /** An object was stored (PutObject, CopyObject, CompleteMultipartUpload). */
  stored: { bucket: string; key: string; size: number; etag: string };
  removed: { bucket: string; key: string };
}

export type { BodySource } from './blob-files.js';

/** How a body is written: `sealed` runs once it is durable on disk and before its row (see `put`). */
export interface WriteOptions {
  sealed?: () => void | Promise<void>;
}

export interface ObjectServiceOptions {
  /** Bodies go under `<dataDir>/s3/blobs`. */
  dataDir: string;
  logger?: Logger;
}

const MAX_KEY_BYTES = 1024;
const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;
const MAX_BUCKETS = 10_000;

export class ObjectService implements Service {
  readonly name = 'objects';
  readonly events = new TypedEmitter<ObjectEvents>();
  private readonly blobs: BlobFiles;
  private readonly logger: Logger;

  constructor(private readonly store: Store, private readonly clock: Clock, opts: ObjectServiceOptions) {
    this.blobs = new BlobFiles(path.join(opts.dataDir, 's3', 'blobs'));
    this.logger = opts.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    const keep = new Set([
      ...this.store.all<{ blob: string }>('SELECT blob FROM s3_objects').map((r) => r.blob),
      ...this.store.all<{ blob: string }>('SELECT blob FROM s3_parts').map((r) => r.blob),
    ]);
    const swept = this.blobs.sweep(keep);
    if (swept) this.logger.log('info', 'objects', `removed ${swept} object file(s) left unrecorded by an interrupted write`);
  }

  async stop(): Promise<void> {}

  // ── buckets ──────────────────────────────────────────────────────────────────────────────────────────────────

  async createBucket(name: string): Promise<BucketInfo> {
    const problem = bucketNameProblem(name);
    if (problem) throw s3Error('InvalidBucketName', { BucketName: name, resource: name, problem });
    if (this.bucket(name)) throw s3Error('BucketAlreadyOwnedByYou', { BucketName: name, resource: name });
    const count = this.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM s3_buckets')?.n ?? 0;
    if (count >= MAX_BUCKETS) throw s3Error('TooManyBuckets');
    const created = this.clock.now();
    await this.store.write([{ sql: 'INSERT INTO s3_buckets (name, created) VALUES (?, ?)', params: [name, created] }]);
    this.logger.log('info', 'objects', `created bucket ${name}`);
    return { name, created };
  }

  /** Creates the bucket unless it exists (for local producers such as Firehose's default bucket). */
  async ensureBucket(name: string): Promise<void> {
    if (!this.bucket(name)) await this.createBucket(name).catch((e: unknown) => { if (!this.bucket(name)) throw e; });
  }

  listBuckets(): BucketInfo[] {
    return this.store.all<BucketInfo>('SELECT name, created FROM s3_buckets ORDER BY name');
  }

  /** The bucket or NoSuchBucket. */
  headBucket(name: string): BucketInfo {
    const b = this.bucket(name);
    if (!b) throw s3Error('NoSuchBucket', { BucketName: name, resource: name });
    return b;
  }

  /** Deletes an empty bucket (its unfinished multipart uploads are aborted); BucketNotEmpty otherwise. */
  async deleteBucket(name: string): Promise<void> {
    this.headBucket(name);
    if (this.store.get('SELECT 1 AS x FROM s3_objects WHERE bucket = ? LIMIT 1', [name])) throw s3Error('BucketNotEmpty', { BucketName: name, resource: name });
    const parts = this.store.all<{ blob: string }>('SELECT blob FROM s3_parts WHERE upload IN (SELECT id FROM s3_uploads WHERE bucket = ?)', [name]);
    await this.store.write([
      { sql: 'DELETE FROM s3_parts WHERE upload IN (SELECT id FROM s3_uploads WHERE bucket = ?)', params: [name] },
      { sql: 'DELETE FROM s3_uploads WHERE bucket = ?', params: [name] },
      { sql: 'DELETE FROM s3_buckets WHERE name = ?', params: [name] },
    ]);
    this.blobs.remove(parts.map((p) => p.blob));
    this.logger.log('info', 'objects', `deleted bucket ${name}`);
  }

  // ── objects ──────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * PutObject: resolves once the body and its row are durable. A streamed body goes to disk as it arrives; `sealed`
   * (the caller's last checks once the whole body is on disk: checksums, a signature) runs before the row is written,
   * may still add to `attrs`, and by throwing leaves nothing stored.
   */
  async put(bucket: string, key: string, body: BodySource, attrs: ObjectAttributes = {}, opts: WriteOptions = {}): Promise<ObjectInfo> {
    this.headBucket(bucket);
    checkKey(bucket, key);
    const blob = await this.sealedBlob(body, opts);
    return this.commit(bucket, key, blob.name, blob.size, `"${blob.md5.toString('hex')}"`, attrs);
  }

  /** HeadObject: the object's metadata or NoSuchKey (NoSuchBucket first). */
  head(bucket: string, key: string): ObjectInfo {
    return objectInfo(bucket, this.row(bucket, key));
  }

  /**
   * GetObject: the metadata and a file descriptor opened now (the caller reads `[start, end]` and closes it), so a
   * concurrent overwrite or delete does not change what this read returns.
   */
  open(bucket: string, key: string): { info: ObjectInfo; fd: number } {
    const row = this.row(bucket, key);
    return { info: objectInfo(bucket, row), fd: this.blobs.open(row.blob) };
  }

  /** The whole body (for small objects and local readers). */
  read(bucket: string, key: string): Buffer {
    const { fd } = this.open(bucket, key);
    try {
      return fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The first `max` bytes of an object (previews). */
  readPrefix(bucket: string, key: string, max: number): Buffer {
    const { fd } = this.open(bucket, key);
    try {
      const buf = Buffer.alloc(max);
      return buf.subarray(0, fs.readSync(fd, buf, 0, max, 0));
    } finally {
      fs.closeSync(fd);
    }
  }

  /** DeleteObject: idempotent (a missing key is no error; a missing bucket is). True when something was deleted. */
  async delete(bucket: string, key: string): Promise<boolean> {
    this.headBucket(bucket);
    const old = this.store.get<{ blob: string }>('SELECT blob FROM s3_objects WHERE bucket = ? AND key = ?', [bucket, key]);
    if (!old) return false;
    await this.store.write([{ sql: 'DELETE FROM s3_objects WHERE bucket = ? AND key = ? AND blob = ?', params: [bucket, key, old.blob] }]);
    this.blobs.remove([old.blob]);
    this.events.emit('removed', { bucket, key });
    return true;
  }

  /**
   * CopyObject: the source's body under a new key; `attrs` replaces headers and metadata (REPLACE), otherwise they
   * are copied (COPY). Copying an object onto itself needs REPLACE, as S3 says.
   */
  async copy(src: { bucket: string; key: string }, dst: { bucket: string; key: string }, attrs?: ObjectAttributes): Promise<ObjectInfo> {
    const row = this.row(src.bucket, src.key);
    this.headBucket(dst.bucket);
    checkKey(dst.bucket, dst.key);
    if (src.bucket === dst.bucket && src.key === dst.key && !attrs) {
      throw s3Error('InvalidRequest', {}, "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
    }
    const blob = await this.blobs.concat([row.blob]);
    const info = objectInfo(src.bucket, row);
    return this.commit(dst.bucket, dst.key, blob.name, blob.size, row.etag, attrs ?? { headers: info.headers, metadata: info.metadata });
  }

  list(bucket: string, q: ListQuery): ListResult {
    this.headBucket(bucket);
    return listObjects(this.store, bucket, q);
  }

  // ── multipart uploads ────────────────────────────────────────────────────────────────────────────────────────

  async createUpload(bucket: string, key: string, attrs: ObjectAttributes = {}): Promise<UploadInfo> {
    this.headBucket(bucket);
    checkKey(bucket, key);
    const uploadId = crypto.randomBytes(32).toString('base64url');
    const initiated = this.clock.now();
    await this.store.write([{
      sql: 'INSERT INTO s3_uploads (id, bucket, key, headers, metadata, initiated) VALUES (?, ?, ?, ?, ?, ?)',
      params: [uploadId, bucket, key, JSON.stringify(attrs.headers ?? {}), JSON.stringify(attrs.metadata ?? {}), initiated],
    }]);
    return { uploadId, bucket, key, initiated };
  }

  /** UploadPart: stores (or replaces) part `number` (1 to 10,000); returns its quoted ETag. */
  async uploadPart(bucket: string, key: string, uploadId: string, number: number, body: BodySource, opts: WriteOptions = {}): Promise<string> {
    this.upload(bucket, key, uploadId);
    if (!Number.isInteger(number) || number < 1 || number > MAX_PARTS) {
      throw s3Error('InvalidArgument', { ArgumentName: 'partNumber', ArgumentValue: String(number) }, 'Part number must be an integer between 1 and 10000, inclusive');
    }
    const blob = await this.sealedBlob(body, opts);
    try {
      this.upload(bucket, key, uploadId); // still there after the write
    } catch (e) {
      this.blobs.remove([blob.name]);
      throw e;
    }
    const etag = `"${blob.md5.toString('hex')}"`;
    const old = this.store.get<{ blob: string }>('SELECT blob FROM s3_parts WHERE upload = ? AND number = ?', [uploadId, number]);
    await this.store.write([{
      sql: 'INSERT OR REPLACE INTO s3_parts (upload, number, blob, size, etag, modified) VALUES (?, ?, ?, ?, ?, ?)',
      params: [uploadId, number, blob.name, blob.size, etag, this.clock.now()],
    }]);
    if (old) this.blobs.remove([old.blob]);
    return etag;
  }

  listParts(bucket: string, key: string, uploadId: string): PartInfo[] {
    this.upload(bucket, key, uploadId);
    return this.store.all<{ number: number; size: number; etag: string; modified: number }>(
      'SELECT number, size, etag, modified FROM s3_parts WHERE upload = ? ORDER BY number', [uploadId])
      .map((p) => ({ number: p.number, size: p.size, etag: p.etag, lastModified: p.modified }));
  }

  /**
   * CompleteMultipartUpload: the listed parts (ascending, each but the last at least 5 MiB, ETags matching) become
   * the object; its ETag is the MD5 of the parts' binary MD5s, a hyphen and the number of parts, as S3's.
   */
  async completeUpload(bucket: string, key: string, uploadId: string, parts: Array<{ number: number; etag: string }>): Promise<ObjectInfo> {
    const upload = this.upload(bucket, key, uploadId);
    if (!parts.length) throw s3Error('MalformedXML');
    const stored = new Map(this.store.all<{ number: number; blob: string; size: number; etag: string }>(
      'SELECT number, blob, size, etag FROM s3_parts WHERE upload = ?', [uploadId]).map((p) => [p.number, p]));
    const chosen = parts.map((p, i) => {
      if (i > 0 && p.number <= parts[i - 1].number) throw s3Error('InvalidPartOrder', { UploadId: uploadId });
      const s = stored.get(p.number);
      if (!s || unquote(s.etag) !== unquote(p.etag)) throw s3Error('InvalidPart', { UploadId: uploadId, PartNumber: p.number, ETag: p.etag });
      return s;
    });
    chosen.slice(0, -1).forEach((s) => {
      if (s.size < MIN_PART_SIZE) throw s3Error('EntityTooSmall', { ProposedSize: s.size, MinSizeAllowed: MIN_PART_SIZE, PartNumber: s.number, ETag: s.etag });
    });
    const blob = await this.blobs.concat(chosen.map((c) => c.blob));
    const md5s = Buffer.concat(chosen.map((c) => Buffer.from(unquote(c.etag), 'hex')));
    const etag = `"${crypto.createHash('md5').update(md5s).digest('hex')}-${chosen.length}"`;
    const all = [...stored.values()].map((s) => s.blob);
    const info = await this.commit(bucket, key, blob.name, blob.size, etag, { headers: JSON.parse(upload.headers), metadata: JSON.parse(upload.metadata) }, [
      { sql: 'DELETE FROM s3_parts WHERE upload = ?', params: [uploadId] },
      { sql: 'DELETE FROM s3_uploads WHERE id = ?', params: [uploadId] },
    ]);
    this.blobs.remove(all);
    return info;
  }

  /** AbortMultipartUpload: its parts are deleted; NoSuchUpload when it is unknown (or already completed). */
  async abortUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    this.upload(bucket, key, uploadId);
    const parts = this.store.all<{ blob: string }>('SELECT blob FROM s3_parts WHERE upload = ?', [uploadId]);
    await this.store.write([
      { sql: 'DELETE FROM s3_parts WHERE upload = ?', params: [uploadId] },
      { sql: 'DELETE FROM s3_uploads WHERE id = ?', params: [uploadId] },
    ]);
    this.blobs.remove(parts.map((p) => p.blob));
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────────────────────

  /** The body on disk, then the caller's `sealed` checks; a failing check removes the file. */
  private async sealedBlob(body: BodySource, opts: WriteOptions): Promise<WrittenBlob> {
    const blob = await this.blobs.write(body);
    try {
      await opts.sealed?.();
    } catch (e) {
      this.blobs.remove([blob.name]);
      throw e;
    }
    return blob;
  }

  private bucket(name: string): BucketInfo | undefined {
    return this.store.get<BucketInfo>('SELECT name, created FROM s3_buckets WHERE name = ?', [name]);
  }

  private row(bucket: string, key: string): ObjectRow {
    this.headBucket(bucket);
    const row = this.store.get<ObjectRow>('SELECT key, size, etag, modified, headers, metadata, blob FROM s3_objects WHERE bucket = ? AND key = ?', [bucket, key]);
    if (!row) throw s3Error('NoSuchKey', { Key: key, resource: `/${bucket}/${key}` });
    return row;
  }

  private upload(bucket: string, key: string, uploadId: string): { headers: string; metadata: string } {
    this.headBucket(bucket);
    const u = this.store.get<{ headers: string; metadata: string }>('SELECT headers, metadata FROM s3_uploads WHERE id = ? AND bucket = ? AND key = ?', [uploadId, bucket, key]);
    if (!u) throw s3Error('NoSuchUpload', { UploadId: uploadId, resource: `/${bucket}/${key}` });
    return u;
  }

  /** Writes the row that makes `blob` the object (the store applies it at once, so no other write interleaves). */
  private async commit(bucket: string, key: string, blob: string, size: number, etag: string, attrs: ObjectAttributes, extra: Statement[] = []): Promise<ObjectInfo> {
    try {
      this.headBucket(bucket); // deleted while the body was written
    } catch (e) {
      this.blobs.remove([blob]);
      throw e;
    }
    const modified = this.clock.now();
    const headers = { 'content-type': 'binary/octet-stream', ...attrs.headers };
    const metadata = attrs.metadata ?? {};
    const old = this.store.get<{ blob: string }>('SELECT blob FROM s3_objects WHERE bucket = ? AND key = ?', [bucket, key]);
    await this.store.write([{
      sql: 'INSERT OR REPLACE INTO s3_objects (bucket, key, blob, size, etag, headers, metadata, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      params: [bucket, key, blob, size, etag, JSON.stringify(headers), JSON.stringify(metadata), modified],
    }, ...extra]);
    if (old) this.blobs.remove([old.blob]);
    this.events.emit('stored', { bucket, key, size, etag });
    return { bucket, key, size, etag, lastModified: modified, headers, metadata };
  }
}

function checkKey(bucket: string, key: string): void {
  if (!key) throw s3Error('InvalidArgument', { ArgumentName: 'key' }, 'Object key must not be empty');
  const bytes = Buffer.byteLength(key);
  if (bytes > MAX_KEY_BYTES) throw s3Error('KeyTooLongError', { Size: bytes, MaxSizeAllowed: MAX_KEY_BYTES, resource: `/${bucket}/${key}` });
}

const unquote = (etag: string) => etag.replace(/^"|"$/g, '');
