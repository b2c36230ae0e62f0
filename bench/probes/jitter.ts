// Measures how long this core is taken away from a busy thread: a tight loop notes every gap between two reads of the
// clock. On bare metal the gaps stay in the microseconds; on a shared VM the host preempts the vCPU now and then, and
// no server on it can have a latency tail shorter than those gaps. Prints {"maxGapMs":..,"gapsOver1ms":..}.
// Usage: node jitter.ts SECONDS
const seconds = Number(process.argv[2] ?? 3);
const end = performance.now() + seconds * 1000;
let last = performance.now();
let maxGapMs = 0;
let gapsOver1ms = 0;
for (;;) {
  const t = performance.now();
  const gap = t - last;
  if (gap > 1) gapsOver1ms++;
  if (gap > maxGapMs) maxGapMs = gap;
  last = t;
  if (t > end) break;
}
process.stdout.write(`${JSON.stringify({ maxGapMs: Math.round(maxGapMs * 100) / 100, gapsOver1ms })}\n`);
