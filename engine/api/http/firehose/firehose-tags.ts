/**
 * Firehose's tags on delivery streams: TagDeliveryStream, UntagDeliveryStream, ListTagsForDeliveryStream and
 * CreateDeliveryStream's `Tags`. Kept by the sinks (engine/sinks/sink-tags.ts), deleted with the delivery stream.
 * AWS's rules: 50 tags per delivery stream, keys of 1–128 characters, values of at most 256, `aws:` keys reserved.
 */
import type { SinkTags, TagProblem } from '../../../sinks/index.js';
import { serviceError, type OperationHandler } from '../protocols/index.js';
import { invalidArgument } from './firehose-destination.js';

export type FirehoseTagsPort = Pick<SinkTags, 'get' | 'tag' | 'untag'>;
interface TagInput { Key: string; Value?: string }

export const asTagMap = (tags: TagInput[] | undefined): Record<string, string> => Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value ?? '']));

/** Firehose's refusal of a tagging request on `stream`. */
export const firehoseTagRefusal = (stream: string) => (p: TagProblem): Error => {
  if (p.reason === 'tooMany') return serviceError('LimitExceededException', `Delivery stream ${stream} would have ${p.count} tags: a delivery stream can have at most 50.`);
  if (p.reason === 'reserved') return invalidArgument(`Tag keys beginning with aws: are reserved for AWS use: ${p.key}`);
  if (p.reason === 'keyLength') return invalidArgument('A tag key must be 1 to 128 characters long.');
  return invalidArgument(`The value of the tag ${p.key} is longer than 256 characters.`);
};

const list = (tags: Record<string, string>) => Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([Key, Value]) => ({ Key, Value }));

/** `stream` resolves a DeliveryStreamName to an existing delivery stream's name, or throws Firehose's refusal. */
export function firehoseTagOperations(stream: (name: string) => string, tags: FirehoseTagsPort): Record<string, OperationHandler> {
  return {
    TagDeliveryStream: async (input: { DeliveryStreamName: string; Tags: TagInput[] }) => {
      const name = stream(input.DeliveryStreamName);
      await tags.tag('firehose', name, asTagMap(input.Tags), firehoseTagRefusal(name));
      return {};
    },
    UntagDeliveryStream: async (input: { DeliveryStreamName: string; TagKeys: string[] }) => {
      await tags.untag('firehose', stream(input.DeliveryStreamName), input.TagKeys ?? []);
      return {};
    },
    ListTagsForDeliveryStream: (input: { DeliveryStreamName: string; ExclusiveStartTagKey?: string; Limit?: number }) => {
      const limit = input.Limit ?? 50;
      const all = list(tags.get('firehose', stream(input.DeliveryStreamName))).filter((t) => input.ExclusiveStartTagKey === undefined || t.Key > input.ExclusiveStartTagKey);
      return { Tags: all.slice(0, limit), HasMoreTags: all.length > limit };
    },
  };
}
