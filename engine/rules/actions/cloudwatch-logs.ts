/**
 * `cloudwatchLogs` [DG:cloudwatch-logs-rule-action]: writes the rule output to a local log group as a log event.
 * Parameters as AWS's CloudwatchLogsAction: `logGroupName` (templates allowed), `batchMode` (the payload is a JSON
 * array of `{ "timestamp": ms, "message": … }` events), `roleArn` (accepted, not enforced). A log group that does not
 * exist fails the action: create it with `sinks.create("log", name)`. Events go to the log stream named after the rule.
 */
import { EngineError } from '../../core/index.js';
import type { ActionFactory } from './action.js';
import { optionalString, requiredString } from './params.js';
import { attempt, optionalBoolean, param, sinksOf } from './sink-action.js';

export const cloudwatchLogsAction: ActionFactory = (params, deps) => {
  const sinks = sinksOf(deps, 'cloudwatchLogs');
  const groupName = requiredString(params, 'logGroupName', 'cloudwatchLogs');
  const batchMode = optionalBoolean(params, 'batchMode', 'cloudwatchLogs') ?? false;
  optionalString(params, 'roleArn', 'cloudwatchLogs');
  return {
    kind: 'cloudwatchLogs',
    invoke: (input) => attempt(async () => {
      const group = param(input, groupName);
      let events: Array<{ message: string; timestamp?: number }>;
      if (batchMode) {
        const out = input.output;
        if (!Array.isArray(out) || out.length === 0) throw new EngineError('InvalidInput', 'with batchMode the rule output must be a JSON array of log events');
        events = out.map((e) => {
          const ev = e as { timestamp?: unknown; message?: unknown };
          if (typeof ev !== 'object' || ev === null || ev.message === undefined) throw new EngineError('InvalidInput', 'each batched log event needs a message');
          if (ev.timestamp !== undefined && typeof ev.timestamp !== 'number') throw new EngineError('InvalidInput', 'a log event timestamp is epoch milliseconds');
          return { message: typeof ev.message === 'string' ? ev.message : JSON.stringify(ev.message), ...(typeof ev.timestamp === 'number' ? { timestamp: ev.timestamp } : {}) };
        });
      } else {
        events = [{ message: input.payload.toString('utf8'), timestamp: input.timestamp }];
      }
      await sinks.cloudwatch.putLogEvents(group, events, { logStream: input.ruleName, traceId: input.traceId });
      return { logGroup: group, events: events.length };
    }),
  };
};
