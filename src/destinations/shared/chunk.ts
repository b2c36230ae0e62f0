// Cuts a batch into requests that fit an API's limits, measured on the bytes actually sent. The runner's batch
// bounds are an estimate made on stored documents; a mapping can make an event larger or smaller, so the last word
// on size is the serialized item.

export interface ChunkLimits {
  maxItems: number;
  /** Bytes the items may take together, separators included (the caller keeps the envelope's share). */
  maxBytes: number;
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Groups `indices` in order into chunks of at most `maxItems` whose serialized items, joined by one-byte separators,
 * take at most `maxBytes`. An item larger than `maxBytes` on its own is returned in `oversize` instead.
 */
export function chunkBySize(
  indices: readonly number[],
  bytesOf: (index: number) => number,
  limits: ChunkLimits,
): { chunks: number[][]; oversize: number[] } {
  const chunks: number[][] = [];
  const oversize: number[] = [];
  let current: number[] = [];
  let currentBytes = 0;
  for (const index of indices) {
    const bytes = bytesOf(index);
    if (bytes > limits.maxBytes) {
      oversize.push(index);
      continue;
    }
    const added = current.length === 0 ? bytes : bytes + 1;
    if (current.length >= limits.maxItems || currentBytes + added > limits.maxBytes) {
      chunks.push(current);
      current = [index];
      currentBytes = bytes;
    } else {
      current.push(index);
      currentBytes += added;
    }
  }
  if (current.length > 0) chunks.push(current);
  return { chunks, oversize };
}

/** A JSON array built from items that are already serialized, so each event is stringified once per send(). */
export function jsonArray(items: readonly string[]): string {
  return `[${items.join(',')}]`;
}
