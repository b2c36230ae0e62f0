// Lets each worker thread's resourceLimits size its heap. The `sluice` command sizes the main thread's heap with
// --max-old-space-size and --max-semi-space-size (src/cli/main.ts), and V8 reads those flags again for every isolate
// it creates afterwards, where they override a Worker's resourceLimits. Measured on Node 20: threads given 8 MB young
// generations got 16 MB (BENCHMARKS.md 2026-12-05), and a function's `memory_mb` (maxOldGenerationSizeMb) was
// ignored, its worker getting the main thread's 1 GB limit instead. Clearing the flags (0 means unset) once the main
// isolate exists changes nothing for it (its heap was sized at start) and lets every worker started later use its
// own limits, or V8's defaults where it sets none.
// Node has no per-worker way to do this; v8.setFlagsFromString is the only way to keep a V8 flag to one isolate.
import { setFlagsFromString } from 'node:v8';

let cleared = false;

/** Call before starting a Worker; does nothing after the first call. */
export function letWorkersSizeTheirHeaps(): void {
  if (cleared) return;
  cleared = true;
  setFlagsFromString('--max-semi-space-size=0');
  setFlagsFromString('--max-old-space-size=0');
}
