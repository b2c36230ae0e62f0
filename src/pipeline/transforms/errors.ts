// Errors found while compiling transforms (at startup), as opposed to TransformError (core/), which a compiled
// transform throws for one document at run time.

/** A transform config that cannot be compiled. Names the transform and the key (or field) at fault. */
export class TransformSpecError extends Error {
  constructor(
    readonly transform: string,
    readonly key: string,
    readonly reason: string,
  ) {
    super(`${transform}${key === '' ? '' : ` at key ${JSON.stringify(key)}`}: ${reason}`);
    this.name = 'TransformSpecError';
  }
}

/** Thrown by spec parsers that do not know where they are; the caller adds the transform and key. */
export class SpecProblem extends Error {
  override name = 'SpecProblem';
}
