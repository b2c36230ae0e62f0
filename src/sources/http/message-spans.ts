// Where a tracking request's messages keep their context, properties, traits and integrations in the body's text.
// The guard (json-guard.ts) finds them in the one pass it makes anyway, so that the stored event can reuse the
// client's own JSON for those objects (event-text.ts) rather than JSON.stringify them again: re-serializing the parsed
// body was a quarter of the main thread's time for 50-event batches (perf, BENCHMARKS.md).

/** The message objects whose fields are located: a single call's body, or each item of a batch's `batch` array. */
export type SpanMode = 'single' | 'batch';

/** The fields located, in the order of their slots. */
export const SPAN_FIELDS = ['context', 'properties', 'traits', 'integrations'] as const;
export type SpanField = (typeof SPAN_FIELDS)[number];
export const SPAN_FIELD_INDEX: Readonly<Record<string, number>> = { context: 0, properties: 1, traits: 2, integrations: 3 };

/** Slots per message: a usable flag, then the start and end of each field. */
const STRIDE = 1 + SPAN_FIELDS.length * 2;

export class MessageSpans {
  /**
   * Flat, STRIDE numbers per message by its index (a single call's body is message 0): 1 when its spans can be
   * trusted, then start (of the `{`) and end (after the `}`) of each field's last object value, -1 for none. A message
   * never opened as an object has no slots.
   */
  private readonly at: number[] = [];
  /** Set when the body as a whole cannot be read this way (an escaped "batch" key). */
  private unusable = false;

  /** Called by the guard when a message object opens. */
  open(index: number): void {
    const base = index * STRIDE;
    while (this.at.length < base) this.at.push(0);
    this.at[base] = 1;
    for (let k = 1; k < STRIDE; k++) this.at[base + k] = -1;
  }

  /** A key of the message is escaped: what it names is only known after parsing, so no span of it is trusted. */
  distrust(index: number): void {
    this.at[index * STRIDE] = 0;
  }

  /** The body's batch array is not the one located (an escaped "batch" key, or another "batch" after it). */
  distrustAll(): void {
    this.unusable = true;
  }

  set(index: number, field: number, start: number, end: number): void {
    const k = index * STRIDE + 1 + field * 2;
    this.at[k] = start;
    this.at[k + 1] = end;
  }

  /** Whether message `index`'s spans can be used. */
  usable(index: number): boolean {
    return !this.unusable && this.at[index * STRIDE] === 1;
  }

  /** Start of `field` (SPAN_FIELD_INDEX) in message `index`, or -1. Check usable() first. */
  start(index: number, field: number): number {
    return this.at[index * STRIDE + 1 + field * 2] ?? -1;
  }

  end(index: number, field: number): number {
    return this.at[index * STRIDE + 2 + field * 2] ?? -1;
  }
}
