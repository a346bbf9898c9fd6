/** CreateLogGroup, DeleteLogGroup, DescribeLogGroups, PutRetentionPolicy, DeleteRetentionPolicy. */
import type { LogsPort } from './log-group-ref.js';

export const logGroupOperations = (logs: LogsPort) => ({
  CreateLogGroup: async (input: { logGroupName: string; tags?: Record<string, string> }) => {
    await logs.createGroup(input.logGroupName, input.tags ?? {});
    return {};
  },
  DeleteLogGroup: async (input: { logGroupName: string }) => {
    await logs.deleteGroup(input.logGroupName);
    return {};
  },
  DescribeLogGroups: (input: { logGroupNamePrefix?: string; logGroupNamePattern?: string; nextToken?: string; limit?: number }) =>
    logs.describeGroups({ prefix: input.logGroupNamePrefix, pattern: input.logGroupNamePattern, token: input.nextToken, limit: input.limit }),
  PutRetentionPolicy: async (input: { logGroupName: string; retentionInDays: number }) => {
    await logs.setRetention(input.logGroupName, input.retentionInDays);
    return {};
  },
  DeleteRetentionPolicy: async (input: { logGroupName: string }) => {
    await logs.setRetention(input.logGroupName, null);
    return {};
  },
});
