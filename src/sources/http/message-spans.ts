// Where a tracking request's messages keep their context, properties, traits and integrations in the body's text.
// The guard (json-guard.ts) finds them in the one pass it makes anyway, so that the stored event can reuse the
// client's own JSON for those objects (event-text.ts) rather than JSON.stringify them again: re-serializing the parsed
// body was a quarter of the main thread's time for 50-event batches (perf, BENCHMARKS.md).

/** The message objects whose fields are located: a single call's body, or each item of a batch's `batch` array. */
export type SpanMode = 'single' | 'batch';

/** The fields located, in the order of their slots (a field's number is its index here). */
export const SPAN_FIELDS = ['context', 'properties', 'traits', 'integrations'] as const;

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
  private buf: Buffer | null = null;
  private text = '';
  /** Every byte of the body is one UTF-16 unit of its text, so byte offsets are text offsets. */
  private ascii = false;

  /**
   * The body the spans are byte offsets into, and its text. When each byte decoded to one unit (ASCII, and the
   * replacement of a lone invalid byte), a field is a slice of the text, which V8 makes without copying; otherwise its
   * bytes are decoded again. Either way its ends are ASCII braces, which no UTF-8 sequence contains, so it decodes as
   * it did within the whole.
   */
  readFrom(buf: Buffer, text: string): void {
    this.buf = buf;
    this.text = text;
    this.ascii = text.length === buf.length;
  }

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

  /** A key of the batch body is escaped: it may be "batch", so the array located may not be the one parsed. */
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

  /** The client's text of `field` in message `index` (check usable() first), or undefined when it was not located. */
  fieldText(index: number, field: number): string | undefined {
    const k = index * STRIDE + 1 + field * 2;
    const start = this.at[k] ?? -1;
    if (start < 0 || this.buf === null) return undefined;
    const end = this.at[k + 1]!;
    return this.ascii ? this.text.slice(start, end) : this.buf.toString('utf8', start, end);
  }
}
