// Publishes a batch of messages to JetStream and collects their PubAcks as one batch of requests (batch-requests.ts):
// one subscription and one timer per batch, where the client's js.publish arms a timer and a request per message.
// The messages still go one per event (each event needs its own stream sequence); only the client-side cost per
// event shrinks.
import { headers, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { BatchRequests, statusOf } from './batch-requests.js';

export interface BatchAck {
  seq: number;
  duplicate: boolean;
}

const decoder = new TextDecoder();

function pubAck(m: Msg): BatchAck {
  const status = statusOf(m);
  if (status !== null || m.data.length === 0) throw new Error(`no stream answered (status ${status ?? '?'})`);
  const ack = JSON.parse(decoder.decode(m.data)) as { seq?: number; duplicate?: boolean; error?: { description?: string } };
  if (ack.error !== undefined || typeof ack.seq !== 'number') throw new Error(ack.error?.description ?? 'the server refused the message');
  return { seq: ack.seq, duplicate: ack.duplicate === true };
}

export class BatchPublisher {
  private readonly requests: BatchRequests;

  constructor(nc: NatsConnection) {
    this.requests = new BatchRequests(nc);
  }

  /** Publishes each message with its dedupe id, in order; resolves with every PubAck, or rejects after `timeoutMs`. */
  async publish(subject: string, messages: readonly { data: Uint8Array; msgId: string }[], timeoutMs: number): Promise<BatchAck[]> {
    const replies = await this.requests.request(
      messages.map((m) => {
        const h = headers();
        h.set('Nats-Msg-Id', m.msgId);
        return { subject, data: m.data, headers: h };
      }),
      timeoutMs,
    );
    return replies.map(pubAck);
  }

  close(): void {
    this.requests.close();
  }
}
