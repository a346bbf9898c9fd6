/**
 * What a rollout asks of a job's executions on each ending, kept in memory so an ending costs O(1) however many
 * executions the job has: how the latest execution of each thing ended (abort criteria), each thing's earlier
 * attempts (retry policy), and the things notified and executions succeeded (rate increases). A job's tally is read
 * from the store once, when it is first needed, and then follows the jobs service's `changed` events.
 */
import type { OutcomeCounts } from './abort-criteria.js';
import type { ExecutionRecord } from './job-types.js';
import { retryHistoryFor, type RetryHistory } from './retry-policy.js';

interface Attempt {
  executionNumber: number;
  status: string;
  visible: boolean;
}

/** One thing's part in its job's tally. */
interface Part {
  outcome?: keyof OutcomeCounts;
  notified: number;
  succeeded: number;
}

const OUTCOME: Record<string, keyof OutcomeCounts | undefined> = { SUCCEEDED: 'succeeded', FAILED: 'failed', REJECTED: 'rejected', TIMED_OUT: 'timedOut' };

/** A thing's part: how its latest visible attempt ended, whether it was notified, its visible successes. */
function partOf(attempts: Attempt[]): Part {
  let latest: Attempt | undefined;
  let notified = 0, succeeded = 0;
  for (const a of attempts) {
    if (!a.visible) continue;
    if (!latest || a.executionNumber > latest.executionNumber) latest = a;
    if (a.executionNumber === 1) notified++;
    if (a.status === 'SUCCEEDED') succeeded++;
  }
  return { outcome: latest && OUTCOME[latest.status], notified, succeeded };
}

export class JobTally {
  readonly outcomes: OutcomeCounts = { succeeded: 0, failed: 0, rejected: 0, timedOut: 0 };
  /** Things notified (visible first executions) and visible executions SUCCEEDED. */
  readonly progress = { notified: 0, succeeded: 0 };
  /** Each thing's attempts: a retry policy allows at most 10, so one thing's change is O(1). */
  private readonly attempts = new Map<string, Attempt[]>();

  constructor(executions: Iterable<ExecutionRecord>) {
    for (const e of executions) this.change(undefined, e);
  }

  /**
   * An execution was created (`before` absent), changed, or deleted (`after` absent). The execution's entry is
   * replaced, so a change the tally already holds (read from the store just before its event) counts once.
   */
  change(before: ExecutionRecord | undefined, after: ExecutionRecord | undefined): void {
    const thing = (after ?? before)!.thingName;
    const list = this.attempts.get(thing) ?? [];
    this.add(partOf(list), -1);
    const n = (after ?? before)!.executionNumber;
    const rest = list.filter((a) => a.executionNumber !== n);
    if (after) rest.push({ executionNumber: n, status: after.status, visible: after.visible });
    if (rest.length) this.attempts.set(thing, rest);
    else this.attempts.delete(thing);
    this.add(partOf(rest), 1);
  }

  /** The statuses that ended a thing's attempts before `executionNumber`, as the retry policy counts them. */
  history(thing: string, executionNumber: number): RetryHistory {
    return retryHistoryFor((this.attempts.get(thing) ?? []).filter((a) => a.executionNumber < executionNumber).map((a) => a.status));
  }

  private add(p: Part, sign: 1 | -1): void {
    if (p.outcome) this.outcomes[p.outcome] += sign;
    this.progress.notified += sign * p.notified;
    this.progress.succeeded += sign * p.succeeded;
  }
}
