// The Log contract: what every backend must do, asserted as a consumer of the Log interface sees it. Each backend's
// test file calls runLogContract with a factory; cases a backend cannot meet by design (durability for the memory
// log) are skipped with the reason, never silently.
//
// Timing: the suite runs on loaded CI machines, so nothing depends on a short sleep being short. Lower bounds
// ("not before the delay") are checked against the clock the backend itself uses; upper bounds are generous; the
// dedupe window is small only in the case that waits for it to pass; retention cases pass `now` to prune().
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { describe, it, type TestContext } from 'node:test';
import type { LogRecord, LoggedEvent } from '../../src/core/event.js';
import type { Consumer, Delivery, Log, LogSettings } from '../../src/log/log.js';
import { eventually } from '../helpers/eventually.js';

/** One log opened for one test case. */
export interface OpenedLog {
  /** The log as last opened: reopen() replaces it. */
  readonly log: Log;
  /** Closes the log, then opens the same storage again with the same settings. Called only for durable backends. */
  reopen(): Promise<Log>;
  /** Closes the log if it is open and removes whatever it stored. Called once, when the case ends. */
  dispose(): Promise<void>;
}

/**
 * An OpenedLog for a durable backend: `openLog` opens the same storage each time it is called; `remove` deletes that
 * storage once the case is over.
 */
export async function reopenableLog(openLog: () => Log | Promise<Log>, remove: () => void | Promise<void>): Promise<OpenedLog> {
  let log = await openLog();
  let open = true;
  return {
    get log(): Log {
      return log;
    },
    async reopen() {
      open = false;
      await log.close();
      log = await openLog();
      open = true;
      return log;
    },
    async dispose() {
      if (open) {
        open = false;
        await log.close();
      }
      await remove();
    },
  };
}

export interface LogFactory {
  /** Opens a fresh, empty log. */
  open(settings: LogSettings): Promise<OpenedLog>;
  /** Set when the backend keeps nothing across close(): the cases that reopen a log are skipped with this reason. */
  notDurable?: string;
}

const DEFAULT_SETTINGS: LogSettings = { dedupe_window_ms: 60_000, retention_ms: 60_000 };
/** A fixed, realistic receivedAt for records; retention cases move `now` relative to it. */
const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let counter = 0;

/** A distinct record; `over` replaces any field. */
function rec(over: Partial<LogRecord> = {}): LogRecord {
  const n = ++counter;
  const messageId = over.messageId ?? `msg-${n}`;
  const type = over.type ?? 'track';
  return {
    source: 'web',
    messageId,
    type,
    receivedAt: T0 + n,
    body: JSON.stringify({ type, messageId, event: `Event ${n}`, properties: { n, text: 'ünïcødé ✓ "quoted" \\ \n' } }),
    ...over,
  };
}

function recs(n: number, over: Partial<LogRecord> = {}): LogRecord[] {
  return Array.from({ length: n }, () => rec(over));
}

function seqsOf(ds: readonly Delivery[]): number[] {
  return ds.map((d) => d.event.seq);
}

function stored(seqs: readonly (number | null)[]): number[] {
  return seqs.filter((s): s is number => s !== null);
}

/** The event as a consumer sees it, minus its seq, for comparison with the record appended. */
function fields(e: LoggedEvent): LogRecord {
  return { source: e.source, messageId: e.messageId, type: e.type, receivedAt: e.receivedAt, body: e.body };
}

/** Reads (without waiting) until nothing more is ready. */
async function drain(c: Consumer, max = 1000): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for (;;) {
    const got = await c.read(max);
    if (got.length === 0) return out;
    out.push(...got);
  }
}

/** Waits for the next read that hands out something; fails after `timeoutMs`. */
async function readSome(c: Consumer, timeoutMs = 10_000): Promise<Delivery[]> {
  const got = await c.read(100, { waitMs: timeoutMs });
  assert.notEqual(got.length, 0, `nothing was delivered within ${timeoutMs} ms`);
  return got;
}

/** A log just opened may still be loading (the SQLite writer rebuilds its dedupe window): it must become ready. */
async function becomesReady(log: Log): Promise<void> {
  await eventually('the log to be ready', async () => (log.ready() ? true : undefined), 5_000);
}

export function runLogContract(name: string, factory: LogFactory): void {
  const durable = factory.notDurable === undefined ? {} : { skip: factory.notDurable };

  /** Opens a fresh log for this case and disposes of it when the case ends, pass or fail. */
  async function open(t: TestContext, settings: Partial<LogSettings> = {}): Promise<OpenedLog> {
    const opened = await factory.open({ ...DEFAULT_SETTINGS, ...settings });
    t.after(() => opened.dispose());
    return opened;
  }

  describe(`Log contract: ${name}`, () => {
    describe('append and read', () => {
      it('returns every event in append order, fields intact, seq strictly increasing and equal to what append reported', async (t) => {
        const { log } = await open(t);
        const first = [rec(), rec({ type: 'identify', source: 'ios' }), rec({ type: 'page', body: '{}' })];
        const second = [rec({ type: 'group' }), rec({ type: 'alias', source: 'server' })];
        const r1 = await log.append(first);
        const r2 = await log.append(second);
        const appended = [...first, ...second];
        const reported = [...r1.seqs, ...r2.seqs];
        assert.ok(reported.every((s) => typeof s === 'number'), 'every new record gets a position');

        const c = await log.consumer('reader');
        const got = await drain(c);
        assert.deepEqual(got.map((d) => fields(d.event)), appended);
        assert.deepEqual(seqsOf(got), reported);
        assert.ok(got.every((d) => d.attempt === 1), 'first deliveries have attempt 1');
        for (let i = 1; i < got.length; i++) assert.ok(got[i]!.event.seq > got[i - 1]!.event.seq, 'seq strictly increases');
      });

      it('a large append keeps every field of every record: sources, times, non-ASCII bodies, in order', async (t) => {
        const { log } = await open(t);
        const records = Array.from({ length: 150 }, (_, i) =>
          rec({
            source: i % 7 === 0 ? 'ios' : 'web',
            messageId: `big-${i}-ü`,
            type: i % 2 === 0 ? 'track' : 'identify',
            receivedAt: 1_700_000_000_000 + (i % 3),
            body: JSON.stringify({ i, name: i % 5 === 0 ? 'café — 東京 🚀' : 'plain' }),
          }),
        );
        const r = await log.append(records);
        assert.equal(r.stored, 150);
        for (let i = 1; i < r.seqs.length; i++) assert.ok(r.seqs[i]! > r.seqs[i - 1]!, 'positions follow the records order');
        const got = await drain(await log.consumer('reader'));
        assert.deepEqual(got.map((d) => fields(d.event)), records);
        assert.deepEqual(seqsOf(got), r.seqs);
      });

      it('read(max) hands out at most max and continues where it left off', async (t) => {
        const { log } = await open(t);
        const { seqs } = await log.append(recs(5));
        const c = await log.consumer('reader');
        const a = await c.read(2);
        const b = await c.read(2);
        const rest = await c.read(10);
        assert.deepEqual(seqsOf(a), seqs.slice(0, 2));
        assert.deepEqual(seqsOf(b), seqs.slice(2, 4));
        assert.deepEqual(seqsOf(rest), seqs.slice(4));
        assert.deepEqual(await c.read(10), [], 'an outstanding delivery is not handed out twice in one session');
      });

      it('an acked event is not delivered again; events appended later are', async (t) => {
        const { log } = await open(t);
        const { seqs } = await log.append(recs(3));
        const c = await log.consumer('reader');
        await c.ack(await drain(c));
        assert.deepEqual(await c.read(10), []);
        const later = await log.append(recs(2));
        assert.deepEqual(seqsOf(await drain(c)), later.seqs);
        assert.ok(later.seqs[0]! > seqs[2]!);
      });

      it('scan reads events by position', async (t) => {
        const { log } = await open(t);
        const records = recs(4);
        const { seqs } = await log.append(records);
        const all = await log.scan(0, 100);
        assert.deepEqual(all.map(fields), records);
        assert.deepEqual(all.map((e) => e.seq), seqs);
        assert.deepEqual((await log.scan(seqs[1]!, 1)).map((e) => e.seq), [seqs[2]]);
        assert.deepEqual(await log.scan(seqs[3]!, 10), []);
      });

      it('eventsAt reads the events at given positions, in the order asked, leaving out positions it does not hold', async (t) => {
        const { log } = await open(t);
        const records = recs(3);
        const seqs = (await log.append(records)).seqs as number[];
        const got = await log.eventsAt([seqs[2]!, seqs[0]!, seqs[2]! + 1000]);
        assert.deepEqual(got.map((e) => e.seq), [seqs[2], seqs[0]]);
        assert.deepEqual(got.map(fields), [records[2], records[0]]);
        assert.deepEqual(await log.eventsAt([]), []);
      });

      it('deleteEvents deletes the events at given positions and counts those it held', async (t) => {
        const { log } = await open(t);
        const seqs = (await log.append(recs(3))).seqs as number[];
        assert.equal(await log.deleteEvents([seqs[1]!, seqs[2]! + 1000]), 1);
        assert.deepEqual((await log.eventsAt(seqs)).map((e) => e.seq), [seqs[0], seqs[2]]);
        assert.deepEqual((await log.scan(0, 10)).map((e) => e.seq), [seqs[0], seqs[2]]);
        assert.equal(await log.deleteEvents([seqs[1]!]), 0, 'deleted before: nothing more to delete');
      });

      it('two consumers read independently, each at its own pace', async (t) => {
        const { log } = await open(t);
        const { seqs } = await log.append(recs(5));
        const fast = await log.consumer('fast');
        const slow = await log.consumer('slow');

        const f = await drain(fast);
        assert.deepEqual(seqsOf(f), seqs);
        await fast.ack(f);

        const s1 = await slow.read(2);
        assert.deepEqual(seqsOf(s1), seqs.slice(0, 2), 'what one consumer acked is still there for the other');
        await slow.ack(s1);
        assert.equal(await fast.lag(), 0);
        assert.equal(await slow.lag(), 3);

        const more = await log.append(recs(1));
        assert.deepEqual(seqsOf(await drain(fast)), more.seqs);
        assert.deepEqual(seqsOf(await drain(slow)), [...seqs.slice(2), ...more.seqs]);
        assert.equal(await log.consumer('fast'), fast, 'consumer(name) returns the open consumer');
      });
    });

    describe('deduplication by (source, messageId)', () => {
      it('stores a pair once within the window; the same messageId from another source is stored', async (t) => {
        const { log } = await open(t);
        const a = rec({ source: 'web', messageId: 'dup-1' });
        const r1 = await log.append([a, rec({ source: 'web', messageId: 'dup-2' })]);
        assert.equal(r1.stored, 2);
        assert.equal(r1.duplicates, 0);

        const r2 = await log.append([
          rec({ source: 'web', messageId: 'dup-1', body: '{"second":true}' }),
          rec({ source: 'ios', messageId: 'dup-1' }),
          rec({ source: 'web', messageId: 'dup-3' }),
          rec({ source: 'web', messageId: 'dup-2' }),
        ]);
        assert.equal(r2.seqs.length, 4);
        assert.equal(r2.seqs[0], null, 'web/dup-1 again is a duplicate');
        assert.equal(typeof r2.seqs[1], 'number', 'ios/dup-1 is another event');
        assert.equal(typeof r2.seqs[2], 'number');
        assert.equal(r2.seqs[3], null);
        assert.equal(r2.stored, 2);
        assert.equal(r2.duplicates, 2);

        const c = await log.consumer('reader');
        const got = await drain(c);
        assert.deepEqual(seqsOf(got), [...stored(r1.seqs), ...stored(r2.seqs)]);
        assert.deepEqual(
          got.map((d) => `${d.event.source}/${d.event.messageId}`),
          ['web/dup-1', 'web/dup-2', 'ios/dup-1', 'web/dup-3'],
        );
        assert.equal(got[0]!.event.body, a.body, 'the first copy is the one kept');
      });

      it('a duplicate inside one append call is stored once', async (t) => {
        const { log } = await open(t);
        const r = await log.append([
          rec({ messageId: 'x' }),
          rec({ messageId: 'y' }),
          rec({ messageId: 'x' }),
          rec({ messageId: 'x', source: 'other' }),
          rec({ messageId: 'y' }),
        ]);
        assert.equal(r.seqs[2], null);
        assert.equal(r.seqs[4], null);
        assert.equal(r.stored, 3);
        assert.equal(r.duplicates, 2);
        const s = stored(r.seqs);
        assert.equal(s.length, 3);
        assert.ok(s[0]! < s[1]! && s[1]! < s[2]!, 'stored records keep their order');
        assert.deepEqual((await log.scan(0, 10)).map((e) => e.seq), s);
      });

      it('an append made only of duplicates stores nothing and delivers nothing', async (t) => {
        const { log } = await open(t);
        const first = await log.append([rec({ messageId: 'only' })]);
        const c = await log.consumer('reader');
        await c.ack(await drain(c));
        const again = await log.append([rec({ messageId: 'only' }), rec({ messageId: 'only' })]);
        assert.deepEqual(again, { seqs: [null, null], stored: 0, duplicates: 2 });
        assert.deepEqual(await log.stats(), { headSeq: first.seqs[0], events: 1 });
        assert.deepEqual(await c.read(10), []);
      });

      it('forgets a pair once the window has long passed', async (t) => {
        const windowMs = 150;
        const { log } = await open(t, { dedupe_window_ms: windowMs });
        const r1 = await log.append([rec({ messageId: 'late-resend' })]);
        assert.equal(r1.stored, 1);
        // The window is a minimum; a backend may remember a pair somewhat longer (SQLite keeps two generations),
        // but not forever: four windows later, with no traffic in between, the resend is a new event.
        await sleep(windowMs * 4);
        const r2 = await log.append([rec({ messageId: 'late-resend' })]);
        assert.equal(r2.stored, 1, 'the resend after the window is stored');
        assert.ok(r2.seqs[0]! > r1.seqs[0]!);
      });

      it('remembers pairs across close and reopen', durable, async (t) => {
        const opened = await open(t);
        // Sources set receivedAt to the arrival time; a backend may rebuild its memory of the window from it.
        const now = Date.now();
        await opened.log.append([rec({ messageId: 'before-restart', receivedAt: now })]);
        const log = await opened.reopen();
        const r = await log.append([rec({ messageId: 'before-restart', receivedAt: now }), rec({ messageId: 'after-restart', receivedAt: now })]);
        assert.equal(r.seqs[0], null, 'a client resending after a restart is still deduplicated');
        assert.equal(r.stored, 1);
      });
    });

    describe('acknowledgement and redelivery', () => {
      it('after reopen, a consumer resumes after what it acked; unacked deliveries come again (at least once)', durable, async (t) => {
        const opened = await open(t);
        const { seqs } = await opened.log.append(recs(5));
        const c = await opened.log.consumer('reader');
        const got = await drain(c);
        assert.deepEqual(seqsOf(got), seqs);
        await c.ack(got.slice(0, 3));

        const log = await opened.reopen();
        const again = await drain(await log.consumer('reader'));
        assert.deepEqual(seqsOf(again), seqs.slice(3), 'acked events are not redelivered, unacked ones are');
        assert.ok(again.every((d) => d.attempt === 1));
        assert.deepEqual(again.map((d) => d.event), got.slice(3).map((d) => d.event), 'redelivered events are intact');
      });

      it('acks out of order never let a reopen skip an unacked event', durable, async (t) => {
        const opened = await open(t);
        const { seqs } = await opened.log.append(recs(6));
        const s = seqs as number[];
        const c = await opened.log.consumer('reader');
        const got = await drain(c);
        const bySeq = new Map(got.map((d) => [d.event.seq, d]));
        // Acked: 1, 2, 4, 6 (in that scrambled order); never acked: 3, 5.
        await c.ack([bySeq.get(s[3]!)!, bySeq.get(s[5]!)!]);
        await c.ack([bySeq.get(s[1]!)!]);
        await c.ack([bySeq.get(s[0]!)!]);
        assert.equal(await c.lag(), 4, 'the consumer has read past only the contiguous acked prefix');

        const log = await opened.reopen();
        const again = seqsOf(await drain(await log.consumer('reader')));
        for (const unacked of [s[2]!, s[4]!]) assert.ok(again.includes(unacked), `unacked seq ${unacked} is redelivered (got ${again.join(',')})`);
        for (const acked of [s[0]!, s[1]!]) assert.ok(!again.includes(acked), `seq ${acked}, acked with everything before it, is not redelivered`);
        assert.deepEqual(again, [...again].sort((x, y) => x - y), 'redelivery is in log order');
      });

      it('appends accepted before close are there after reopen', durable, async (t) => {
        const opened = await open(t);
        const appending = Promise.all([opened.log.append(recs(3)), opened.log.append(recs(2)), opened.log.append(recs(1))]);
        const log = await opened.reopen();
        const results = await appending;
        const all = await log.scan(0, 100);
        assert.deepEqual(all.map((e) => e.seq), results.flatMap((r) => stored(r.seqs)));
      });
    });

    describe('retry', () => {
      it('is not returned before its delay, and is returned after it with attempt + 1; new events are not held back', async (t) => {
        const { log } = await open(t);
        const { seqs } = await log.append(recs(2));
        const c = await log.consumer('reader');
        const [first, second] = await drain(c);
        const delayMs = 800;
        const retriedAt = Date.now();
        await c.retry(first!, delayMs);
        await c.ack([second!]);

        // Every delivery of the retried event, with the time the read that handed it out returned.
        const redelivered: { d: Delivery; at: number }[] = [];
        const take = (ds: Delivery[]): Delivery[] => {
          const at = Date.now();
          for (const d of ds) if (d.event.seq === seqs[0]) redelivered.push({ d, at });
          return ds;
        };
        take(await c.read(10));
        const newer = await log.append(recs(1));
        const next = take(await c.read(10));
        assert.ok(next.some((d) => d.event.seq === newer.seqs[0]), 'a pending retry does not block new events');
        await c.ack(next.filter((d) => d.attempt === 1));

        const started = Date.now();
        if (redelivered.length === 0) take(await readSome(c));
        assert.ok(Date.now() - started < 8_000, 'a waiting read wakes when the retry falls due');
        assert.equal(redelivered.length, 1, 'the retry is handed out once');
        const { d, at } = redelivered[0]!;
        assert.equal(d.attempt, 2);
        assert.deepEqual(d.event, first!.event, 'the retried event is intact');
        assert.ok(at - retriedAt >= delayMs, `returned ${at - retriedAt} ms after retry(${delayMs}): not before the delay`);
      });

      it('counts attempts across retries; an acked retry is done; retry(0) is due at once', async (t) => {
        const { log } = await open(t);
        await log.append(recs(1));
        const c = await log.consumer('reader');
        let [d] = await c.read(1);
        for (const expected of [2, 3, 4]) {
          await c.retry(d!, 0);
          const got = await c.read(10);
          assert.equal(got.length, 1);
          assert.equal(got[0]!.attempt, expected);
          assert.deepEqual(await c.read(10), [], 'a retry out now is not handed out twice');
          d = got[0];
        }
        await c.ack([d!]);
        assert.deepEqual(await c.read(10, { waitMs: 100 }), [], 'an acked retry is not delivered again');
        assert.equal(await c.lag(), 0);
      });

      it('retries out now do not hide other due retries from read(max)', async (t) => {
        const { log } = await open(t);
        const { seqs } = await log.append(recs(3));
        const c = await log.consumer('reader');
        for (const d of await drain(c)) await c.retry(d, 0);
        const handed: number[] = [];
        for (let i = 0; i < 3; i++) {
          const got = await c.read(1);
          assert.equal(got.length, 1, `with ${i} retries out, read(1) hands out the next due one`);
          assert.equal(got[0]!.attempt, 2);
          handed.push(got[0]!.event.seq);
        }
        assert.deepEqual(handed.sort((x, y) => x - y), seqs);
        assert.deepEqual(await c.read(10), []);
      });

      it('a waiting read does not poll while a retry delivery is out', async (t) => {
        const { log } = await open(t);
        await log.append(recs(1));
        const c = await log.consumer('reader');
        await c.retry((await c.read(1))[0]!, 0);
        assert.equal((await c.read(1)).length, 1, 'the retry is out, unsettled');
        // Nothing is due, so a waiting read should sleep until its wait ends, on one timer. Polling (counting the
        // retry that is out as "due now") arms a timer every millisecond or so: hundreds a second, even on a loaded
        // machine. Counting timers created is exact where CPU time or event-loop utilization would be noise.
        let timers = 0;
        const hook = createHook({
          init(_id, type) {
            if (type === 'Timeout') timers++;
          },
        });
        hook.enable();
        try {
          assert.deepEqual(await c.read(10, { waitMs: 1_000 }), []);
        } finally {
          hook.disable();
        }
        t.diagnostic(`timers armed during a 1 s wait: ${timers}`);
        assert.ok(timers < 20, `the waiting read armed ${timers} timers in 1 s: it polls`);
      });

      it('is per consumer: another consumer reads the event once, normally', async (t) => {
        const { log } = await open(t);
        const { seqs } = await log.append(recs(1));
        const a = await log.consumer('a');
        const b = await log.consumer('b');
        await a.retry((await a.read(1))[0]!, 0);
        const got = await drain(b);
        assert.deepEqual(seqsOf(got), seqs);
        assert.equal(got[0]!.attempt, 1);
        assert.equal((await a.read(1))[0]!.attempt, 2);
      });

      it('survives reopen: returned after its delay with its attempt, not before', durable, async (t) => {
        const opened = await open(t);
        const { seqs } = await opened.log.append(recs(3));
        const c = await opened.log.consumer('reader');
        const [soon, later, acked] = await drain(c);
        const retriedAt = Date.now();
        await c.retry(soon!, 300);
        await c.retry(later!, 10 * 60_000);
        await c.ack([acked!]);

        const log = await opened.reopen();
        const c2 = await log.consumer('reader');
        const due = await readSome(c2);
        assert.ok(Date.now() - retriedAt >= 300);
        assert.deepEqual(seqsOf(due), [seqs[0]], 'only the retry that is due; the acked event is not redelivered');
        assert.equal(due[0]!.attempt, 2);
        assert.deepEqual(due[0]!.event, soon!.event);
        await c2.ack(due);
        assert.deepEqual(await c2.read(10, { waitMs: 200 }), [], 'the retry due in ten minutes is not returned early');

        const log3 = await opened.reopen();
        assert.deepEqual(await (await log3.consumer('reader')).read(10), [], 'an acked retry stays done after reopen');
      });

      it('a retry delivery left unsettled at close is delivered again after reopen', durable, async (t) => {
        const opened = await open(t);
        const { seqs } = await opened.log.append(recs(1));
        const c = await opened.log.consumer('reader');
        await c.retry((await c.read(1))[0]!, 0);
        const out = await c.read(1);
        assert.equal(out[0]!.attempt, 2);
        const log = await opened.reopen();
        const again = await readSome(await log.consumer('reader'));
        assert.deepEqual(seqsOf(again), seqs);
        assert.ok(again[0]!.attempt >= 2, 'the attempt count is kept');
      });
    });

    describe('dead letters', () => {
      it('a dead-lettered event is never redelivered and is listed with reason and attempt', async (t) => {
        const { log } = await open(t);
        const { seqs } = await log.append(recs(3));
        const c = await log.consumer('reader');
        const [d1, d2, d3] = await drain(c);
        const before = Date.now();
        await c.deadLetter(d2!, 'destination said 400: bad payload');
        await c.retry(d3!, 0);
        const retried = await c.read(10);
        assert.equal(retried[0]!.attempt, 2);
        await c.deadLetter(retried[0]!, 'gave up after 2 attempts');
        await c.ack([d1!]);

        assert.deepEqual(await c.read(10, { waitMs: 200 }), []);
        assert.equal(await c.lag(), 0);
        const dead = (await c.deadLetters()).sort((x, y) => x.event.seq - y.event.seq);
        assert.equal(dead.length, 2);
        assert.deepEqual(
          dead.map((x) => ({ consumer: x.consumer, seq: x.event.seq, reason: x.reason, attempt: x.attempt })),
          [
            { consumer: 'reader', seq: seqs[1], reason: 'destination said 400: bad payload', attempt: 1 },
            { consumer: 'reader', seq: seqs[2], reason: 'gave up after 2 attempts', attempt: 2 },
          ],
        );
        assert.deepEqual(dead[0]!.event, d2!.event, 'the dead letter keeps the whole event');
        for (const x of dead) assert.ok(x.at >= before - 1000 && x.at <= Date.now() + 1000, 'at is a timestamp in ms');
        assert.equal((await c.deadLetters(1)).length, 1, 'limit is honoured');

        const other = await log.consumer('other');
        assert.deepEqual(seqsOf(await drain(other)), seqs, 'dead letters are per consumer');
        assert.deepEqual(await other.deadLetters(), []);
      });

      it('stays dead and listed after reopen', durable, async (t) => {
        const opened = await open(t);
        const { seqs } = await opened.log.append(recs(2));
        const c = await opened.log.consumer('reader');
        const [d1, d2] = await drain(c);
        await c.deadLetter(d1!, 'poison');
        // d2 is left unsettled, so the reopened consumer starts at d1's position or before.
        void d2;

        const log = await opened.reopen();
        const c2 = await log.consumer('reader');
        assert.deepEqual(seqsOf(await drain(c2)), [seqs[1]], 'the dead letter is not redelivered; the unsettled event is');
        const dead = await c2.deadLetters();
        assert.equal(dead.length, 1);
        assert.equal(dead[0]!.reason, 'poison');
        assert.equal(dead[0]!.attempt, 1);
        assert.deepEqual(dead[0]!.event, d1!.event);
      });
    });

    describe('waiting reads', () => {
      it('a read with waitMs returns promptly when an append happens meanwhile', async (t) => {
        const { log } = await open(t);
        const c = await log.consumer('reader');
        assert.deepEqual(await c.read(10), []);
        const waitMs = 30_000;
        const started = Date.now();
        const reading = c.read(10, { waitMs });
        await sleep(100);
        const { seqs } = await log.append(recs(1));
        const appended = Date.now();
        const got = await reading;
        const woke = Date.now();
        assert.deepEqual(seqsOf(got), seqs);
        assert.ok(woke - appended < 1_000, `the reader woke ${woke - appended} ms after the append (notification, not polling)`);
        assert.ok(woke - started < waitMs / 4);
      });

      it('a read with waitMs returns [] once the wait is over when nothing comes', async (t) => {
        const { log } = await open(t);
        await log.append(recs(1));
        const c = await log.consumer('reader');
        await c.ack(await c.read(10));
        const started = Date.now();
        assert.deepEqual(await c.read(10, { waitMs: 300 }), []);
        const took = Date.now() - started;
        assert.ok(took >= 250, `waited ${took} ms of 300`);
        assert.ok(took < 5_000, `waited ${took} ms of 300`);
      });

      it('a read with waitMs returns [] when its signal aborts', async (t) => {
        const { log } = await open(t);
        const c = await log.consumer('reader');
        const ac = new AbortController();
        const started = Date.now();
        const reading = c.read(10, { waitMs: 30_000, signal: ac.signal });
        await sleep(50);
        ac.abort();
        assert.deepEqual(await reading, []);
        assert.ok(Date.now() - started < 5_000);
      });

      it('a read waiting when the log closes returns [] promptly', async (t) => {
        const { log } = await open(t);
        const c = await log.consumer('reader');
        const started = Date.now();
        const reading = c.read(10, { waitMs: 30_000 });
        await sleep(50);
        await log.close();
        assert.deepEqual(await reading, []);
        assert.ok(Date.now() - started < 5_000, `returned after ${Date.now() - started} ms`);
      });
    });

    describe('consumers', () => {
      it("startAt 'now' skips history; the default starts at the oldest event", async (t) => {
        const { log } = await open(t);
        const history = await log.append(recs(3));
        const late = await log.consumer('late', { startAt: 'now' });
        const early = await log.consumer('early');
        assert.deepEqual(await late.read(10), []);
        assert.equal(await late.lag(), 0);
        const fresh = await log.append(recs(1));
        assert.deepEqual(seqsOf(await drain(late)), fresh.seqs);
        assert.deepEqual(seqsOf(await drain(early)), [...history.seqs, ...fresh.seqs]);
      });

      it("startAt applies only to a consumer seen for the first time", async (t) => {
        const { log } = await open(t);
        await log.consumer('c', { startAt: 'now' });
        const { seqs } = await log.append(recs(2));
        const again = await log.consumer('c', { startAt: 'now' });
        assert.deepEqual(seqsOf(await drain(again)), seqs);
      });

      it("startAt applies only to a consumer seen for the first time, also after reopen", durable, async (t) => {
        const opened = await open(t);
        await opened.log.consumer('c', { startAt: 'now' });
        const { seqs } = await opened.log.append(recs(2));
        const log = await opened.reopen();
        assert.deepEqual(seqsOf(await drain(await log.consumer('c', { startAt: 'now' }))), seqs);
        const late = await log.consumer('late', { startAt: 'now' });
        assert.deepEqual(await late.read(10), [], "a new consumer with startAt 'now' after reopen skips history");
      });

      it('lag counts the events a consumer has not read past', async (t) => {
        const { log } = await open(t);
        const c = await log.consumer('reader');
        assert.equal(await c.lag(), 0);
        await log.append(recs(5));
        assert.equal(await c.lag(), 5);
        const got = await drain(c);
        await c.ack(got.slice(0, 2));
        assert.equal(await c.lag(), 3);
        await c.ack(got.slice(3));
        assert.equal(await c.lag(), 3, 'an ack past an unsettled event does not count until the gap is settled');
        await c.retry(got[2]!, 60_000);
        assert.equal(await c.lag(), 0, 'an event scheduled for retry has been read past');
        await log.append([rec({ messageId: got[0]!.event.messageId }), ...recs(2)]);
        assert.equal(await c.lag(), 2, 'duplicates add nothing');
      });
    });

    describe('retention', () => {
      const OLD = T0;
      const YOUNG = T0 + 10 * 60_000;
      const NOW = YOUNG + 1_000; // retention 60 s: OLD is past it, YOUNG is not

      it('prune drops old events only once every consumer has read past them', async (t) => {
        const { log } = await open(t, { retention_ms: 60_000 });
        const a = await log.consumer('a');
        const b = await log.consumer('b');
        const { seqs } = await log.append([...recs(3, { receivedAt: OLD }), ...recs(2, { receivedAt: YOUNG })]);
        const s = seqs as number[];

        await a.ack(await drain(a));
        const b1 = await b.read(1);
        await b.ack(b1);
        assert.equal(await log.prune(NOW), 1, "only the old event that both consumers read past");
        assert.deepEqual((await log.scan(0, 100)).map((e) => e.seq), s.slice(1));

        const bRest = await drain(b);
        assert.equal(await log.prune(NOW), 0, 'events handed out but not settled are kept');
        await b.ack(bRest.slice(0, 2));
        assert.equal(await log.prune(NOW), 2);
        await b.ack(bRest.slice(2));
        assert.equal(await log.prune(NOW), 0, 'events younger than the retention are kept, read or not');
        assert.deepEqual((await log.scan(0, 100)).map((e) => e.seq), s.slice(3));

        assert.equal(await log.prune(YOUNG + 120_000), 2, 'once old enough, read events go');
        assert.deepEqual(await log.scan(0, 100), []);
        assert.deepEqual(await log.stats(), { headSeq: s[4], events: 0 }, 'headSeq does not go back when events are dropped');
        const next = await log.append(recs(1));
        assert.ok(next.seqs[0]! > s[4]!, 'positions are never reused');
        assert.deepEqual(seqsOf(await drain(a)), next.seqs);
      });

      it('prune keeps the young events around one deleted from among them', async (t) => {
        const { log } = await open(t, { retention_ms: 60_000 });
        const c = await log.consumer('reader');
        const s = (await log.append([...recs(1, { receivedAt: OLD }), ...recs(4, { receivedAt: YOUNG })])).seqs as number[];
        await c.ack(await drain(c));
        assert.equal(await log.deleteEvents([s[2]!]), 1);
        assert.equal(await log.prune(NOW), 1, 'only the old event');
        assert.deepEqual((await log.scan(0, 100)).map((e) => e.seq), [s[1], s[3], s[4]]);
      });

      it('prune keeps an event awaiting retry', async (t) => {
        const { log } = await open(t, { retention_ms: 60_000 });
        const { seqs } = await log.append(recs(3, { receivedAt: OLD }));
        const c = await log.consumer('reader');
        const [d1, d2, d3] = await drain(c);
        await c.retry(d1!, 200);
        await c.ack([d2!, d3!]);
        const dropped = await log.prune(NOW);
        const left = (await log.scan(0, 100)).map((e) => e.seq);
        assert.ok(left.includes(seqs[0]!), 'the event awaiting retry is kept');
        assert.equal(dropped, 3 - left.length);

        const due = await readSome(c);
        assert.deepEqual(due.map((d) => d.event), [d1!.event]);
        assert.equal(due[0]!.attempt, 2);
        await c.ack(due);
        await log.prune(NOW);
        assert.deepEqual(await log.scan(0, 100), [], 'once the retry is settled the event can go');
      });

      it('with no consumer, prune drops by age alone', async (t) => {
        const { log } = await open(t, { retention_ms: 60_000 });
        const { seqs } = await log.append([...recs(2, { receivedAt: OLD }), ...recs(1, { receivedAt: YOUNG })]);
        assert.equal(await log.prune(NOW), 2);
        assert.deepEqual((await log.scan(0, 10)).map((e) => e.seq), [seqs[2]]);
      });

      it('a dead letter outlives its event being pruned', async (t) => {
        const { log } = await open(t, { retention_ms: 60_000 });
        const { seqs } = await log.append([...recs(2, { receivedAt: OLD }), ...recs(1, { receivedAt: YOUNG })]);
        const c = await log.consumer('reader');
        const [d1, d2] = await c.read(2);
        await c.deadLetter(d1!, 'poison');
        await c.ack([d2!]);
        assert.equal(await log.prune(NOW), 2);
        assert.deepEqual((await log.scan(0, 10)).map((e) => e.seq), [seqs[2]]);
        const dead = await c.deadLetters();
        assert.deepEqual(dead[0]!.event, d1!.event, 'a dead letter outlives its event in the log');
      });
    });

    describe('stats and readiness', () => {
      it('stats report the head position and the events retained', async (t) => {
        const { log } = await open(t);
        await becomesReady(log);
        assert.deepEqual(await log.stats(), { headSeq: 0, events: 0 });
        const r = await log.append([...recs(3), rec({ messageId: 'same' }), rec({ messageId: 'same' })]);
        assert.equal(r.stored, 4);
        const last = stored(r.seqs).at(-1);
        assert.deepEqual(await log.stats(), { headSeq: last, events: 4 });
      });

      it('stats survive reopen', durable, async (t) => {
        const opened = await open(t);
        const r = await opened.log.append(recs(3));
        const log = await opened.reopen();
        await becomesReady(log);
        assert.deepEqual(await log.stats(), { headSeq: r.seqs[2], events: 3 });
      });
    });

    describe('replay and dead-letter management', () => {
      it('seek backwards replays history to this consumer only; seek forwards skips', async (t) => {
        const { log } = await open(t);
        const r = await log.append(recs(5));
        const seqs = stored(r.seqs);
        const a = await log.consumer('a');
        const b = await log.consumer('b');
        await a.ack(await drain(a));
        await b.ack(await drain(b));
        assert.equal(a.position(), seqs[4]);
        await a.seek(seqs[1]!);
        assert.equal(a.position(), seqs[1]);
        assert.deepEqual(seqsOf(await drain(a)), seqs.slice(2));
        assert.deepEqual(await drain(b), [], 'the other consumer is not affected');
        await a.seek(seqs[4]!);
        assert.deepEqual(await drain(a), []);
      });

      it('a delivery settled after a seek does not move the cursor', async (t) => {
        const { log } = await open(t);
        const seqs = stored((await log.append(recs(3))).seqs);
        const c = await log.consumer('c');
        const stale = await drain(c);
        await c.seek(0);
        await c.ack(stale);
        assert.equal(c.position(), 0);
        assert.deepEqual(seqsOf(await drain(c)), seqs);
      });

      it('seek is durable', durable, async (t) => {
        const opened = await open(t);
        const seqs = stored((await opened.log.append(recs(4))).seqs);
        const c = await opened.log.consumer('c');
        await c.ack(await drain(c));
        await c.seek(seqs[1]!);
        const log = await opened.reopen();
        const again = await log.consumer('c');
        assert.deepEqual(seqsOf(await drain(again)), seqs.slice(2));
      });

      it('positionAt finds the position before the first event received at or after a time', async (t) => {
        const { log } = await open(t);
        const seqs = stored((await log.append([rec({ receivedAt: 1000 }), rec({ receivedAt: 2000 }), rec({ receivedAt: 3000 })])).seqs);
        assert.equal(await log.positionAt(0), seqs[0]! - 1);
        assert.equal(await log.positionAt(2000), seqs[0]);
        assert.equal(await log.positionAt(2500), seqs[1]);
        assert.equal(await log.positionAt(9999), seqs[2], 'after everything: the head');
      });

      it('dead letters keep their detail, are counted, paged, and can be removed', async (t) => {
        const { log } = await open(t);
        await log.append(recs(3));
        const c = await log.consumer('c');
        const ds = await drain(c);
        for (const d of ds) await c.deadLetter(d, `bad ${d.event.messageId}`, { response: { status: 400, body: 'nope' } });
        assert.equal(await c.deadLetterCount(), 3);
        const page1 = await c.deadLetters(2);
        assert.equal(page1.length, 2);
        assert.deepEqual(page1[0]!.detail, { response: { status: 400, body: 'nope' } });
        const page2 = await c.deadLetters(2, page1[1]!.id);
        assert.equal(page2.length, 1);
        const all = [...page1, ...page2].map((x) => x.event.messageId).sort();
        assert.deepEqual(all, ds.map((d) => d.event.messageId).sort());
        assert.equal(await c.removeDeadLetters([page1[0]!.id, page2[0]!.id]), 2);
        assert.equal(await c.deadLetterCount(), 1);
        assert.equal(await c.removeDeadLetters([page1[0]!.id]), 0, 'removing twice removes nothing');
      });

      it("deleteDeadLettersNaming erases every consumer's dead letters of a person's events, and only those", async (t) => {
        const { log } = await open(t);
        const person = (ids: Record<string, string>): LogRecord => {
          const r = rec();
          return { ...r, body: JSON.stringify({ ...(JSON.parse(r.body) as object), ...ids }) };
        };
        await log.append([person({ userId: 'u-ada' }), person({ anonymousId: 'a-ada' }), person({ previousId: 'a-ada', userId: 'u-new' }), person({ userId: 'u-bob' })]);
        const c1 = await log.consumer('c1');
        const c2 = await log.consumer('c2');
        for (const c of [c1, c2]) for (const d of await drain(c)) await c.deadLetter(d, 'refused');
        assert.equal(await log.deleteDeadLettersNaming({ userIds: ['u-ada'], anonymousIds: ['a-ada'] }), 6, 'three letters in each of two consumers');
        for (const c of [c1, c2]) {
          const left = await c.deadLetters(100);
          assert.deepEqual(left.map((x) => (JSON.parse(x.event.body) as { userId?: string }).userId), ['u-bob'], 'only the other person is left');
          assert.equal(await c.deadLetterCount(), 1);
        }
        assert.equal(await log.deleteDeadLettersNaming({ userIds: ['u-ada'], anonymousIds: ['a-ada'] }), 0, 'erased before: nothing more');
      });

      it('retrying counts events awaiting a retry', async (t) => {
        const { log } = await open(t);
        await log.append(recs(3));
        const c = await log.consumer('c');
        const ds = await drain(c);
        await c.retry(ds[0]!, 60_000);
        await c.retry(ds[1]!, 60_000);
        await c.ack([ds[2]!]);
        assert.equal(await c.retrying(), 2);
      });
    });
  });
}
