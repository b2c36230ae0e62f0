// Messages between the main thread (sandbox.ts) and a function's worker (sandbox-worker.ts). Types only: the worker
// is bundled on its own, so nothing here may carry runtime code.
import type { EmittedCall } from './emitted.js';

export interface SandboxInit {
  name: string;
  filename: string;
  /** The function's module as one CommonJS script (compile.ts). */
  code: string;
  timeoutMs: number;
  secrets: Readonly<Record<string, string>>;
}

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogLine {
  level: LogLevel;
  message: string;
}

export type ToWorker = { kind: 'run'; id: number; /** The event, serialized: it is parsed inside the sandbox's realm. */ event: string };

export type FromWorker =
  /** The module evaluated and exports a default function. */
  | { kind: 'ready' }
  /** The module threw at load or exports no function. */
  | { kind: 'invalid'; error: string }
  /** Sent as the function logs, so the lines of an invocation that is then killed are not lost. */
  | { kind: 'log'; id: number; line: LogLine }
  | { kind: 'done'; id: number; calls: EmittedCall[]; error?: string; stack?: string; timedOut?: boolean };
