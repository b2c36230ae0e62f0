// When a destination tries again: full-jitter backoff with the server's Retry-After as a floor, bounded by attempts
// and by total time.
import { type BackoffPolicy, fullJitterDelay } from '../backoff.js';

export interface RetryPolicy extends BackoffPolicy {
  max_attempts: number;
  max_elapsed_ms: number;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; why: string };

/**
 * `attempt` is the attempt that just failed (1 for the first delivery); `firstRetryAt` when the first retry was
 * scheduled. Gives up after max_attempts attempts or once retrying has lasted max_elapsed_ms.
 */
export function decideRetry(
  attempt: number,
  firstRetryAt: number | undefined,
  retryAfterMs: number | undefined,
  policy: RetryPolicy,
  now: number,
  random: () => number = Math.random,
): RetryDecision {
  if (attempt >= policy.max_attempts) return { retry: false, why: `gave up after ${attempt} attempts` };
  const elapsed = firstRetryAt === undefined ? 0 : now - firstRetryAt;
  const delayMs = Math.max(retryAfterMs ?? 0, fullJitterDelay(attempt, policy, random));
  if (elapsed + delayMs > policy.max_elapsed_ms) return { retry: false, why: `gave up after retrying for ${Math.round(elapsed / 1000)} s` };
  return { retry: true, delayMs };
}
