// Loads the configuration: file (YAML or JSON), then environment, then flags; validates it against the schema and
// freezes it. The only place that reads process.env.
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema, type SluiceConfig } from './config-schema.js';

export interface ConfigOverrides {
  configPath?: string;
  port?: number;
  dataDir?: string;
  host?: string;
  role?: string;
}

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(`${message}\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const SECRET_REF = /\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Replaces `${{ secrets.NAME }}` in every string with the environment variable NAME; missing ones are errors. */
function resolveSecrets(value: unknown, env: NodeJS.ProcessEnv, path: string, missing: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(SECRET_REF, (_m, name: string) => {
      const v = env[name];
      if (v === undefined) {
        missing.push(`${path || '(root)'}: secret ${name} is not set in the environment`);
        return '';
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveSecrets(v, env, `${path}[${i}]`, missing));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveSecrets(v, env, path ? `${path}.${k}` : k, missing)]));
  }
  return value;
}

/** NAME=value lines; blank lines and # comments are skipped; a value may be wrapped in single or double quotes. */
export function parseSecretsFile(text: string, path: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(t);
    if (!m) throw new ConfigError(`secrets file ${path} is invalid`, [`line ${i + 1}: expected NAME=value`]);
    let v = m[2]!;
    if ((v.startsWith('"') && v.endsWith('"') && v.length >= 2) || (v.startsWith("'") && v.endsWith("'") && v.length >= 2)) v = v.slice(1, -1);
    out[m[1]!] = v;
  });
  return out;
}

export interface LoadedConfig {
  config: Readonly<SluiceConfig>;
  path: string | undefined;
  /** Environment and secrets file together (the environment wins): where ${{ secrets.NAME }} came from. */
  secrets: Readonly<Record<string, string | undefined>>;
}

export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const path = overrides.configPath ?? env.SLUICE_CONFIG ?? (existsSync('sluice.yaml') ? 'sluice.yaml' : undefined);
  let raw: unknown = {};
  if (path !== undefined) {
    if (!existsSync(path)) throw new ConfigError(`config file ${path} does not exist`, []);
    try {
      raw = parseYaml(readFileSync(path, 'utf8')) ?? {};
    } catch (err) {
      throw new ConfigError(`config file ${path} is not valid YAML`, [(err as Error).message]);
    }
  }
  const secretsPath = env.SLUICE_SECRETS_FILE ?? (typeof raw === 'object' && raw !== null ? (raw as { secrets_file?: unknown }).secrets_file : undefined);
  let secrets: Record<string, string | undefined> = { ...env };
  if (typeof secretsPath === 'string') {
    if (!existsSync(secretsPath)) throw new ConfigError(`secrets file ${secretsPath} does not exist`, []);
    secrets = { ...parseSecretsFile(readFileSync(secretsPath, 'utf8'), secretsPath), ...env };
  }
  const missing: string[] = [];
  raw = resolveSecrets(raw, secrets, '', missing);
  if (missing.length > 0) throw new ConfigError(`config file ${path} names secrets that are not set`, missing);

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`config${path ? ` file ${path}` : ''} is invalid`, problems);
  }
  const config = parsed.data;
  if (env.PORT !== undefined && env.PORT !== '') config.server.port = Number(env.PORT);
  if (env.SLUICE_DATA_DIR) config.data_dir = env.SLUICE_DATA_DIR;
  if (env.SLUICE_ADMIN_TOKEN) config.admin_token = env.SLUICE_ADMIN_TOKEN;
  if (env.NATS_URL) config.log.nats.url = env.NATS_URL;
  if (env.DATABASE_URL) config.store.url = env.DATABASE_URL;
  if (overrides.port !== undefined) config.server.port = overrides.port;
  if (overrides.host !== undefined) config.server.host = overrides.host;
  if (overrides.dataDir !== undefined) config.data_dir = overrides.dataDir;
  const problems: string[] = [];
  const role = overrides.role ?? (env.SLUICE_ROLE || undefined);
  if (role !== undefined) {
    const r = configSchema.shape.role.safeParse(role);
    if (r.success) config.role = r.data;
    else problems.push(`role: ${role} is not a role (all, ingest or worker)`);
  }
  // The embedded log is one process's file: an ingest process and a worker could not both read it.
  if (config.role !== 'all' && config.log.backend === 'sqlite') {
    problems.push(`role: ${config.role} needs log.backend nats: the embedded SQLite log belongs to one process, so splitting ingest from workers needs the shared NATS log (docs/scaling.md)`);
  }
  if (!Number.isInteger(config.server.port) || config.server.port < 0 || config.server.port > 65535) {
    throw new ConfigError('config is invalid', [`server.port: ${config.server.port} is not a port number`]);
  }
  const seen = new Map<string, string>();
  if (config.store.backend === 'postgres' && config.store.url === undefined) problems.push('store.url: required when store.backend is postgres (or set DATABASE_URL)');
  config.sources.forEach((s, i) => {
    for (const k of s.write_keys) {
      const other = seen.get(k);
      if (other !== undefined) problems.push(`sources[${i}].write_keys: a key is used by both ${other} and ${s.name}`);
      seen.set(k, s.name);
    }
  });
  // A webhook's name is the Sluice source its events are stored under: it must not be a tracking source's too.
  const sourceNames = new Set(config.sources.map((s) => s.name));
  config.webhooks.forEach((w, i) => {
    if (sourceNames.has(w.name)) problems.push(`webhooks[${i}].name: ${w.name} is also the name of a source; events of both would be mixed`);
  });
  if (problems.length > 0) throw new ConfigError('config is invalid', problems);
  return { config: deepFreeze(config), path, secrets };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
