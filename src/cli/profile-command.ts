// `sluice profile <id>`: the stitched profile of a person and their recent events; `sluice profile delete <id>`:
// delete the person and suppress their future events. Both through a running Sluice's admin API.
import { Command } from 'commander';
import { type AdminTarget, call, resolveTarget } from './admin-client.js';

interface ProfileAnswer {
  profile: { id: string; user_ids: string[]; anonymous_ids: string[]; traits: Record<string, unknown>; first_seen: string; last_seen: string };
  events: { seq: number; source: string; event: { type?: string; event?: string; name?: string; timestamp?: string; userId?: string; anonymousId?: string } }[];
  lag: number | null;
}

interface DeleteAnswer {
  deleted: { user_ids: string[]; anonymous_ids: string[]; events: number; dead_letters: number; rejects: number; uncounted_from_rollups: number };
}

function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function target(cmd: Command): AdminTarget {
  return resolveTarget(cmd.optsWithGlobals<{ url?: string; token?: string; dataDir?: string }>(), process.env);
}

function show(a: ProfileAnswer): void {
  const p = a.profile;
  print(`profile ${p.id}`);
  print(`  user ids:       ${p.user_ids.join(', ') || '-'}`);
  print(`  anonymous ids:  ${p.anonymous_ids.join(', ') || '-'}`);
  print(`  first seen:     ${p.first_seen}`);
  print(`  last seen:      ${p.last_seen}`);
  const traits = Object.entries(p.traits);
  print(`  traits:${traits.length === 0 ? '         -' : ''}`);
  for (const [k, v] of traits) print(`    ${k}: ${JSON.stringify(v)}`);
  print(`recent events (${a.events.length}, newest first${a.lag ? `; ${a.lag} not stitched yet` : ''}):`);
  for (const { event: e, source } of a.events) {
    print(`  ${e.timestamp ?? ''}  ${(e.type ?? '').padEnd(8)} ${e.event ?? e.name ?? ''}  [${source}] ${e.userId ?? e.anonymousId ?? ''}`.trimEnd());
  }
}

export function profileCommand(): Command {
  const cmd = new Command('profile').description('show a person (by any userId or anonymousId) or delete them; `profile delete <id>` deletes');
  cmd.option('--url <url>', 'Sluice base URL (default SLUICE_URL or http://127.0.0.1:8080)');
  cmd.option('--token <token>', 'admin token (default SLUICE_ADMIN_TOKEN or <data-dir>/admin-token)');
  cmd.option('-d, --data-dir <dir>', 'data dir holding admin-token (default ./data)');
  cmd
    .argument('[id]', 'a userId or anonymousId')
    .option('-n, --limit <n>', 'recent events to show', '20')
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, opts: { limit: string; json?: boolean }, c: Command) => {
      if (id === undefined) return c.help();
      const a = await call<ProfileAnswer>(target(c), 'GET', `/api/v1/profiles/${encodeURIComponent(id)}?limit=${encodeURIComponent(opts.limit)}`);
      if (opts.json) print(JSON.stringify(a, null, 2));
      else show(a);
    });
  cmd
    .command('delete <id>')
    .description('delete the person holding this id: all their ids, events, profile; their future events are dropped')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }, c: Command) => {
      const a = await call<DeleteAnswer>(target(c), 'DELETE', `/api/v1/profiles/${encodeURIComponent(id)}`);
      if (opts.json) return print(JSON.stringify(a, null, 2));
      const d = a.deleted;
      print(`deleted ${d.user_ids.length} user id(s) and ${d.anonymous_ids.length} anonymous id(s); future events with them are dropped`);
      print(`  events deleted: ${d.events}, dead letters: ${d.dead_letters}, reject samples: ${d.rejects}, taken out of rollup counters: ${d.uncounted_from_rollups}`);
    });
  return cmd;
}
