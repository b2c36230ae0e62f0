// Input limits. The byte limits are Segment's documented ones, so an SDK tuned for Segment never trips ours.

export interface IngestLimits {
  /** One message, serialized (Segment: 32 KB). */
  max_message_bytes: number;
  /** One request body after gzip decoding (Segment: 500 KB). */
  max_batch_bytes: number;
  /** Items in one batch (Segment: 2,500). */
  max_batch_items: number;
  /** Nesting of objects and arrays, counting the body itself as depth 1. */
  max_depth: number;
  /** Any one string (key or value), in UTF-8 bytes. */
  max_string_bytes: number;
}

export const DEFAULT_LIMITS: IngestLimits = {
  max_message_bytes: 32 * 1024,
  max_batch_bytes: 500 * 1024,
  max_batch_items: 2500,
  max_depth: 32,
  max_string_bytes: 8 * 1024,
};
