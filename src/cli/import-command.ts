// `sluice import FILE`: historical events from NDJSON, CSV or Segment archive files into a running Sluice.
import { Command, InvalidArgumentError, Option } from 'commander';
import { ImportError, runImport } from '../app/import/run-import.js';
import { ProgressBar } from './progress.js';

const SHOWN_REJECTS = 20;

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('not a positive integer');
  return n;
}

interface Opts {
  url?: string;
  writeKey?: string;
  format?: 'ndjson' | 'csv';
  state?: string;
  fromStart?: boolean;
  batchSize: number;
}

export function importCommand(): Command {
  return new Command('import')
    .description('import historical events from an NDJSON, CSV or Segment archive (.gz) file; resumable, deduplicated')
    .argument('<file>', 'the file; gzip is recognised by its content')
    .option('--url <url>', 'Sluice base URL (default SLUICE_URL or http://127.0.0.1:8080)')
    .option('-k, --write-key <key>', 'write key of the source to import into (default SLUICE_WRITE_KEY)')
    .addOption(new Option('--format <format>', 'file format (default: .csv is CSV, anything else NDJSON)').choices(['ndjson', 'csv']))
    .option('--state <file>', 'where progress is kept (default <file>.sluice-import.json)')
    .option('--from-start', 'ignore the state file and read the whole file again (stored events are not stored twice)')
    .option('--batch-size <n>', 'events per request', positive, 500)
    .action(async (file: string, opts: Opts) => {
      const writeKey = opts.writeKey ?? process.env.SLUICE_WRITE_KEY;
      if (writeKey === undefined || writeKey === '') throw new ImportError('no write key: pass --write-key or set SLUICE_WRITE_KEY');
      const url = opts.url ?? process.env.SLUICE_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8080}`;
      const abort = new AbortController();
      // The first Ctrl-C stops the import, keeping the state of the last batch acknowledged; a second exits at once.
      process.once('SIGINT', () => {
        abort.abort(new Error('interrupted'));
        process.once('SIGINT', () => process.exit(130));
      });
      const bar = new ProgressBar(`importing ${file}`);
      let rejects = 0;
      const summary = await runImport({
        file, url, writeKey, statePath: opts.state, format: opts.format, fromStart: opts.fromStart === true, batchSize: opts.batchSize, signal: abort.signal,
        onProgress: (done, total) => bar.update(done, total),
        onReject: (line, code, message) => {
          if (++rejects <= SHOWN_REJECTS) process.stderr.write(`\nline ${line}: ${code}: ${message}\n`);
        },
      });
      bar.finish();
      if (summary.alreadyDone) {
        process.stdout.write(`${file} was already imported (${summary.statePath}); pass --from-start to read it again\n`);
        return;
      }
      if (rejects > SHOWN_REJECTS) process.stderr.write(`… and ${rejects - SHOWN_REJECTS} more refused line(s)\n`);
      const resumed = summary.resumedAfter > 0 ? ` (resumed after line ${summary.resumedAfter})` : '';
      process.stdout.write(`${summary.interrupted ? 'interrupted: ' : ''}sent ${summary.sent} event(s), ${summary.rejected} refused${resumed}\n`);
      if (summary.interrupted) {
        process.stdout.write(`run the same command again to continue; progress is in ${summary.statePath}\n`);
        process.exitCode = 130;
      } else if (summary.rejected > 0) process.exitCode = 1;
    });
}
