// NATS for tests: the shared server (NATS_URL, default 127.0.0.1:4222), probed once; unique stream names per run so
// concurrent test runs never meet; and the rule for when it is missing: skip loudly, but fail in CI.
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { natsNames } from '../../src/backends/nats/names.js';

export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** Null when NATS with JetStream answers at NATS_URL, else why not. */
export async function natsUnavailable(): Promise<string | null> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 2_000, maxReconnectAttempts: 0 });
    try {
      await (await jetstreamManager(nc)).getAccountInfo();
    } finally {
      await nc.close();
    }
    return null;
  } catch (err) {
    return `NATS with JetStream is not reachable at ${NATS_URL} (${(err as Error).message})`;
  }
}

/**
 * The skip option for NATS tests: undefined when NATS is there. Missing NATS skips with a loud message on a
 * developer's machine and throws in CI (CI=true), where the service must be running.
 */
export async function natsSkip(): Promise<{ skip?: string }> {
  const why = await natsUnavailable();
  if (why === null) return {};
  if (process.env.CI === 'true') throw new Error(`${why}: CI must start nats-server -js (see docs/backends.md)`);
  process.stderr.write(`\n*** SKIPPING NATS TESTS: ${why}. Start nats-server -js to run them. ***\n\n`);
  return { skip: why };
}

export const uniqueStream = (prefix = 'SLUICE_TEST'): string => `${prefix}_${randomBytes(5).toString('hex')}`;

/** Deletes the streams a NatsLog named `stream` created. */
export async function deleteNatsStreams(stream: string, url = NATS_URL): Promise<void> {
  const nc = await connect({ servers: url, timeout: 2_000, maxReconnectAttempts: 0 });
  try {
    const jsm = await jetstreamManager(nc);
    const n = natsNames(stream);
    for (const s of [n.events, n.dead, n.retries]) await jsm.streams.delete(s).catch(() => false);
  } finally {
    await nc.close();
  }
}
