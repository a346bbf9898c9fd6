/** Tags of log groups: TagResource, UntagResource, ListTagsForResource (by ARN) and the older *LogGroup forms (by name). */
import type { LogsPort } from './log-group-ref.js';

export const logTagOperations = (logs: LogsPort) => ({
  TagResource: async (input: { resourceArn: string; tags: Record<string, string> }) => {
    await logs.tag(logs.groupOfArn(input.resourceArn), input.tags);
    return {};
  },
  UntagResource: async (input: { resourceArn: string; tagKeys: string[] }) => {
    await logs.untag(logs.groupOfArn(input.resourceArn), input.tagKeys);
    return {};
  },
  ListTagsForResource: (input: { resourceArn: string }) => ({ tags: logs.tags(logs.groupOfArn(input.resourceArn)) }),
  TagLogGroup: async (input: { logGroupName: string; tags: Record<string, string> }) => {
    await logs.tag(input.logGroupName, input.tags);
    return {};
  },
  UntagLogGroup: async (input: { logGroupName: string; tags: string[] }) => {
    await logs.untag(input.logGroupName, input.tags);
    return {};
  },
  ListTagsLogGroup: (input: { logGroupName: string }) => ({ tags: logs.tags(input.logGroupName) }),
});
