// User functions on a real SQLite log: TypeScript modules in a temp dir, run in worker-thread sandboxes by the
// runner, their calls emitted through an Emit port that validates with the tracking API's ingest code and appends
// to the same log, as the app does. Covers emission, retries and dead letters, timeouts, the memory cap, isolation,
// hot reload, redelivery without duplicates, and testFunction.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteLog } from '../../src/backends/sqlite/sqlite-log.js';
import { CLOUDEVENT_TYPE } from '../../src/core/cloudevent.js';
import type { LoggedEvent, TrackingEvent } from '../../src/core/event.js';
import { DEFAULT_LIMITS } from '../../src/core/limits.js';
import type { Consumer, Delivery, Log } from '../../src/log/log.js';
import { type FunctionConfig, functionSchema } from '../../src/pipeline/functions/config.js';
import { type Emit, type EmitCause, type EmittedCall, emittedMessageId } from '../../src/pipeline/functions/emitted.js';
import { type FunctionsRunner, startFunctions } from '../../src/pipeline/functions/runner.js';
import { testFunction } from '../../src/pipeline/functions/test-function.js';
import { prepareSingle } from '../../src/sources/http/ingest.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-fn-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

let logs = 0;
function openLog(): SqliteLog {
  return new SqliteLog({ path: join(dir, `log-${++logs}`, 'sluice.db'), dedupe_window_ms: 3_600_000, retention_ms: 3_600_000, keep_rejects: 100, maxRowsPerCommit: 1000, maxQueuedBytes: 8 * 1024 * 1024 });
}

function writeFn(file: string, code: string): string {
  writeFileSync(join(dir, file), code);
  return file;
}

function fnConfig(name: string, file: string, over: Record<string, unknown> = {}): FunctionConfig {
  return functionSchema.parse({ name, file, subscribe: { types: ['user.*'] }, start_at: 'earliest', ...over });
}

let ids = 0;
async function appendCloudEvent(log: Log, type: string, data: unknown, over: Record<string, unknown> = {}): Promise<string> {
  const id = `evt-${++ids}`;
  const ev = { specversion: '1.0', id, source: '/users', type, time: '2025-01-15T12:00:00Z', data, ...over };
  await log.append([{ source: 'backend', messageId: `/users ${id}`, type: CLOUDEVENT_TYPE, receivedAt: Date.now(), body: JSON.stringify(ev) }]);
  return `/users ${id}`;
}

/** The app's Emit, in miniature: each call validated and normalized by the tracking API's code, appended under the cause's source. */
function appendingEmit(log: Log, seen: { calls: EmittedCall[]; causes: EmitCause[] } = { calls: [], causes: [] }): Emit {
  return async (calls, cause) => {
    seen.calls.push(...calls);
    seen.causes.push(cause);
    const receivedAt = Date.now();
    const ctx = { source: cause.source, limits: DEFAULT_LIMITS, receivedAt, ip: undefined, anonymizeIp: false, headerAnonymousId: undefined };
    await log.append(calls.flatMap((c) => prepareSingle(c.message, c.type, ctx).records));
  };
}

interface Logged {
  level: string;
  obj: object;
  msg: string | undefined;
}
function captureLogger(lines: Logged[] = []): { info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void } {
  return {
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
}

async function segmentEvents(log: Log): Promise<(TrackingEvent & { seq: number })[]> {
  const all: LoggedEvent[] = await log.scan(0, 10_000);
  return all.filter((e) => e.type !== CLOUDEVENT_TYPE).map((e) => ({ ...(JSON.parse(e.body) as TrackingEvent), seq: e.seq }));
}

/** Runs `body` with a log and started functions, and always stops both. */
async function withFunctions(
  fns: FunctionConfig[],
  body: (ctx: { log: SqliteLog; runner: FunctionsRunner; lines: Logged[] }) => Promise<void>,
  opts: { emit?: (log: Log) => Emit; wrapLog?: (log: SqliteLog) => Log } = {},
): Promise<void> {
  const log = openLog();
  const lines: Logged[] = [];
  let runner: FunctionsRunner | undefined;
  try {
    runner = await startFunctions(opts.wrapLog?.(log) ?? log, fns, {
      emit: (opts.emit ?? appendingEmit)(log),
      secrets: { CRM_TOKEN: 'tok-123' },
      logger: captureLogger(lines),
      baseDir: dir,
      random: () => 0.5,
    });
    await body({ log, runner, lines });
  } finally {
    await runner?.stop();
    await log.close();
  }
}

const WELCOME = `
interface UserCreated { data: { userId: string; email: string; plan?: string } }
export default async (event: UserCreated, ctx: any): Promise<void> => {
  const { userId, email, plan } = event.data;
  ctx.identify({ userId, traits: { email, plan } });
  ctx.track({ userId, event: 'Signed Up', properties: { plan: plan ?? 'free' } });
  ctx.log.info('welcomed', userId, 'with token', ctx.secrets.CRM_TOKEN.length, 'chars');
};
`;

describe('functions', () => {
  it('turns user.created into identify and track, with deterministic messageIds and the cause linked', async () => {
    const file = writeFn('welcome.ts', WELCOME);
    const seen = { calls: [] as EmittedCall[], causes: [] as EmitCause[] };
    await withFunctions(
      [fnConfig('welcome', file, { secrets: ['CRM_TOKEN'] })],
      async ({ log, runner, lines }) => {
        await appendCloudEvent(log, 'order.paid', { orderId: 'o1' });
        const cause = await appendCloudEvent(log, 'user.created', { userId: 'u1', email: 'a@example.com', plan: 'pro' });
        const events = await waitFor('two emitted events', async () => {
          const e = await segmentEvents(log);
          return e.length >= 2 && e;
        });
        const causeOf: EmitCause = { source: 'backend', messageId: cause, function: 'welcome' };
        assert.deepEqual(seen.causes, [causeOf]);
        assert.deepEqual(
          events.map((e) => [e.type, e.messageId, e.userId, e.event ?? null]),
          [
            ['identify', emittedMessageId(causeOf, 0), 'u1', null],
            ['track', emittedMessageId(causeOf, 1), 'u1', 'Signed Up'],
          ],
        );
        for (const e of events) {
          assert.deepEqual(e.context.sluice, { causation_id: cause, function: 'welcome' });
          // The tracking call happened when the domain event did.
          assert.equal(e.timestamp, '2025-01-15T12:00:00.000Z');
        }
        assert.deepEqual(events[0]!.traits, { email: 'a@example.com', plan: 'pro' });
        const status = await waitFor('the skip and the emit counted', () => {
          const s = runner.status()[0]!;
          return s.emitted === 2 && s.skipped >= 1 && s;
        });
        // The function's own track output matches no type subscription: skipped, never run on.
        assert.deepEqual([status.invocations, status.failures, status.consumer], [1, 0, 'function:welcome']);
        assert.ok(lines.some((l) => l.msg === 'welcomed u1 with token 7 chars' && (l.obj as { function?: string }).function === 'welcome'));
      },
      { emit: (log) => appendingEmit(log, seen) },
    );
  });

  it('runs each event in a fresh context without Node globals, so no state leaks between events', async () => {
    const file = writeFn(
      'isolated.ts',
      `let counter = 0;
export default (event: any, ctx: any) => {
  counter++;
  const g = globalThis as any;
  const leaked = g.leak === true;
  g.leak = true;
  ctx.track({ userId: 'u', event: 'Probe', properties: { counter, leaked, process: typeof process, require: typeof require, Buffer: typeof Buffer, fetch: typeof fetch, url: new URL('https://x.example/a?b=1').searchParams.get('b') } });
};`,
    );
    await withFunctions([fnConfig('isolated', file)], async ({ log }) => {
      await appendCloudEvent(log, 'user.created', {});
      await appendCloudEvent(log, 'user.created', {});
      const events = await waitFor('two probes', async () => {
        const e = await segmentEvents(log);
        return e.length >= 2 && e;
      });
      for (const e of events) assert.deepEqual(e.properties, { counter: 1, leaked: false, process: 'undefined', require: 'undefined', Buffer: 'undefined', fetch: 'function', url: '1' });
    });
  });

  it('retries a function that throws with full-jitter backoff, then dead-letters the event with the reason', async () => {
    const file = writeFn('thrower.ts', `export default async () => { throw new TypeError('no plan for ' + 'u1'); };`);
    const delays: number[] = [];
    const recordRetries = (log: SqliteLog): Log =>
      Object.assign(Object.create(log) as Log, {
        consumer: async (name: string, o?: object): Promise<Consumer> => {
          const c = await log.consumer(name, o);
          return Object.assign(Object.create(c) as Consumer, {
            retry: (d: Delivery, ms: number) => {
              delays.push(ms);
              return c.retry(d, ms);
            },
          });
        },
      });
    await withFunctions(
      [fnConfig('thrower', file, { retry: { max_attempts: 3, initial_backoff_ms: 40, max_backoff_ms: 60 } })],
      async ({ log, runner }) => {
        const cause = await appendCloudEvent(log, 'user.created', {});
        await waitFor('the dead letter', () => runner.status()[0]!.deadLettered === 1);
        // random() is pinned at 0.5: half of 40·2^0, then half of min(60, 40·2^1).
        assert.deepEqual(delays, [20, 30]);
        const [dead] = await (await log.consumer('function:thrower')).deadLetters();
        assert.equal(dead!.event.messageId, cause);
        assert.equal(dead!.attempt, 3);
        assert.equal(dead!.reason, 'TypeError: no plan for u1');
        assert.deepEqual(dead!.detail, { function: 'thrower', version: 1, failure: 'error' });
        const s = runner.status()[0]!;
        assert.deepEqual([s.invocations, s.failures, s.lastFailure?.reason], [3, 3, 'TypeError: no plan for u1']);
        assert.deepEqual(await segmentEvents(log), []);
      },
      { wrapLog: recordRetries },
    );
  });

  it('stops an infinite loop and an async hang at timeout_ms, replaces the worker, and goes on with the next event', async () => {
    const file = writeFn(
      'hang.ts',
      `export default async (event: any, ctx: any) => {
  const mode = event.data.mode;
  if (mode === 'loop') { while (true) {} }
  if (mode === 'async-loop') { await Promise.resolve(); for (;;) {} }
  if (mode === 'hang') { ctx.log.info('waiting forever'); await new Promise(() => {}); }
  ctx.track({ userId: 'u', event: 'Survived', properties: { n: event.data.n } });
};`,
    );
    await withFunctions([fnConfig('hang', file, { timeout_ms: 1000, retry: { max_attempts: 1 } })], async ({ log, runner, lines }) => {
      const started = Date.now();
      for (const mode of ['loop', 'hang', 'async-loop']) await appendCloudEvent(log, 'user.created', { mode });
      await appendCloudEvent(log, 'user.created', { mode: 'ok', n: 4 });
      const [survived] = await waitFor('the event after the hangs', async () => {
        const e = await segmentEvents(log);
        return e.length >= 1 && e;
      });
      assert.deepEqual(survived!.properties, { n: 4 });
      assert.ok(Date.now() - started < 15_000, 'each hang is cut at its timeout');
      const s = runner.status()[0]!;
      assert.deepEqual([s.timeouts, s.deadLettered], [3, 3]);
      // The synchronous loop is stopped inside the worker by vm's timeout; the two asynchronous hangs need the watchdog.
      assert.equal(s.workerRestarts, 2);
      const dead = await (await log.consumer('function:hang')).deadLetters();
      assert.deepEqual(dead.map((d) => d.reason), ['timed out after 1000 ms', 'timed out after 1000 ms', 'timed out after 1000 ms']);
      // Log lines written before a hang survive the kill.
      assert.ok(lines.some((l) => l.msg === 'waiting forever'));
    });
  });

  it('fails an event whose function exceeds memory_mb without harming the process, then goes on', async () => {
    const file = writeFn(
      'hog.ts',
      `export default async (event: any, ctx: any) => {
  if (event.data.hog) { const keep: number[][] = []; for (;;) keep.push(new Array(100_000).fill(Math.random())); }
  ctx.track({ userId: 'u', event: 'Lean' });
};`,
    );
    await withFunctions([fnConfig('hog', file, { memory_mb: 32, retry: { max_attempts: 1 } })], async ({ log, runner }) => {
      await appendCloudEvent(log, 'user.created', { hog: true });
      await appendCloudEvent(log, 'user.created', { hog: false });
      await waitFor('the lean event', async () => (await segmentEvents(log)).length === 1);
      const s = runner.status()[0]!;
      assert.deepEqual([s.outOfMemory, s.deadLettered, s.workerRestarts], [1, 1, 1]);
      const [dead] = await (await log.consumer('function:hog')).deadLetters();
      assert.match(dead!.reason, /out of memory: the function used more than memory_mb \(32 MB\)/);
    });
  });

  it('reloads an edited file without a restart, and keeps the running version when an edit does not compile', async () => {
    const version = (label: string): string => `export default (event: any, ctx: any) => { ctx.track({ userId: 'u', event: '${label}' }); };`;
    const file = writeFn('reloaded.ts', version('V1'));
    await withFunctions([fnConfig('reloaded', file)], async ({ log, runner, lines }) => {
      const emittedNames = async (): Promise<string[]> => (await segmentEvents(log)).map((e) => e.event!);
      await appendCloudEvent(log, 'user.created', {});
      await waitFor('V1', async () => (await emittedNames()).length === 1);

      writeFn('reloaded.ts', version('V2'));
      await waitFor('version 2', () => runner.status()[0]!.version === 2);
      await appendCloudEvent(log, 'user.created', {});
      await waitFor('V2', async () => (await emittedNames()).length === 2);

      writeFn('reloaded.ts', `export default (event: any, ctx: any) => { ctx.track({ userId: 'u', event: 'V3' ); };`);
      const broken = await waitFor('the load error', () => runner.status()[0]!.loadError ?? undefined);
      assert.match(broken.message, /reloaded\.ts:1:\d+: Expected "}" but found "\)"/);
      assert.ok(lines.some((l) => l.level === 'error' && l.msg === 'function reload failed; the previous version keeps running'));
      await appendCloudEvent(log, 'user.created', {});
      await waitFor('V2 again', async () => (await emittedNames()).length === 3);

      writeFn('reloaded.ts', version('V3'));
      await waitFor('version 3', () => runner.status()[0]!.version === 3 && runner.status()[0]!.loadError === null);
      await appendCloudEvent(log, 'user.created', {});
      await waitFor('V3', async () => (await emittedNames()).length === 4);
      assert.deepEqual(await emittedNames(), ['V1', 'V2', 'V2', 'V3']);
    });
  });

  it('emits nothing twice when the cause is delivered again after its calls were appended', async () => {
    const file = writeFn('welcome-again.ts', WELCOME);
    let calls = 0;
    // The first Emit appends and then fails, as if the process died between the append and the ack.
    const crashOnce = (log: Log): Emit => {
      const inner = appendingEmit(log);
      return async (c, cause) => {
        await inner(c, cause);
        if (++calls === 1) throw new Error('crashed after appending');
      };
    };
    await withFunctions(
      [fnConfig('welcome-again', file, { secrets: ['CRM_TOKEN'], retry: { initial_backoff_ms: 10 } })],
      async ({ log, runner }) => {
        await appendCloudEvent(log, 'user.created', { userId: 'u9', email: 'u9@example.com' });
        await waitFor('the retried cause acknowledged', () => runner.status()[0]!.emitted === 2 && calls === 2);
        const events = await segmentEvents(log);
        assert.deepEqual(events.map((e) => e.type), ['identify', 'track']);
        const s = runner.status()[0]!;
        assert.deepEqual([s.invocations, s.failures, s.deadLettered], [2, 1, 0]);
        // The cause is acknowledged, and the emitted events read and skipped: nothing is left behind.
        const consumer = await log.consumer('function:welcome-again');
        await waitFor('no lag', async () => (await consumer.lag()) === 0);
      },
      { emit: crashOnce },
    );
  });

  it('refuses to start a function that does not compile, imports a Node module, or lacks a secret', async () => {
    const log = openLog();
    const deps = { emit: async () => {}, secrets: {}, logger: captureLogger(), baseDir: dir, watch: false };
    try {
      writeFn('broken.ts', 'export default (e: any => {}');
      await assert.rejects(startFunctions(log, [fnConfig('broken', 'broken.ts')], deps), /function broken .*broken\.ts:1:\d+/);
      writeFn('fs.ts', `import { readFileSync } from 'node:fs'; export default () => readFileSync('/etc/passwd');`);
      await assert.rejects(startFunctions(log, [fnConfig('fs', 'fs.ts')], deps), /Could not resolve "node:fs".*without Node built-ins/);
      writeFn('nodefault.ts', 'export const x = 1;');
      await assert.rejects(startFunctions(log, [fnConfig('nodefault', 'nodefault.ts')], deps), /must export a function/);
      await assert.rejects(startFunctions(log, [fnConfig('welcome', 'welcome.ts', { secrets: ['CRM_TOKEN'] })], deps), /needs secrets that are not set: CRM_TOKEN/);
    } finally {
      await log.close();
    }
  });
});

describe('testFunction', () => {
  const userCreated = { specversion: '1.0', id: 'e-1', source: '/users', type: 'user.created', time: '2025-01-15T12:00:00Z', data: { userId: 'u1', email: 'a@example.com' } };

  it('reports the calls a function would emit and its logs, without a log', async () => {
    const file = writeFn('welcome-test.ts', WELCOME);
    const r = await testFunction(fnConfig('welcome', file, { secrets: ['CRM_TOKEN'] }), userCreated, { secrets: { CRM_TOKEN: 'abc' }, baseDir: dir });
    assert.equal(r.error, undefined);
    assert.equal(r.matched, true);
    assert.deepEqual(r.logs, ['info: welcomed u1 with token 3 chars']);
    const cause: EmitCause = { source: 'test', messageId: '/users e-1', function: 'welcome' };
    assert.deepEqual(r.emitted, [
      { type: 'identify', message: { userId: 'u1', traits: { email: 'a@example.com' }, messageId: emittedMessageId(cause, 0), context: { sluice: { causation_id: '/users e-1', function: 'welcome' } }, timestamp: '2025-01-15T12:00:00Z' } },
      {
        type: 'track',
        message: { userId: 'u1', event: 'Signed Up', properties: { plan: 'free' }, messageId: emittedMessageId(cause, 1), context: { sluice: { causation_id: '/users e-1', function: 'welcome' } }, timestamp: '2025-01-15T12:00:00Z' },
      },
    ]);
  });

  it('says when the subscription does not match, and reports a throw or a compile error', async () => {
    writeFn('boom.ts', `export default (event: any) => { console.log('about to fail on', event.type); throw new Error('boom'); };`);
    const r = await testFunction(fnConfig('boom', 'boom.ts', { subscribe: { types: ['order.*'] } }), userCreated, { secrets: {}, baseDir: dir });
    assert.deepEqual(r, { matched: false, emitted: [], logs: ['info: about to fail on user.created'], error: 'Error: boom' });
    writeFn('syntax.ts', 'export default (=> 1;');
    const c = await testFunction(fnConfig('syntax', 'syntax.ts'), userCreated, { secrets: {}, baseDir: dir });
    assert.match(c.error ?? '', /syntax\.ts:1:\d+/);
  });
});
