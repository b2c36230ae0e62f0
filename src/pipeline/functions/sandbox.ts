// Main-thread side of a function's sandbox: one worker thread with a heap cap, a watchdog per invocation, and a fresh
// worker whenever the old one was killed (timeout), ran out of memory or crashed. Nothing a function does can take
// the server down: every way it can fail becomes a RunResult with an error.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import { letWorkersSizeTheirHeaps } from '../../core/worker-heap.js';
import type { CompiledFunction } from './compile.js';
import type { EmittedCall } from './emitted.js';
import type { FromWorker, LogLine, SandboxInit, ToWorker } from './sandbox-protocol.js';

export interface SandboxOptions {
  name: string;
  timeoutMs: number;
  memoryMb: number;
  secrets: Readonly<Record<string, string>>;
}

export type FailureKind = 'error' | 'timeout' | 'memory' | 'crash' | 'stopped';

export interface RunResult {
  calls: EmittedCall[];
  logs: LogLine[];
  /** Set when the attempt failed: "TypeError: …", "timed out after 5000 ms", "out of memory (memory_mb 64)". */
  error?: string;
  failure?: FailureKind;
  stack?: string;
}

/** Room for vm's own timeout to report a synchronous overrun from inside the worker before the watchdog kills it. */
const WATCHDOG_GRACE_MS = 250;
/** A worker's start (thread, module probe) is given this on top of the function's own timeout. */
const START_ALLOWANCE_MS = 10_000;
/**
 * A function's young generation: 16 MB (two 8 MB semi-spaces), what the main thread has. Functions ran with it while
 * the main thread's --max-semi-space-size reached every worker (src/core/worker-heap.ts); said here, it stays so. Its
 * old generation is the function's `memory_mb`, which that flag's sibling overrode until then.
 */
const FUNCTION_YOUNG_MB = 16;

let bundledWorker: string | undefined;

/**
 * Under tsx (tests, dev) this module is TypeScript and Node 20 workers do not inherit the --import loader, so the
 * worker file is bundled to one CommonJS script with esbuild and started with eval; compiled, the .js file is used.
 */
function workerSource(): { url: URL } | { code: string } {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const url = new URL(`./sandbox-worker${ext}`, import.meta.url);
  if (ext === '.js') return { url };
  bundledWorker ??= buildSync({ entryPoints: [fileURLToPath(url)], bundle: true, write: false, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'silent' }).outputFiles[0]!.text;
  return { code: bundledWorker };
}

interface Pending {
  id: number;
  logs: LogLine[];
  resolve: (r: RunResult) => void;
}

/** One worker thread running one version of the function. */
class SandboxWorker {
  private readonly worker: Worker;
  private pending: Pending | null = null;
  private nextId = 1;
  private deathReason: { failure: FailureKind; error: string } | null = null;
  private exited = false;
  readonly ready: Promise<void>;

  constructor(init: SandboxInit, memoryMb: number) {
    letWorkersSizeTheirHeaps();
    const src = workerSource();
    const options = { workerData: init, resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: FUNCTION_YOUNG_MB }, stdout: true, stderr: true };
    this.worker = 'url' in src ? new Worker(src.url, options) : new Worker(src.code, { ...options, eval: true });
    // The function's output goes through ctx.log and console; raw stdio of the thread is dropped.
    this.worker.stdout.resume();
    this.worker.stderr.resume();
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill('timeout', `the worker did not start within ${init.timeoutMs + START_ALLOWANCE_MS} ms`);
      }, init.timeoutMs + START_ALLOWANCE_MS);
      this.worker.on('message', (msg: FromWorker) => {
        if (msg.kind === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (msg.kind === 'invalid') {
          clearTimeout(timer);
          reject(new Error(msg.error));
          void this.worker.terminate();
        } else this.onMessage(msg);
      });
      this.worker.on('error', (err: Error & { code?: string }) => {
        this.deathReason ??=
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? { failure: 'memory', error: `out of memory: the function used more than memory_mb (${memoryMb} MB)` }
            : { failure: 'crash', error: `the function's worker crashed: ${err.message}` };
      });
      this.worker.on('exit', () => {
        clearTimeout(timer);
        this.exited = true;
        const why = this.deathReason ?? { failure: 'crash' as const, error: "the function's worker exited" };
        reject(new Error(why.error));
        this.settle({ calls: [], logs: [], ...why });
      });
    });
    // A rejected start is reported by whoever awaits `ready`; this keeps it from being unhandled meanwhile.
    this.ready.catch(() => {});
  }

  get alive(): boolean {
    return !this.exited;
  }

  private onMessage(msg: FromWorker): void {
    const p = this.pending;
    if (p === null) return;
    if (msg.kind === 'log' && msg.id === p.id) p.logs.push(msg.line);
    else if (msg.kind === 'done' && msg.id === p.id) {
      const r: RunResult = { calls: msg.calls, logs: [] };
      if (msg.error !== undefined) {
        r.error = msg.error;
        r.failure = msg.timedOut === true ? 'timeout' : 'error';
        if (msg.stack !== undefined) r.stack = msg.stack;
      }
      this.settle(r);
    }
  }

  private settle(r: RunResult): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    p.resolve({ ...r, logs: [...p.logs, ...r.logs] });
  }

  /** Ends the thread at once, even in the middle of an infinite loop; the run in progress fails with `error`. */
  kill(failure: FailureKind, error: string): void {
    this.deathReason ??= { failure, error };
    void this.worker.terminate();
  }

  run(event: string, watchdogMs: number, timeoutMs: number): Promise<RunResult> {
    const id = this.nextId++;
    return new Promise<RunResult>((resolve) => {
      const timer = setTimeout(() => this.kill('timeout', `timed out after ${timeoutMs} ms`), watchdogMs);
      this.pending = {
        id,
        logs: [],
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      if (this.exited) {
        this.settle({ calls: [], logs: [], failure: 'crash', error: "the function's worker is not running" });
        return;
      }
      const msg: ToWorker = { kind: 'run', id, event };
      this.worker.postMessage(msg);
    });
  }

  async terminate(): Promise<void> {
    this.deathReason ??= { failure: 'stopped', error: 'the function was stopped' };
    await this.worker.terminate();
  }
}

/**
 * A function's sandbox across versions and worker lifetimes. Runs are sequential (the runner awaits each); load()
 * may be called meanwhile (hot reload): the new version takes over once its worker is ready, and the run in progress
 * finishes on the old one.
 */
export class Sandbox {
  private version: CompiledFunction | null = null;
  private worker: SandboxWorker | null = null;
  private busy: SandboxWorker | null = null;
  private closed = false;
  /** Workers started to replace one that was killed, ran out of memory or crashed. */
  restarts = 0;

  constructor(private readonly opts: SandboxOptions) {}

  private spawn(compiled: CompiledFunction): SandboxWorker {
    const init: SandboxInit = { name: this.opts.name, filename: compiled.filename, code: compiled.code, timeoutMs: this.opts.timeoutMs, secrets: this.opts.secrets };
    return new SandboxWorker(init, this.opts.memoryMb);
  }

  /** Starts a worker on this version; rejects (keeping the current version) when the module throws or exports no function. */
  async load(compiled: CompiledFunction): Promise<void> {
    if (this.closed) throw new Error('the sandbox is closed');
    const candidate = this.spawn(compiled);
    await candidate.ready;
    if (this.closed) {
      await candidate.terminate();
      throw new Error('the sandbox is closed');
    }
    const old = this.worker;
    this.version = compiled;
    this.worker = candidate;
    if (old !== null && old !== this.busy) void old.terminate();
  }

  private async current(): Promise<SandboxWorker> {
    if (this.worker === null || !this.worker.alive) {
      if (this.version === null) throw new Error('no version of the function is loaded');
      if (this.worker !== null) this.restarts++;
      this.worker = this.spawn(this.version);
    }
    const w = this.worker;
    await w.ready;
    return w;
  }

  /** Runs the function on one serialized event. Never rejects: every failure is in the result. */
  async run(event: string): Promise<RunResult> {
    if (this.closed) return { calls: [], logs: [], failure: 'stopped', error: 'the function was stopped' };
    let w: SandboxWorker;
    try {
      w = await this.current();
    } catch (err) {
      return { calls: [], logs: [], failure: this.closed ? 'stopped' : 'crash', error: (err as Error).message };
    }
    this.busy = w;
    try {
      return await w.run(event, this.opts.timeoutMs + WATCHDOG_GRACE_MS, this.opts.timeoutMs);
    } finally {
      this.busy = null;
      if (w !== this.worker) void w.terminate();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = new Set([this.worker, this.busy]);
    this.worker = null;
    await Promise.all([...workers].map((w) => w?.terminate()));
  }
}

