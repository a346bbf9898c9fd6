/**
 * How many QUEUED executions of a job may be notified now under its `jobExecutionsRolloutConfig`: a constant rate
 * (`maximumPerMinute`) or an exponential one (`baseRatePerMinute`, multiplied by `incrementFactor` when a minute begins
 * and another `numberOfNotifiedThings` things were notified, or another `numberOfSucceededThings` succeeded, since the
 * last increase; capped by `maximumPerMinute`, else by AWS's 1,000 per minute). Pure: the state is a plain object the job
 * keeps, and time is whatever the caller's clock says.
 *
 * LIMITATIONS: the minute is a fixed window that starts when the rollout starts, and the rate rises at most once a
 * minute (AWS does not say how it counts either); a rate with a fraction notifies its whole part per window.
 */
import type { RolloutConfig } from './job-policies.js';

/** AWS's ceiling on a rollout's rate, and the rate when only an exponential rate without a maximum is given. */
export const MAX_ROLLOUT_PER_MINUTE = 1000;
const MINUTE = 60_000;

export interface RolloutState {
  /** Start of the current one-minute window (epoch ms). */
  windowStart: number;
  /** Executions notified in the current window. */
  notifiedInWindow: number;
  /** Things notified per minute now. */
  ratePerMinute: number;
  /** The criterion's count (notified or succeeded things) when the rate last increased. */
  countAtIncrease: number;
}

/** What the rate-increase criteria count: things notified and executions succeeded so far. */
export interface RolloutProgress {
  notified: number;
  succeeded: number;
}

/** Whether a config limits the rollout at all (otherwise every execution is notified at once). */
export function isPaced(config: RolloutConfig | undefined): config is RolloutConfig {
  return !!config && (config.maximumPerMinute !== undefined || config.exponentialRate !== undefined);
}

export function startRollout(config: RolloutConfig, now: number): RolloutState {
  const cap = config.maximumPerMinute ?? MAX_ROLLOUT_PER_MINUTE;
  const rate = config.exponentialRate ? Math.min(config.exponentialRate.baseRatePerMinute, cap) : cap;
  return { windowStart: now, notifiedInWindow: 0, ratePerMinute: rate, countAtIncrease: 0 };
}

/**
 * The state brought up to `now` (a new window when the minute is over; the rate raised as often as the criteria were
 * met) and how many executions may be notified at once.
 */
export function rolloutAllowance(config: RolloutConfig, state: RolloutState, now: number, progress: RolloutProgress): { state: RolloutState; allowed: number } {
  const next = { ...state };
  if (now >= next.windowStart + MINUTE) {
    next.windowStart += Math.floor((now - next.windowStart) / MINUTE) * MINUTE;
    next.notifiedInWindow = 0;
    // A window's rate is fixed when it opens: at most one increase a minute, once another `step` things count.
    const exp = config.exponentialRate;
    if (exp) {
      const cap = config.maximumPerMinute ?? MAX_ROLLOUT_PER_MINUTE;
      const { numberOfNotifiedThings, numberOfSucceededThings } = exp.rateIncreaseCriteria;
      const step = numberOfNotifiedThings ?? numberOfSucceededThings ?? Infinity;
      const count = numberOfNotifiedThings !== undefined ? progress.notified : progress.succeeded;
      if (count - next.countAtIncrease >= step && next.ratePerMinute < cap) {
        next.ratePerMinute = Math.min(cap, next.ratePerMinute * exp.incrementFactor);
        next.countAtIncrease = count;
      }
    }
  }
  // UpdateJob may change the config: a constant rate is the maximum now given, and no rate exceeds it.
  const cap = config.maximumPerMinute ?? MAX_ROLLOUT_PER_MINUTE;
  next.ratePerMinute = config.exponentialRate ? Math.min(next.ratePerMinute, cap) : cap;
  return { state: next, allowed: Math.max(0, Math.floor(next.ratePerMinute + 1e-9) - next.notifiedInWindow) };
}

/** The state after `count` more executions were notified in the current window. */
export function recordNotified(state: RolloutState, count: number): RolloutState {
  return { ...state, notifiedInWindow: state.notifiedInWindow + count };
}

/** When the next window opens (epoch ms): the earliest time more executions may be notified once this one is used up. */
export function nextWindow(state: RolloutState): number {
  return state.windowStart + MINUTE;
}
