// `sluice import FILE`: reads NDJSON, CSV or Segment archive files and posts them in batches to a running Sluice's
// /v1/import. Going through the server (not appending to the log directly) means the events get the same checks,
// tracking plans, metrics and deduplication as live traffic, and the import works while the server runs (the
// embedded log has one writer) and against a remote one. Resumable through a state file; deduplicated by messageId.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { JsonObject } from '../../core/event.js';
import { ImportError, type ImportTarget, postBatch } from './post-batch.js';
import { formatOf, type ImportFormat, openImportFile } from './read-file.js';
import { defaultStatePath, fileHead, type ImportState, readState, writeState } from './state.js';
import { type ColumnPlan, messageFromCsvRow, messageFromJsonLine, planColumns, RecordError } from './to-message.js';

export { ImportError } from './post-batch.js';

export interface ImportOptions extends ImportTarget {
  file: string;
  /** Default: <file>.sluice-import.json. */
  statePath?: string | undefined;
  /** Default: from the extension (.csv, else NDJSON); gzip is recognised by its content. */
  format?: ImportFormat | undefined;
  /** Ignore the state file and import from the first line (what is already stored is not stored again). */
  fromStart?: boolean;
  batchSize?: number;
  maxBatchBytes?: number;
  signal?: AbortSignal | undefined;
  /** Post retry pacing, for tests. */
  backoffMs?: number;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  /** A record that was not stored: refused here (code invalid_record) or by the server. */
  onReject?: (line: number, code: string, message: string) => void;
}

export interface ImportSummary {
  statePath: string;
  /** The line the import started after (0: the beginning). */
  resumedAfter: number;
  /** Records sent in this run, and refused in this run. */
  sent: number;
  rejected: number;
  /** The state said the whole file was already imported: nothing was read. */
  alreadyDone: boolean;
  /** Stopped by the signal; the state file says where to go on. */
  interrupted: boolean;
}

interface Pending {
  messages: JsonObject[];
  lines: number[];
  bytes: number;
  /** Refused here since the last flush: added to the state with the next batch. */
  localRejects: number;
  lastLine: number;
  nextOffset: number | undefined;
}

function initialState(file: string, format: ImportFormat): ImportState {
  return { version: 1, ...fileHead(file), format, line: 0, sent: 0, rejected: 0 };
}

export async function runImport(opts: ImportOptions): Promise<ImportSummary> {
  const file = resolve(opts.file);
  const statePath = opts.statePath ?? defaultStatePath(file);
  const format = opts.format ?? formatOf(file);
  const batchSize = opts.batchSize ?? 500;
  const maxBatchBytes = opts.maxBatchBytes ?? 400_000;
  if (!existsSync(file)) throw new ImportError(`${file} does not exist`);
  const size = statSync(file).size;

  let state = opts.fromStart ? undefined : readState(statePath);
  if (state !== undefined) {
    if (state.head !== fileHead(file, state.headBytes).head || state.format !== format) {
      throw new ImportError(`${file} is not the file ${statePath} was written for (its start or format changed): pass --from-start to import it afresh`);
    }
    if (state.completedSize === size) return { statePath, resumedAfter: state.line, sent: 0, rejected: 0, alreadyDone: true, interrupted: false };
  }
  state ??= initialState(file, format);
  const summary: ImportSummary = { statePath, resumedAfter: state.line, sent: 0, rejected: 0, alreadyDone: false, interrupted: false };
  const opened = openImportFile(file, format, { line: state.line, offset: state.offset });
  const target: ImportTarget = { url: opts.url.replace(/\/+$/, ''), writeKey: opts.writeKey };
  let plan: ColumnPlan | undefined;
  let pending: Pending = { messages: [], lines: [], bytes: 0, localRejects: 0, lastLine: state.line, nextOffset: state.offset };

  const reject = (line: number, code: string, message: string): void => {
    summary.rejected++;
    opts.onReject?.(line, code, message);
  };

  const flush = async (): Promise<void> => {
    if (pending.messages.length > 0) {
      const refused = await postBatch(target, pending.messages, { signal: opts.signal, ...(opts.backoffMs === undefined ? {} : { backoffMs: opts.backoffMs }) });
      for (const r of refused) reject(pending.lines[r.index] ?? pending.lastLine, r.code, r.message);
      summary.sent += pending.messages.length - refused.length;
      state.sent += pending.messages.length - refused.length;
      state.rejected += refused.length;
    }
    state.rejected += pending.localRejects;
    state.line = pending.lastLine;
    if (pending.nextOffset !== undefined) state.offset = pending.nextOffset;
    writeState(statePath, state);
    opts.onProgress?.(opened.bytesRead(), size);
    pending = { messages: [], lines: [], bytes: 0, localRejects: 0, lastLine: pending.lastLine, nextOffset: pending.nextOffset };
  };

  try {
    for await (const record of opened.records()) {
      let message: JsonObject | null;
      try {
        if (typeof record.text === 'string') message = messageFromJsonLine(record.line, record.text);
        else message = messageFromCsvRow(record.line, record.text, (plan ??= planColumns(opened.header ?? [])));
      } catch (err) {
        if (!(err instanceof RecordError)) throw err;
        if (plan === undefined && format === 'csv') throw new ImportError(err.message); // the header: nothing can be imported
        reject(record.line, 'invalid_record', err.message);
        pending.localRejects++;
        message = null;
      }
      if (message !== null) {
        const bytes = Buffer.byteLength(JSON.stringify(message)) + 1;
        if (bytes > maxBatchBytes) {
          reject(record.line, 'message_too_large', `the message is ${bytes} bytes; a batch may hold ${maxBatchBytes}`);
          pending.localRejects++;
        } else {
          if (pending.bytes + bytes > maxBatchBytes) await flush();
          pending.messages.push(message);
          pending.lines.push(record.line);
          pending.bytes += bytes;
        }
      }
      pending.lastLine = record.line;
      pending.nextOffset = record.nextOffset;
      if (pending.messages.length >= batchSize) await flush();
      if (opts.signal?.aborted) {
        summary.interrupted = true;
        return summary;
      }
    }
    await flush();
  } catch (err) {
    if (opts.signal?.aborted) {
      summary.interrupted = true;
      return summary;
    }
    throw err;
  }
  state.completedSize = size;
  writeState(statePath, state);
  return summary;
}
