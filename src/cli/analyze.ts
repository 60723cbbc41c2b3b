/** `networkflow analyze`: every aggregate and the anomalies of a lake (ingested first from --source if given). */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FlowStore, NetworkflowError, analysisTables, computeAnalysis, csvText, type AggregateOptions, type Filter } from '../index.js';
import { analysisReport } from './analysis-report.js';
import { parseFlags } from './args.js';
import { FILTER_ARG_OPTIONS, FILTER_HELP, type FilterValues } from './filter-args.js';
import { DATA_DIR_ENV, runIngest } from './ingest.js';
import { EXIT, UsageError, writeOut, type CliIO } from './io.js';
import { ANOMALY_ARG_OPTIONS, ANOMALY_HELP, anomalyArgs, bucketArg, choiceArg, dataDirArg, filterArg, localDir, topArg } from './lake-args.js';

export const ANALYZE_FORMATS = ['table', 'json', 'csv'] as const;
export type AnalyzeFormat = (typeof ANALYZE_FORMATS)[number];

export const ANALYZE_HELP = `Usage: networkflow analyze --data-dir <dir> [filters] [options]
       networkflow analyze --source <uri|path> [--data-dir <dir>] [filters] [options]

Summarizes the flows of a lake: totals, top talkers and listeners, service ports, denied flows (by NSG and
rule, source, port, over time), traffic over time, day × hour and NSG × hour heatmaps, top IP pairs,
countries, and anomalies (traffic and denied spikes, port scans, persistent connections, lateral
movement, rare countries, new external talkers), all under the same filters.

Data (one of):
  --data-dir <dir>           a lake written by networkflow ingest (default: $${DATA_DIR_ENV})
  --source <uri|path>        ingest this first (a folder, a file, azure://, s3://, gs://; see networkflow ingest
                             --help), into --data-dir when given (kept), else into a temporary folder that
                             is removed afterwards ($${DATA_DIR_ENV} is not used with --source). --since and
                             --until also limit which objects are read, by the time in their path.
  --concurrency <n>          with --source: ingest's parsing worker threads
  --endpoint <url>           with --source: object-store endpoint (an emulator or a sovereign cloud)

${FILTER_HELP}
${ANOMALY_HELP}
Options:
  --top <n>                  rows of every top-N list before its "other" row, 1–10000 (default: 10 for
                             talkers, listeners, denied and NSGs; 20 for service ports and IP pairs)
  --bucket <unit>            minute | hour | day for the series (default: automatic for the window)
  --format <f>               table (default): readable sections; json: one document with every aggregate
                             and the anomalies; csv: each aggregate as a CSV table under a '# <name>' line
  --quiet                    no ingest progress display (with --source)
  -h, --help                 this help

Exit codes: 0 ok; 2 the data dir is missing or unreadable, or (with --source) an object failed to ingest
(what was ingested is still analyzed) or the source could not be listed; 64 usage error.
`;

export interface AnalyzeCommand {
  source?: string;
  /** Absent only with --source (a temporary lake). */
  dataDir?: string;
  filter: Filter;
  options: AggregateOptions;
  format: AnalyzeFormat;
  quiet: boolean;
  /** Extra arguments for the ingest of --source. */
  ingestArgs: string[];
}

/** Pure argument parsing; `env` supplies the data-dir default, `now` the time durations count back from. */
export function parseAnalyzeArgs(argv: string[], env: Record<string, string | undefined> = process.env, now = Date.now()): AnalyzeCommand | 'help' {
  const { values, positionals } = parseFlags(argv, {
    ...FILTER_ARG_OPTIONS,
    source: { type: 'string' },
    'data-dir': { type: 'string' },
    concurrency: { type: 'string' },
    endpoint: { type: 'string' },
    ...ANOMALY_ARG_OPTIONS,
    top: { type: 'string' },
    bucket: { type: 'string' },
    format: { type: 'string', default: 'table' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`analyze takes no arguments (got '${positionals[0]}'); give the data with --data-dir or --source`);
  const filter = filterArg(values as FilterValues, now);
  const source = values.source;
  if (source !== undefined && source.trim() === '') throw new UsageError('--source needs a folder, a file or a URI (got an empty one)');
  const dataDir = source === undefined ? dataDirArg(values['data-dir'], env) : localDir('--data-dir', values['data-dir']);
  if (source === undefined && dataDir === undefined) {
    throw new UsageError(`give --data-dir <dir> (or set ${DATA_DIR_ENV}) to analyze a lake, or --source <uri|path> to ingest and analyze`);
  }
  const ingestArgs: string[] = [];
  for (const flag of ['concurrency', 'endpoint'] as const) {
    const value = values[flag];
    if (value === undefined) continue;
    if (source === undefined) throw new UsageError(`--${flag} goes with --source (it configures the ingest)`);
    ingestArgs.push(`--${flag}`, value);
  }
  if (filter.since !== undefined) ingestArgs.push('--since', new Date(filter.since).toISOString());
  if (filter.until !== undefined) ingestArgs.push('--until', new Date(filter.until).toISOString());
  if (values.quiet) ingestArgs.push('--quiet');
  const cmd: AnalyzeCommand = {
    filter,
    options: { top: topArg(values.top), bucket: bucketArg(values.bucket), anomalies: anomalyArgs(values, now) },
    format: choiceArg('--format', values.format, ANALYZE_FORMATS),
    quiet: values.quiet,
    ingestArgs,
  };
  if (source !== undefined) cmd.source = source;
  if (dataDir !== undefined) cmd.dataDir = dataDir;
  return cmd;
}

export async function runAnalyze(argv: string[], io: CliIO): Promise<number> {
  const cmd = parseAnalyzeArgs(argv);
  if (cmd === 'help') {
    io.stderr.write(ANALYZE_HELP);
    return EXIT.ok;
  }
  let temporary: string | undefined;
  try {
    let dataDir = cmd.dataDir;
    let ingestFailed = false;
    if (cmd.source !== undefined) {
      if (dataDir === undefined) dataDir = temporary = await mkdtemp(path.join(os.tmpdir(), 'networkflow-analyze-'));
      const code = await runIngest(['--source', cmd.source, '--data-dir', dataDir, ...cmd.ingestArgs], io);
      if (code === EXIT.usage) return code;
      ingestFailed = code !== EXIT.ok;
    }
    const store = await openStore(dataDir as string, io);
    if (store === null) return EXIT.inputFailed;
    try {
      if (ingestFailed && Object.keys(store.manifest.objects).length === 0) {
        io.stderr.write('networkflow analyze: nothing was ingested (see above), so there is nothing to analyze\n');
        return EXIT.inputFailed;
      }
      if (ingestFailed) io.stderr.write('networkflow analyze: the ingest reported failures (see above); analyzing what the data dir holds\n');
      const analysis = await computeAnalysis(store, cmd.filter, cmd.options);
      let text: string;
      if (cmd.format === 'json') text = `${JSON.stringify(analysis, null, 2)}\n`;
      else if (cmd.format === 'csv') text = analysisTables(analysis).map(({ name, table }) => `# ${name}\n${csvText(table)}`).join('\n');
      else text = analysisReport(analysis, cmd.options.top);
      await writeOut(io.stdout, text);
    } finally {
      store.close();
    }
    return ingestFailed ? EXIT.inputFailed : EXIT.ok;
  } finally {
    if (temporary !== undefined) await rm(temporary, { recursive: true, force: true });
  }
}

/**
 * The lake's store, or null after saying why it cannot be read: a missing folder, a damaged manifest (bad
 * JSON, another version). Opening reads only the folder and the manifest, so every failure is about the data.
 */
export async function openStore(dataDir: string, io: CliIO, command = 'analyze'): Promise<FlowStore | null> {
  try {
    return await FlowStore.open(dataDir);
  } catch (err) {
    const text = err instanceof NetworkflowError ? `${err.message}${err.hint ? ` (${err.hint})` : ''}` : `data dir ${dataDir}: ${(err as Error).message}`;
    io.stderr.write(`networkflow ${command}: ${text}\n`);
    return null;
  }
}
