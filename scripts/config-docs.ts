// Renders docs/configuration.md from the config schema, so the schema stays the only definition of each option.
// `node --import tsx scripts/config-docs.ts` rewrites the file; src/app/config-docs.test.ts fails when it is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { configSchema } from '../src/app/config-schema.js';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
}

function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
  if (Array.isArray(s.type)) return s.type.join(' | ');
  return s.type ?? (s.anyOf ? s.anyOf.map(typeOf).join(' | ') : 'any');
}

function rows(schema: JsonSchema, prefix: string, out: string[]): void {
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (child.type === 'object' && child.properties) {
      rows(child, path, out);
      continue;
    }
    const def = child.default === undefined ? '' : `\`${JSON.stringify(child.default)}\``;
    out.push(`| \`${path}\` | ${typeOf(child)} | ${def} | ${(child.description ?? '').replace(/\|/g, '\\|')} |`);
    if (child.type === 'array' && child.items?.type === 'object' && child.items.properties) rows(child.items, `${path}[]`, out);
  }
}

export function renderConfigDocs(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out: string[] = [];
  rows(schema, '', out);
  return `# Configuration

Generated from \`src/app/config-schema.ts\` by \`node --import tsx scripts/config-docs.ts\`; do not edit by hand.

Sluice reads \`sluice.yaml\` from the working directory when present, or the file named by \`--config\` or
\`SLUICE_CONFIG\`. Without one, it runs with the defaults below and a development source whose write key it prints.
Unknown keys are errors: \`sluice validate --config FILE\` lists every problem with its path.

Overrides, strongest first: command-line flags (\`--port\`, \`--host\`, \`--data-dir\`), then the environment
(\`PORT\`, \`SLUICE_DATA_DIR\`, \`SLUICE_ADMIN_TOKEN\`, \`LOG_LEVEL\`), then the file, then the defaults.

Secrets: any string may contain \`\${{ secrets.NAME }}\`, replaced by the environment variable \`NAME\` at load time; a
missing one is an error. Secret values are never logged.

| key | type | default | meaning |
| --- | --- | --- | --- |
${out.join('\n')}
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigDocs());
}
