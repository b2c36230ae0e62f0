// Everything `sluice validate` and start-up check before anything runs: the file against its schema, each
// destination against its type's schema, every transform list and every source's tracking plan compiled. All
// problems are listed at once.
import { type ConfigOverrides, ConfigError, type LoadedConfig, loadConfig } from './config.js';
import { DESTINATION_MODULES } from './destination-modules.js';
import { type DestinationEntry, validateDestinations } from './destination-registry.js';
import { compileDestinationTransforms } from './pipeline.js';
import { configBaseDir, loadSourcePlans, type SourcePlan } from './plans.js';

export interface CheckedConfig extends LoadedConfig {
  destinations: DestinationEntry[];
  /** Compiled tracking plans by source name. */
  plans: Map<string, SourcePlan>;
}

export function checkConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): CheckedConfig {
  const loaded = loadConfig(overrides, env);
  const { entries, problems } = validateDestinations(loaded.config.destinations, DESTINATION_MODULES, loaded.secrets);
  entries.forEach((entry, i) => {
    try {
      compileDestinationTransforms(entry, i);
    } catch (err) {
      problems.push(...(err as Error).message.split('\n'));
    }
  });
  const plans = loadSourcePlans(loaded.config, configBaseDir(loaded.path));
  problems.push(...plans.problems);
  if (problems.length > 0) throw new ConfigError(`config${loaded.path ? ` file ${loaded.path}` : ''} is invalid`, problems);
  return { ...loaded, destinations: entries, plans: plans.plans };
}
