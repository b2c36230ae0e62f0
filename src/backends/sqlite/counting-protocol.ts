// Messages between the main thread and the counting thread (counting-thread.ts, counting-worker.ts). The counting
// thread reads the log through its own connection; every write it makes (cursors, rollup and identity batches) is
// sent here and goes through the main thread's writer client, so it still rides the one writer's group commits.
import type { IdentityConfig } from '../../identity/config.js';
import type { RollupsConfig } from '../../rollups/config.js';
import type { WriteOp } from './writer-protocol.js';

export interface CountingInit {
  path: string;
  /** The thread's nice value (0–19): above 0, ingest wins the CPU when both want it. */
  nice: number;
  rollups: RollupsConfig | null;
  identity: IdentityConfig | null;
}

export type CountingName = 'rollups' | 'identity';

/** Counting thread → main thread. */
export type FromCounting =
  | { k: 'started' }
  | { k: 'failed'; message: string }
  | { k: 'submit'; id: number; op: WriteOp }
  /** Its read found nothing new: wake it at the next append. */
  | { k: 'waiting' }
  | { k: 'log'; level: 'warn' | 'error'; obj: Record<string, unknown>; msg: string | undefined }
  | { k: 'identity'; merged: number; refused: number; blocked: number }
  | { k: 'status'; id: number; ok: true; value: unknown }
  | { k: 'status'; id: number; ok: false; message: string }
  | { k: 'stopped' };

/** Main thread → counting thread. */
export type ToCounting =
  | { k: 'result'; id: number; ok: true; value: unknown }
  | { k: 'result'; id: number; ok: false; code: string; message: string }
  | { k: 'wake' }
  | { k: 'status'; id: number; which: CountingName }
  | { k: 'stop' };
