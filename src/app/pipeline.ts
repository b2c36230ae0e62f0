// Builds and runs the consumers after the log: one runner per destination (each with its own cursor, batching,
// concurrency, retries and dead letters). Only this file knows how config becomes running consumers.
import type { Logger } from 'pino';
import type { DestinationContext } from '../core/destination.js';
import type { DeliveryTelemetry } from '../core/telemetry.js';
import type { Transform } from '../core/transform.js';
import type { Consumer, Log } from '../log/log.js';
import { DestinationRunner } from '../pipeline/runner/destination-runner.js';
import { compileFilter } from '../pipeline/runner/filter.js';
import { compileTransforms } from '../pipeline/transforms/compile.js';
import type { DestinationEntry } from './destination-registry.js';

export interface StateStore {
  getState(key: string): Promise<string | undefined>;
  setState(key: string, value: string | null): Promise<void>;
}

export interface Pipeline {
  runners: ReadonlyMap<string, DestinationRunner>;
  consumerOf(name: string): Promise<Consumer>;
  stop(): Promise<void>;
}

export const destinationConsumerName = (name: string): string => `destination:${name}`;

/** Compiles a destination's transforms (already checked by the schema); a bad Jolt spec throws with its path. */
export function compileDestinationTransforms(entry: DestinationEntry, index: number): Transform | null {
  if (entry.common.transforms.length === 0) return null;
  return compileTransforms(entry.common.transforms, `destinations.${index}.transforms`);
}

export async function startPipeline(
  entries: readonly DestinationEntry[],
  deps: { log: Log; state: StateStore; telemetry: DeliveryTelemetry; logger: Logger },
): Promise<Pipeline> {
  const runners = new Map<string, DestinationRunner>();
  const ctx: DestinationContext = { log: deps.logger, now: () => Date.now() };
  for (const [index, entry] of entries.entries()) {
    const c = entry.common;
    if (!c.enabled) continue;
    const transform = compileDestinationTransforms(entry, index);
    const consumer = await deps.log.consumer(destinationConsumerName(c.name), { startAt: c.start_at });
    const pausedKey = `${destinationConsumerName(c.name)}:paused`;
    const sources = c.topic === undefined ? c.filter.sources : [c.topic, ...(c.filter.sources ?? [])];
    const runner = new DestinationRunner({
      name: c.name,
      type: c.type,
      consumer,
      destination: entry.module.create(entry.options as never, { ...ctx, log: deps.logger.child({ destination: c.name }) }),
      filter: compileFilter({ ...c.filter, sources }),
      transform,
      payload: c.payload ?? (c.type === 'http-sink' ? 'data' : 'event'),
      batch: c.batch,
      maxInFlight: c.max_in_flight,
      retry: c.retry,
      telemetry: deps.telemetry,
      logger: deps.logger,
      paused: (await deps.state.getState(pausedKey)) === 'true',
      onPausedChange: (paused) => deps.state.setState(pausedKey, paused ? 'true' : null),
    });
    runners.set(c.name, runner);
    runner.start();
  }
  return {
    runners,
    consumerOf: (name) => deps.log.consumer(destinationConsumerName(name)),
    async stop() {
      await Promise.all([...runners.values()].map((r) => r.stop()));
    },
  };
}
