import type { Random } from './seeded-random.js';

/** Reconnect back-off: exponential from `minMs` by `factor` up to `maxMs`, spread by a seeded jitter. */
export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** 0..1: the delay is drawn uniformly within ± this fraction of itself (0 = none). */
  jitter: number;
}

export const defaultBackoff: BackoffPolicy = { minMs: 1000, maxMs: 30_000, factor: 2, jitter: 0.5 };

/**
 * The delay before reconnect attempt `attempt` (1 for the first retry): `min(maxMs, minMs · factor^(attempt-1))`,
 * then moved by up to ± `jitter` of itself with `random` — exponential back-off with jitter, as Device Advisor's
 * "reconnect with jitter backoff — no CONNACK" case expects. The jitter also applies at the cap, so a fleet that lost
 * its broker does not come back in lock-step.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: Random): number {
  const exp = Math.min(policy.maxMs, policy.minMs * (policy.factor ?? 2) ** Math.min(60, Math.max(0, attempt - 1)));
  return Math.max(0, Math.round(exp * (1 + policy.jitter * (2 * random() - 1))));
}
