// A worker started by a process that runs with --max-semi-space-size and --max-old-space-size (as the `sluice`
// command does) gets the heap its resourceLimits ask for once letWorkersSizeTheirHeaps has run, and the flags'
// otherwise.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const HELPER = fileURLToPath(new URL('./worker-heap.ts', import.meta.url));

/**
 * Runs a Node process with the `sluice` command's heap flags; it starts a worker asking for an 8 MB young generation
 * and a 64 MB old one, which churns through short-lived objects (so that V8 grows its young generation to the limit)
 * and reports the size of its new space and its heap limit, in MB.
 */
function workerHeap(clearFirst: boolean): { newSpace: number; limit: number } {
  // Dynamic imports: the eval'd worker runs as a module or as a script depending on the loader.
  const worker = `
    (async () => {
    const v8 = await import('node:v8');
    const { parentPort } = await import('node:worker_threads');
    const keep = [];
    for (let r = 0; r < 150; r++) {
      const a = [];
      for (let i = 0; i < 50000; i++) a.push({ i, s: 'x' + i });
      keep.push(a);
      if (keep.length > 3) keep.shift();
    }
    const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
    parentPort.postMessage({ newSpace: s.space_size / 1048576, limit: v8.getHeapStatistics().heap_size_limit / 1048576 });
    })();`;
  const main = `
    import { Worker } from 'node:worker_threads';
    import { letWorkersSizeTheirHeaps } from ${JSON.stringify(HELPER)};
    if (${clearFirst}) letWorkersSizeTheirHeaps();
    const w = new Worker(${JSON.stringify(worker)}, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 64 } });
    w.on('message', (m) => { console.log(JSON.stringify(m)); void w.terminate(); });`;
  const out = execFileSync(process.execPath, ['--max-semi-space-size=8', '--max-old-space-size=1024', '--import', 'tsx', '--input-type=module', '-e', main], { encoding: 'utf8' });
  return JSON.parse(out) as { newSpace: number; limit: number };
}

describe('worker heap', () => {
  it('follows the worker resourceLimits once the helper has run', () => {
    const heap = workerHeap(true);
    assert.ok(heap.newSpace <= 8, `an 8 MB young generation at most: ${heap.newSpace}`);
    // The limit adds the young generation and V8's own reserve to the old generation's 64 MB.
    assert.ok(heap.limit < 128, `a heap limit near 64 MB: ${heap.limit}`);
  });

  it('follows the main thread flags without the helper (why the helper exists)', () => {
    // Two 8 MB semi-spaces and the 1 GB limit: if this ever fails, V8 no longer lets the flags override
    // resourceLimits and the helper can go.
    const heap = workerHeap(false);
    assert.equal(heap.newSpace, 16);
    assert.ok(heap.limit > 1000, `the main thread's limit: ${heap.limit}`);
  });
});
