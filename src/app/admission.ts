// Admission control for the collecting endpoints (the tracking API on both HTTP paths, the CloudEvents gateway, the
// webhooks; Fastify routes take it through src/sources/http/shed.ts): decides, before a request's body is read,
// whether the server takes it on.
// Past capacity, a request that is taken on only waits in a queue (memory, then client timeouts); one that is refused
// at once costs a few tens of microseconds and the SDK retries it after Retry-After. So every such request first
// asks admit(): it is refused (429) when the event loop is late (the CPU is saturated: requests queue in the kernel
// and in the loop), when too many requests are already being read, parsed or awaiting their commit, when their
// bodies already hold too many bytes (what grows RSS under load), or when the log's writer already has too many bytes
// waiting for the disk. Bodies of refused requests are never read: Node discards them.
import type { LoadShedder } from './load-shedder.js';

export type ShedReason = 'event_loop_lag' | 'inflight_requests' | 'inflight_bytes' | 'writer_queue';

export interface AdmissionLimits {
  /** Tracking requests taken on and not yet answered, at most. */
  maxInflightRequests: number;
  /** Declared (or, without Content-Length, read) body bytes of those requests, at most. */
  maxInflightBytes: number;
  /** Bytes the log's writer may hold waiting for the disk before new requests are refused unread. */
  maxWriterQueuedBytes: number;
}

export interface AdmissionDeps {
  limits: AdmissionLimits;
  /** Event-loop lag: the CPU signal. */
  shedder?: LoadShedder;
  /** Bytes waiting for the disk in the embedded log's writer; absent for backends without such a queue. */
  writerQueuedBytes?: () => number;
  /** Called on every refusal, with its reason (metrics). */
  onShed: (reason: ShedReason) => void;
}

/** A request taken on: it holds its share of the caps until release(). */
export interface Ticket {
  /**
   * Body bytes as they are read. What goes beyond the declared length (a chunked body, a gzip body's decoded bytes)
   * counts against the byte cap as it arrives.
   */
  read(bytes: number): void;
  /** Idempotent: the response was sent or the client went away. */
  release(): void;
}

export class Admission {
  private requests = 0;
  private bytes = 0;

  constructor(private readonly deps: AdmissionDeps) {}

  /** A ticket, or the reason to refuse. `declaredBytes` is the Content-Length (0 when unknown). */
  admit(declaredBytes: number): Ticket | ShedReason {
    const reason = this.refusal(declaredBytes);
    if (reason !== undefined) {
      this.deps.onShed(reason);
      return reason;
    }
    this.requests++;
    let held = declaredBytes;
    this.bytes += held;
    let readSoFar = 0;
    let released = false;
    return {
      read: (n) => {
        if (released) return;
        readSoFar += n;
        if (readSoFar <= held) return;
        this.bytes += readSoFar - held;
        held = readSoFar;
      },
      release: () => {
        if (released) return;
        released = true;
        this.requests--;
        this.bytes -= held;
      },
    };
  }

  /** Requests and body bytes taken on and not yet answered (tests, metrics). */
  get inflight(): { requests: number; bytes: number } {
    return { requests: this.requests, bytes: this.bytes };
  }

  private refusal(declaredBytes: number): ShedReason | undefined {
    const { limits } = this.deps;
    if (this.deps.shedder?.overloaded() === true) return 'event_loop_lag';
    // With nothing in flight a request is always taken on, so one larger than a cap is not refused forever.
    if (this.requests === 0) return undefined;
    if (this.requests >= limits.maxInflightRequests) return 'inflight_requests';
    if (this.bytes + declaredBytes > limits.maxInflightBytes) return 'inflight_bytes';
    if ((this.deps.writerQueuedBytes?.() ?? 0) > limits.maxWriterQueuedBytes) return 'writer_queue';
    return undefined;
  }
}
