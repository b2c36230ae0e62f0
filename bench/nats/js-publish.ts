// Ceiling: raw JetStream async publish with the official client (@nats-io/jetstream), no Sluice in the way. A fresh
// file-backed stream (deleted afterwards), messages of --bytes bytes, --in-flight publishes outstanding at once, each
// awaiting its PubAck (js.publish resolves on the ack), each with its own Nats-Msg-Id as Sluice sends. Runs a warm-up
// then --seconds timed, and prints one line: {"msgsPerSec":N,"messages":M,"seconds":S}.
// Usage: node js-publish.ts --stream NAME [--seconds 5] [--bytes 100] [--in-flight 256]
import { parseArgs } from 'node:util';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const { values } = parseArgs({
  options: {
    stream: { type: 'string' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    bytes: { type: 'string', default: '100' },
    'in-flight': { type: 'string', default: '256' },
    url: { type: 'string', default: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' },
  },
});
if (values.stream === undefined) throw new Error('usage: --stream NAME');
const stream = values.stream;
const subject = `${stream}.events`;
const inFlight = Number(values['in-flight']);
const payload = new TextEncoder().encode('x'.repeat(Number(values.bytes)));

const nc = await connect({ servers: values.url });
const jsm = await jetstreamManager(nc);
await jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.File, num_replicas: 1, duplicate_window: 120 * 1e9 });
const js = jetstream(nc);
try {
  let n = 0;
  let acked = 0;
  let stopAt = 0;
  // `inFlight` loops, each publishing its next message as soon as the last is acknowledged: a closed loop, like wrk.
  const loop = async (): Promise<void> => {
    while (performance.now() < stopAt) {
      await js.publish(subject, payload, { msgID: `bench-${++n}` });
      acked++;
    }
  };
  const phase = async (seconds: number): Promise<{ messages: number; seconds: number }> => {
    acked = 0;
    const t0 = performance.now();
    stopAt = t0 + seconds * 1000;
    await Promise.all(Array.from({ length: inFlight }, loop));
    return { messages: acked, seconds: (performance.now() - t0) / 1000 };
  };
  await phase(Number(values.warmup));
  const r = await phase(Number(values.seconds));
  process.stdout.write(`${JSON.stringify({ msgsPerSec: Math.round(r.messages / r.seconds), messages: r.messages, seconds: Math.round(r.seconds * 1000) / 1000 })}\n`);
} finally {
  await jsm.streams.delete(stream).catch(() => false);
  await nc.close();
}
