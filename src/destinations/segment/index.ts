// Segment destination: forwards stored events to Segment, or any Segment-compatible batch API (another Sluice).
// See docs/destinations.md#segment.
import type { Destination, DestinationContext } from '../../core/destination.js';
import { type Config, schema } from './config.js';
import { MAX_REQUEST_BYTES, MAX_REQUEST_EVENTS, sendBatch } from './send.js';

export const type = 'segment';
export { schema, type Config };

/** Room left in the runner's byte bound for the envelope and separators; send() measures the real bodies anyway. */
const ENVELOPE_HEADROOM_BYTES = 4 * 1024;

export function create(config: Config, ctx: DestinationContext): Destination {
  return {
    maxBatchEvents: MAX_REQUEST_EVENTS,
    maxBatchBytes: MAX_REQUEST_BYTES - ENVELOPE_HEADROOM_BYTES,
    send: (batch, signal) => sendBatch(config, ctx, batch, signal),
  };
}
