// A transform reshapes one document, or drops it (null). Transforms are verbs composed per destination; they run when
// a consumer reads, so a fixed transform can be replayed over the past.
import type { JsonObject } from './event.js';

export type Transform = (doc: JsonObject) => JsonObject | null;

/** A transform that cannot handle a document. Names the transform (its position and kind) and the path involved. */
export class TransformError extends Error {
  constructor(
    readonly transform: string,
    message: string,
    readonly path?: string,
  ) {
    super(`${transform}${path === undefined ? '' : ` at ${path}`}: ${message}`);
    this.name = 'TransformError';
  }
}
