// Which hourly file an event goes to. Hours are UTC. An event without a usable time (a transform removed it, or a
// CloudEvent without `time`) goes to the hour it is archived in, rather than being refused: it is still a good event.
import { join } from 'node:path';
import type { JsonObject } from '../../core/event.js';

export type PartitionBy = 'received_at' | 'timestamp';

/** The fields tried in order; `time` is the CloudEvents attribute. */
const FIELDS: Record<PartitionBy, readonly string[]> = {
  received_at: ['receivedAt'],
  timestamp: ['timestamp', 'time', 'receivedAt'],
};

/** A parseable time in years 0000–9999 (so the hour formats as YYYY-MM-DDTHH), as milliseconds since the epoch. */
function usable(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  const year = new Date(ms).getUTCFullYear();
  return year >= 0 && year <= 9999 ? ms : undefined;
}

/** The UTC hour of the event as `YYYY-MM-DDTHH`. */
export function hourOf(doc: JsonObject, by: PartitionBy, nowMs: number): string {
  let ms: number | undefined;
  for (const field of FIELDS[by]) {
    ms = usable(doc[field]);
    if (ms !== undefined) break;
  }
  return new Date(ms ?? nowMs).toISOString().slice(0, 13);
}

/** `<directory>/<YYYY>/<MM>/<DD>/<prefix>events-<YYYY-MM-DDTHH>.ndjson.gz` */
export function archivePath(directory: string, prefix: string, hour: string): string {
  const [yyyy, mm, dd] = [hour.slice(0, 4), hour.slice(5, 7), hour.slice(8, 10)];
  return join(directory, yyyy, mm, dd, `${prefix}events-${hour}.ndjson.gz`);
}
