// The fixed vocabulary of ingest telemetry. Sources call these; app/metrics.ts turns them into Prometheus series.
// A duplicate is not a drop: the event is already in the log. A rejection is a drop we explain.

export interface IngestTelemetry {
  received(source: string, type: string, n: number): void;
  duplicates(source: string, n: number): void;
  rejected(reason: string, n: number): void;
}

export const noTelemetry: IngestTelemetry = {
  received: () => {},
  duplicates: () => {},
  rejected: () => {},
};

/** Delivery outcomes per destination. A retried event is not a drop; a dead-lettered one is, with its reason kept. */
export interface DeliveryTelemetry {
  delivered(destination: string, n: number): void;
  retried(destination: string, n: number): void;
  deadLettered(destination: string, n: number): void;
  /** Skipped on purpose: the destination's filter or a transform dropped it. */
  filtered(destination: string, n: number): void;
  sendSeconds(destination: string, outcome: string, seconds: number): void;
}

export const noDeliveryTelemetry: DeliveryTelemetry = {
  delivered: () => {},
  retried: () => {},
  deadLettered: () => {},
  filtered: () => {},
  sendSeconds: () => {},
};

/** Tracking-plan violations found at ingest, by source, event and kind (core/plan.ts), whatever the mode did. */
export interface PlanTelemetry {
  planViolations(source: string, event: string, kind: string, n: number): void;
}

export const noPlanTelemetry: PlanTelemetry = {
  planViolations: () => {},
};
