/** `networkflow ingest`: flow logs from a folder or a bucket into the Parquet lake of a data directory. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FLOW_FORMAT_IDS,
  NetworkflowError,
  SourceError,
  azureLocationFromFlags,
  createProgressReporter,
  formatSummary,
  ingest,
  isFlowFormatId,
  parseLocation,
  type FlowFormatId,
  type IngestOptions,
  type IngestProgress,
  type IngestSummary,
} from '../index.js';
import { EXIT, UsageError, writeOut, type CliIO } from './io.js';
import { parseFlags, positiveNumber, timeBound, usable } from './args.js';

export const DATA_DIR_ENV = 'NETWORKFLOW_DATA_DIR';

export const INGEST_HELP = `Usage: networkflow ingest --source <uri|path> --data-dir <dir> [options]
       networkflow ingest --storage-account <name> --container <name> --data-dir <dir> [options]

Reads flow logs (plain, gzip or zip; format detected by content) and writes them as a Parquet lake
(<dir>/flows/date=YYYY-MM-DD/hour=HH/*.parquet, zstd) with rollups, queryable by the dashboard and by
other engines (DuckDB, Athena, BigQuery, Spark, Trino).

A rerun reads only objects that are new or changed since the last run (by etag/version and size); a
changed object's earlier rows are replaced, never counted twice. Files are written under temporary
names and the manifest is replaced last and atomically, so a run killed at any moment leaves a lake of
whole files, and the next run completes it to exactly what one uninterrupted run would have written.

Source (one of):
  --source <path>            a local file or folder (read recursively), or file:///path
  --source azure://<account>/<container>[/prefix]   Azure Blob Storage
  --source s3://<bucket>[/prefix]                   Amazon S3 (or an S3-compatible store, with --endpoint)
  --source gs://<bucket>[/prefix]                   Google Cloud Storage
  --storage-account <name>   with --container: an Azure Blob container (same as azure://<name>/<container>)
  --container <name>         the container for --storage-account

Options:
  --data-dir <dir>           the lake's folder, created if missing (default: $${DATA_DIR_ENV})
  --format <id>              auto (default) | ${FLOW_FORMAT_IDS.join(' | ')}
  --aws-fields "<fields>"    AWS VPC custom format field list, for files without a header line
  --since <time>             only objects whose path time (Azure y=/m=/d=/h=, AWS yyyy/mm/dd, hour-named
                             files) ends after this; objects without a time in their path are always read.
                             ISO 8601 (UTC unless zoned: 2024-05-01, 2024-05-01T10:00) or a duration
                             before now: 90m, 24h, 7d, 2w
  --until <time>             only objects whose path time starts before this (same forms)
  --concurrency <n>          parsing worker threads (default: one per CPU core; 0 parses on the main thread)
  --endpoint <url>           object-store endpoint: an emulator (Azurite, MinIO, fake GCS) or a sovereign cloud
  --max-inflated-size <n>    archive-bomb limit: bytes an archive may inflate to (default 64 GiB)
  --max-inflate-ratio <n>    archive-bomb limit: inflated/compressed ratio (default 500)
  --json                     print a machine-readable summary (one JSON document) to stdout at the end
  --quiet                    no progress display (the summary is still printed)
  -h, --help                 this help

Progress goes to stderr: a progress bar on a terminal, otherwise a plain line every 5 seconds.

Credentials come from each cloud's own chain, never from flags: Azure AZURE_STORAGE_CONNECTION_STRING,
AZURE_STORAGE_SAS_TOKEN or a signed-in identity; AWS the default provider chain (AWS_PROFILE,
AWS_ACCESS_KEY_ID …) and AWS_ENDPOINT_URL_S3; GCP application default credentials and STORAGE_EMULATOR_HOST.
Transient failures are retried with backoff.

Exit codes: 0 ok (bad rows are counted, not fatal; files that are not flow logs, such as empty files or
a README, are skipped with a warning), 2 an object failed (unreadable, forbidden, truncated or corrupt
archive, or still failing after its retries; the others are still ingested and the failed ones are tried
again on the next run), or the source could not be listed, or another ingest holds the data dir;
64 usage error (also a data dir that cannot be created or written).
`;

export type IngestRunOptions = Omit<IngestOptions, 'onProgress' | 'signal'>;

export interface IngestCommand {
  options: IngestRunOptions;
  json: boolean;
  quiet: boolean;
}

/** Pure argument parsing, so it can be tested on its own; `env` supplies the data-dir default. */
export function parseIngestArgs(argv: string[], env: Record<string, string | undefined> = process.env): IngestCommand | 'help' {
  const { values, positionals } = parseFlags(argv, {
    source: { type: 'string' },
    'storage-account': { type: 'string' },
    container: { type: 'string' },
    'data-dir': { type: 'string' },
    format: { type: 'string', default: 'auto' },
    'aws-fields': { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    concurrency: { type: 'string' },
    endpoint: { type: 'string' },
    'max-inflated-size': { type: 'string' },
    'max-inflate-ratio': { type: 'string' },
    json: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) {
    throw new UsageError(`ingest reads one source, given with --source (got the argument '${positionals[0]}'; write --source ${positionals[0]})`);
  }
  const options: IngestRunOptions = { source: sourceFrom(values.source, values['storage-account'], values.container), dataDir: dataDirFrom(values['data-dir'], env) };
  const format = values.format;
  if (format !== 'auto' && !isFlowFormatId(format)) {
    throw new UsageError(`--format must be auto or one of ${FLOW_FORMAT_IDS.join(', ')} (got ${format})`);
  }
  options.format = format as FlowFormatId | 'auto';
  const awsFields = values['aws-fields'];
  if (awsFields !== undefined) {
    const fields = awsFields.trim().split(/[\s,]+/).filter(Boolean);
    if (fields.length === 0) throw new UsageError('--aws-fields needs a space-separated field list');
    options.awsFields = fields;
  }
  const limits: NonNullable<IngestOptions['limits']> = {};
  if (values['max-inflated-size'] !== undefined) limits.maxInflatedBytes = positiveNumber('--max-inflated-size', values['max-inflated-size']);
  if (values['max-inflate-ratio'] !== undefined) limits.maxInflateRatio = positiveNumber('--max-inflate-ratio', values['max-inflate-ratio']);
  if (Object.keys(limits).length > 0) options.limits = limits;
  const now = Date.now();
  if (values.since !== undefined) options.since = timeBound('--since', values.since, now);
  if (values.until !== undefined) options.until = timeBound('--until', values.until, now);
  if (options.since != null && options.until != null && options.since >= options.until) {
    throw new UsageError(`--since must be before --until (got ${values.since} and ${values.until})`);
  }
  if (values.concurrency !== undefined) {
    const n = Number(values.concurrency);
    if (!/^\s*\d+\s*$/.test(values.concurrency) || !Number.isSafeInteger(n)) throw new UsageError(`--concurrency needs a whole number of worker threads, or 0 to parse on the main thread (got ${values.concurrency})`);
    options.concurrency = n;
  }
  const endpoint = values.endpoint;
  if (endpoint !== undefined) {
    if (!/^https?:\/\/[^/]/i.test(endpoint) || !URL.canParse(endpoint)) throw new UsageError(`--endpoint needs an http(s) URL such as http://127.0.0.1:10000 (got ${endpoint})`);
    options.sourceOptions = { endpoint };
  }
  return { options, json: values.json, quiet: values.quiet };
}

/** The canonical URI of the one source, from --source or the --storage-account/--container pair. */
function sourceFrom(source: string | undefined, account: string | undefined, container: string | undefined): string {
  if ((account === undefined) !== (container === undefined)) throw new UsageError('--storage-account and --container go together: give both');
  if (source !== undefined && account !== undefined) {
    throw new UsageError('give the source once: either --source or --storage-account with --container, not both');
  }
  if (account !== undefined && container !== undefined) return usable(() => azureLocationFromFlags(account, container).uri);
  if (source === undefined) {
    throw new UsageError('--source is required: a folder, a file, or a URI (azure://, s3://, gs://); or give --storage-account and --container');
  }
  const location = usable(() => parseLocation(source));
  if (location.kind === 'stdin') {
    throw new UsageError('--source cannot be standard input (-): ingest lists its source again on every rerun to find new objects; save the data to a folder and ingest that');
  }
  return location.uri;
}

/** An absolute local folder from --data-dir, else from the environment. */
function dataDirFrom(flag: string | undefined, env: Record<string, string | undefined>): string {
  const fromEnv = env[DATA_DIR_ENV];
  const given = flag ?? (fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv : undefined);
  const origin = flag !== undefined ? '--data-dir' : DATA_DIR_ENV;
  if (given === undefined) throw new UsageError(`--data-dir is required (or set ${DATA_DIR_ENV}): the local folder the lake is written to`);
  if (given.trim() === '') throw new UsageError('--data-dir needs a folder name (got an empty one)');
  if (/^file:\/\//i.test(given)) {
    try {
      return fileURLToPath(given);
    } catch (err) {
      throw new UsageError(`${origin}: ${given} is not a valid file:// URI (${(err as Error).message})`);
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given)) {
    throw new UsageError(`${origin} must be a local folder (got ${given}); the lake is written locally, and can be copied to a bucket afterwards`);
  }
  return path.resolve(given);
}

/** The --json document: the summary's counts, with failures as {object, code, message}. */
export function ingestSummaryJson(s: IngestSummary): Record<string, unknown> {
  return {
    dataDir: s.dataDir,
    objects: s.objects,
    objectsListed: s.objectsListed,
    objectsUnchanged: s.objectsUnchanged,
    objectsIngested: s.objectsIngested,
    objectsReplaced: s.objectsReplaced,
    records: s.records,
    badRecords: s.badRecords,
    badByReason: s.badByReason,
    warnings: s.warnings,
    failures: s.failures.map((f) => ({ object: f.object, code: f.code, message: f.message })),
    filesWritten: s.filesWritten,
    filesRemoved: s.filesRemoved,
    seconds: s.seconds,
    recordsPerSecond: s.recordsPerSecond,
  };
}

/** The line under formatSummary's: what happened to the lake. */
export function formatIngestTotals(s: IngestSummary): string {
  return (
    `  objects: ${s.objectsListed} listed, ${s.objectsUnchanged} unchanged (skipped), ${s.objectsIngested} ingested` +
    ` (${s.objectsReplaced} replacing earlier rows); files: ${s.filesWritten} written, ${s.filesRemoved} removed;` +
    ` ${s.seconds.toFixed(2)} s, ${Math.round(s.recordsPerSecond)} records/s → ${s.dataDir}\n`
  );
}

export async function runIngest(argv: string[], io: CliIO): Promise<number> {
  const cmd = parseIngestArgs(argv);
  if (cmd === 'help') {
    io.stderr.write(INGEST_HELP);
    return EXIT.ok;
  }
  const stderr = io.stderr as CliIO['stderr'] & { isTTY?: boolean; columns?: number };
  const reporter = cmd.quiet ? null : createProgressReporter({ stream: stderr, isTTY: stderr.isTTY === true });
  let last: IngestProgress = {
    phase: 'listing', objectsTotal: 0, objectsDone: 0, objectsUnchanged: 0, records: 0, badRecords: 0, bytesRead: 0, bytesTotal: null, elapsedMs: 0,
  };
  const onProgress = (p: IngestProgress) => {
    last = p;
    reporter?.update(p);
  };
  let summary: IngestSummary;
  try {
    summary = await ingest({ ...cmd.options, onProgress });
  } catch (err) {
    reporter?.done();
    const message = failureMessage(err, cmd.options.dataDir);
    if (message === null) throw err;
    io.stderr.write(`networkflow ingest: ${message.text}\n`);
    return message.exit;
  }
  reporter?.done({
    ...last,
    phase: 'done',
    objectsDone: last.objectsTotal,
    objectsUnchanged: summary.objectsUnchanged,
    records: summary.records,
    badRecords: summary.badRecords,
    elapsedMs: summary.seconds * 1000,
  });
  io.stderr.write(formatSummary(summary));
  io.stderr.write(formatIngestTotals(summary));
  if (cmd.json) await writeOut(io.stdout, `${JSON.stringify(ingestSummaryJson(summary), null, 2)}\n`);
  return summary.failures.length > 0 ? EXIT.inputFailed : EXIT.ok;
}

/**
 * What the argument parser could not see, said plainly rather than as a stack trace: a bad option or
 * a locked data dir (the library's errors, with their hint), a source that cannot be listed, a data dir
 * that cannot be created or written. Null for anything else (a bug: the stack trace is wanted).
 */
function failureMessage(err: unknown, dataDir: string): { text: string; exit: number } | null {
  if (err instanceof NetworkflowError) {
    return { text: `${err.message}${err.hint ? ` (${err.hint})` : ''}`, exit: err.code === 'bad-option' ? EXIT.usage : EXIT.inputFailed };
  }
  if (err instanceof SourceError) {
    return { text: err.message.includes(err.target) ? err.message : `${err.target}: ${err.message}`, exit: EXIT.inputFailed };
  }
  const fsError = err as NodeJS.ErrnoException;
  if (err instanceof Error && typeof fsError.syscall === 'string' && typeof fsError.path === 'string') {
    const p = path.resolve(fsError.path);
    if (p === dataDir || p.startsWith(dataDir + path.sep)) {
      return { text: `data dir ${dataDir}: ${err.message} (give --data-dir a folder that can be created and written to)`, exit: EXIT.usage };
    }
  }
  return null;
}
