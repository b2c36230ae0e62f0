// Durability: a 200 means the event is on disk. Kill -9 the server while clients send; after a restart on the same
// data directory, every event that got a 200 is in the log, exactly once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allEvents, type ServerProcess, startServer, tempDataDir, basicAuth } from '../helpers/server-process.js';

interface Sent {
  acked: Set<string>;
  failed: number;
}

/** Sends single tracks and 10-event batches from `workers` concurrent loops until `stop` is set. */
async function sendUntilStopped(server: ServerProcess, workers: number, stop: { now: boolean }): Promise<Sent> {
  const auth = basicAuth(server.writeKey);
  const sent: Sent = { acked: new Set(), failed: 0 };
  let n = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (!stop.now) {
        const batch = n++ % 2 === 0;
        const ids = batch ? Array.from({ length: 10 }, (_, i) => `w${w}-${n}-${i}`) : [`w${w}-${n}`];
        const body = batch
          ? JSON.stringify({ batch: ids.map((messageId) => ({ type: 'track', messageId, userId: `u${w}`, event: 'Crash Test' })) })
          : JSON.stringify({ messageId: ids[0], userId: `u${w}`, event: 'Crash Test' });
        try {
          const res = await fetch(`${server.url}${batch ? '/v1/batch' : '/v1/track'}`, { method: 'POST', headers: { authorization: auth }, body });
          await res.arrayBuffer();
          if (res.status === 200) for (const id of ids) sent.acked.add(id);
          else sent.failed++;
        } catch {
          sent.failed++;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    }),
  );
  return sent;
}

for (const [how, signal] of [
  ['kill -9', 'SIGKILL'],
  ['SIGTERM (graceful shutdown)', 'SIGTERM'],
] as const) {
  test(`${how} while clients send: every event that got a 200 is in the log after restart, once`, async () => {
    const dataDir = tempDataDir();
    const first = await startServer({ dataDir });
    const stop = { now: false };
    const sending = sendUntilStopped(first, 16, stop);
    await new Promise((r) => setTimeout(r, 1500));
    if (signal === 'SIGKILL') await first.kill();
    else assert.equal(await first.stop(), 0, `graceful shutdown exits 0:\n${first.output()}`);
    await new Promise((r) => setTimeout(r, 200));
    stop.now = true;
    const sent = await sending;
    assert.ok(sent.acked.size > 100, `the clients got ${sent.acked.size} events acknowledged before the ${how}`);

    const second = await startServer({ dataDir });
    try {
      assert.equal(second.writeKey, first.writeKey, 'the development write key survives restarts');
      const stored = (await allEvents(second)).filter((e) => e.event.event === 'Crash Test');
      const counts = new Map<string, number>();
      for (const e of stored) counts.set(e.event.messageId as string, (counts.get(e.event.messageId as string) ?? 0) + 1);
      const missing = [...sent.acked].filter((id) => !counts.has(id));
      assert.deepEqual(missing, [], `${missing.length} of ${sent.acked.size} acknowledged events are missing`);
      const twice = [...counts].filter(([, c]) => c > 1);
      assert.deepEqual(twice, [], 'no event is stored twice');
    } finally {
      await second.stop();
    }
  });
}
