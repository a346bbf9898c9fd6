/** What the Kinesis edge needs of the sinks, and how it names a stream (by StreamName or StreamARN) as AWS does. */
import type { SinkInfo, SinkKind, SinkOptions } from '../../../contract/index.js';
import { LOCAL_ACCOUNT_ID } from '../../../core/index.js';
import type { IteratorType, SinkTags, StreamEntry, StreamRecord } from '../../../sinks/index.js';
import { serviceError } from '../protocols/index.js';

export interface KinesisPort {
  create(kind: SinkKind, name: string, options?: SinkOptions): Promise<SinkInfo>;
  delete(kind: SinkKind, name: string): Promise<void>;
  list(kind?: SinkKind): SinkInfo[];
  streams: {
    putMany(stream: string, entries: StreamEntry[]): Promise<Array<{ shardId: string; sequenceNumber: string }>>;
    iterator(stream: string, shard: string, type: IteratorType, opts?: { sequenceNumber?: string; timestamp?: number }): string;
    read(iterator: string, limit?: number): { records: StreamRecord[]; nextShardIterator: string; millisBehindLatest: number };
    shards(stream: string): Array<{ shardId: string; startingHashKey: string; endingHashKey: string }>;
    setRetention(stream: string, hours: number): Promise<void>;
  };
  /** The tags the engine keeps on streams. */
  tags?: Pick<SinkTags, 'get' | 'tag' | 'untag'>;
}

export interface StreamRef { StreamName?: string; StreamARN?: string }

const ARN = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:(\d{12}):stream\/([A-Za-z0-9_.-]{1,128})$/;

export const invalidArgument = (message: string) => serviceError('InvalidArgumentException', message);
export const validation = (message: string) => serviceError('ValidationException', message);
export const streamNotFound = (name: string) => serviceError('ResourceNotFoundException', `Stream ${name} under account ${LOCAL_ACCOUNT_ID} not found.`);

/** The stream's name from StreamName or StreamARN (one of them is required). */
export function streamName(input: StreamRef): string {
  if (input.StreamARN !== undefined) {
    const m = ARN.exec(input.StreamARN);
    if (!m) throw validation(`1 validation error detected: Value '${input.StreamARN}' at 'streamARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+`);
    if (input.StreamName !== undefined && input.StreamName !== m[2]) throw invalidArgument('StreamARN and StreamName must refer to the same stream.');
    return m[2];
  }
  if (input.StreamName === undefined) throw invalidArgument('Neither StreamARN nor StreamName has been provided.');
  checkStreamName(input.StreamName);
  return input.StreamName;
}

export function checkStreamName(name: string): void {
  if (name.length < 1 || name.length > 128) throw validation(`1 validation error detected: Value '${name}' at 'streamName' failed to satisfy constraint: Member must have length ${name.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 128'}`);
  if (!/^[a-zA-Z0-9_.-]+$/.test(name)) throw validation(`1 validation error detected: Value '${name}' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`);
}

/** The stream's sink, or ResourceNotFoundException in AWS's words. */
export function findStream(port: KinesisPort, name: string): SinkInfo {
  const info = port.list('stream').find((s) => s.name === name);
  if (!info) throw streamNotFound(name);
  return info;
}
