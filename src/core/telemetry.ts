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
