// The file destination: an hourly archive of NDJSON, gzip-compressed. Every send appends one gzip member per hour
// it touches and fsyncs before answering, so an acknowledged event is on disk. Delivery is at least once: a batch
// resent after a crash can appear twice, and readers dedupe on messageId.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Destination, DestinationContext, EventFailure, OutgoingEvent, SendResult } from '../../core/destination.js';
import { Appender } from './appender.js';
import type { Config } from './options.js';
import { archivePath, hourOf } from './partition.js';

export { schema, type Config } from './options.js';
export { readArchive, type Archive } from './archive.js';

export const type = 'file';

const gzipAsync = promisify(gzip);

/** Upper bounds on one send: one batch is compressed in memory. */
const MAX_BATCH_EVENTS = 10_000;
const MAX_BATCH_BYTES = 16 * 1024 * 1024;

export function create(config: Config, ctx: DestinationContext): Destination {
  const appender = new Appender(ctx.log);

  /** Event indexes per file, in batch order. */
  function groupByFile(batch: readonly OutgoingEvent[]): Map<string, number[]> {
    const now = ctx.now();
    const groups = new Map<string, number[]>();
    batch.forEach((e, i) => {
      const path = archivePath(config.directory, config.prefix, hourOf(e.doc, config.partition_by, now));
      const group = groups.get(path);
      if (group === undefined) groups.set(path, [i]);
      else group.push(i);
    });
    return groups;
  }

  async function writeGroup(path: string, events: OutgoingEvent[]): Promise<void> {
    const ndjson = events.map((e) => `${JSON.stringify(e.doc)}\n`).join('');
    await appender.append(path, await gzipAsync(ndjson));
  }

  return {
    maxBatchEvents: MAX_BATCH_EVENTS,
    maxBatchBytes: MAX_BATCH_BYTES,

    async send(batch: readonly OutgoingEvent[], signal: AbortSignal): Promise<SendResult> {
      if (signal.aborted) return { kind: 'retry', reason: 'aborted before writing' };
      const failures: EventFailure[] = [];
      // Each file is its own atomic unit: a failure in one hour's file leaves the other hours written.
      await Promise.all(
        [...groupByFile(batch)].map(async ([path, indexes]) => {
          try {
            await writeGroup(path, indexes.map((i) => batch[i] as OutgoingEvent));
          } catch (err) {
            const reason = `writing ${path}: ${(err as Error).message}`;
            for (const index of indexes) failures.push({ index, permanent: false, reason });
          }
        }),
      );
      if (failures.length === 0) return { kind: 'ok' };
      // Disk errors (full, read-only, permissions) are the operator's to fix; the events themselves are fine.
      if (failures.length === batch.length) return { kind: 'retry', reason: failures[0]?.reason ?? 'write failed' };
      return { kind: 'partial', failures: failures.sort((a, b) => a.index - b.index) };
    },

    async close(): Promise<void> {
      await appender.idle();
    },
  };
}
