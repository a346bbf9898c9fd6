import { describe, expect, it } from 'vitest';
import { queryExecutions } from './execution-query.js';
import type { CommandExecution } from './command-types.js';

const at = (iso: string) => Date.parse(`${iso}Z`);
const exec = (id: string, commandArn: string, started: string, status: CommandExecution['status'] = 'CREATED', completed?: string): CommandExecution => ({
  executionId: id, commandId: commandArn.split('/')[1], commandArn, targetArn: 'arn:aws:iot:us-east-1:000000000000:thing/t', deviceType: 'things', deviceId: 't',
  status, executionTimeoutSeconds: 10, createdAt: at(started), lastUpdatedAt: at(started), startedAt: at(started), timeToLive: Infinity,
  ...(completed ? { completedAt: at(completed) } : {}),
});
const all = [
  exec('a', 'cmd/x', '2026-01-01T10:00'), exec('b', 'cmd/x', '2026-01-01T11:00', 'SUCCEEDED', '2026-01-01T11:05'),
  exec('c', 'cmd/y', '2026-01-01T12:00', 'FAILED', '2026-01-01T12:30'),
];

describe('queryExecutions', () => {
  it.each([
    [{ commandArn: 'cmd/x' }, ['b', 'a']],
    [{ commandArn: 'cmd/x', sortOrder: 'ASCENDING' as const }, ['a', 'b']],
    [{ targetArn: 'arn:aws:iot:us-east-1:000000000000:thing/t', status: 'FAILED' as const }, ['c']],
    [{ targetArn: 'arn:aws:iot:us-east-1:000000000000:thing/t', startedTimeFilter: { after: '2026-01-01T10:30', before: '2026-01-01T12:00' } }, ['c', 'b']],
    [{ targetArn: 'arn:aws:iot:us-east-1:000000000000:thing/t', completedTimeFilter: { before: '2026-01-01T12:00' } }, ['b']],
    [{ commandArn: 'cmd/x', namespace: 'AWS-IoT-FleetWise' }, []],
  ])('%j → %j', (q, ids) => expect(queryExecutions(all, q).map((e) => e.executionId)).toEqual(ids));

  it.each([
    [{}, /commandArn or a targetArn/], [{ commandArn: 'x', targetArn: 'y' }, /not both/],
    [{ commandArn: 'x', startedTimeFilter: {}, completedTimeFilter: {} }, /not both/],
    [{ commandArn: 'x', startedTimeFilter: { after: '2026-01-01' } }, /yyyy-MM-dd'T'HH:mm/],
    [{ commandArn: 'x', status: 'DONE' }, /status/], [{ commandArn: 'x', sortOrder: 'UP' }, /sortOrder/],
  ])('refuses %j', (q, message) => expect(() => queryExecutions(all, q as never)).toThrow(message));
});
