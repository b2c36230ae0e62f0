// Requests to Mixpanel and what their answers mean for each event: events go to /import (strict mode), identify
// and group become profile updates on /engage and /groups. https://developer.mixpanel.com/reference/import-events
//
// Unlike Amplitude, /import keeps the valid events of a request that answers 400: "If some events pass validation
// and others fail, we will ingest the events that pass validation." So a 400 naming events is a true partial result.
import type { DestinationContext, OutgoingEvent, SendResult } from '../../core/destination.js';
import type { JsonObject } from '../../core/event.js';
import { planRequests, utf8Bytes } from '../shared/chunk.js';
import { type HttpReply, httpCall, resultForStatus } from '../shared/http.js';
import { Outcomes } from '../shared/outcomes.js';
import { isObject } from '../shared/read.js';
import { postSplitting, type SplitTarget } from '../shared/split.js';
import { type Config, importUrl, profileUrl } from './config.js';
import { mapEvent, type Route } from './map.js';

/** Mixpanel: "We accept up to 2000 events and 2MB uncompressed per request" (its 413 says 2097152 bytes). */
export const MAX_REQUEST_EVENTS = 2000;
export const MAX_REQUEST_BYTES = 2_000_000;

/** Not async: the events are mapped at once, and the batch (the stored documents) is not kept while the requests are out. */
export function sendBatch(config: Config, ctx: DestinationContext, batch: readonly OutgoingEvent[], signal: AbortSignal): Promise<SendResult> {
  const out = new Outcomes(batch.length);
  const records: JsonObject[] = [];
  const routes: Record<Route, number[]> = { import: [], engage: [], groups: [] };
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i]!;
    const mapped = mapEvent(e.doc, e.messageId, config);
    if (mapped.ok) {
      records[i] = mapped.record;
      routes[mapped.route].push(i);
    } else out.fail([i], true, mapped.reason);
  }
  return postAll(config, ctx, records, routes, out, signal);
}

async function postAll(config: Config, ctx: DestinationContext, records: readonly JsonObject[], routes: Record<Route, number[]>, out: Outcomes, signal: AbortSignal): Promise<SendResult> {
  // A JSON array of the records, in one JSON.stringify (see planRequests).
  const bodyOf = (indices: readonly number[]): string => JSON.stringify(indices.map((i) => records[i]));
  const post = (url: URL, headers: Record<string, string>) => (indices: readonly number[], body?: string) =>
    httpCall(ctx, { url: url.href, headers, body: body ?? bodyOf(indices), timeoutMs: config.timeout_ms }, signal);
  const auth = { authorization: `Basic ${Buffer.from(`${config.project_token}:`).toString('base64')}` };
  const targets: Record<Route, SplitTarget> = {
    import: { what: 'Mixpanel /import', post: post(importUrl(config), auth), onReply: (indices, reply) => settleImport(indices, reply, out) },
    engage: { what: 'Mixpanel /engage', post: post(profileUrl(config, 'engage'), {}), onReply: (indices, reply) => settleProfiles('Mixpanel /engage', indices, reply, out) },
    groups: { what: 'Mixpanel /groups', post: post(profileUrl(config, 'groups'), {}), onReply: (indices, reply) => settleProfiles('Mixpanel /groups', indices, reply, out) },
  };

  for (const route of ['import', 'engage', 'groups'] as const) {
    const { requests, oversize } = planRequests(routes[route], { maxItems: MAX_REQUEST_EVENTS, maxBytes: MAX_REQUEST_BYTES }, bodyOf, (i) => utf8Bytes(JSON.stringify(records[i])));
    out.fail(oversize, true, `the record is larger than Mixpanel's ${MAX_REQUEST_BYTES}-byte request limit`);
    for (const r of requests) await postSplitting(targets[route], r.indices, out, 0, r.body);
  }
  return out.result();
}

function settleImport(indices: readonly number[], reply: HttpReply, out: Outcomes): void {
  const failed = reply.status === 400 ? failedRecords(reply.body, indices.length) : undefined;
  if (failed === undefined) {
    out.settle(indices, resultForStatus(reply, 'Mixpanel /import'));
    return;
  }
  out.record(reply.exchange, true);
  const valid = indices.filter((_, position) => !failed.records.has(position));
  indices.forEach((index, position) => {
    const why = failed.records.get(position);
    if (why !== undefined) out.fail([index], true, `Mixpanel /import answered 400: ${why}`);
  });
  if (failed.imported !== undefined && failed.imported < valid.length) {
    // Fewer imported than passed validation: which ones is unknown. Resending all is safe, as Mixpanel drops
    // duplicates of (event, time, distinct_id, $insert_id).
    out.fail(valid, false, `Mixpanel /import imported ${failed.imported} of the ${valid.length} valid events; to be sent again`);
  } else out.accept(valid);
}

/** A strict-mode 400: failed_records [{index, $insert_id, field, message}] and num_records_imported. */
function failedRecords(body: string, size: number): { records: Map<number, string>; imported: number | undefined } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || !Array.isArray(parsed.failed_records)) return undefined;
  const records = new Map<number, string>();
  for (const r of parsed.failed_records) {
    if (!isObject(r) || !Number.isInteger(r.index) || (r.index as number) < 0 || (r.index as number) >= size) continue;
    const field = typeof r.field === 'string' ? `${r.field}: ` : '';
    records.set(r.index as number, `${field}${typeof r.message === 'string' ? r.message : 'failed validation'}`);
  }
  if (records.size === 0) return undefined;
  const imported = typeof parsed.num_records_imported === 'number' ? parsed.num_records_imported : undefined;
  return { records, imported };
}

/** /engage and /groups with verbose=1 answer 200 {status: 1} when they took the updates, {status: 0, error} if not. */
function settleProfiles(what: string, indices: readonly number[], reply: HttpReply, out: Outcomes): void {
  const whole = resultForStatus(reply, what);
  if (whole.kind !== 'ok') {
    out.settle(indices, whole);
    return;
  }
  let status: unknown;
  let error: unknown;
  try {
    const parsed: unknown = JSON.parse(reply.body);
    ({ status, error } = isObject(parsed) ? parsed : { status: parsed, error: undefined });
  } catch {
    status = reply.body.trim();
  }
  if (status === 1 || status === '1') out.settle(indices, whole);
  else out.settle(indices, { kind: 'fail', reason: `${what} refused the updates: ${typeof error === 'string' ? error : reply.body.slice(0, 300)}`, exchange: reply.exchange });
}
