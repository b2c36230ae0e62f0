// Starts the configured functions: each compiled and loaded into its own sandbox, each with its own log consumer
// (function:<name>) and loop, so a slow or broken function never holds up another one, nor ingestion.
import type { Log } from '../../log/log.js';
import type { FunctionConfig } from './config.js';
import type { Emit } from './emitted.js';
import { type FunctionCounters, FunctionLoop, type LastFailure } from './function-loop.js';
import { type FunctionLogger, type LoadError, LoadedFunction } from './loaded-function.js';

export interface FunctionsDeps {
  /** Where emitted calls go: validated, normalized and appended by the app. */
  emit: Emit;
  /** Secret values by name; each function receives only the ones it lists. */
  secrets: Readonly<Record<string, string | undefined>>;
  logger: FunctionLogger;
  /** The directory function files are relative to (the config file's). */
  baseDir: string;
  /** Recompile a function when its files change (default true). */
  watch?: boolean;
  /** Jitter source for retry delays (default Math.random); tests pin it. */
  random?: () => number;
}

export interface FunctionStatus extends FunctionCounters {
  name: string;
  /** Absolute path of the module. */
  file: string;
  consumer: string;
  /** 1 at start, +1 per successful reload that changed the code. */
  version: number;
  /** ISO 8601: when the running version was loaded. */
  loadedAt: string;
  /** The last reload that failed (the previous version kept running), until a reload succeeds. */
  loadError: LoadError | null;
  /** Workers started to replace one that timed out, ran out of memory or crashed. */
  workerRestarts: number;
  lastFailure: LastFailure | null;
}

export interface FunctionsRunner {
  /** Stops every loop and worker; events in progress are left unsettled and run again at the next start. */
  stop(): Promise<void>;
  status(): FunctionStatus[];
  /** Recompiles one function now (or all); failures are reported in status().loadError, not thrown. */
  reload(name?: string): Promise<void>;
}

export const consumerName = (fn: Pick<FunctionConfig, 'name'>): string => `function:${fn.name}`;

/** The secrets a function lists, from the values the app holds; a missing one is a configuration error. */
export function secretsFor(fn: FunctionConfig, all: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const missing = fn.secrets.filter((n) => all[n] === undefined);
  if (missing.length > 0) throw new Error(`function ${fn.name} needs secrets that are not set: ${missing.join(', ')}`);
  return Object.fromEntries(fn.secrets.map((n) => [n, all[n]!]));
}

/** Loads every function (rejecting, with nothing left running, if one does not compile or load), then starts them. */
export async function startFunctions(log: Log, fns: readonly FunctionConfig[], deps: FunctionsDeps): Promise<FunctionsRunner> {
  const names = new Set<string>();
  for (const fn of fns) {
    if (names.has(fn.name)) throw new Error(`two functions are named ${fn.name}`);
    names.add(fn.name);
  }
  const secrets = fns.map((fn) => secretsFor(fn, deps.secrets));
  const opened = await Promise.allSettled(
    fns.map((fn, i) => LoadedFunction.open(fn, { baseDir: deps.baseDir, secrets: secrets[i]!, logger: deps.logger, watch: deps.watch ?? true })),
  );
  const loaded = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = opened.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (failed.length > 0) {
    await Promise.all(loaded.map((f) => f.close()));
    throw new Error(failed.join('\n'));
  }

  const loops: FunctionLoop[] = [];
  try {
    for (const fn of loaded) {
      const consumer = await log.consumer(consumerName(fn.config), { startAt: fn.config.start_at });
      loops.push(new FunctionLoop(fn, consumer, { emit: deps.emit, logger: deps.logger, random: deps.random ?? Math.random }));
    }
  } catch (err) {
    await Promise.all(loaded.map((f) => f.close()));
    throw err;
  }
  for (const loop of loops) loop.start();
  deps.logger.info({ functions: fns.map((f) => f.name) }, 'functions started');

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= Promise.all(loops.map((l) => l.stop())).then(() => undefined);
      return stopping;
    },
    status() {
      return loops.map((l) => ({
        name: l.fn.config.name,
        file: l.fn.path,
        consumer: consumerName(l.fn.config),
        version: l.fn.version,
        loadedAt: l.fn.loadedAt,
        loadError: l.fn.loadError,
        workerRestarts: l.fn.workerRestarts,
        ...l.counters,
        lastFailure: l.lastFailure,
      }));
    },
    async reload(name) {
      await Promise.all(loops.filter((l) => name === undefined || l.fn.config.name === name).map((l) => l.fn.reload()));
    },
  };
}
