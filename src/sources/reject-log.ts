// The reject log: every message or request Sluice refused, with the reason, so no refusal is silent.
// Owned here because sources write it; backends implement it.

export interface RejectEntry {
  /** Milliseconds since the epoch. */
  at: number;
  /** The source's name, or null when the write key was missing or unknown. */
  source: string | null;
  code: string;
  field: string | null;
  /** Position in the batch, for batch items. */
  index: number | null;
  message: string;
  /** The start of the offending message or body, for debugging. */
  sample: string | null;
}

export interface RejectQuery {
  limit?: number;
  source?: string;
  code?: string;
}

export interface RejectLog {
  /** Queues entries for writing; never throws and never delays the response. */
  record(entries: readonly RejectEntry[]): void;
  list(query?: RejectQuery): Promise<RejectEntry[]>;
}

export const REJECT_SAMPLE_CHARS = 512;
