// Sends a batch of NATS requests and collects their replies with one subscription and one timer per batch. The
// client's own request() creates a timer, two Error objects (for their stack traces) and a mux entry per message:
// profiled, that was a third of a delivery worker's CPU when every event's ack was a request. Here each message is
// published with the reply subject <inbox>.<batch>.<index>, and the batch resolves once every index has answered.
import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';

export interface OutMsg {
  subject: string;
  data: Uint8Array | string;
  headers?: MsgHdrs;
}

interface Pending {
  replies: (Msg | undefined)[];
  left: number;
  resolve: (replies: Msg[]) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** A reply that is a status with no payload: nobody listens on the subject (503), or another failure. */
export function statusOf(m: Msg): number | null {
  return m.data.length === 0 && m.headers !== undefined && m.headers.code >= 300 ? m.headers.code : null;
}

export class BatchRequests {
  private readonly inbox = createInbox();
  private readonly sub: Subscription;
  private readonly pending = new Map<number, Pending>();
  private n = 0;

  constructor(private readonly nc: NatsConnection) {
    this.sub = nc.subscribe(`${this.inbox}.*.*`, {
      callback: (err, m) => {
        if (err === null) this.onReply(m);
      },
    });
  }

  private onReply(m: Msg): void {
    const dot = m.subject.lastIndexOf('.');
    const batch = Number(m.subject.slice(this.inbox.length + 1, dot));
    const index = Number(m.subject.slice(dot + 1));
    const p = this.pending.get(batch);
    if (p === undefined || p.replies[index] !== undefined) return; // late (timed out) or repeated
    p.replies[index] = m;
    if (--p.left === 0) {
      this.pending.delete(batch);
      clearTimeout(p.timer);
      p.resolve(p.replies as Msg[]);
    }
  }

  private fail(batch: number, err: Error): void {
    const p = this.pending.get(batch);
    if (p === undefined) return;
    this.pending.delete(batch);
    clearTimeout(p.timer);
    p.reject(err);
  }

  /**
   * Publishes every message, in order, each expecting one reply; resolves with the replies in the same order, or
   * rejects after `timeoutMs`. A status reply (statusOf) counts as a reply: the caller decides what it means.
   */
  request(messages: readonly OutMsg[], timeoutMs: number): Promise<Msg[]> {
    const batch = ++this.n;
    if (messages.length === 0) return Promise.resolve([]);
    return new Promise<Msg[]>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(batch, new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
      this.pending.set(batch, { replies: new Array<Msg | undefined>(messages.length), left: messages.length, resolve, reject, timer });
      messages.forEach((m, i) => this.nc.publish(m.subject, m.data, { reply: `${this.inbox}.${batch}.${i}`, headers: m.headers }));
    });
  }

  close(): void {
    this.sub.unsubscribe();
    for (const batch of [...this.pending.keys()]) this.fail(batch, new Error('closing'));
  }
}
