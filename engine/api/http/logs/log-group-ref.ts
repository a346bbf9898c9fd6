/** How Logs requests name a log group: `logGroupName` or `logGroupIdentifier` (a name or an ARN), never both. */
import type { LogSink } from '../../../sinks/index.js';
import { serviceError } from '../protocols/index.js';

export type LogsPort = Pick<LogSink,
  'createGroup' | 'deleteGroup' | 'describeGroups' | 'setRetention' | 'tags' | 'tag' | 'untag' | 'groupOfArn'
  | 'createStream' | 'deleteStream' | 'describeStreams' | 'putEvents' | 'getEvents' | 'filterEvents'>;

export function groupOf(logs: LogsPort, input: { logGroupName?: string; logGroupIdentifier?: string }): string {
  const { logGroupName: name, logGroupIdentifier: id } = input;
  if (name !== undefined && id !== undefined) {
    throw serviceError('InvalidParameterException', 'LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  }
  if (id !== undefined) return id.startsWith('arn:') ? logs.groupOfArn(id) : id;
  if (name === undefined) throw serviceError('InvalidParameterException', 'Should provide either name or ARN of the log group');
  return name;
}
