// Messages between the main thread and the writer thread. All writes go through the one writer, in groups:
// each group is one transaction and one fsync, however many requests it carries.
import type { LoggedEvent } from '../../core/event.js';
import type { PackedRecords } from './packed-records.js';
import type { ExtensionOp } from './writer-extensions.js';

export interface RejectRow {
  at: number;
  source: string | null;
  code: string;
  field: string | null;
  itemIndex: number | null;
  message: string;
  sample: string | null;
}

export type WriteOp =
  | { k: 'append'; packed: PackedRecords }
  | { k: 'cursor'; consumer: string; seq: number }
  | { k: 'retry'; consumer: string; seq: number; dueAt: number; attempt: number; firstAt: number }
  | { k: 'settleRetry'; consumer: string; seq: number }
  | { k: 'dead'; consumer: string; event: LoggedEvent; reason: string; attempt: number; at: number; detail: string | null }
  | { k: 'removeDead'; consumer: string; ids: readonly number[] }
  | { k: 'state'; key: string; value: string | null }
  | { k: 'reject'; rows: readonly RejectRow[] }
  | { k: 'prune'; cutoff: number }
  | { k: 'pruneRejects'; keep: number }
  | { k: 'deleteEvents'; seqs: readonly number[] }
  | { k: 'deleteDeadLettersNaming'; userIds: readonly string[]; anonymousIds: readonly string[] }
  | { k: 'pruneBelow'; bound: number }
  | ExtensionOp;

/** Per op: the seqs for an append (null for a duplicate), the count for a prune, pruneRejects, deleteEvents or deleteDeadLettersNaming, else null. */
export type OpResult = unknown;

export interface WriterInit {
  path: string;
  dedupeWindowMs: number;
  /** WAL pages after which the writer finishes the checkpoint itself, so that the WAL starts over (writer-worker.ts). */
  walResetPages: number;
}

export type WriterRequest = { id: number; ops: WriteOp[]; now: number } | { id: number; close: true };
/** `spent`: the request's append bodies' buffers, transferred back for the client to pack into again (packed-records.ts). */
export type WriterReply = ({ id: number; ok: true; results: OpResult[] } | { id: number; ok: false; error: string }) & { spent?: ArrayBuffer[] };

/** Sent once, when the writer has loaded what it needs (the dedupe index) and takes groups. */
export type WriterStarted = { started: true };
