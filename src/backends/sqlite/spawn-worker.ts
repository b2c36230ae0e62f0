// Starts one of this folder's worker threads. Under tsx (tests, dev) the module is TypeScript and Node 20 does not
// carry the parent's --import loader into workers, so tsx is registered in the worker first; compiled, the .js file
// is loaded directly.
import { type ResourceLimits, Worker } from 'node:worker_threads';
import { letWorkersSizeTheirHeaps } from '../../core/worker-heap.js';

export function spawnWorker(name: string, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  letWorkersSizeTheirHeaps();
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const url = new URL(`./${name}${ext}`, import.meta.url);
  return ext === '.ts'
    ? new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true, workerData, ...(resourceLimits ? { resourceLimits } : {}) })
    : new Worker(url, { workerData, ...(resourceLimits ? { resourceLimits } : {}) });
}
