#!/usr/bin/env -S node --max-old-space-size=1024 --max-semi-space-size=8
// A 1 GB heap limit, far above what the server holds alive (tens of MB: every queue in it is bounded), because V8 sizes
// its old generation from the limit: with the default (4 GB here) it let it grow to 4× what survived the last full
// collection, ~90 MB of mostly garbage under 1,000 connections; with 1 GB it grows by ~1.6× (ad-hoc: 30–40 MB, and
// RSS under single-call overload ~265 → ~200 MB, BENCHMARKS.md). A larger limit: node --max-old-space-size=N
// $(which sluice) start (a command-line flag wins over NODE_OPTIONS, so NODE_OPTIONS cannot raise it).
// An 8 MB young generation (semi-spaces) for the main thread, not V8's 16 MB: under 1,000 connections of 50-event
// batches the main thread's young generation filled with request garbage before each scavenge, and RSS peaked at
// 259–285 MB against 242–245 with 8 (ad-hoc, alternated, BENCHMARKS.md 2026-12-04 late); the target under overload is
// 256 MB. It costs ~2–5% of single-call capacity and ~4% of batch capacity in CPU per request, and nothing measurable in
// delivery (Amplitude 13.6 vs 13.2 µs per event, Mixpanel 12.9 vs 13.5). 4 MB cost delivery up to 28%; 64 MB cut a
// destination runner's CPU per event by ~15% for ~100 MB more RSS: the operator's choice for a delivery-heavy
// worker, `node --max-semi-space-size=64 $(which sluice) start`.
// Both flags are for the main thread alone: they are cleared before any worker thread starts, whose heaps their own
// resourceLimits size (src/core/worker-heap.ts).
// The sluice command. Parses arguments and calls app/; nothing else.
import { Command, InvalidArgumentError, Option } from 'commander';
import { checkConfig } from '../app/check-config.js';
import { ConfigError } from '../app/config.js';
import { runFunctionTest } from '../app/fn-test.js';
import { ImportError } from '../app/import/run-import.js';
import { startSluice } from '../app/start.js';
import { AdminError } from './admin-client.js';
import { destinationsCommand } from './destinations-command.js';
import { importCommand } from './import-command.js';
import { queryCommand } from './query-command.js';
import { planCommand } from './plan-command.js';
import { profileCommand } from './profile-command.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('not a port number');
  return n;
}

const program = new Command('sluice').description('Self-hosted event tracking pipeline').showHelpAfterError();

program
  .command('start')
  .description('start the server (embedded SQLite log by default)')
  .option('-c, --config <file>', 'config file (default: sluice.yaml if present, or SLUICE_CONFIG)')
  .option('-p, --port <port>', 'port to listen on (default 8080, or PORT)', port)
  .option('--host <host>', 'address to listen on (default 0.0.0.0)')
  .option('-d, --data-dir <dir>', 'where the embedded store lives (default ./data, or SLUICE_DATA_DIR)')
  .addOption(new Option('--role <role>', 'what this process runs: all, ingest (HTTP sources, no consumers) or worker (consumers, no tracking routes); ingest and worker need log.backend nats (default all, or SLUICE_ROLE)').choices(['all', 'ingest', 'worker']))
  .action(async (opts: { config?: string; port?: number; host?: string; dataDir?: string; role?: string }) => {
    const overrides: Parameters<typeof startSluice>[0] = {};
    if (opts.config !== undefined) overrides.configPath = opts.config;
    if (opts.port !== undefined) overrides.port = opts.port;
    if (opts.host !== undefined) overrides.host = opts.host;
    if (opts.dataDir !== undefined) overrides.dataDir = opts.dataDir;
    if (opts.role !== undefined) overrides.role = opts.role;
    const sluice = await startSluice(overrides);
    let signals = 0;
    const stop = (signal: string): void => {
      if (++signals > 1) {
        sluice.app.log.warn({ signal }, 'second signal: exiting at once');
        process.exit(1);
      }
      sluice.app.log.info({ signal }, 'shutting down: no new requests, flushing the log');
      const timer = setTimeout(() => {
        sluice.app.log.error('graceful shutdown timed out; exiting');
        process.exit(1);
      }, sluice.config.server.shutdown_timeout_ms);
      timer.unref();
      sluice.close().then(
        () => process.exit(0),
        (err: unknown) => {
          sluice.app.log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });

program
  .command('validate')
  .description('check a config file and list every problem with its path')
  .option('-c, --config <file>', 'config file (default: sluice.yaml if present, or SLUICE_CONFIG)')
  .action((opts: { config?: string }) => {
    const { path } = checkConfig(opts.config === undefined ? {} : { configPath: opts.config });
    process.stdout.write(`${path ?? 'default config'}: ok\n`);
  });

program.addCommand(destinationsCommand());
program.addCommand(queryCommand());
program.addCommand(planCommand());
program.addCommand(importCommand());
program.addCommand(profileCommand());

const fn = program.command('fn').description('user functions');
fn.command('test <name>')
  .description('run a function of the config on a sample event and print what it would emit')
  .requiredOption('-e, --event <file>', 'a JSON file: a CloudEvent (with specversion) or a Segment message')
  .option('-c, --config <file>', 'config file (default: sluice.yaml if present, or SLUICE_CONFIG)')
  .option('--source <name>', 'the source the event is taken to come from', 'test')
  .action(async (name: string, opts: { event: string; config?: string; source: string }) => {
    const report = await runFunctionTest(opts.config === undefined ? {} : { configPath: opts.config }, name, opts.event, opts.source);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (report.error !== undefined || report.refused.some((r) => r !== null)) process.exitCode = 1;
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof AdminError || err instanceof ImportError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
