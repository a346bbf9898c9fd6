/**
 * ListCommandExecutions' filters [API:ListCommandExecutions]: one command's or one target's executions (exactly one
 * of `commandArn` and `targetArn`), optionally of one status, started or completed within a time window (one of the
 * two filters, times as `yyyy-MM-dd'T'HH:mm` in UTC), newest first unless `sortOrder` is ASCENDING (by the time the
 * filter names: started, or completed).
 */
import { EngineError } from '../core/index.js';
import { EXECUTION_STATUSES, type CommandExecution, type ExecutionStatus } from './command-types.js';

export interface TimeWindow {
  after?: string;
  before?: string;
}

export interface ExecutionQuery {
  commandArn?: string;
  targetArn?: string;
  status?: ExecutionStatus;
  namespace?: string;
  sortOrder?: 'ASCENDING' | 'DESCENDING';
  startedTimeFilter?: TimeWindow;
  completedTimeFilter?: TimeWindow;
}

const invalid = (message: string) => new EngineError('InvalidInput', message);
const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

function parseTime(value: string | undefined, where: string): number | undefined {
  if (value === undefined) return undefined;
  const m = TIME.exec(value);
  const ms = m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) : NaN;
  if (!m || Number.isNaN(ms)) throw invalid(`${where} must be a date and time in the format yyyy-MM-dd'T'HH:mm`);
  return ms;
}

export function checkExecutionQuery(q: ExecutionQuery): void {
  if (q.commandArn !== undefined && q.targetArn !== undefined) throw invalid('Provide either commandArn or targetArn, not both');
  if (q.commandArn === undefined && q.targetArn === undefined) throw invalid('Provide a commandArn or a targetArn to list command executions');
  if (q.startedTimeFilter && q.completedTimeFilter) throw invalid('Provide either startedTimeFilter or completedTimeFilter, not both');
  if (q.status !== undefined && !(EXECUTION_STATUSES as readonly string[]).includes(q.status)) throw invalid(`status must be one of ${EXECUTION_STATUSES.join(', ')}`);
  if (q.namespace !== undefined && q.namespace !== 'AWS-IoT' && q.namespace !== 'AWS-IoT-FleetWise') throw invalid('namespace must be AWS-IoT or AWS-IoT-FleetWise');
  if (q.sortOrder !== undefined && q.sortOrder !== 'ASCENDING' && q.sortOrder !== 'DESCENDING') throw invalid('sortOrder must be ASCENDING or DESCENDING');
  for (const [name, w] of [['startedTimeFilter', q.startedTimeFilter], ['completedTimeFilter', q.completedTimeFilter]] as const) {
    parseTime(w?.after, `${name}.after`);
    parseTime(w?.before, `${name}.before`);
  }
}

export function queryExecutions(all: CommandExecution[], q: ExecutionQuery): CommandExecution[] {
  checkExecutionQuery(q);
  if (q.namespace === 'AWS-IoT-FleetWise') return [];
  const byCompleted = q.completedTimeFilter !== undefined;
  const window = q.completedTimeFilter ?? q.startedTimeFilter;
  const after = parseTime(window?.after, 'after');
  const before = parseTime(window?.before, 'before');
  const timeOf = (e: CommandExecution) => (byCompleted ? e.completedAt : e.startedAt);
  const picked = all.filter((e) => {
    if (q.commandArn !== undefined && e.commandArn !== q.commandArn) return false;
    if (q.targetArn !== undefined && e.targetArn !== q.targetArn) return false;
    if (q.status !== undefined && e.status !== q.status) return false;
    if (!window) return true;
    const t = timeOf(e);
    return t !== undefined && (after === undefined || t >= after) && (before === undefined || t <= before);
  });
  const dir = q.sortOrder === 'ASCENDING' ? 1 : -1;
  return picked.sort((a, b) => dir * (((timeOf(a) ?? a.createdAt) - (timeOf(b) ?? b.createdAt)) || a.executionId.localeCompare(b.executionId)));
}
