// Pulls messages for one durable pull consumer with raw JetStream pull requests, so that a read can take exactly
// what is ready now (no_wait) or wait for the first message and no longer. Every pull replies to its own subject
// under one inbox: messages go to a local buffer, and a status (404 no messages, 408 request over, 409 consumer
// gone), which arrives on the pull's own subject, ends that pull. A message that arrives after its read gave up (aborted
// wait) is not lost: it waits in the buffer for the next read, or is handed back (nak) when the consumer closes.
import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

export interface PulledMsg {
  /** The ack subject: ack, nak, term and in-progress are sent there. */
  reply: string;
  data: Uint8Array;
  seq: number;
  /** JetStream's delivery count for this message: 1 on first delivery. */
  deliveries: number;
}

/** A pull the server has not answered at all: the connection dropped. Bounds a no_wait pull. */
const NO_ANSWER_MS = 5_000;

/** Parses `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>` (and the longer v2 form). */
function parseAckSubject(reply: string): { deliveries: number; seq: number } | null {
  const t = reply.split('.');
  if (t[0] !== '$JS' || t[1] !== 'ACK') return null;
  const at = t.length === 9 ? 4 : 6;
  return { deliveries: Number(t[at]), seq: Number(t[at + 1]) };
}

interface Pull {
  want: number;
  got: number;
  done: () => void;
}

export class Puller {
  private buffer: PulledMsg[] = [];
  private readonly pulls = new Map<string, Pull>();
  private readonly inbox = createInbox();
  private readonly sub: Subscription;
  private n = 0;
  private arrived: (() => void) | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly nextSubject: string,
  ) {
    this.sub = nc.subscribe(`${this.inbox}.*`, { callback: (err, m) => {
        if (err === null) this.onMsg(m);
      },
    });
  }

  private onMsg(m: Msg): void {
    const pull = this.pulls.get(m.subject);
    const ack = m.reply === undefined ? null : parseAckSubject(m.reply);
    if (ack === null) {
      // A status: the pull it answers is over, whatever the code.
      if (pull !== undefined) pull.done();
      return;
    }
    this.buffer.push({ reply: m.reply!, data: m.data, ...ack });
    // A message keeps the subject it was published on, so which pull it answers is unknown: it counts for every
    // pull open. At worst a pull is taken as over early and the read returns a little less than was ready.
    for (const p of [...this.pulls.values()]) if (++p.got >= p.want) p.done();
    this.arrived?.();
  }

  private pull(req: Record<string, unknown>, want: number): { subject: string; finished: Promise<void> } {
    const subject = `${this.inbox}.${++this.n}`;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    this.pulls.set(subject, { want, got: 0, done: () => (this.pulls.delete(subject), done()) });
    this.nc.publish(this.nextSubject, JSON.stringify(req), { reply: subject });
    return { subject, finished };
  }

  /** Takes up to `max` buffered messages. */
  take(max: number): PulledMsg[] {
    return this.buffer.splice(0, max);
  }

  buffered(): readonly PulledMsg[] {
    return this.buffer;
  }

  /** Asks for up to `batch` messages that are ready now; resolves once the server has sent them. */
  async pullNow(batch: number): Promise<void> {
    const { subject, finished } = this.pull({ batch, no_wait: true }, batch);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise<void>((r) => (timer = setTimeout(r, NO_ANSWER_MS)))]);
    clearTimeout(timer);
    this.pulls.delete(subject);
  }

  /** Waits up to `waitMs` for one message to arrive (it lands in the buffer). */
  async waitOne(waitMs: number, signal: AbortSignal): Promise<void> {
    if (this.buffer.length > 0 || signal.aborted) return;
    const { subject, finished } = this.pull({ batch: 1, expires: Math.max(1, waitMs) * 1_000_000 }, 1);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    await Promise.race([
      finished,
      new Promise<void>((r) => {
        this.arrived = r;
        // The server ends the pull at `expires`; this timer only covers a server that cannot answer.
        timer = setTimeout(r, waitMs + 1_000);
        onAbort = r;
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
    this.arrived = null;
    clearTimeout(timer);
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    this.pulls.delete(subject);
  }

  /** Stops receiving; returns what was buffered and never handed out, for the caller to give back. */
  close(): PulledMsg[] {
    this.sub.unsubscribe();
    for (const p of [...this.pulls.values()]) p.done();
    return this.buffer.splice(0);
  }
}
