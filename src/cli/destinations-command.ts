// `sluice destinations …`: list, pause, resume, dead letters and their replay, and replay of history with progress.
import { Command } from 'commander';
import { type AdminTarget, call, resolveTarget } from './admin-client.js';
import { ProgressBar } from './progress.js';

interface Status {
  name: string;
  type: string;
  paused: boolean;
  position: number;
  lag: number;
  inFlight: number;
  retrying: number;
  deadLetters: number;
  delivered: number;
  lastError: { at: number; reason: string } | null;
  head?: number;
}

interface Global {
  url?: string;
  token?: string;
  dataDir?: string;
}

function target(cmd: Command): AdminTarget {
  return resolveTarget(cmd.optsWithGlobals<Global>(), process.env);
}

function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) print(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}

export function destinationsCommand(): Command {
  const cmd = new Command('destinations').description('inspect and control destinations of a running Sluice');
  cmd.option('--url <url>', 'Sluice base URL (default SLUICE_URL or http://127.0.0.1:8080)');
  cmd.option('--token <token>', 'admin token (default SLUICE_ADMIN_TOKEN or <data-dir>/admin-token)');
  cmd.option('-d, --data-dir <dir>', 'data dir holding admin-token (default ./data)');

  cmd
    .command('list')
    .description('state of every destination')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, c: Command) => {
      const res = await call<{ head: number; destinations: Status[] }>(target(c), 'GET', '/api/v1/destinations');
      if (opts.json) return print(JSON.stringify(res, null, 2));
      table([
        ['NAME', 'TYPE', 'STATE', 'DELIVERED', 'LAG', 'IN FLIGHT', 'RETRYING', 'DEAD', 'LAST ERROR'],
        ...res.destinations.map((d) => [d.name, d.type, d.paused ? 'paused' : 'running', String(d.delivered), String(d.lag), String(d.inFlight), String(d.retrying), String(d.deadLetters), d.lastError?.reason.slice(0, 60) ?? '']),
      ]);
    });

  for (const verb of ['pause', 'resume'] as const) {
    cmd
      .command(`${verb} <name>`)
      .description(`${verb} delivery to a destination`)
      .action(async (name: string, _o: unknown, c: Command) => {
        const s = await call<Status>(target(c), 'POST', `/api/v1/destinations/${encodeURIComponent(name)}/${verb}`);
        print(`${s.name}: ${s.paused ? 'paused' : 'running'}`);
      });
  }

  cmd
    .command('dead-letters <name>')
    .description('list dead letters, newest first')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { limit: string; json?: boolean }, c: Command) => {
      const res = await call<{ total: number; dead_letters: { id: number; message_id: string; reason: string; attempt: number; at: string }[] }>(
        target(c),
        'GET',
        `/api/v1/destinations/${encodeURIComponent(name)}/dead-letters?limit=${Number(opts.limit)}`,
      );
      if (opts.json) return print(JSON.stringify(res, null, 2));
      print(`${res.total} dead letter(s)`);
      if (res.dead_letters.length > 0) table([['ID', 'AT', 'MESSAGE ID', 'ATTEMPTS', 'REASON'], ...res.dead_letters.map((d) => [String(d.id), d.at, d.message_id, String(d.attempt), d.reason.slice(0, 100)])]);
    });

  cmd
    .command('replay-dead-letters <name>')
    .description('send dead letters again through the current config; those accepted are removed')
    .option('--ids <ids>', 'comma-separated dead-letter ids (default: all)')
    .action(async (name: string, opts: { ids?: string }, c: Command) => {
      const body = opts.ids === undefined ? {} : { ids: opts.ids.split(',').map((s) => Number(s.trim())) };
      const r = await call<{ replayed: number; failed: number; remaining: number }>(target(c), 'POST', `/api/v1/destinations/${encodeURIComponent(name)}/dead-letters/replay`, body);
      print(`replayed ${r.replayed}, failed ${r.failed}, ${r.remaining} dead letter(s) remain`);
    });

  cmd
    .command('replay <name>')
    .description('deliver history again from a time or position (backfill), with progress')
    .requiredOption('--from <when>', 'ISO time, a duration ago (24h, 30m, 7d) or a log position')
    .option('--no-wait', 'return once the replay has started')
    .action(async (name: string, opts: { from: string; wait: boolean }, c: Command) => {
      const t = target(c);
      const from = /^\d+$/.test(opts.from) ? Number(opts.from) : opts.from;
      const started = await call<{ from: number; head: number }>(t, 'POST', `/api/v1/destinations/${encodeURIComponent(name)}/replay`, { from });
      print(`replaying ${name} from position ${started.from} to ${started.head}`);
      if (!opts.wait) return;
      const bar = new ProgressBar(name);
      const total = started.head - started.from;
      for (;;) {
        const s = await call<Status>(t, 'GET', `/api/v1/destinations/${encodeURIComponent(name)}`);
        const done = Math.min(total, Math.max(0, s.position - started.from));
        bar.update(done, total);
        if (s.position >= started.head) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      bar.finish();
      print('replay done');
    });
  return cmd;
}
