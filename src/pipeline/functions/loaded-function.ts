// One function's code over time: compiled at start, recompiled when its files change (hot reload), and swapped into
// the sandbox only when the new version compiles and loads. A broken edit keeps the previous version running and is
// reported in the status until a good edit replaces it.
import { resolve } from 'node:path';
import { compileFunction, type CompiledFunction } from './compile.js';
import type { FunctionConfig } from './config.js';
import { type RunResult, Sandbox } from './sandbox.js';
import { type FileWatch, watchFiles } from './watch.js';

/** The logger the app hands in (pino's shape). */
export interface FunctionLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface LoadOptions {
  /** The directory `file` is relative to (the config file's). */
  baseDir: string;
  /** The values of the secrets this function names. */
  secrets: Readonly<Record<string, string>>;
  logger: FunctionLogger;
  /** Recompile when the files change. */
  watch: boolean;
}

export interface LoadError {
  /** ISO 8601. */
  at: string;
  message: string;
}

export class LoadedFunction {
  /** 1 for the version loaded at start, +1 for each successful reload that changed the code. */
  version = 1;
  loadedAt = new Date().toISOString();
  /** The last reload that failed, until one succeeds. */
  loadError: LoadError | null = null;
  private watcher: FileWatch | null = null;
  private reloading: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly config: FunctionConfig,
    readonly path: string,
    private readonly sandbox: Sandbox,
    private compiled: CompiledFunction,
    private readonly opts: LoadOptions,
  ) {}

  /** Compiles and loads the function; rejects with the reason when it does not compile or load. */
  static async open(config: FunctionConfig, opts: LoadOptions): Promise<LoadedFunction> {
    const path = resolve(opts.baseDir, config.file);
    const sandbox = new Sandbox({ name: config.name, timeoutMs: config.timeout_ms, memoryMb: config.memory_mb, secrets: opts.secrets });
    let compiled: CompiledFunction;
    try {
      compiled = await compileFunction(path);
      await sandbox.load(compiled);
    } catch (err) {
      await sandbox.close();
      throw new Error(`function ${config.name} (${path}): ${(err as Error).message}`);
    }
    const fn = new LoadedFunction(config, path, sandbox, compiled, opts);
    if (opts.watch) fn.watcher = watchFiles(fn.watched(), () => void fn.reload());
    return fn;
  }

  private watched(): string[] {
    return [...new Set([this.path, ...this.compiled.inputs])];
  }

  get workerRestarts(): number {
    return this.sandbox.restarts;
  }

  run(event: string): Promise<RunResult> {
    return this.sandbox.run(event);
  }

  /** Recompiles now. Reloads run one at a time; a failure is logged and kept in loadError, never thrown. */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(() => this.reloadOnce());
    return this.reloading;
  }

  private async reloadOnce(): Promise<void> {
    if (this.closed) return;
    const log = { function: this.config.name, file: this.path };
    try {
      const next = await compileFunction(this.path);
      if (next.hash !== this.compiled.hash) {
        await this.sandbox.load(next);
        this.compiled = next;
        this.version++;
        this.loadedAt = new Date().toISOString();
        this.opts.logger.info({ ...log, version: this.version }, 'function reloaded');
      }
      this.loadError = null;
      this.watcher?.update(this.watched());
    } catch (err) {
      if (this.closed) return;
      const message = (err as Error).message;
      this.loadError = { at: new Date().toISOString(), message };
      this.opts.logger.error({ ...log, version: this.version, err: message }, 'function reload failed; the previous version keeps running');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    await this.sandbox.close();
  }
}
