// What a JetStream consumer's info says about a Log consumer: its cursor (every event at or below it settled) and
// its lag. Pure functions of the consumer info and the retries scheduled, so the rules are in one place.
import type { ConsumerInfo } from '@nats-io/jetstream';

/**
 * The ack floor, as a Log position. JetStream reports 0 until the first contiguous ack, even for a consumer that
 * started further on (by start sequence), and with nothing out the floor is simply what was delivered.
 */
export function ackFloor(info: ConsumerInfo): number {
  if (info.num_ack_pending === 0) return info.delivered.stream_seq;
  const start = info.config.deliver_policy === 'by_start_sequence' ? (info.config.opt_start_seq ?? 1) - 1 : 0;
  return Math.max(info.ack_floor.stream_seq, start);
}

/**
 * Events not yet read past. An event scheduled for retry counts as read past (the Log contract); JetStream keeps it
 * pending, so the floor is stepped over scheduled retries. JetStream does not say which of the events above the floor
 * were acked, so when something other than a scheduled retry is pending, every event above the floor counts: lag never
 * understates what a restart could deliver again.
 */
export function lagOf(info: ConsumerInfo, retrySeqs: ReadonlySet<number>): number {
  // Nothing out, or everything out is a scheduled retry: every delivered event is read past.
  if (info.num_ack_pending === 0 || allPendingAreRetries(info, retrySeqs)) return info.num_pending;
  let floor = ackFloor(info);
  while (retrySeqs.has(floor + 1)) floor++;
  return info.num_pending + Math.max(0, info.delivered.stream_seq - floor);
}

function allPendingAreRetries(info: ConsumerInfo, retrySeqs: ReadonlySet<number>): boolean {
  // Retries recorded at or below the floor are settled already; only those above it can be pending.
  const floor = ackFloor(info);
  let above = 0;
  for (const s of retrySeqs) if (s > floor && s <= info.delivered.stream_seq) above++;
  return above >= info.num_ack_pending;
}
