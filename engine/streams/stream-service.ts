/**
 * AWS IoT streams: named lists of files in the local S3 (engine/objects) that devices fetch block by block over MQTT
 * (file-delivery.ts). A stream records each file's size and ETag when it is created or updated; its version starts at
 * 1 and goes up by one on every update [DG:mqtt-based-file-delivery-what-is].
 *
 * LIMITATIONS: the local S3 keeps no object versions, so `s3Location.version` is recorded and returned but not
 * checked (a device always gets the current object, refused with ETagMismatch once it differs from the one recorded);
 * `roleArn` is recorded, never assumed; streams carry no tags (CreateStream's `tags` are accepted and not kept); a
 * stream in use by a job or OTA update can still be deleted (AWS answers DeleteConflictException while a job uses it).
 */
import { EngineError, LOCAL_ACCOUNT_ID, LOCAL_REGION, silentLogger, type Clock, type Logger, type Service } from '../core/index.js';
import type { Publisher } from '../broker/index.js';
import type { Store } from '../storage/index.js';
import { FileDelivery } from './file-delivery.js';

/** One file of a stream as stored: where it is and what it was when the stream was last set. */
export interface StreamFile {
  fileId: number;
  bucket: string;
  key: string;
  version?: string;
  size: number;
  etag: string;
}

export interface Stream {
  id: string;
  arn: string;
  version: number;
  description?: string;
  roleArn: string;
  files: StreamFile[];
  created: number;
  updated: number;
}

/** What CreateStream and UpdateStream name: files by location only (size and ETag are read here). */
export interface StreamFileInput {
  fileId: number;
  bucket: string;
  key: string;
  version?: string;
}

/**
 * The local S3 as streams see it: an object's size and ETag, or an EngineError (NotFound) when it is missing; and a
 * descriptor to read its body from (the caller closes it).
 */
export interface StreamObjects {
  head(bucket: string, key: string): { size: number; etag: string };
  open(bucket: string, key: string): { info: { size: number; etag: string }; fd: number };
}

interface StreamRow {
  id: string;
  version: number;
  description: string | null;
  role_arn: string;
  files: string;
  created: number;
  updated: number;
}

/** AWS IoT: "The files to stream. Array Members: Minimum number of 1 item. Maximum number of 50 items." */
export const MAX_STREAM_FILES = 50;

export const streamArn = (id: string) => `arn:aws:iot:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stream/${id}`;

export class StreamService implements Service {
  readonly name = 'streams';
  private readonly streams = new Map<string, Stream>();
  private readonly delivery: FileDelivery;

  constructor(private readonly store: Store, private readonly clock: Clock, private readonly objects: StreamObjects, pub: Publisher, logger: Logger = silentLogger) {
    this.delivery = new FileDelivery(pub, { stream: (id) => this.streams.get(id), open: (bucket, key) => objects.open(bucket, key) }, logger);
  }

  async start(): Promise<void> {
    this.streams.clear();
    for (const row of this.store.all<StreamRow>('SELECT * FROM iot_streams')) this.streams.set(row.id, fromRow(row));
    this.delivery.start();
  }

  async stop(): Promise<void> {
    this.delivery.stop();
  }

  /** CreateStream: ResourceAlreadyExistsException for a taken id; every file must exist in the local S3. */
  async create(input: { id: string; description?: string; roleArn: string; files: StreamFileInput[] }): Promise<Stream> {
    if (this.streams.has(input.id)) {
      throw new EngineError('AlreadyExists', `Stream ${input.id} already exists`, { resourceId: input.id, resourceArn: streamArn(input.id) });
    }
    const now = this.clock.now();
    const stream: Stream = {
      id: input.id, arn: streamArn(input.id), version: 1, description: input.description, roleArn: input.roleArn,
      files: this.resolve(input.files), created: now, updated: now,
    };
    this.streams.set(stream.id, stream);
    await this.persist(stream);
    return stream;
  }

  /** UpdateStream: replaces what is given (files re-read from the local S3) and increments the version. */
  async update(id: string, patch: { description?: string; roleArn?: string; files?: StreamFileInput[] }): Promise<Stream> {
    const old = this.get(id);
    const files = patch.files ? this.resolve(patch.files) : old.files;
    const stream: Stream = {
      ...old, version: old.version + 1, files, updated: this.clock.now(),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.roleArn !== undefined ? { roleArn: patch.roleArn } : {}),
    };
    this.streams.set(id, stream);
    await this.persist(stream);
    return stream;
  }

  /** DescribeStream: the stream or ResourceNotFoundException. */
  get(id: string): Stream {
    const stream = this.streams.get(id);
    if (!stream) throw new EngineError('NotFound', `Stream ${id} does not exist`);
    return stream;
  }

  /** Streams by creation time, newest first unless `ascending`. */
  list(ascending = false): Stream[] {
    const all = [...this.streams.values()].sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1));
    return ascending ? all : all.reverse();
  }

  async delete(id: string): Promise<void> {
    this.get(id);
    this.streams.delete(id);
    await this.store.write([{ sql: 'DELETE FROM iot_streams WHERE id = ?', params: [id] }]);
  }

  private resolve(files: StreamFileInput[]): StreamFile[] {
    const seen = new Set<number>();
    return files.map((f) => {
      if (seen.has(f.fileId)) throw new EngineError('InvalidInput', `Duplicate fileId ${f.fileId} in the stream's files`);
      seen.add(f.fileId);
      let head: { size: number; etag: string };
      try {
        head = this.objects.head(f.bucket, f.key);
      } catch (e) {
        if (e instanceof EngineError && (e.code === 'NotFound' || e.code === 'InvalidInput')) {
          throw new EngineError('InvalidInput', `Unable to access the S3 object s3://${f.bucket}/${f.key} of file ${f.fileId}: ${e.message}`);
        }
        throw e;
      }
      return { fileId: f.fileId, bucket: f.bucket, key: f.key, ...(f.version !== undefined ? { version: f.version } : {}), size: head.size, etag: head.etag };
    });
  }

  private persist(s: Stream): Promise<void> {
    return this.store.write([{
      sql: 'INSERT OR REPLACE INTO iot_streams (id, version, description, role_arn, files, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?)',
      params: [s.id, s.version, s.description ?? null, s.roleArn, JSON.stringify(s.files), s.created, s.updated],
    }]);
  }
}

function fromRow(row: StreamRow): Stream {
  return {
    id: row.id, arn: streamArn(row.id), version: row.version, ...(row.description !== null ? { description: row.description } : {}),
    roleArn: row.role_arn, files: JSON.parse(row.files) as StreamFile[], created: row.created, updated: row.updated,
  };
}
