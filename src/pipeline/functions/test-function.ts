// `sluice fn test NAME --event file.json`: runs a function once on an event from a file, in the same sandbox and
// limits as in production, and reports what it would emit and log. Emits nothing, reads and writes no log.
import { CLOUDEVENT_TYPE } from '../../core/cloudevent.js';
import type { JsonObject } from '../../core/event.js';
import { cloudEventMessageId } from '../../sources/cloudevents/attributes.js';
import type { FunctionConfig } from './config.js';
import { type EmittedCall, finalizeCalls } from './emitted.js';
import { LoadedFunction } from './loaded-function.js';
import { secretsFor } from './runner.js';
import { selectEvent } from './subscription.js';

export interface TestFunctionDeps {
  secrets: Readonly<Record<string, string | undefined>>;
  /** The directory the function's file is relative to (the config file's). */
  baseDir: string;
  /** The Sluice source the event is taken to come from (default "test"): matters for subscribe.sources. */
  source?: string;
}

export interface TestFunctionResult {
  /** Whether the function's subscription matches the event; the function runs either way. */
  matched: boolean;
  /** The calls, completed as in production: deterministic messageId, context.sluice, timestamp. */
  emitted: EmittedCall[];
  /** "level: message" lines, in order. */
  logs: string[];
  /** Why the run failed (compile, load, throw, timeout, out of memory); absent on success. */
  error?: string;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How the event would be stored: a CloudEvent when it has specversion, else a Segment message of its type. */
function asRecord(event: JsonObject, source: string): { source: string; type: string; messageId: string; body: string } {
  const body = JSON.stringify(event);
  if (event.specversion !== undefined) {
    const messageId = cloudEventMessageId({ source: String(event.source), id: String(event.id) });
    return { source, type: CLOUDEVENT_TYPE, messageId, body };
  }
  const messageId = typeof event.messageId === 'string' ? event.messageId : 'test-message';
  return { source, type: typeof event.type === 'string' ? event.type : 'track', messageId, body };
}

export async function testFunction(fn: FunctionConfig, event: unknown, deps: TestFunctionDeps): Promise<TestFunctionResult> {
  if (!isObject(event)) return { matched: false, emitted: [], logs: [], error: 'the event must be a JSON object' };
  const record = asRecord(event, deps.source ?? 'test');
  let matched = false;
  let time: string | undefined;
  try {
    const selected = selectEvent(fn.subscribe, fn.name, record);
    matched = selected !== null;
    time = selected?.time;
  } catch {
    matched = false;
  }
  if (time === undefined) {
    const t = event.specversion !== undefined ? event.time : event.timestamp;
    if (typeof t === 'string') time = t;
  }

  let loaded: LoadedFunction;
  try {
    const secrets = secretsFor(fn, deps.secrets);
    loaded = await LoadedFunction.open(fn, { baseDir: deps.baseDir, secrets, logger: silent, watch: false });
  } catch (err) {
    return { matched, emitted: [], logs: [], error: (err as Error).message };
  }
  try {
    const result = await loaded.run(record.body);
    const logs = result.logs.map((l) => `${l.level}: ${l.message}`);
    if (result.error !== undefined) return { matched, emitted: [], logs, error: result.error };
    const emitted = finalizeCalls(result.calls, { source: record.source, messageId: record.messageId, function: fn.name }, time);
    return { matched, emitted, logs };
  } finally {
    await loaded.close();
  }
}

const silent = { info: () => {}, warn: () => {}, error: () => {} };
