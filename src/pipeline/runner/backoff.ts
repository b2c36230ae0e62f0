// When to try again: full-jitter exponential backoff (a random delay between 0 and min(max, initial·2^(n−1))), which
// spreads retries of many events out instead of sending them back in lockstep; a server's Retry-After is a floor.

export interface RetryPolicy {
  max_attempts: number;
  max_elapsed_ms: number;
  initial_backoff_ms: number;
  max_backoff_ms: number;
}

export function fullJitterDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.max_backoff_ms, policy.initial_backoff_ms * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
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
