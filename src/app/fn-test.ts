// `sluice fn test NAME --event FILE`: runs one function of the config on a sample event, in the same sandbox as in
// production, and reports what it would emit and whether the tracking API would accept each call.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SluiceError } from '../core/errors.js';
import { testFunction, type TestFunctionResult } from '../pipeline/functions/test-function.js';
import { prepareSingle } from '../sources/http/ingest.js';
import { type ConfigOverrides, ConfigError, loadConfig } from './config.js';

export interface FunctionTestReport extends TestFunctionResult {
  /** For each emitted call, null when the tracking API would accept it, else why it would not. */
  refused: (string | null)[];
}

export async function runFunctionTest(overrides: ConfigOverrides, name: string, eventFile: string, source?: string): Promise<FunctionTestReport> {
  const loaded = loadConfig(overrides);
  const fn = loaded.config.functions.find((f) => f.name === name);
  if (fn === undefined) {
    const known = loaded.config.functions.map((f) => f.name).join(', ') || 'none';
    throw new ConfigError(`no function named ${JSON.stringify(name)}`, [`functions in the config: ${known}`]);
  }
  let event: unknown;
  try {
    event = JSON.parse(readFileSync(eventFile, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read the event file ${eventFile}`, [(err as Error).message]);
  }
  const baseDir = loaded.path === undefined ? process.cwd() : dirname(resolve(loaded.path));
  const result = await testFunction(fn, event, { secrets: loaded.secrets, baseDir, ...(source === undefined ? {} : { source }) });
  const ctx = { source: source ?? 'test', limits: loaded.config.limits, receivedAt: Date.now(), ip: undefined, anonymizeIp: false, headerAnonymousId: undefined };
  const refused = result.emitted.map((call) => {
    try {
      prepareSingle(call.message, call.type, ctx);
      return null;
    } catch (err) {
      if (err instanceof SluiceError) return err.message;
      throw err;
    }
  });
  return { ...result, refused };
}
