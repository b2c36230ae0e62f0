// The way back into the log for events a function emits: checked and normalized by the tracking API's own code,
// appended in one go, counted like any received event. A call the tracking API would refuse fails the attempt.
import type { IngestLimits } from '../core/limits.js';
import type { IngestTelemetry } from '../core/telemetry.js';
import type { Log } from '../log/log.js';
import type { Emit } from '../pipeline/functions/emitted.js';
import { type IngestContext, type IngestPrivacy, prepareSingle } from '../sources/http/ingest.js';

/** `privacy`: emitted calls are hashed and suppressed like received ones (a suppressed call is dropped, not emitted). */
export function appendingEmit(log: Log, limits: IngestLimits, anonymizeIp: boolean, telemetry: IngestTelemetry, privacy?: IngestPrivacy): Emit {
  return async (calls, cause) => {
    if (calls.length === 0) return;
    const ctx: IngestContext = { source: cause.source, limits, receivedAt: Date.now(), ip: undefined, anonymizeIp, headerAnonymousId: undefined, privacy };
    // Check every call before appending any, so an attempt emits all of its calls or none.
    const all = calls.map((c) => prepareSingle(c.message, c.type, ctx));
    const suppressed = all.length - all.filter((p) => p.records.length > 0).length;
    if (suppressed > 0) privacy?.suppressed(cause.source, suppressed);
    const prepared = all.filter((p) => p.records.length > 0);
    if (prepared.length === 0) return;
    const records = prepared.flatMap((p) => p.records);
    const result = await log.append(records);
    prepared.forEach((p, i) => {
      if (result.seqs[i] !== null) telemetry.received(cause.source, p.types[0]!, 1);
    });
    if (result.duplicates > 0) telemetry.duplicates(cause.source, result.duplicates);
  };
}
