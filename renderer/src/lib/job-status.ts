import type { CommandExecutionStatusName, JobExecutionCounts, JobExecutionStatusName, JobStatusName } from '../../../engine/contract/index.js';

/** The badge class of a status: finished well, finished badly, stopped by someone, or still going (none). */
export function statusClass(status: JobStatusName | JobExecutionStatusName | CommandExecutionStatusName | string): '' | 'ok' | 'error' | 'warn' {
  switch (status) {
    case 'COMPLETED': case 'SUCCEEDED': case 'Completed': return 'ok';
    case 'FAILED': case 'REJECTED': case 'TIMED_OUT': case 'Failed': return 'error';
    case 'CANCELED': case 'REMOVED': case 'DELETION_IN_PROGRESS': case 'Cancelled': case 'Cancelling': return 'warn';
    default: return '';
  }
}

/** One part of a job's progress bar: executions in these statuses, drawn in `color`. */
export interface ProgressPart {
  key: keyof JobExecutionCounts;
  status: JobExecutionStatusName;
  label: string;
  color: string;
}

/** The parts in the order a rollout moves: done well, done badly, stopped, running, waiting. */
export const PROGRESS_PARTS: readonly ProgressPart[] = [
  { key: 'succeeded', status: 'SUCCEEDED', label: 'succeeded', color: 'var(--ok)' },
  { key: 'failed', status: 'FAILED', label: 'failed', color: 'var(--error)' },
  { key: 'rejected', status: 'REJECTED', label: 'rejected', color: 'var(--error)' },
  { key: 'timedOut', status: 'TIMED_OUT', label: 'timed out', color: 'var(--error)' },
  { key: 'canceled', status: 'CANCELED', label: 'canceled', color: 'var(--warn)' },
  { key: 'removed', status: 'REMOVED', label: 'removed', color: 'var(--warn)' },
  { key: 'inProgress', status: 'IN_PROGRESS', label: 'in progress', color: 'var(--accent)' },
  { key: 'queued', status: 'QUEUED', label: 'queued', color: 'var(--border-strong)' },
];

export const totalOf = (c: JobExecutionCounts): number => PROGRESS_PARTS.reduce((n, p) => n + c[p.key], 0);

/** A thing or thing group ARN's name with what it is: `thing lamp-1`, `group floor-2`. */
export function targetName(arn: string): string {
  const m = /:(thing|thinggroup)\/(.+)$/.exec(arn);
  return m ? `${m[1] === 'thing' ? 'thing' : 'group'} ${m[2]}` : arn;
}

/** A document or configuration as JSON to show: parsed when it parses, the text itself otherwise. */
export function parsedJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
