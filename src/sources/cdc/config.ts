// Configuration of PostgreSQL change capture: which database, which tables become domain events, which tables are
// transactional outboxes. Strict like the rest of sluice.yaml; defaults here.
import { z } from 'zod';

const NAME = /^[a-z][a-z0-9_]*$/;
/** `users` or `public.users`: plain identifiers only, so they can be quoted safely in DDL. */
const TABLE = /^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$/;

const outboxSchema = z.strictObject({
  table: z.string().regex(TABLE, 'a table name such as outbox or app.outbox').describe('The outbox table; each row inserted into it becomes one CloudEvent.'),
  id_column: z.string().default('id').describe("The row's unique id: the CloudEvent id, so a row captured twice is stored once."),
  type_column: z.string().default('type').describe('The column holding the event type (user.created).'),
  data_column: z.string().default('payload').describe('The column holding the event data (json or jsonb).'),
  subject_column: z.string().optional().describe('A column whose value becomes the CloudEvent subject (the aggregate id).'),
});

export const changeCaptureEntrySchema = z.strictObject({
  name: z.string().regex(NAME, 'lower-case letters, digits and _ (starting with a letter)').describe('Names the capture; the replication slot and publication are named after it.'),
  url: z.string().min(1).describe('PostgreSQL connection string (use ${{ secrets.NAME }}); the user needs the REPLICATION attribute.'),
  source: z.string().optional().describe('The Sluice source its events are stored under (default: the capture name).'),
  tables: z.array(z.string().regex(TABLE, 'a table name such as users or app.users')).default([]).describe('Tables whose inserts, updates and deletes become db.<table>.<inserted|updated|deleted> events.'),
  outbox: z.array(outboxSchema).default([]).describe('Transactional outbox tables: inserted rows become the events they describe.'),
  slot: z.string().regex(NAME).optional().describe('Replication slot (default sluice_<name>); permanent, so changes made while Sluice is down are kept for it.'),
  publication: z.string().regex(NAME).optional().describe('Publication (default sluice_<name>); Sluice creates it and keeps its table list equal to tables + outbox.'),
});

export const changeCaptureSchema = z.array(changeCaptureEntrySchema).default([]).describe('PostgreSQL change capture by logical replication (docs/change-capture.md).');

export type ChangeCaptureConfig = z.infer<typeof changeCaptureEntrySchema>;
export type OutboxConfig = z.infer<typeof outboxSchema>;

/** An outbox entry with its defaults filled in, as the config file would give it. */
export function outboxDefaults(entry: z.input<typeof outboxSchema>): OutboxConfig {
  return outboxSchema.parse(entry);
}

export interface QualifiedTable {
  schema: string;
  table: string;
}

export function qualify(name: string): QualifiedTable {
  const dot = name.indexOf('.');
  return dot < 0 ? { schema: 'public', table: name } : { schema: name.slice(0, dot), table: name.slice(dot + 1) };
}

export function slotName(c: ChangeCaptureConfig): string {
  return c.slot ?? `sluice_${c.name}`;
}

export function publicationName(c: ChangeCaptureConfig): string {
  return c.publication ?? `sluice_${c.name}`;
}
