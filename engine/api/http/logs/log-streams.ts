/** CreateLogStream, DeleteLogStream, DescribeLogStreams. */
import { serviceError } from '../protocols/index.js';
import { groupOf, type LogsPort } from './log-group-ref.js';

export const logStreamOperations = (logs: LogsPort) => ({
  CreateLogStream: async (input: { logGroupName: string; logStreamName: string }) => {
    await logs.createStream(input.logGroupName, input.logStreamName);
    return {};
  },
  DeleteLogStream: async (input: { logGroupName: string; logStreamName: string }) => {
    await logs.deleteStream(input.logGroupName, input.logStreamName);
    return {};
  },
  DescribeLogStreams: (input: {
    logGroupName?: string; logGroupIdentifier?: string; logStreamNamePrefix?: string; orderBy?: string; descending?: boolean; nextToken?: string; limit?: number;
  }) => {
    const orderBy = input.orderBy;
    if (orderBy !== undefined && orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime') {
      throw serviceError('InvalidParameterException',
        `1 validation error detected: Value '${orderBy}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]`);
    }
    return logs.describeStreams(groupOf(logs, input), {
      prefix: input.logStreamNamePrefix, orderBy, descending: input.descending, token: input.nextToken, limit: input.limit,
    });
  },
});
