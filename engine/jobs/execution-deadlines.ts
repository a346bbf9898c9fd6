/**
 * When an IN_PROGRESS execution times out: the job's `timeoutConfig.inProgressTimeoutInMinutes` counts from the
 * moment the execution went IN_PROGRESS and cannot be changed; the device's `stepTimeoutInMinutes` (start-next,
 * update, UpdateJobExecution) counts from the call that set it, is replaced by a later one, and is canceled by -1.
 * Whichever comes first wins. Pure: the sweep in the jobs service compares these with its clock.
 *
 * LIMITATIONS: none beyond the sweep's interval (AWS says its timeout "can occur up to 60 seconds later").
 */
const MINUTE = 60_000;

export interface ExecutionDeadlines {
  /** epoch ms, from the job's in-progress timeout */
  inProgressDeadline?: number;
  /** epoch ms, from the device's step timeout */
  stepDeadline?: number;
}

/** The in-progress deadline of an execution that went IN_PROGRESS at `startedAt`. */
export function inProgressDeadline(startedAt: number, inProgressTimeoutInMinutes: number | undefined): number | undefined {
  return inProgressTimeoutInMinutes === undefined ? undefined : startedAt + inProgressTimeoutInMinutes * MINUTE;
}

/**
 * The step deadline after a device call at `now`: a new timer for 1–10080, none for -1, unchanged when the call
 * named none.
 */
export function stepDeadline(current: number | undefined, stepTimeoutInMinutes: number | undefined, now: number): number | undefined {
  if (stepTimeoutInMinutes === undefined) return current;
  if (stepTimeoutInMinutes === -1) return undefined;
  return now + stepTimeoutInMinutes * MINUTE;
}

/** The earlier of the two deadlines, or undefined. */
export function deadlineOf(d: ExecutionDeadlines): number | undefined {
  const all = [d.inProgressDeadline, d.stepDeadline].filter((x): x is number => x !== undefined);
  return all.length ? Math.min(...all) : undefined;
}

export function isPastDeadline(d: ExecutionDeadlines, now: number): boolean {
  const at = deadlineOf(d);
  return at !== undefined && now >= at;
}

/** DescribeJobExecution's `approximateSecondsBeforeTimedOut`, or undefined when no timer runs. */
export function secondsBeforeTimedOut(d: ExecutionDeadlines, now: number): number | undefined {
  const at = deadlineOf(d);
  return at === undefined ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
