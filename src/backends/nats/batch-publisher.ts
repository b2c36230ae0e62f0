// Publishes a batch of messages to JetStream and collects their PubAcks with one subscription and one timer per
// batch, where the client's js.publish arms a timer and a request per message. The messages still go one per event
// (each event needs its own stream sequence); only the client-side cost per event shrinks.
import { createInbox, headers, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

export interface BatchAck {
  seq: number;
  duplicate: boolean;
}

interface Pending {
  acks: (BatchAck | undefined)[];
  left: number;
  resolve: (acks: BatchAck[]) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const decoder = new TextDecoder();

export class BatchPublisher {
  private readonly inbox = createInbox();
  private readonly sub: Subscription;
  private readonly pending = new Map<number, Pending>();
  private n = 0;

  constructor(private readonly nc: NatsConnection) {
    this.sub = nc.subscribe(`${this.inbox}.*.*`, {
      callback: (err, m) => {
        if (err === null) this.onAck(m);
      },
    });
  }

  private onAck(m: Msg): void {
    const dot = m.subject.lastIndexOf('.');
    const batch = Number(m.subject.slice(this.inbox.length + 1, dot));
    const index = Number(m.subject.slice(dot + 1));
    const p = this.pending.get(batch);
    if (p === undefined || p.acks[index] !== undefined) return; // late (timed out) or repeated
    if (m.data.length === 0) return this.fail(batch, new Error(`no stream answered (status ${m.headers?.code ?? '?'})`));
    const ack = JSON.parse(decoder.decode(m.data)) as { seq?: number; duplicate?: boolean; error?: { description?: string } };
    if (ack.error !== undefined || typeof ack.seq !== 'number') return this.fail(batch, new Error(ack.error?.description ?? 'the server refused the message'));
    p.acks[index] = { seq: ack.seq, duplicate: ack.duplicate === true };
    if (--p.left === 0) {
      this.pending.delete(batch);
      clearTimeout(p.timer);
      p.resolve(p.acks as BatchAck[]);
    }
  }

  private fail(batch: number, err: Error): void {
    const p = this.pending.get(batch);
    if (p === undefined) return;
    this.pending.delete(batch);
    clearTimeout(p.timer);
    p.reject(err);
  }

  /** Publishes each message with its dedupe id, in order; resolves with every PubAck, or rejects after `timeoutMs`. */
  publish(subject: string, messages: readonly { data: Uint8Array; msgId: string }[], timeoutMs: number): Promise<BatchAck[]> {
    const batch = ++this.n;
    return new Promise<BatchAck[]>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(batch, new Error(`no acknowledgement within ${timeoutMs} ms`)), timeoutMs);
      this.pending.set(batch, { acks: new Array<BatchAck | undefined>(messages.length), left: messages.length, resolve, reject, timer });
      messages.forEach((m, i) => {
        const h = headers();
        h.set('Nats-Msg-Id', m.msgId);
        this.nc.publish(subject, m.data, { reply: `${this.inbox}.${batch}.${i}`, headers: h });
      });
    });
  }

  close(): void {
    this.sub.unsubscribe();
    for (const batch of [...this.pending.keys()]) this.fail(batch, new Error('the log is closing'));
  }
}
