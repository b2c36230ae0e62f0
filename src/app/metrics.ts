// Prometheus metrics. Names follow core/telemetry.ts's vocabulary: received, duplicates, rejected (with a reason).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import client from 'prom-client';
import type { DeliveryTelemetry, IngestTelemetry, PlanTelemetry } from '../core/telemetry.js';
import type { IdentityTelemetry } from '../identity/identity-consumer.js';

export class Metrics implements IngestTelemetry, DeliveryTelemetry, PlanTelemetry, IdentityTelemetry {
  readonly registry = new client.Registry();
  private readonly receivedTotal = new client.Counter({ name: 'sluice_events_received_total', help: 'Events appended to the log, by source and type.', labelNames: ['source', 'type'], registers: [this.registry] });
  private readonly duplicateTotal = new client.Counter({ name: 'sluice_events_duplicate_total', help: 'Events already in the log (same source and messageId within the window); answered 200, stored once.', labelNames: ['source'], registers: [this.registry] });
  private readonly rejectedTotal = new client.Counter({ name: 'sluice_events_rejected_total', help: 'Messages or requests refused, by reason (an error code; see docs/errors.md).', labelNames: ['reason'], registers: [this.registry] });
  private readonly shedTotal = new client.Counter({ name: 'sluice_requests_shed_total', help: 'Requests to the collecting endpoints (tracking API, CloudEvents, webhooks) refused with 429 before their body was read because the server was past its capacity, by reason: event_loop_lag, inflight_requests, inflight_bytes, writer_queue (docs/operations.md, Overload). Also counted in sluice_events_rejected_total{reason="overloaded"}.', labelNames: ['reason'], registers: [this.registry] });
  readonly rejectLogDropped = new client.Counter({ name: 'sluice_reject_log_dropped_total', help: 'Reject-log rows not written because the writer was saturated or down (the rejection itself is still counted).', registers: [this.registry] });
  readonly requestSeconds = new client.Histogram({ name: 'sluice_http_request_duration_seconds', help: 'HTTP request latency, by route and status code.', labelNames: ['route', 'status'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry] });
  readonly commitSeconds = new client.Histogram({ name: 'sluice_log_commit_duration_seconds', help: 'Time from sending a group to the writer to its durable commit.', buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [this.registry] });
  readonly commitRows = new client.Histogram({ name: 'sluice_log_commit_rows', help: 'Events appended per group commit.', buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000], registers: [this.registry] });
  readonly commitFailures = new client.Counter({ name: 'sluice_log_commit_failures_total', help: 'Group commits that failed (their requests got 503).', registers: [this.registry] });
  private readonly deliveryTotal = new client.Counter({ name: 'sluice_destination_events_total', help: 'Events per destination and outcome: delivered, retried (scheduled again; not a drop), dead_lettered (kept with the reason), filtered (not wanted by the destination).', labelNames: ['destination', 'outcome'], registers: [this.registry] });
  private readonly sendSecondsHist = new client.Histogram({ name: 'sluice_destination_send_duration_seconds', help: 'Time of one send to a destination, by outcome.', labelNames: ['destination', 'outcome'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
  private readonly planViolationsTotal = new client.Counter({ name: 'sluice_plan_violations_total', help: "Tracking-plan violations found at ingest, by source, event (unplanned events count under \"(unplanned)\") and kind, whatever the source's mode did with them.", labelNames: ['source', 'event', 'kind'], registers: [this.registry] });
  private readonly suppressedTotal = new client.Counter({ name: 'sluice_events_suppressed_total', help: 'Events dropped at ingest because they carry an id of a deleted person (answered 200, never stored).', labelNames: ['source'], registers: [this.registry] });
  private readonly mergesTotal = new client.Counter({ name: 'sluice_identity_merges_total', help: 'Profiles merged into another by identity stitching.', registers: [this.registry] });
  private readonly mergesRefusedTotal = new client.Counter({ name: 'sluice_identity_merges_refused_total', help: 'Links refused because the merged profile would hold more userIds than identity.max_user_ids_per_profile.', registers: [this.registry] });
  private readonly blockedIdsTotal = new client.Counter({ name: 'sluice_identity_blocked_ids_total', help: 'Ids ignored by stitching because they are blocked values (null, undefined, anonymous, …).', registers: [this.registry] });
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
    this.loopDelay.enable();
    const delay = this.loopDelay;
    new client.Gauge({
      name: 'sluice_event_loop_delay_p99_seconds',
      help: 'p99 event-loop delay since the previous scrape.',
      registers: [this.registry],
      collect() {
        this.set(delay.percentile(99) / 1e9);
        delay.reset();
      },
    });
  }

  received(source: string, type: string, n: number): void {
    this.receivedTotal.inc({ source, type }, n);
  }

  duplicates(source: string, n: number): void {
    this.duplicateTotal.inc({ source }, n);
  }

  /** A request to a collecting endpoint refused unread by admission control. */
  shed(reason: string): void {
    this.shedTotal.inc({ reason });
    this.rejectedTotal.inc({ reason: 'overloaded' });
  }

  rejected(reason: string, n: number): void {
    this.rejectedTotal.inc({ reason }, n);
  }

  delivered(destination: string, n: number): void {
    this.deliveryTotal.inc({ destination, outcome: 'delivered' }, n);
  }

  retried(destination: string, n: number): void {
    this.deliveryTotal.inc({ destination, outcome: 'retried' }, n);
  }

  deadLettered(destination: string, n: number): void {
    this.deliveryTotal.inc({ destination, outcome: 'dead_lettered' }, n);
  }

  filtered(destination: string, n: number): void {
    this.deliveryTotal.inc({ destination, outcome: 'filtered' }, n);
  }

  sendSeconds(destination: string, outcome: string, seconds: number): void {
    this.sendSecondsHist.observe({ destination, outcome }, seconds);
  }

  planViolations(source: string, event: string, kind: string, n: number): void {
    this.planViolationsTotal.inc({ source, event, kind }, n);
  }

  suppressed(source: string, n: number): void {
    this.suppressedTotal.inc({ source }, n);
  }

  merged(n: number): void {
    if (n > 0) this.mergesTotal.inc(n);
  }

  mergeRefused(n: number): void {
    if (n > 0) this.mergesRefusedTotal.inc(n);
  }

  blockedIds(n: number): void {
    if (n > 0) this.blockedIdsTotal.inc(n);
  }

  stop(): void {
    this.loopDelay.disable();
  }
}
