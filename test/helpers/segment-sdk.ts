// Sends through the real @segment/analytics-node client, as a customer's backend would, and fails on any SDK error.
import assert from 'node:assert/strict';
import { Analytics } from '@segment/analytics-node';
import type { ServerProcess } from './server-process.js';

/** Makes the calls with a fresh SDK pointed at the server, flushes, and asserts the SDK reported no error. */
export async function sendWithSdk(server: Pick<ServerProcess, 'url' | 'writeKey'>, calls: (a: Analytics) => void): Promise<void> {
  const analytics = new Analytics({ writeKey: server.writeKey, host: server.url, flushAt: 20, flushInterval: 50 });
  const errors: unknown[] = [];
  analytics.on('error', (err) => errors.push(err));
  calls(analytics);
  await analytics.closeAndFlush({ timeout: 10_000 });
  assert.deepEqual(errors, []);
}
