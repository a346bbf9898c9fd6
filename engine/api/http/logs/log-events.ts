/** PutLogEvents, GetLogEvents, FilterLogEvents (what `aws logs tail`, with and without --follow, polls). */
import { serviceError } from '../protocols/index.js';
import { groupOf, type LogsPort } from './log-group-ref.js';

export const logEventOperations = (logs: LogsPort) => ({
  // sequenceToken is accepted and ignored, as AWS does since January 2023.
  PutLogEvents: (input: { logGroupName: string; logStreamName: string; logEvents: Array<{ timestamp: number; message: string }> }) =>
    logs.putEvents(input.logGroupName, input.logStreamName, input.logEvents),
  GetLogEvents: (input: {
    logGroupName?: string; logGroupIdentifier?: string; logStreamName: string; startTime?: number; endTime?: number; nextToken?: string; limit?: number; startFromHead?: boolean;
  }) => logs.getEvents(groupOf(logs, input), input.logStreamName, {
    startTime: input.startTime, endTime: input.endTime, token: input.nextToken, limit: input.limit, startFromHead: input.startFromHead,
  }),
  FilterLogEvents: (input: {
    logGroupName?: string; logGroupIdentifier?: string; logStreamNames?: string[]; logStreamNamePrefix?: string; startTime?: number; endTime?: number;
    filterPattern?: string; nextToken?: string; limit?: number;
  }) => {
    if (input.logStreamNames !== undefined && (input.logStreamNames.length < 1 || input.logStreamNames.length > 100)) {
      throw serviceError('InvalidParameterException',
        "1 validation error detected: Value at 'logStreamNames' failed to satisfy constraint: Member must have length less than or equal to 100 and greater than or equal to 1");
    }
    const out = logs.filterEvents(groupOf(logs, input), {
      streams: input.logStreamNames, streamPrefix: input.logStreamNamePrefix, startTime: input.startTime, endTime: input.endTime,
      pattern: input.filterPattern, token: input.nextToken, limit: input.limit,
    });
    return { ...out, searchedLogStreams: [] };
  },
});
