// batch_format none: one request per event, each classified on its own, then folded into one SendResult for the
// batch. The fold keeps the runner's meaning of each kind: 'partial' means every event not named was accepted.
import type { EventFailure, SendResult } from '../../core/destination.js';

/** What one event's request came to: the whole-request kinds of SendResult, for one event. */
export type EventOutcome = Extract<SendResult, { kind: 'ok' | 'retry' | 'fail' }>;

/** One request's result as an outcome. shared/http never answers 'partial' for one request; if it ever did, retrying is safe. */
export function outcomeOf(result: SendResult): EventOutcome {
  return result.kind === 'partial' ? { kind: 'retry', reason: 'one request came back partial', exchange: result.exchange } : result;
}

/**
 * All accepted: ok. All retryable: retry, waiting for the longest Retry-After among them. Anything else (some
 * accepted, or some refused for good): partial naming exactly the events that were not accepted.
 */
export function foldOutcomes(outcomes: readonly EventOutcome[]): SendResult {
  const failed = outcomes.flatMap((o, index) => (o.kind === 'ok' ? [] : [{ o, index }]));
  const first = failed[0];
  if (first === undefined) return { kind: 'ok', exchange: outcomes[0]?.exchange };

  const waits = failed.flatMap(({ o }) => (o.kind === 'retry' && o.retryAfterMs !== undefined ? [o.retryAfterMs] : []));
  const retryAfterMs = waits.length > 0 ? Math.max(...waits) : undefined;
  const more = failed.length > 1 ? ` (and ${failed.length - 1} more of ${outcomes.length})` : '';

  if (failed.length === outcomes.length && failed.every(({ o }) => o.kind === 'retry')) {
    const out: SendResult = { kind: 'retry', reason: `${first.o.reason}${more}`, exchange: first.o.exchange };
    if (retryAfterMs !== undefined) out.retryAfterMs = retryAfterMs;
    return out;
  }
  const failures: EventFailure[] = failed.map(({ o, index }) => {
    const f: EventFailure = { index, permanent: o.kind === 'fail', reason: o.reason };
    if (o.kind === 'retry' && o.retryAfterMs !== undefined) f.retryAfterMs = o.retryAfterMs;
    return f;
  });
  return { kind: 'partial', failures, exchange: first.o.exchange };
}
