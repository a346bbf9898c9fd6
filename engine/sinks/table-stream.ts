/**
 * How a table's change feed looks as DynamoDB Streams shows it, shared by the DynamoDB Streams API and Lambda's
 * DynamoDB event source: the stream's ARN and label (from the table's creation time), its one shard's id, sequence
 * numbers (21 digits), event ids, and a change as a stream record shaped by the stream view type.
 */
import { LOCAL_REGION } from '../core/index.js';
import type { Item } from './dynamodb/index.js';
import type { TableChange } from './table-changes.js';

interface TableInfo { name: string; arn: string; createdAt: number }

/** `2024-05-01T12:00:00.000` (the stream label: the table's creation time, without the zone). */
export const streamLabel = (info: TableInfo) => new Date(info.createdAt).toISOString().replace('Z', '');
/** `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>` (DescribeTable's LatestStreamArn). */
export const tableStreamArn = (info: TableInfo) => `${info.arn}/stream/${streamLabel(info)}`;
export const tableStreamShardId = (info: TableInfo) => `shardId-${String(info.createdAt).padStart(20, '0')}-${Buffer.from(info.name).toString('hex').padEnd(8, '0').slice(0, 8)}`;
export const streamSequenceNumber = (seq: number) => String(seq).padStart(21, '0');

/** A change as a stream record (`ApproximateCreationDateTime` in epoch seconds; images as the view type keeps them). */
export function tableStreamRecord(c: TableChange, view: string): {
  eventID: string; eventName: string; eventVersion: string; eventSource: string; awsRegion: string;
  dynamodb: { ApproximateCreationDateTime: number; Keys: Item; NewImage?: Item; OldImage?: Item; SequenceNumber: string; SizeBytes: number; StreamViewType: string };
  /** Who made the change when not a request: TTL deletions are the DynamoDB service's (Lambda's event spelling). */
  userIdentity?: { type: string; principalId: string };
} {
  return {
    eventID: c.seq.toString(16).padStart(32, '0'), eventName: c.event, eventVersion: '1.1', eventSource: 'aws:dynamodb', awsRegion: LOCAL_REGION,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(c.time / 1000), Keys: c.keys,
      ...((view === 'NEW_IMAGE' || view === 'NEW_AND_OLD_IMAGES') && c.newImage ? { NewImage: c.newImage } : {}),
      ...((view === 'OLD_IMAGE' || view === 'NEW_AND_OLD_IMAGES') && c.oldImage ? { OldImage: c.oldImage } : {}),
      SequenceNumber: streamSequenceNumber(c.seq), SizeBytes: c.size, StreamViewType: view,
    },
    ...(c.userIdentity ? { userIdentity: c.userIdentity } : {}),
  };
}
