/** `networkflow export`: one aggregate, or the raw filtered flows, as JSON or CSV to stdout or a file. */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import {
  AGGREGATE_NAMES,
  FLOW_COLUMNS,
  computeAggregate,
  csvLine,
  csvText,
  flowRecordToNdjson,
  isAggregateName,
  type AggregateName,
  type AggregateOptions,
  type Filter,
  type FlowRecord,
  type FlowRow,
  type FlowStore,
} from '../index.js';
import { openStore } from './analyze.js';
import { parseFlags } from './args.js';
import { FILTER_ARG_OPTIONS, FILTER_HELP, type FilterValues } from './filter-args.js';
import { flowPages } from './flow-pages.js';
import { DATA_DIR_ENV } from './ingest.js';
import { EXIT, UsageError, writeOut, type CliIO } from './io.js';
import { ANOMALY_ARG_OPTIONS, ANOMALY_HELP, anomalyArgs, bucketArg, choiceArg, dataDirArg, filterArg, topArg } from './lake-args.js';

export const EXPORT_FORMATS = ['json', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export type ExportTarget = AggregateName | 'flows';

export const EXPORT_HELP = `Usage: networkflow export <aggregate> --data-dir <dir> [--format json|csv] [--output <file>] [filters] [options]

Writes one aggregate of a lake, or its raw flows, under the filters.

Aggregates:
  ${AGGREGATE_NAMES.join(', ')}
  flows                      the raw flows, oldest first, streamed: NDJSON (json) or CSV with the columns of
                             networkflow parse (the normalized flow record)

Options:
  --data-dir <dir>           a lake written by networkflow ingest (default: $${DATA_DIR_ENV})
  --format <f>               json (default): the library's result as one JSON document (times in epoch ms),
                             NDJSON for flows; csv: a header line and one row per item (times in ISO 8601 UTC;
                             text cells starting with = + - @ get a leading ' so spreadsheets do not run them)
  --output <file>            write here instead of standard output: written to a temporary name beside it and
                             renamed into place when complete, so the file is never seen half-written
  --top <n>                  rows before the "other" row of a top-N aggregate, 1–10000 (library defaults)
  --bucket <unit>            minute | hour | day for time-series and denied-over-time (default: automatic)
  -h, --help                 this help

${FILTER_HELP}
${ANOMALY_HELP}
Exit codes: 0 ok; 2 the data dir is missing or unreadable; 64 usage error (also an --output that cannot be written).
`;

export interface ExportCommand {
  target: ExportTarget;
  dataDir: string;
  filter: Filter;
  options: AggregateOptions;
  format: ExportFormat;
  output?: string;
}

/** Pure argument parsing; `env` supplies the data-dir default, `now` the time durations count back from. */
export function parseExportArgs(argv: string[], env: Record<string, string | undefined> = process.env, now = Date.now()): ExportCommand | 'help' {
  const { values, positionals } = parseFlags(argv, {
    ...FILTER_ARG_OPTIONS,
    'data-dir': { type: 'string' },
    format: { type: 'string', default: 'json' },
    output: { type: 'string' },
    ...ANOMALY_ARG_OPTIONS,
    top: { type: 'string' },
    bucket: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return 'help';
  const names = `${AGGREGATE_NAMES.join(', ')}, flows`;
  if (positionals.length !== 1) throw new UsageError(`export writes one aggregate: give one of ${names}${positionals.length > 1 ? ` (got ${positionals.join(' ')})` : ''}`);
  const target = positionals[0];
  if (target !== 'flows' && !isAggregateName(target)) throw new UsageError(`unknown aggregate '${target}': use one of ${names}`);
  const dataDir = dataDirArg(values['data-dir'], env);
  if (dataDir === undefined) throw new UsageError(`--data-dir is required (or set ${DATA_DIR_ENV}): the lake written by networkflow ingest`);
  const filter = filterArg(values as FilterValues, now);
  const top = topArg(values.top);
  if (top !== undefined && target === 'flows') throw new UsageError('--top applies to aggregates; flows are exported in full (narrow them with the filters)');
  const output = values.output;
  if (output !== undefined && output.trim() === '') throw new UsageError('--output needs a file name (got an empty one)');
  const cmd: ExportCommand = { target, dataDir, filter, options: { top, bucket: bucketArg(values.bucket), anomalies: anomalyArgs(values, now) }, format: choiceArg('--format', values.format, EXPORT_FORMATS) };
  if (output !== undefined) cmd.output = path.resolve(output);
  return cmd;
}

export async function runExport(argv: string[], io: CliIO): Promise<number> {
  const cmd = parseExportArgs(argv);
  if (cmd === 'help') {
    io.stderr.write(EXPORT_HELP);
    return EXIT.ok;
  }
  const store = await openStore(cmd.dataDir, io, 'export');
  if (store === null) return EXIT.inputFailed;
  try {
    const write = (out: Writable) => (cmd.target === 'flows' ? writeFlows(store, cmd, out) : writeAggregate(store, cmd, cmd.target, out));
    if (cmd.output === undefined) {
      await write(io.stdout);
      return EXIT.ok;
    }
    return await writeAtomically(cmd.output, write, io);
  } finally {
    store.close();
  }
}

async function writeAggregate(store: FlowStore, cmd: ExportCommand, name: AggregateName, out: Writable): Promise<void> {
  const { value, table } = await computeAggregate(store, cmd.filter, name, cmd.options);
  await writeOut(out, cmd.format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : csvText(table));
}

async function writeFlows(store: FlowStore, cmd: ExportCommand, out: Writable): Promise<void> {
  if (cmd.format === 'csv') await writeOut(out, csvLine(FLOW_COLUMNS));
  for await (const page of flowPages(store, cmd.filter)) {
    let text = '';
    for (const row of page) text += cmd.format === 'json' ? flowRecordToNdjson(flowRecordOf(row)) : flowCsvLine(row);
    await writeOut(out, text);
  }
}

/** The normalized record of a lake row (without the store's own columns), attributes parsed back to an object. */
export function flowRecordOf(row: FlowRow): FlowRecord {
  const record: Record<string, unknown> = {};
  for (const c of FLOW_COLUMNS) record[c] = c === 'attributes' && typeof row.attributes === 'string' ? JSON.parse(row.attributes) : row[c];
  return record as unknown as FlowRecord;
}

function flowCsvLine(row: FlowRow): string {
  return csvLine(FLOW_COLUMNS.map((c) => (c === 'timestamp' || c === 'end_time') && row[c] !== null ? new Date(row[c]).toISOString() : row[c]));
}

/** Writes to `<file>.<pid>.<random>.tmp` beside the file, then renames it into place; the temporary is removed on failure. */
async function writeAtomically(file: string, write: (out: Writable) => Promise<void>, io: CliIO): Promise<number> {
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  const out = createWriteStream(temporary, { flags: 'wx' });
  const opened = new Promise<Error | null>((resolve) => {
    out.once('open', () => resolve(null));
    out.once('error', resolve);
  });
  const openError = await opened;
  if (openError !== null) {
    io.stderr.write(`networkflow export: --output ${file}: cannot write there (${openError.message})\n`);
    return EXIT.usage;
  }
  try {
    await write(out);
    out.end();
    await finished(out);
    await rename(temporary, file);
    return EXIT.ok;
  } catch (err) {
    out.destroy();
    await rm(temporary, { force: true });
    throw err;
  }
}
