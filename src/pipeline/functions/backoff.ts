// Retry delays for failed attempts: exponential with full jitter, so many events failing together (a downstream
// API down) do not come back together.

export interface BackoffPolicy {
  initial_backoff_ms: number;
  max_backoff_ms: number;
}

/** Delay before the attempt after `attempt` (1 = the first delivery failed): uniform in [0, min(max, initial·2^(attempt-1))). */
export function fullJitterBackoff(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.max_backoff_ms, policy.initial_backoff_ms * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
