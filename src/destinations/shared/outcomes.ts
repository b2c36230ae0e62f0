// What happened to each event of one send(), gathered across the several requests a send may make (chunks, halves
// after a 413, a resend after a partial 400), and turned into the one SendResult the runner reads. Keeping the
// outcome per event is what lets a result stay truthful: an event is reported accepted only if a 2xx covered it.
import type { EventFailure, Exchange, SendResult } from '../../core/destination.js';

type Outcome = { ok: true } | { ok: false; permanent: boolean; reason: string; retryAfterMs: number | undefined };

export class Outcomes {
  private readonly outcomes: (Outcome | undefined)[];
  private exchange: Exchange | undefined;
  private failedExchange: Exchange | undefined;

  constructor(size: number) {
    this.outcomes = new Array<Outcome | undefined>(size).fill(undefined);
  }

  accept(indices: readonly number[]): void {
    for (const i of indices) this.outcomes[i] = { ok: true };
  }

  /** Permanent: bad data, dead-letter it. Not permanent: nothing was accepted for it, send it again later. */
  fail(indices: readonly number[], permanent: boolean, reason: string, retryAfterMs?: number): void {
    for (const i of indices) this.outcomes[i] = { ok: false, permanent, reason, retryAfterMs };
  }

  /** Applies a whole-request result (ok, retry or fail) to the events that request carried. */
  settle(indices: readonly number[], result: SendResult): void {
    if (result.exchange !== undefined) this.record(result.exchange, result.kind !== 'ok');
    switch (result.kind) {
      case 'ok':
        this.accept(indices);
        return;
      case 'retry':
        this.fail(indices, false, result.reason, result.retryAfterMs);
        return;
      case 'fail':
        this.fail(indices, true, result.reason);
        return;
      case 'partial': {
        // Failures index into `indices`, the slice this result was about.
        const failed = new Set<number>();
        for (const f of result.failures) {
          const index = indices[f.index];
          if (index === undefined) continue;
          failed.add(index);
          this.outcomes[index] = { ok: false, permanent: f.permanent, reason: f.reason, retryAfterMs: f.retryAfterMs };
        }
        this.accept(indices.filter((i) => !failed.has(i)));
      }
    }
  }

  /** Remembers an exchange for the result; one that went wrong is preferred, as that is what someone will debug. */
  record(exchange: Exchange, failed: boolean): void {
    this.exchange = exchange;
    if (failed) this.failedExchange = exchange;
  }

  result(): SendResult {
    const exchange = this.failedExchange ?? this.exchange;
    const failures: EventFailure[] = [];
    let accepted = 0;
    let retryAfterMs: number | undefined;
    this.outcomes.forEach((o, index) => {
      // An event no request covered was not delivered; saying "retry" is the only truthful answer.
      const outcome = o ?? { ok: false, permanent: false, reason: 'not sent', retryAfterMs: undefined };
      if (outcome.ok) {
        accepted++;
        return;
      }
      const failure: EventFailure = { index, permanent: outcome.permanent, reason: outcome.reason };
      if (outcome.retryAfterMs !== undefined) {
        failure.retryAfterMs = outcome.retryAfterMs;
        retryAfterMs = Math.max(retryAfterMs ?? 0, outcome.retryAfterMs);
      }
      failures.push(failure);
    });
    const withExchange = <T extends SendResult>(r: T): T => (exchange === undefined ? r : { ...r, exchange });

    if (failures.length === 0) return withExchange({ kind: 'ok' });
    const first = failures[0] as EventFailure;
    if (accepted === 0 && failures.every((f) => !f.permanent)) {
      const out: SendResult = { kind: 'retry', reason: first.reason };
      if (retryAfterMs !== undefined) out.retryAfterMs = retryAfterMs;
      return withExchange(out);
    }
    if (accepted === 0 && failures.every((f) => f.permanent && f.reason === first.reason)) {
      return withExchange({ kind: 'fail', reason: first.reason });
    }
    return withExchange({ kind: 'partial', failures });
  }
}
