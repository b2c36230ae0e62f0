// `sluice plan …`: validate a tracking plan, infer a draft from traffic, show drift, generate a typed client.
import { Command, InvalidArgumentError } from 'commander';
import { type AdminGet, formatDrift, hasDrift, parseSince, PlanFileError, runPlanCodegen, runPlanDiff, runPlanInfer, runPlanValidate } from '../app/plan-tools.js';
import { call, resolveTarget } from './admin-client.js';

interface Global {
  url?: string;
  token?: string;
  dataDir?: string;
}

function adminGet(cmd: Command): AdminGet {
  const target = resolveTarget(cmd.optsWithGlobals<Global>(), process.env);
  return <T>(path: string) => call<T>(target, 'GET', path);
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('not a positive integer');
  return n;
}

function since(value: string): number {
  try {
    return parseSince(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

const print = (text: string): boolean => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
const note = (text: string): boolean => process.stderr.write(`${text}\n`);

/** A broken plan file is the user's to fix: its problems, not a stack trace; exit 2 like an invalid config. */
function reportingPlanErrors<A extends unknown[]>(action: (...args: A) => unknown): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await action(...args);
    } catch (err) {
      if (!(err instanceof PlanFileError)) throw err;
      note(err.message);
      process.exitCode = 2;
    }
  };
}

export function planCommand(): Command {
  const cmd = new Command('plan').description('tracking plans: validate, infer from traffic, diff, generate a typed client');
  cmd.option('--url <url>', 'Sluice base URL, for infer and diff (default SLUICE_URL or http://127.0.0.1:8080)');
  cmd.option('--token <token>', 'admin token (default SLUICE_ADMIN_TOKEN or <data-dir>/admin-token)');
  cmd.option('-d, --data-dir <dir>', 'data dir holding admin-token (default ./data)');

  cmd
    .command('validate')
    .description('check a plan file and list every problem with its path')
    .requiredOption('--plan <file>', 'the plan (YAML or JSON)')
    .action(reportingPlanErrors((opts: { plan: string }) => {
      const r = runPlanValidate(opts.plan);
      print(`${opts.plan}: ok (${r.events} event(s)${r.calls.length > 0 ? `, ${r.calls.join(', ')}` : ''})`);
    }));

  cmd
    .command('infer')
    .description('write a draft plan from the events in the log')
    .option('--since <when>', 'events received since: 7d, 24h, 30m or an ISO time', since, since('7d'))
    .option('--source <name>', 'only this source')
    .option('--out <file>', 'write the plan here (default: print it)')
    .option('--name <name>', 'name of the plan')
    .option('--max-events <n>', 'read at most this many events', positive, 1_000_000)
    .action(reportingPlanErrors(async (opts: { since: number; source?: string; out?: string; name?: string; maxEvents: number }, c: Command) => {
      const r = await runPlanInfer(adminGet(c), { since: opts.since, source: opts.source, maxEvents: opts.maxEvents, out: opts.out, name: opts.name });
      if (opts.out === undefined) print(r.yaml);
      else note(`${opts.out}: ${r.planned} event(s) planned from ${r.events} event(s) seen${r.truncated ? ' (stopped at --max-events)' : ''}`);
    }));

  cmd
    .command('diff')
    .description('compare a plan with the events in the log: unplanned events and properties, type mismatches, planned but unseen')
    .requiredOption('--plan <file>', 'the plan (YAML or JSON)')
    .option('--since <when>', 'events received since: 7d, 24h, 30m or an ISO time', since, since('7d'))
    .option('--source <name>', 'only this source')
    .option('--max-events <n>', 'read at most this many events', positive, 1_000_000)
    .option('--json', 'print JSON')
    .option('--exit-code', 'exit 1 when there is drift')
    .action(reportingPlanErrors(async (opts: { plan: string; since: number; source?: string; maxEvents: number; json?: boolean; exitCode?: boolean }, c: Command) => {
      const drift = await runPlanDiff(adminGet(c), opts.plan, { since: opts.since, source: opts.source, maxEvents: opts.maxEvents });
      print(opts.json ? JSON.stringify(drift, null, 2) : formatDrift(drift));
      if (drift.truncated) note('stopped at --max-events: events after that were not compared');
      if (opts.exitCode && hasDrift(drift)) process.exitCode = 1;
    }));

  cmd
    .command('codegen')
    .description('generate a typed client: one function per event, wrapping a Segment-compatible SDK')
    .requiredOption('--plan <file>', 'the plan (YAML or JSON)')
    .option('--lang <lang>', 'target language (ts)', 'ts')
    .option('--out <file>', 'write the client here (default: print it)')
    .action(reportingPlanErrors((opts: { plan: string; lang: string; out?: string }) => {
      const r = runPlanCodegen(opts.plan, opts.lang, opts.out);
      if (opts.out === undefined) print(r.code);
      else note(`${opts.out}: ${r.functions} function(s)`);
    }));
  return cmd;
}
