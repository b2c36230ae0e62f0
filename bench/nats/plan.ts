// The knobs of the NATS + PostgreSQL benchmark (bench/nats.ts), in one place. About five minutes on 2 cores.
const QUICK = process.env.BENCH_QUICK === '1';

export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** JetStream ceiling: publishes awaiting their PubAck at once (as many as wrk's connections), message size. */
export const JS_IN_FLIGHT = 64;
export const JS_MESSAGE_BYTES = 100;

/** Delivery: events pre-filled per drain, and drains per worker count (interleaved 1, 2, 1, 2...). */
export const DRAIN_EVENTS = QUICK ? 10_000 : 60_000;
export const DRAIN_RUNS = QUICK ? 1 : 3;
export const DRAIN_TIMEOUT_MS = 180_000;

/** Target (issue 5): single-message ingest on NATS >= this share of the bare node:http ceiling. */
export const NATS_SINGLE_TARGET_RATIO = 0.2;
