// The Log contract against NATS JetStream (NATS_URL, default 127.0.0.1:4222): fresh streams with a unique name per
// case, deleted afterwards. Without NATS the suite is skipped loudly; in CI it fails instead.
import { describe, it } from 'node:test';
import { NatsLog, type NatsLogOptions } from '../../src/backends/nats/nats-log.js';
import { deleteNatsStreams, NATS_URL, natsSkip, uniqueStream } from '../helpers/nats.js';
import { reopenableLog, runLogContract } from './log.contract.js';

const skip = await natsSkip();

if (skip.skip !== undefined) {
  describe('Log contract: NatsLog', () => it('runs against NATS JetStream', skip, () => {}));
} else {
  runLogContract('NatsLog', {
    async open(settings) {
      const opts: NatsLogOptions = {
        ...settings,
        servers: NATS_URL,
        stream: uniqueStream(),
        replicas: 1,
        max_age_ms: 0,
        ack_wait_ms: 30_000,
        max_ack_pending: 1000,
        publish_timeout_ms: 5_000,
      };
      return reopenableLog(
        () => NatsLog.open(opts),
        () => deleteNatsStreams(opts.stream),
      );
    },
  });
}
