// `sluice query …`: counts, uniques, revenue and top lists from a running Sluice's query API, as tables with a
// sparkline (or --json), and `tail`, a live view of events as they arrive.
import { Command } from 'commander';
import { type AdminTarget, call, resolveTarget, streamEvents } from './admin-client.js';
import { bar, change, formatNumber, periodLabel, sparkline, table } from './chart.js';

interface Global {
  url?: string;
  token?: string;
  dataDir?: string;
}

interface RangeOptions {
  since?: string;
  until?: string;
  by?: string;
  tz?: string;
  source?: string;
  compare?: boolean;
  json?: boolean;
  event?: string;
  type?: string;
  property?: string;
  limit?: string;
}

interface Series {
  interval: string;
  tz: string;
  from: string;
  to: string;
  series: { t: string; value: number }[];
  total: number;
  previous?: { series: { t: string; value: number }[]; total: number };
  standard_error?: number;
}

interface Top {
  interval: string;
  tz: string;
  from: string;
  to: string;
  items: (Record<string, unknown> & { count: number; previous?: number })[];
}

function target(cmd: Command): AdminTarget {
  return resolveTarget(cmd.optsWithGlobals<Global>(), process.env);
}

function print(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** The API's query string from the options given (the API checks them and names any that is wrong). */
function queryString(o: RangeOptions, extra: readonly (keyof RangeOptions)[]): string {
  const q = new URLSearchParams();
  if (o.since !== undefined) q.set('since', o.since);
  if (o.until !== undefined) q.set('until', o.until);
  if (o.by !== undefined) q.set('interval', o.by);
  if (o.tz !== undefined) q.set('tz', o.tz);
  if (o.source !== undefined) q.set('source', o.source);
  if (o.compare) q.set('compare', 'previous');
  for (const key of extra) {
    const v = o[key];
    if (typeof v === 'string') q.set(key, v);
  }
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

function withRange(cmd: Command): Command {
  return cmd
    .option('--since <when>', 'start: ISO time or a duration ago (30m, 24h, 7d, 4w)', '7d')
    .option('--until <when>', 'end: ISO time, "now" or a duration ago')
    .option('--by <interval>', 'hour, day, week or month (default: hour up to 48h, else day)')
    .option('--tz <zone>', 'IANA time zone for day, week and month edges (default UTC)')
    .option('--source <name>', 'only this source')
    .option('--compare', 'also show the previous period of the same length')
    .option('--json', 'print the JSON answer');
}

/** What was asked, on one line: top lists have no interval of their own (it only widened the range). */
function header(title: string, a: { interval: string; tz: string; from: string; to: string }, byInterval = true): string {
  const range = `${a.from.slice(0, 16).replace('T', ' ')} → ${a.to.slice(0, 16).replace('T', ' ')} UTC`;
  return [title, ...(byInterval ? [`by ${a.interval}`, a.tz] : []), range].join(' · ');
}

function printSeries(title: string, a: Series, unit: string): void {
  print(header(title, a));
  const values = a.series.map((p) => p.value);
  print(sparkline(values));
  print();
  const max = Math.max(0, ...values);
  print(table([['TIME', unit.toUpperCase(), ''], ...a.series.map((p) => [periodLabel(p.t, a.interval), formatNumber(p.value), bar(p.value, max)])], [1]));
  print();
  let total = `total ${formatNumber(a.total)}`;
  if (a.previous !== undefined) total += `   previous ${formatNumber(a.previous.total)} (${change(a.total, a.previous.total)})`;
  if (a.standard_error !== undefined) total += `   ±${(a.standard_error * 100).toFixed(2)}% (standard error)`;
  print(total);
}

function printTop(title: string, a: Top, columns: [string, (item: Record<string, unknown>) => string][]): void {
  print(header(title, a, false));
  if (a.items.length === 0) return print('(nothing counted in this range)');
  const max = Math.max(...a.items.map((i) => i.count));
  const compare = a.items.some((i) => i.previous !== undefined);
  const head = [...columns.map(([name]) => name), 'COUNT', ...(compare ? ['PREVIOUS', 'CHANGE'] : []), ''];
  const rows = a.items.map((i) => [
    ...columns.map(([, get]) => get(i)),
    formatNumber(i.count),
    ...(compare ? [formatNumber(i.previous ?? 0), change(i.count, i.previous ?? 0)] : []),
    bar(i.count, max, 16),
  ]);
  const numeric = [columns.length, ...(compare ? [columns.length + 1, columns.length + 2] : [])];
  print(table([head, ...rows], numeric));
}

const TOPS: [string, string, string, [string, (item: Record<string, unknown>) => string][]][] = [
  ['top-events', 'event names by count', 'events', [['EVENT', (i) => String(i.name) || '(no name)'], ['TYPE', (i) => String(i.type)]]],
  ['top-pages', 'page paths by views', 'page views', [['PATH', (i) => String(i.path)]]],
  ['top-referrers', 'referrer hosts by page views', 'referrers', [['HOST', (i) => String(i.host)]]],
  ['campaigns', 'UTM campaigns by page views', 'campaigns', [['CAMPAIGN', (i) => String(i.campaign)]]],
];

export function queryCommand(): Command {
  const cmd = new Command('query').description('counts, uniques, revenue and top lists of a running Sluice; tail events live');
  cmd.option('--url <url>', 'Sluice base URL (default SLUICE_URL or http://127.0.0.1:8080)');
  cmd.option('--token <token>', 'admin token (default SLUICE_ADMIN_TOKEN or <data-dir>/admin-token)');
  cmd.option('-d, --data-dir <dir>', 'data dir holding admin-token (default ./data)');
  // Piped into head or less that quit early: stop quietly, as other command-line tools do.
  cmd.hook('preAction', () => {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  });

  withRange(cmd.command('count').description('events per interval'))
    .option('--event <name>', 'only this event (track event, or page/screen name)')
    .option('--type <type>', 'only this type (track, page, screen, identify, group, alias)')
    .action(async (o: RangeOptions, c: Command) => {
      const a = await call<Series>(target(c), 'GET', `/api/v1/query/count${queryString(o, ['event', 'type'])}`);
      if (o.json) return print(JSON.stringify(a, null, 2));
      printSeries(o.event ?? (o.type !== undefined ? `${o.type} events` : 'events'), a, 'count');
    });

  withRange(cmd.command('uniques').description('distinct users (userId, else anonymousId) per interval, estimated')).action(async (o: RangeOptions, c: Command) => {
    const a = await call<Series>(target(c), 'GET', `/api/v1/query/uniques${queryString(o, [])}`);
    if (o.json) return print(JSON.stringify(a, null, 2));
    printSeries('unique users', a, 'users');
  });

  withRange(cmd.command('revenue').description('sum of properties.revenue per interval'))
    .option('--event <name>', 'only this event')
    .action(async (o: RangeOptions, c: Command) => {
      const a = await call<Series>(target(c), 'GET', `/api/v1/query/revenue${queryString(o, ['event'])}`);
      if (o.json) return print(JSON.stringify(a, null, 2));
      printSeries(o.event === undefined ? 'revenue' : `revenue of ${o.event}`, a, 'revenue');
    });

  for (const [name, description, title, columns] of TOPS) {
    withRange(cmd.command(name).description(description))
      .option('--limit <n>', 'how many', '10')
      .action(async (o: RangeOptions, c: Command) => {
        const a = await call<Top>(target(c), 'GET', `/api/v1/query/${name}${queryString(o, ['limit'])}`);
        if (o.json) return print(JSON.stringify(a, null, 2));
        printTop(title, a, columns);
      });
  }

  withRange(cmd.command('breakdown').description("an event's count split by a configured property"))
    .requiredOption('--event <name>', 'the event')
    .requiredOption('--property <name>', 'the property (as configured under rollups.breakdowns)')
    .option('--limit <n>', 'how many values', '100')
    .action(async (o: RangeOptions, c: Command) => {
      const a = await call<Top>(target(c), 'GET', `/api/v1/query/breakdown${queryString(o, ['event', 'property', 'limit'])}`);
      if (o.json) return print(JSON.stringify(a, null, 2));
      const label = (i: Record<string, unknown>): string => (i.kind === 'other' ? '(other)' : i.kind === 'missing' ? '(not set)' : String(i.value));
      printTop(`${o.event} by ${o.property}`, a, [[String(o.property).toUpperCase(), label]]);
    });

  cmd
    .command('tail')
    .description('print events as they are appended (Ctrl-C to stop)')
    .option('--source <name>', 'only this source')
    .option('--type <type>', 'only this stored type (track, page, …, cloudevent)')
    .option('--event <name>', 'only this event name')
    .option('--user <id>', 'only this userId or anonymousId')
    .option('--json', 'one JSON object per line')
    .action(async (o: { source?: string; type?: string; event?: string; user?: string; json?: boolean }, c: Command) => {
      const q = new URLSearchParams();
      for (const key of ['source', 'type', 'event', 'user'] as const) if (o[key] !== undefined) q.set(key, o[key]);
      const path = `/api/v1/tail${q.toString() === '' ? '' : `?${q.toString()}`}`;
      if (!o.json) process.stderr.write('watching for new events (Ctrl-C to stop)\n');
      for await (const data of streamEvents(target(c), path)) {
        if (o.json) {
          print(data);
          continue;
        }
        const e = JSON.parse(data) as { seq: number; source: string; type: string; event: Record<string, unknown> };
        const ev = typeof e.event === 'object' && e.event !== null ? e.event : {};
        const name = String(ev.event ?? ev.name ?? ev.type ?? '');
        const user = String(ev.userId ?? ev.anonymousId ?? ev.subject ?? '');
        const time = String(ev.timestamp ?? ev.receivedAt ?? ev.time ?? '').slice(0, 19).replace('T', ' ');
        print([time, e.source, e.type, name, user].join('  '));
      }
    });
  return cmd;
}
