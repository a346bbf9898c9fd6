/** CreateTopic, DeleteTopic, ListTopics, Get/SetTopicAttributes and the tag operations of SNS. */
import type { NotifyTopics } from '../../../sinks/index.js';
import { serviceError, type OperationHandler } from '../protocols/index.js';

const PAGE = 100;
type Tag = { Key: string; Value: string };

/** An opaque NextToken for a list position; a token not made here is refused as AWS refuses it. */
export const pageToken = (offset: number) => Buffer.from(`tb:${offset}`).toString('base64');
export function pageOffset(token: string | undefined): number {
  if (token === undefined) return 0;
  const m = /^tb:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
  if (!m) throw serviceError('InvalidParameterException', 'Invalid parameter: NextToken');
  return Number(m[1]);
}

function tagMap(tags: Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) {
    if (!t.Key || t.Key.length > 128 || (t.Value ?? '').length > 256) throw serviceError('InvalidParameterException', 'Invalid parameter: Tags');
    out[t.Key] = t.Value ?? '';
  }
  return out;
}

export function snsTopicOperations(topics: NotifyTopics): Record<string, OperationHandler> {
  return {
    CreateTopic: async (input: { Name: string; Attributes?: Record<string, string>; Tags?: Tag[] }) =>
      ({ TopicArn: await topics.createTopic(input.Name, input.Attributes ?? {}, tagMap(input.Tags)) }),
    DeleteTopic: async (input: { TopicArn: string }) => {
      await topics.deleteTopic(input.TopicArn);
      return {};
    },
    ListTopics: (input: { NextToken?: string }) => {
      const all = topics.listTopics();
      const from = pageOffset(input.NextToken);
      const page = all.slice(from, from + PAGE);
      return { Topics: page.map((TopicArn) => ({ TopicArn })), ...(from + PAGE < all.length ? { NextToken: pageToken(from + PAGE) } : {}) };
    },
    GetTopicAttributes: (input: { TopicArn: string }) => ({ Attributes: topics.topicAttributes(input.TopicArn) }),
    SetTopicAttributes: async (input: { TopicArn: string; AttributeName: string; AttributeValue?: string }) => {
      await topics.setTopicAttribute(input.TopicArn, input.AttributeName, input.AttributeValue ?? '');
      return {};
    },
    TagResource: async (input: { ResourceArn: string; Tags: Tag[] }) => {
      await topics.tag(input.ResourceArn, tagMap(input.Tags));
      return {};
    },
    UntagResource: async (input: { ResourceArn: string; TagKeys: string[] }) => {
      await topics.untag(input.ResourceArn, input.TagKeys);
      return {};
    },
    ListTagsForResource: (input: { ResourceArn: string }) => ({ Tags: Object.entries(topics.tags(input.ResourceArn)).map(([Key, Value]) => ({ Key, Value })) }),
  };
}
