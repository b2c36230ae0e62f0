// Runs one function's module inside a worker thread. Every invocation gets a fresh vm context (fresh globals, the
// module evaluated anew), so nothing one event leaves behind is seen by the next. Synchronous code runs under vm's
// timeout; whatever escapes it (an async loop, a promise that never settles) is the main thread's watchdog's job.
// Only node: built-ins may be imported here: under tsx this file is bundled on its own (see sandbox.ts).
import { createContext, Script } from 'node:vm';
import { format } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import type { EventType, JsonObject } from '../../core/event.js';
import type { EmittedCall } from './emitted.js';
import type { FromWorker, LogLevel, SandboxInit, ToWorker } from './sandbox-protocol.js';

const MAX_CALLS = 100;
const LOAD_TIMEOUT_MS = 5_000;
const MAX_LOG_LINES = 200;
const MAX_LINE_CHARS = 4_096;
const CALL_TYPES: readonly EventType[] = ['track', 'identify', 'page', 'screen', 'group', 'alias'];

const init = workerData as SandboxInit;
const port = parentPort!;
const moduleScript = new Script(init.code, { filename: init.filename });
const invokeScript = new Script('__sluice_main(JSON.parse(__sluice_event), __sluice_ctx)', { filename: 'sluice:invoke' });

function post(msg: FromWorker): void {
  port.postMessage(msg);
}

function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isTimeout(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
}

/** "Name: message" for errors of any realm; other thrown values as formatted. */
function describeError(err: unknown): string {
  if (typeof err === 'object' && err !== null && typeof (err as Error).message === 'string') {
    const e = err as Error;
    return `${typeof e.name === 'string' ? e.name : 'Error'}: ${e.message}`;
  }
  return `thrown: ${format(err)}`;
}

/** One event's run: its calls, its log lines, and the timers and requests to cancel when it ends. */
class Invocation {
  readonly calls: EmittedCall[] = [];
  private lines = 0;
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private nextTimer = 1;
  private readonly controller = new AbortController();

  constructor(
    readonly id: number,
    readonly deadline: number,
  ) {}

  log(level: LogLevel, args: unknown[]): void {
    if (++this.lines > MAX_LOG_LINES) {
      if (this.lines === MAX_LOG_LINES + 1) post({ kind: 'log', id: this.id, line: { level: 'warn', message: `more than ${MAX_LOG_LINES} log lines: the rest are dropped` } });
      return;
    }
    const message = format(...args);
    post({ kind: 'log', id: this.id, line: { level, message: message.length > MAX_LINE_CHARS ? `${message.slice(0, MAX_LINE_CHARS)}…` : message } });
  }

  emit(type: EventType, message: unknown): void {
    if (!isPlainObject(message)) throw new TypeError(`ctx.${type}() takes a message object`);
    if (this.calls.length >= MAX_CALLS) throw new RangeError(`a function may emit at most ${MAX_CALLS} calls per event`);
    // A JSON copy taken now: later changes to the object do not change the call, and it crosses threads cleanly.
    const copy = JSON.parse(JSON.stringify(message)) as JsonObject;
    delete copy.type;
    this.calls.push({ type, message: copy });
  }

  private timer(repeat: boolean, fn: unknown, ms: unknown, args: unknown[]): number {
    if (typeof fn !== 'function') throw new TypeError('the callback must be a function');
    const id = this.nextTimer++;
    const run = (): void => {
      if (!repeat) this.timers.delete(id);
      try {
        (fn as (...a: unknown[]) => void)(...args);
      } catch (err) {
        this.log('error', ['a timer callback threw:', describeError(err)]);
      }
    };
    const delay = typeof ms === 'number' ? ms : 0;
    this.timers.set(id, repeat ? setInterval(run, delay) : setTimeout(run, delay));
    return id;
  }

  private clearTimer(id: unknown): void {
    const t = typeof id === 'number' ? this.timers.get(id) : undefined;
    if (t === undefined) return;
    clearTimeout(t);
    this.timers.delete(id as number);
  }

  /** The global fetch, cancelled when the invocation ends so no request outlives its event. */
  readonly fetch = (input: Parameters<typeof fetch>[0], options: RequestInit = {}): Promise<Response> => {
    const signal = options.signal ? AbortSignal.any([options.signal, this.controller.signal]) : this.controller.signal;
    return fetch(input, { ...options, signal });
  };

  /** The function's second argument. */
  ctx(): object {
    const call = (type: EventType) => (message: unknown) => this.emit(type, message);
    const secrets: Record<string, string> = { ...init.secrets };
    return Object.freeze({
      ...Object.fromEntries(CALL_TYPES.map((t) => [t, call(t)])),
      fetch: this.fetch,
      secrets: Object.freeze(secrets),
      log: Object.freeze({ info: (...a: unknown[]) => this.log('info', a), warn: (...a: unknown[]) => this.log('warn', a), error: (...a: unknown[]) => this.log('error', a) }),
    });
  }

  /** The globals of a fresh context: the web platform a function may use, and nothing of Node's. */
  globals(): Record<string, unknown> {
    const info = (...a: unknown[]): void => this.log('info', a);
    const module = { exports: {} };
    return {
      module,
      exports: module.exports,
      console: Object.freeze({ log: info, info, debug: info, warn: (...a: unknown[]) => this.log('warn', a), error: (...a: unknown[]) => this.log('error', a) }),
      setTimeout: (fn: unknown, ms?: unknown, ...args: unknown[]) => this.timer(false, fn, ms, args),
      setInterval: (fn: unknown, ms?: unknown, ...args: unknown[]) => this.timer(true, fn, ms, args),
      clearTimeout: (id: unknown) => this.clearTimer(id),
      clearInterval: (id: unknown) => this.clearTimer(id),
      queueMicrotask,
      structuredClone,
      fetch: this.fetch,
      Headers,
      Request,
      Response,
      FormData,
      AbortController,
      AbortSignal,
      URL,
      URLSearchParams,
      TextEncoder,
      TextDecoder,
      atob,
      btoa,
      crypto: globalThis.crypto,
    };
  }

  remainingMs(): number {
    return this.deadline - Date.now();
  }

  end(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.controller.abort();
  }
}

let current: Invocation | null = null;

/** Evaluates the module in a fresh context and returns its default export. */
function load(inv: Invocation): { main: unknown; context: Record<string, unknown> } {
  const globals = inv.globals();
  const context = createContext(globals, { name: `function ${init.name}`, codeGeneration: { strings: true, wasm: false } });
  moduleScript.runInContext(context, { timeout: Math.max(1, inv.remainingMs()) });
  const exported = (globals.module as { exports: unknown }).exports;
  const main = typeof exported === 'function' ? exported : (exported as { default?: unknown } | null)?.default;
  if (typeof main !== 'function') throw new TypeError('the module must export a function: export default async (event, ctx) => { … }');
  return { main, context };
}

async function invoke(msg: ToWorker): Promise<void> {
  const inv = new Invocation(msg.id, Date.now() + init.timeoutMs);
  current = inv;
  try {
    const { main, context } = load(inv);
    Object.assign(context, { __sluice_main: main, __sluice_event: msg.event, __sluice_ctx: inv.ctx() });
    const result: unknown = invokeScript.runInContext(context, { timeout: Math.max(1, inv.remainingMs()) });
    await result;
    post({ kind: 'done', id: msg.id, calls: inv.calls });
  } catch (err) {
    const timedOut = isTimeout(err);
    const error = timedOut ? `timed out after ${init.timeoutMs} ms` : describeError(err);
    const stack = !timedOut && typeof err === 'object' && err !== null && typeof (err as Error).stack === 'string' ? (err as Error).stack : undefined;
    post(stack === undefined ? { kind: 'done', id: msg.id, calls: [], error, timedOut } : { kind: 'done', id: msg.id, calls: [], error, stack, timedOut });
  } finally {
    inv.end();
    if (current === inv) current = null;
  }
}

// A stray rejection or throw from function code must not end the worker: it is logged against the running event.
process.on('unhandledRejection', (reason) => current?.log('error', ['unhandled rejection:', describeError(reason)]));
process.on('uncaughtException', (err) => current?.log('error', ['uncaught exception:', describeError(err)]));

// Load once at start, so a module that throws or exports no function is refused before any event reaches it. A cold
// thread on a busy machine is slow: the probe gets at least LOAD_TIMEOUT_MS, whatever the function's own timeout.
{
  const loadTimeoutMs = Math.max(init.timeoutMs, LOAD_TIMEOUT_MS);
  const probe = new Invocation(0, Date.now() + loadTimeoutMs);
  try {
    load(probe);
    post({ kind: 'ready' });
  } catch (err) {
    post({ kind: 'invalid', error: isTimeout(err) ? `loading the module timed out after ${loadTimeoutMs} ms` : describeError(err) });
  } finally {
    probe.end();
  }
}
port.on('message', (msg: ToWorker) => void invoke(msg));
