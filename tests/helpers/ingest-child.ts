/**
 * A child process that runs one `ingest` and exits: what the crash test kills with SIGKILL (a real OS
 * process, so its worker threads die with it and nothing gets to clean up).
 *
 * Usage: node --import tsx tests/helpers/ingest-child.ts <json options>
 * where the JSON holds { source, dataDir, flushRows?, batchRows?, concurrency? }.
 * It prints each phase change as `phase <name>` on stdout (the test records where a kill landed) and the
 * summary as `summary <json>` at the end; exit code 0 when the ingest succeeded with no failed objects,
 * 2 when some object failed, 1 on an error (message on stderr).
 */
import { ingest, type IngestOptions } from '../../src/index.js';

export interface IngestChildOptions {
  source: string;
  dataDir: string;
  flushRows?: number;
  batchRows?: number;
  concurrency?: number;
}

async function run(): Promise<number> {
  const arg = process.argv[2];
  if (!arg) {
    process.stderr.write('ingest-child: pass the options as one JSON argument: {"source": …, "dataDir": …}\n');
    return 1;
  }
  const options = JSON.parse(arg) as IngestChildOptions;
  let phase = '';
  const ingestOptions: IngestOptions = {
    ...options,
    onProgress: (p) => {
      if (p.phase === phase) return;
      phase = p.phase;
      process.stdout.write(`phase ${phase}\n`);
    },
  };
  const summary = await ingest(ingestOptions);
  process.stdout.write(`summary ${JSON.stringify(summary)}\n`);
  return summary.failures.length > 0 ? 2 : 0;
}

run().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ingest-child: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
