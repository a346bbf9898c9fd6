/**
 * Amazon CloudWatch Logs on the engine's endpoint (awsJson 1.1, `X-Amz-Target: Logs_20140328.*`), over the sinks'
 * log groups: the groups the rules' cloudwatchLogs action and local functions (`/aws/lambda/<name>`) write to.
 *
 * LIMITATIONS: groups, streams, events, retention and tags only (no metric or subscription filters, Logs Insights,
 * export tasks, KMS, log classes, StartLiveTail: `aws logs tail --follow` polls FilterLogEvents and works);
 * not enforced: IAM.
 */
import { logsModel, serviceError, validationMessage, type AwsService } from '../protocols/index.js';
import type { LogsPort } from './log-group-ref.js';
import { logEventOperations } from './log-events.js';
import { logGroupOperations } from './log-groups.js';
import { logStreamOperations } from './log-streams.js';
import { logTagOperations } from './log-tags.js';

export type { LogsPort } from './log-group-ref.js';

export function logsService(logs: LogsPort): AwsService {
  return {
    title: 'Amazon CloudWatch Logs',
    model: logsModel,
    operations: {
      ...logGroupOperations(logs),
      ...logStreamOperations(logs),
      ...logEventOperations(logs),
      ...logTagOperations(logs),
    },
    errors: {
      NotFound: 'ResourceNotFoundException',
      AlreadyExists: 'ResourceAlreadyExistsException',
      InvalidInput: 'InvalidParameterException',
      TooLarge: 'InvalidParameterException',
      Throttled: 'ThrottlingException',
      Unavailable: 'ServiceUnavailableException',
    },
    validationError: (p) => serviceError('InvalidParameterException', validationMessage(p)),
    // A PutLogEvents batch holds 1 MiB of messages (checked with AWS's message) plus its JSON framing and escapes.
    maxBodyBytes: 8 * 1024 * 1024,
  };
}
