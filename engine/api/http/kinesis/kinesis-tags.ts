/**
 * Kinesis's tags on streams: AddTagsToStream, RemoveTagsFromStream and ListTagsForStream (by StreamName or
 * StreamARN), TagResource, UntagResource and ListTagsForResource (by ResourceARN), and CreateStream's `Tags`. Kept by
 * the sinks (engine/sinks/sink-tags.ts), deleted with the stream. AWS's rules: 50 tags per stream, keys of 1–128
 * characters, values of at most 256, keys beginning `aws:` reserved.
 */
import type { SinkTags, TagProblem } from '../../../sinks/index.js';
import { LOCAL_ACCOUNT_ID } from '../../../core/index.js';
import type { OperationHandler } from '../protocols/index.js';
import { findStream, invalidArgument, streamName, type KinesisPort, type StreamRef } from './kinesis-port.js';

export type KinesisTagsPort = Pick<SinkTags, 'get' | 'tag' | 'untag'>;

/** Kinesis's refusal of a tagging request on `stream`. */
export const kinesisTagRefusal = (stream: string) => (p: TagProblem): Error => {
  if (p.reason === 'tooMany') return invalidArgument(`Failed to add tags to stream ${stream} under account ${LOCAL_ACCOUNT_ID} because a given stream cannot have more than 50 tags.`);
  if (p.reason === 'reserved') return invalidArgument(`Failed to add tags to stream ${stream} under account ${LOCAL_ACCOUNT_ID} because tag keys beginning with aws: are reserved for AWS use.`);
  if (p.reason === 'keyLength') return invalidArgument(`Failed to add tags to stream ${stream} under account ${LOCAL_ACCOUNT_ID} because a tag key must be 1 to 128 characters long.`);
  return invalidArgument(`Failed to add tags to stream ${stream} under account ${LOCAL_ACCOUNT_ID} because the value of the tag ${p.key} is longer than 256 characters.`);
};

const list = (tags: Record<string, string>) => Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([Key, Value]) => ({ Key, Value }));

export function kinesisTagOperations(port: KinesisPort, tags: KinesisTagsPort): Record<string, OperationHandler> {
  const stream = (ref: StreamRef) => findStream(port, streamName(ref)).name;
  const add = async (name: string, added: Record<string, string> | undefined) => {
    await tags.tag('stream', name, added ?? {}, kinesisTagRefusal(name));
    return {};
  };
  const remove = async (name: string, keys: string[] | undefined) => {
    await tags.untag('stream', name, keys ?? []);
    return {};
  };
  return {
    AddTagsToStream: (input: StreamRef & { Tags: Record<string, string> }) => add(stream(input), input.Tags),
    RemoveTagsFromStream: (input: StreamRef & { TagKeys: string[] }) => remove(stream(input), input.TagKeys),
    ListTagsForStream: (input: StreamRef & { ExclusiveStartTagKey?: string; Limit?: number }) => {
      const limit = input.Limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw invalidArgument(`1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : 'less than or equal to 50'}`);
      const all = list(tags.get('stream', stream(input))).filter((t) => input.ExclusiveStartTagKey === undefined || t.Key > input.ExclusiveStartTagKey);
      return { Tags: all.slice(0, limit), HasMoreTags: all.length > limit };
    },
    TagResource: (input: { ResourceARN: string; Tags: Record<string, string> }) => add(stream({ StreamARN: input.ResourceARN }), input.Tags),
    UntagResource: (input: { ResourceARN: string; TagKeys: string[] }) => remove(stream({ StreamARN: input.ResourceARN }), input.TagKeys),
    ListTagsForResource: (input: { ResourceARN: string }) => ({ Tags: list(tags.get('stream', stream({ StreamARN: input.ResourceARN }))) }),
  };
}
