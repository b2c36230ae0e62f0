// Retry delays shared by destinations and functions: exponential with full jitter (a random delay between 0 and
// min(max, initial·2^(n−1))), so many events failing together (an API down) do not come back together.

export interface BackoffPolicy {
  initial_backoff_ms: number;
  max_backoff_ms: number;
}

/** Delay after attempt `attempt` failed (1 = the first delivery). */
export function fullJitterDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.max_backoff_ms, policy.initial_backoff_ms * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
