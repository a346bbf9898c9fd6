import type { Random } from './seeded-random.js';

/** Reconnect back-off: exponential from `minMs` up to `maxMs`, with a jitter fraction taken off at random. */
export interface BackoffPolicy {
  minMs: number;
  maxMs: number;
  /** 0 = no jitter, 1 = full jitter (anywhere from 0 to the exponential delay), 0.5 = "equal jitter". */
  jitter: number;
}

export const defaultBackoff: BackoffPolicy = { minMs: 1000, maxMs: 30_000, jitter: 0.5 };

/**
 * The delay before reconnect attempt `attempt` (1 for the first retry): `min(maxMs, minMs · 2^(attempt-1))`, less up
 * to `jitter` of it drawn from `random` — AWS's "exponential backoff and jitter", as Device Advisor's "reconnect with
 * jitter backoff — no CONNACK" case expects.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: Random): number {
  const exp = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(exp * (1 - policy.jitter * random()));
}
